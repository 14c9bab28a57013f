"""The enforcement file (one per writ), its parties, steps, stays, assets, inquiries, instalments,
collections, auctions and distribution schedules; the rules and pilot settings as data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.enforcement.choices import (
    Agency,
    AssetKind,
    AssetStatus,
    AuctionStatus,
    CollectionSource,
    ComplaintStatus,
    DepositStatus,
    FileStatus,
    FoundBy,
    InquiryStatus,
    JudgmentState,
    ObjectionStatus,
    Outcome,
    PartyRole,
    Performer,
    PlanStatus,
    ScheduleStatus,
    StayReason,
    StayStatus,
    Step,
    TaskStatus,
)

USER = settings.AUTH_USER_MODEL


# --- rules and settings (data the Kanoon updates) ---------------------------------------------


class Rule(models.Model):
    """One number of the law (a rate in basis points, a period in days or months, a fraction)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    value = models.PositiveIntegerField(_("value"))
    unit = models.CharField(_("unit"), max_length=20)
    article = models.CharField(_("article"), max_length=100)
    confirmed = models.BooleanField(_("confirmed in the law's text"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("enforcement rule")
        verbose_name_plural = _("enforcement rules")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} {self.unit}"


class ExemptCategory(models.Model):
    """Property that cannot be seized (1394 Law art. 24)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    article = models.CharField(_("article"), max_length=100)
    confirmed = models.BooleanField(_("confirmed in the law's text"), default=False)
    active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("exempt category")
        verbose_name_plural = _("exempt categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en


class CourtOfficer(models.Model):
    """A judiciary enforcement officer who decides the steps the law keeps with the court."""

    user = models.ForeignKey(USER, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    province = models.ForeignKey("offices.Province", verbose_name=_("province"), on_delete=models.PROTECT)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("court enforcement officer")
        verbose_name_plural = _("court enforcement officers")
        constraints = [models.UniqueConstraint(fields=["user", "province"], name="enf_officer_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.province_id}"


class PilotSetting(models.Model):
    """Which step a province's court hands to its pilot offices, and whether the court approves it."""

    province = models.ForeignKey("offices.Province", verbose_name=_("province"), on_delete=models.PROTECT)
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    office_may = models.BooleanField(_("offices may do it"), default=False)
    court_approval = models.BooleanField(_("the court officer approves"), default=True)

    class Meta:
        verbose_name = _("pilot setting")
        verbose_name_plural = _("pilot settings")
        constraints = [
            models.UniqueConstraint(fields=["province", "step"], name="enf_pilot_once"),
            models.CheckConstraint(condition=Q(step__in=Step.values), name="enf_pilot_step_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.province_id}/{self.step}"


class CourtBaseline(models.Model):
    """The court's own figures for a province and year, entered to compare the pilot against."""

    province = models.ForeignKey("offices.Province", verbose_name=_("province"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("Jalali year"))
    days_to_first_payment = models.PositiveIntegerField(_("median days from writ to first payment"))
    days_to_closure = models.PositiveIntegerField(_("median days from writ to closure"))
    recovery_files_bp = models.PositiveIntegerField(_("recovery rate by files (basis points)"))
    recovery_amount_bp = models.PositiveIntegerField(_("recovery rate by amount (basis points)"))

    class Meta:
        verbose_name = _("court baseline")
        verbose_name_plural = _("court baselines")
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="enf_baseline_once"),
            models.CheckConstraint(
                condition=Q(recovery_files_bp__lte=10000, recovery_amount_bp__lte=10000),
                name="enf_baseline_rates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province_id}/{self.year}"


# --- the file ---------------------------------------------------------------------------------


class EnforcementFile(models.Model):
    number = models.CharField(_("file number"), max_length=20, unique=True)
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("pilot office"), on_delete=models.PROTECT, related_name="+"
    )
    province = models.ForeignKey("offices.Province", verbose_name=_("province"), on_delete=models.PROTECT)
    court = models.CharField(_("court"), max_length=120)
    branch = models.CharField(_("branch"), max_length=20)
    judgment_number = models.CharField(_("judgment number"), max_length=40)
    judgment_date = models.DateField(_("judgment date"))
    judgment_state = models.CharField(_("judgment"), max_length=12, choices=JudgmentState.choices)
    judgment_served_on = models.DateField(_("judgment served on"))
    amount = models.BigIntegerField(_("amount (rials)"))
    costs = models.BigIntegerField(_("costs (rials)"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=FileStatus.choices, default=FileStatus.REQUESTED
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    settled = models.BooleanField(_("the parties settled"), default=False)
    writ_number = models.CharField(_("writ number"), max_length=40, blank=True)
    writ_issued_at = models.DateTimeField(_("writ issued"), null=True, blank=True)
    served_on = models.DateField(_("writ served on"), null=True, blank=True)
    served_by_publication = models.BooleanField(_("served by publication"), default=False)
    debtor_window_due = models.DateField(_("the debtor's 10 days end"), null=True, blank=True)
    insolvency_due = models.DateField(
        _("the 30 days for an asset list and insolvency claim end"), null=True, blank=True
    )
    asset_list_filed_at = models.DateTimeField(_("asset list filed"), null=True, blank=True)
    asset_list_accepted_at = models.DateTimeField(_("asset list checked"), null=True, blank=True)
    insolvency_claimed_at = models.DateTimeField(_("insolvency claimed"), null=True, blank=True)
    first_payment_at = models.DateTimeField(_("first payment"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("requested by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("enforcement file")
        verbose_name_plural = _("enforcement files")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["office", "status"]),
            models.Index(fields=["province", "status"]),
            models.Index(fields=["status", "created_at"], name="enf_file_status_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="enf_file_amount_positive"),
            models.CheckConstraint(condition=Q(costs__gte=0), name="enf_file_costs"),
            models.CheckConstraint(condition=Q(status__in=FileStatus.values), name="enf_file_status_valid"),
            models.CheckConstraint(
                condition=Q(judgment_state__in=[JudgmentState.FINAL, JudgmentState.PROVISIONAL]),
                name="enf_file_judgment_enforceable",
            ),
            models.CheckConstraint(
                condition=(Q(status=FileStatus.CLOSED) & ~Q(outcome=""))
                | (~Q(status=FileStatus.CLOSED) & Q(outcome="")),
                name="enf_file_outcome_iff_closed",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="enf_file_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != FileStatus.CLOSED


class FileEvent(TransitionEvent):
    file = models.ForeignKey(EnforcementFile, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("enforcement file event")
        verbose_name_plural = _("enforcement file events")
        ordering = ["created_at", "pk"]


class FileParty(models.Model):
    file = models.ForeignKey(EnforcementFile, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=10, choices=PartyRole.choices)
    user = models.ForeignKey(
        USER, verbose_name=_("user"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    national_code = models.CharField(_("national code"), max_length=10, blank=True)
    mobile = models.CharField(_("mobile"), max_length=13, blank=True)
    claim = models.BigIntegerField(_("claim (rials)"), default=0)
    priority_class = models.PositiveSmallIntegerField(_("priority class"), default=5)
    has_dependants = models.BooleanField(_("has a spouse or child"), default=False)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["file", "role", "priority_class", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=PartyRole.values), name="enf_party_role_valid"),
            models.CheckConstraint(condition=Q(claim__gte=0), name="enf_party_claim"),
            models.CheckConstraint(
                condition=Q(role=PartyRole.DEBTOR, claim=0) | Q(role=PartyRole.CREDITOR, claim__gt=0),
                name="enf_party_claim_only_creditor",
            ),
            models.CheckConstraint(
                condition=Q(priority_class__gte=1, priority_class__lte=5), name="enf_party_class"
            ),
            models.UniqueConstraint(
                fields=["file", "user", "role"], condition=Q(user__isnull=False), name="enf_party_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class Stay(models.Model):
    """Enforcement stopped for a while, with its reason code (CJEA 24)."""

    file = models.ForeignKey(EnforcementFile, on_delete=models.CASCADE, related_name="stays")
    reason = models.CharField(_("reason"), max_length=20, choices=StayReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=StayStatus.choices, default=StayStatus.ACTIVE
    )
    ordered_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("from"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=StayReason.values), name="enf_stay_reason_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.file_id}: {self.reason}"


class Task(models.Model):
    """One step done for a file, by a pilot office or the court; the court officer approves where asked."""

    file = models.ForeignKey(EnforcementFile, on_delete=models.CASCADE, related_name="tasks")
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    performer = models.CharField(_("done by"), max_length=10, choices=Performer.choices)
    payload = models.JSONField(_("details"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices)
    performed_by = models.ForeignKey(
        USER, verbose_name=_("performed by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("done"), auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("enforcement task")
        verbose_name_plural = _("enforcement tasks")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "step"])]
        constraints = [
            models.CheckConstraint(condition=Q(step__in=Step.values), name="enf_task_step_valid"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="enf_task_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.file_id}/{self.step}"


# --- assets -----------------------------------------------------------------------------------


class Asset(models.Model):
    file = models.ForeignKey(EnforcementFile, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(_("type"), max_length=10, choices=AssetKind.choices)
    found_by = models.CharField(_("found by"), max_length=10, choices=FoundBy.choices)
    description = models.CharField(_("description"), max_length=300)
    identifier = models.CharField(_("account, plate or deed number"), max_length=60, blank=True)
    estimated_value = models.BigIntegerField(_("estimated value (rials)"), default=0)
    exempt_category = models.CharField(_("exempt as"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AssetStatus.choices, default=AssetStatus.LISTED
    )
    seized_at = models.DateTimeField(_("seized"), null=True, blank=True)
    value = models.BigIntegerField(_("valuation (rials)"), null=True, blank=True)
    valuer = models.CharField(_("valuer"), max_length=120, blank=True)
    valued_at = models.DateTimeField(_("valuation served"), null=True, blank=True)
    objection_due = models.DateField(_("objections until"), null=True, blank=True)
    objection_status = models.CharField(
        _("objection"),
        max_length=10,
        choices=ObjectionStatus.choices,
        blank=True,
        default=ObjectionStatus.NONE,
    )
    objection_text = models.CharField(_("objection"), max_length=500, blank=True)
    objection_filed_at = models.DateTimeField(_("objection filed"), null=True, blank=True)
    monthly_salary = models.BigIntegerField(_("monthly salary or pension (rials)"), default=0)
    protected_benefits = models.BigIntegerField(_("protected allowances in it (rials)"), default=0)
    is_pension = models.BooleanField(_("a pension"), default=False)
    garnish_monthly = models.BigIntegerField(_("garnished each month (rials)"), default=0)
    taken_by = models.ForeignKey(
        "enforcement.FileParty",
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets_taken",
    )
    taken_amount = models.BigIntegerField(_("credited against the claim (rials)"), default=0)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("listed"), auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["file", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AssetKind.values), name="enf_asset_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=AssetStatus.values), name="enf_asset_status_valid"),
            models.CheckConstraint(
                condition=Q(exempt_category="") | Q(status__in=[AssetStatus.LISTED, AssetStatus.RELEASED]),
                name="enf_asset_exempt_never_seized",
            ),
            models.CheckConstraint(
                condition=Q(estimated_value__gte=0, monthly_salary__gte=0, garnish_monthly__gte=0)
                & Q(protected_benefits__gte=0),
                name="enf_asset_amounts",
            ),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gt=0), name="enf_asset_value"),
        ]

    def __str__(self) -> str:
        return self.description


class AssetEvent(TransitionEvent):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("asset event")
        verbose_name_plural = _("asset events")
        ordering = ["created_at", "pk"]


class AssetInquiry(models.Model):
    """A question to one agency about the debtor's property (1394 Law 19), through its adapter."""

    file = models.ForeignKey(EnforcementFile, on_delete=models.CASCADE, related_name="inquiries")
    agency = models.CharField(_("agency"), max_length=20, choices=Agency.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.SENT
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    latency_ms = models.PositiveIntegerField(_("answer time (ms)"), default=0)
    error = models.CharField(_("error"), max_length=200, blank=True)
    answer = models.JSONField(_("answer"), default=dict, blank=True)
    requested_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("asset inquiry")
        verbose_name_plural = _("asset inquiries")
        ordering = ["file", "agency"]
        constraints = [
            models.UniqueConstraint(fields=["file", "agency"], name="enf_inquiry_once"),
            models.CheckConstraint(condition=Q(agency__in=Agency.values), name="enf_inquiry_agency_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.file_id}/{self.agency}"


class InstalmentPlan(models.Model):
    """Instalments granted by the court (1394 Law 11)."""

    file = models.ForeignKey(EnforcementFile, on_delete=models.CASCADE, related_name="plans")
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.PROPOSED
    )
    count = models.PositiveSmallIntegerField(_("number of instalments"))
    amount_each = models.BigIntegerField(_("each instalment (rials)"))
    first_due = models.DateField(_("first instalment due"))
    proposed_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("instalment plan")
        verbose_name_plural = _("instalment plans")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1, count__lte=120), name="enf_plan_count"),
            models.CheckConstraint(condition=Q(amount_each__gt=0), name="enf_plan_amount"),
            models.UniqueConstraint(
                fields=["file"],
                condition=Q(status__in=[PlanStatus.PROPOSED, PlanStatus.GRANTED]),
                name="enf_plan_one_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_id}: {self.count} × {self.amount_each}"


class Collection(models.Model):
    """Money collected for the file and held for its creditors (ENFORCEMENT_HELD)."""

    file = models.ForeignKey(EnforcementFile, on_delete=models.PROTECT, related_name="collections")
    source = models.CharField(_("source"), max_length=20, choices=CollectionSource.choices)
    amount = models.BigIntegerField(_("amount (rials)"))
    transaction = models.OneToOneField("finance.Transaction", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    collected_at = models.DateTimeField(_("collected"), db_index=True)

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["collected_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="enf_collection_positive")]

    def __str__(self) -> str:
        return f"{self.file_id}: {self.amount}"


# --- auctions ---------------------------------------------------------------------------------


class Auction(models.Model):
    file = models.ForeignKey(EnforcementFile, on_delete=models.PROTECT, related_name="auctions")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="auctions")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=AuctionStatus.choices, default=AuctionStatus.NOTICE
    )
    starting_price = models.BigIntegerField(_("starting price (rials)"))
    deposit = models.BigIntegerField(_("deposit (rials)"))
    announced_at = models.DateTimeField(_("announced"))
    starts_at = models.DateTimeField(_("bidding opens"))
    ends_at = models.DateTimeField(_("bidding ends"))
    scheduled_end = models.DateTimeField(_("scheduled end"))
    extension_minutes = models.PositiveSmallIntegerField(_("extension after a late bid (minutes)"))
    highest_amount = models.BigIntegerField(_("highest bid (rials)"), default=0)
    winner = models.ForeignKey(
        "enforcement.Registration", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    awarded_at = models.DateTimeField(_("awarded"), null=True, blank=True)
    balance_due = models.DateField(_("balance due by"), null=True, blank=True)
    balance_payment = models.OneToOneField(
        "finance.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complaints_until = models.DateField(_("complaints until"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "round"], name="enf_auction_round"),
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(status__in=[AuctionStatus.NOTICE, AuctionStatus.OPEN, AuctionStatus.AWARDED]),
                name="enf_auction_one_live",
            ),
            models.CheckConstraint(
                condition=Q(starting_price__gt=0, deposit__gt=0), name="enf_auction_prices"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("scheduled_end")), name="enf_auction_end_not_earlier"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("scheduled_end")), name="enf_auction_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}#{self.round}"


class Registration(models.Model):
    """A bidder registered with the 10% deposit (held in AUCTION_DEPOSITS)."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="registrations")
    bidder = models.ForeignKey(USER, verbose_name=_("bidder"), on_delete=models.PROTECT, related_name="+")
    deposit = models.BigIntegerField(_("deposit (rials)"))
    status = models.CharField(
        _("status"), max_length=10, choices=DepositStatus.choices, default=DepositStatus.HELD
    )
    deposit_transaction = models.OneToOneField(
        "finance.Transaction", on_delete=models.PROTECT, related_name="+"
    )
    payment = models.OneToOneField(
        "finance.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("auction registration")
        verbose_name_plural = _("auction registrations")
        ordering = ["auction", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "bidder"], name="enf_registration_once"),
            models.CheckConstraint(condition=Q(deposit__gt=0), name="enf_registration_deposit"),
        ]

    def __str__(self) -> str:
        return f"{self.auction_id}/{self.bidder_id}"


class Bid(models.Model):
    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="bids")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="bids")
    amount = models.BigIntegerField(_("amount (rials)"))
    placed_at = models.DateTimeField(_("placed"))

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["-amount", "placed_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="enf_bid_positive"),
            models.UniqueConstraint(fields=["auction", "amount"], name="enf_bid_amount_once"),
        ]

    def __str__(self) -> str:
        return f"{self.auction_id}: {self.amount}"


class AuctionComplaint(models.Model):
    """A complaint about a sale, within a week of it (CJEA 136, 142)."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="complaints")
    filed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("complaint"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.FILED
    )
    created_at = models.DateTimeField(_("filed"), auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("auction complaint")
        verbose_name_plural = _("auction complaints")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.auction_id}: {self.status}"


# --- distribution -----------------------------------------------------------------------------


class Schedule(models.Model):
    """The distribution schedule (CJEA 148–155): the fee, each creditor's share, the surplus."""

    file = models.ForeignKey(EnforcementFile, on_delete=models.PROTECT, related_name="schedules")
    status = models.CharField(
        _("status"), max_length=10, choices=ScheduleStatus.choices, default=ScheduleStatus.DRAFT
    )
    collected = models.BigIntegerField(_("collected and held (rials)"))
    fee = models.BigIntegerField(_("enforcement fee (rials)"))
    fee_rate_bp = models.PositiveIntegerField(_("fee rate (basis points)"))
    surplus = models.BigIntegerField(_("surplus to the debtor (rials)"))
    prepared_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("prepared"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid out"), null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("distribution schedule")
        verbose_name_plural = _("distribution schedules")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(collected__gt=0, fee__gte=0, surplus__gte=0), name="enf_schedule_amounts"
            ),
            models.UniqueConstraint(
                fields=["file"], condition=Q(status=ScheduleStatus.DRAFT), name="enf_schedule_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_id}: {self.collected}"


class ScheduleLine(models.Model):
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="lines")
    party = models.ForeignKey(FileParty, on_delete=models.PROTECT, related_name="+")
    priority_class = models.PositiveSmallIntegerField(_("priority class"))
    claim = models.BigIntegerField(_("still owed (rials)"))
    amount = models.BigIntegerField(_("paid now (rials)"))

    class Meta:
        verbose_name = _("distribution line")
        verbose_name_plural = _("distribution lines")
        ordering = ["schedule", "priority_class", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0, amount__lte=models.F("claim")), name="enf_line_amount"
            ),
            models.UniqueConstraint(fields=["schedule", "party"], name="enf_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.party_id}: {self.amount}"
