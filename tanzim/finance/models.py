"""Money: a double-entry ledger, payments and refunds, the Kanoon share and its settlement.

The ledger is append-only. Every movement is one balanced ``Transaction`` of ``Entry`` rows
(integer rials); a correction is a reversing transaction, never an edit. Payments and
refunds are the business records; each change of money they cause points at its ledger
transaction.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.common.storage import private_storage
from tanzim.finance.choices import (
    AccountKind,
    AccountOwner,
    AccountPurpose,
    FreeServiceGround,
    GatewayOutcome,
    PaymentMethod,
    PaymentPart,
    PaymentStatus,
    RefundStatus,
    SettlementStatus,
    Tier,
    TransactionKind,
)

MONTH = [MinValueValidator(1), MaxValueValidator(12)]
YEAR = [MinValueValidator(1300), MaxValueValidator(1600)]
BASIS_POINTS = [MinValueValidator(0), MaxValueValidator(10_000)]


class Account(models.Model):
    """One ledger account. Office accounts are created the first time an office moves money."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    owner = models.CharField(_("owner"), max_length=10, choices=AccountOwner.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=AccountPurpose.choices)
    office = models.ForeignKey(
        "offices.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "purpose"], condition=Q(office__isnull=False), name="account_office_purpose"
            ),
            models.UniqueConstraint(
                fields=["owner", "purpose"], condition=Q(office__isnull=True), name="account_owner_purpose"
            ),
            models.CheckConstraint(
                condition=(Q(owner=AccountOwner.OFFICE) & Q(office__isnull=False))
                | (~Q(owner=AccountOwner.OFFICE) & Q(office__isnull=True)),
                name="account_office_owner",
            ),
            models.CheckConstraint(condition=Q(kind__in=AccountKind.values), name="account_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.get_purpose_display()}"


class Transaction(models.Model):
    """One balanced movement of money. Never edited; corrected by a reversing transaction."""

    posted_at = models.DateTimeField(_("posted"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    reference_type = models.CharField(_("reference type"), max_length=40, blank=True)
    reference_id = models.CharField(_("reference"), max_length=64, blank=True)
    office = models.ForeignKey(
        "offices.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
    )
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-posted_at", "-pk"]
        indexes = [
            models.Index(fields=["reference_type", "reference_id"]),
            models.Index(fields=["office", "posted_at"]),
        ]
        constraints = [
            # A transaction is reversed at most once.
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="transaction_reversed_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TransactionKind.values), name="transaction_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class Entry(models.Model):
    """One side of a transaction on one account: a debit or a credit, never both, never zero."""

    transaction = models.ForeignKey(
        Transaction, verbose_name=_("transaction"), on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="+"
    )
    debit = models.BigIntegerField(_("debit (rials)"), default=0)
    credit = models.BigIntegerField(_("credit (rials)"), default=0)
    # Copied from the transaction so statements filter entries by month without a join.
    posted_at = models.DateTimeField(_("posted"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["account", "posted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                name="entry_one_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} Dr {self.debit} Cr {self.credit}"


class Payment(models.Model):
    """What a payer owes an office for one thing (a case, a dispute), frozen from the fee quote."""

    uuid = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="payments"
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reference_type = models.CharField(_("reference type"), max_length=40)
    reference_id = models.CharField(_("reference"), max_length=64)
    service_code = models.CharField(_("service"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    quote = models.JSONField(_("fee quote"), default=dict, blank=True)
    # Blank for a fee (office fee + court fee). Set, the whole amount is money held in that
    # account (enforcement collections, auction deposits, a guarantee, dues), not a fee: it is kept
    # in ``office_fee`` with no court fee and no subsidy, and out of the fee statements.
    credit_purpose = models.CharField(
        _("held in"), max_length=20, choices=AccountPurpose.choices, blank=True, default=""
    )
    office_fee = models.BigIntegerField(_("office fee (rials)"))
    court_fee = models.BigIntegerField(_("court fee (rials)"))
    subsidy = models.BigIntegerField(_("subsidy (rials)"), default=0)
    amount = models.BigIntegerField(_("amount (rials)"))
    office_fee_refunded = models.BigIntegerField(_("office fee refunded"), default=0)
    court_fee_refunded = models.BigIntegerField(_("court fee refunded"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices, blank=True)
    gateway = models.CharField(_("gateway"), max_length=30, blank=True)
    gateway_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    gateway_ref = models.CharField(_("bank reference"), max_length=64, blank=True)
    failure_reason = models.CharField(_("reason"), max_length=40, blank=True)
    return_url = models.CharField(max_length=300, blank=True)
    idempotency_scope = models.CharField(max_length=40, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    captured_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    transaction = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subsidy_transaction = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["reference_type", "reference_id"]),
            models.Index(fields=["office", "status", "created_at"]),
            models.Index(fields=["payer", "created_at"]),
            models.Index(fields=["status", "expires_at"]),
            # Monthly statements and national totals read captured payments by capture time; the
            # Kanoon's month of 3,000 offices (~66,000 payments) and the dashboards' rollups sum
            # them from the index alone on PostgreSQL (236 ms from the table, scattered pages).
            models.Index(
                fields=["captured_at", "office"],
                condition=Q(status=PaymentStatus.CAPTURED),
                include=["id", "amount", "court_fee", "credit_purpose", "reference_type"],
                name="payment_captured_cover",
            ),
        ]
        constraints = [
            # A double click cannot open two pending payments for the same thing.
            models.UniqueConstraint(
                fields=["reference_type", "reference_id"],
                condition=Q(status=PaymentStatus.PENDING),
                name="payment_one_pending_per_reference",
            ),
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="payment_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(office_fee__gte=0) & Q(court_fee__gte=0) & Q(subsidy__gte=0),
                name="payment_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount=F("office_fee") + F("court_fee")), name="payment_amount_is_sum"
            ),
            models.CheckConstraint(
                condition=Q(office_fee_refunded__gte=0)
                & Q(office_fee_refunded__lte=F("office_fee"))
                & Q(court_fee_refunded__gte=0)
                & Q(court_fee_refunded__lte=F("court_fee")),
                name="payment_refunds_within_paid",
            ),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"),
            models.CheckConstraint(
                condition=Q(credit_purpose="") | (Q(court_fee=0) & Q(subsidy=0) & Q(office_fee__gt=0)),
                name="payment_held_money_is_one_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.short_reference

    @property
    def short_reference(self) -> str:
        return f"TZP-{self.uuid.hex[:10].upper()}"

    @property
    def refunded(self) -> int:
        return self.office_fee_refunded + self.court_fee_refunded

    @property
    def refundable(self) -> dict[str, int]:
        if self.status != PaymentStatus.CAPTURED:
            return {PaymentPart.OFFICE_FEE: 0, PaymentPart.COURT_FEE: 0}
        return {
            PaymentPart.OFFICE_FEE: self.office_fee - self.office_fee_refunded,
            PaymentPart.COURT_FEE: self.court_fee - self.court_fee_refunded,
        }

    @property
    def is_free(self) -> bool:
        return self.amount == 0

    @property
    def is_held_money(self) -> bool:
        return bool(self.credit_purpose)


class PaymentEvent(TransitionEvent):
    """One move of a payment (opened → paid, failed, cancelled, expired), written by the engine."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="events"
    )

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["created_at", "pk"]


class Refund(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    part = models.CharField(_("part"), max_length=12, choices=PaymentPart.choices)
    amount = models.BigIntegerField(_("amount (rials)"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="+")
    gateway_ref = models.CharField(_("bank reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=Q(part__in=PaymentPart.values), name="refund_part_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.payment} −{self.amount}"


class SimulatedGatewayTransaction(models.Model):
    """The simulated payment gateway's own record of a session: what "the bank" knows.

    Kept apart from Payment so that reconciliation asks the gateway, as it must with a real
    provider, instead of reading our own row.
    """

    token = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=64, db_index=True)
    merchant_code = models.CharField(max_length=12)
    merchant_name = models.CharField(max_length=200)
    amount = models.BigIntegerField()
    callback_url = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=GatewayOutcome.choices, default=GatewayOutcome.INITIATED)
    gateway_ref = models.CharField(max_length=64, blank=True)
    refunds = models.JSONField(default=dict, blank=True)
    refunded_amount = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("simulated gateway session")
        verbose_name_plural = _("simulated gateway sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="simgw_refund_within_amount",
            )
        ]

    def __str__(self) -> str:
        return f"{self.token[:8]}… {self.status}"


class SharePolicy(models.Model):
    """The Kanoon's share of office fee revenue, from a Jalali month until the next policy.

    Rates are basis points (1% = 100 bp). The tier adjustment is added to the base rate;
    each dispute an office resolved in the month earns a credit, capped.
    """

    valid_from_year = models.PositiveSmallIntegerField(_("from Jalali year"), validators=YEAR)
    valid_from_month = models.PositiveSmallIntegerField(_("from Jalali month"), validators=MONTH)
    base_rate_bp = models.PositiveIntegerField(_("base rate (basis points)"), validators=BASIS_POINTS)
    tier_adjustments_bp = models.JSONField(
        _("adjustment per tier (basis points)"), default=dict, blank=True, help_text='{"A": -300, "D": 200}'
    )
    dispute_credit_bp = models.PositiveIntegerField(
        _("credit per resolved dispute (basis points)"), default=0, validators=BASIS_POINTS
    )
    dispute_credit_cap_bp = models.PositiveIntegerField(
        _("largest dispute credit (basis points)"), default=0, validators=BASIS_POINTS
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("share policy")
        verbose_name_plural = _("share policies")
        ordering = ["-valid_from_year", "-valid_from_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["valid_from_year", "valid_from_month"], name="share_policy_period"
            ),
            models.CheckConstraint(
                condition=Q(valid_from_month__gte=1) & Q(valid_from_month__lte=12), name="share_policy_month"
            ),
            models.CheckConstraint(condition=Q(base_rate_bp__lte=10_000), name="share_policy_rate_max"),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from_year}/{self.valid_from_month:02d} {self.base_rate_bp / 100:g}%"


class OfficeTier(models.Model):
    """An office's ranking tier from a Jalali month on; written by the ranking run."""

    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.CASCADE, related_name="tiers"
    )
    year = models.PositiveSmallIntegerField(_("Jalali year"), validators=YEAR)
    month = models.PositiveSmallIntegerField(_("Jalali month"), validators=MONTH)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("office tier")
        verbose_name_plural = _("office tiers")
        ordering = ["office", "-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["office", "year", "month"], name="office_tier_period"),
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="office_tier_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.year}/{self.month:02d} {self.tier}"


class ResolvedDispute(models.Model):
    """A dispute an office resolved before court: each earns a share credit in its month."""

    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.CASCADE, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    resolved_at = models.DateTimeField(_("resolved"))

    class Meta:
        verbose_name = _("resolved dispute")
        verbose_name_plural = _("resolved disputes")
        indexes = [models.Index(fields=["resolved_at", "office"])]

    def __str__(self) -> str:
        return self.reference


class SettlementRun(models.Model):
    """The Kanoon's monthly settlement (Jalali month). At most one per month."""

    year = models.PositiveSmallIntegerField(_("Jalali year"), validators=YEAR)
    month = models.PositiveSmallIntegerField(_("Jalali month"), validators=MONTH)
    status = models.CharField(
        _("status"), max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.RUNNING
    )
    policy = models.ForeignKey(
        SharePolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    offices = models.PositiveIntegerField(_("offices"), default=0)
    revenue = models.BigIntegerField(_("fee revenue"), default=0)
    share = models.BigIntegerField(_("share due"), default=0)
    subsidies = models.BigIntegerField(_("subsidies owed"), default=0)
    free_services = models.PositiveIntegerField(_("free services reimbursed"), default=0)
    net = models.BigIntegerField(_("net"), default=0)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="settlement_run_month"),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="settlement_run_month_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}/{self.month:02d}"


class SettlementLine(models.Model):
    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="lines")
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="settlement_lines"
    )
    revenue = models.BigIntegerField(_("fee revenue"))
    tier = models.CharField(_("tier"), max_length=1, blank=True)
    disputes_resolved = models.PositiveIntegerField(_("disputes resolved"), default=0)
    rate_bp = models.PositiveIntegerField(_("rate (basis points)"))
    share = models.BigIntegerField(_("share due"))
    subsidies = models.BigIntegerField(_("subsidies owed"))
    free_services = models.PositiveIntegerField(_("free services reimbursed"), default=0)
    net = models.BigIntegerField(_("net (office pays when positive)"))
    transaction = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        ordering = ["run", "office"]
        constraints = [
            models.UniqueConstraint(fields=["run", "office"], name="settlement_line_office"),
            models.CheckConstraint(condition=Q(net=F("share") - F("subsidies")), name="settlement_line_net"),
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.office_id}"


# --- free services: grounds, outreach missions, caps -------------------------------------


class OutreachMission(models.Model):
    """A mission of free service (deprived or border areas) that the Kanoon approved.

    Kept minimal: the outreach module extends it. A mission counts as a ground for free
    service only once approved, for its offices and between its dates.
    """

    name = models.CharField(_("name"), max_length=200)
    offices = models.ManyToManyField("offices.Office", verbose_name=_("offices"), related_name="+")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("outreach mission")
        verbose_name_plural = _("outreach missions")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="mission_dates_ordered"),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(approved_by__isnull=False),
                name="mission_approved_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class FreeServiceCap(models.Model):
    """The Kanoon's monthly cap on an office's free services (count and/or rials).

    ``office`` empty: the default for every office; ``month`` 0: every month (else a Jalali
    month key ``YYYYMM``). The most specific row wins; without any, the settings' default.
    """

    office = models.ForeignKey(
        "offices.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.PositiveIntegerField(_("Jalali month (YYYYMM; 0 = every month)"), default=0)
    max_count = models.PositiveIntegerField(_("most free services"), null=True, blank=True)
    max_rials = models.PositiveBigIntegerField(_("most reimbursed (rials)"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("free-service cap")
        verbose_name_plural = _("free-service caps")
        ordering = ["office", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "month"], condition=Q(office__isnull=False), name="free_cap_office_month"
            ),
            models.UniqueConstraint(
                fields=["month"], condition=Q(office__isnull=True), name="free_cap_default_month"
            ),
            models.CheckConstraint(
                condition=Q(month=0) | Q(month__gte=130001, month__lte=160012), name="free_cap_month_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_id or '*'} {self.month or '*'}"


def free_service_document_path(instance: FreeServiceGrant, filename: str) -> str:
    # Named by hash: no personal data in the path.
    return f"finance/free/{instance.office_id}/{instance.document_sha256}{instance.document_extension}"


class FreeServiceGrant(models.Model):
    """A service made free on a recorded ground, with its evidence, counted against the office's cap.

    It names what it waives (``reference_type``/``reference_id``, like a payment: a case, or a
    direct payment); the free payment for that reference is reimbursed only through it.
    """

    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField(_("ground"), max_length=20, choices=FreeServiceGround.choices)
    evidence_number = models.CharField(_("card or file number"), max_length=20, blank=True)
    mission = models.ForeignKey(
        OutreachMission,
        verbose_name=_("outreach mission"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    document = models.FileField(
        _("confirmation document"),
        upload_to=free_service_document_path,
        storage=private_storage,
        max_length=200,
        blank=True,
    )
    document_type = models.CharField(max_length=40, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    month = models.PositiveIntegerField(_("Jalali month (YYYYMM)"))
    reference_type = models.CharField(max_length=40)
    reference_id = models.CharField(max_length=64)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="free_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"))

    class Meta:
        verbose_name = _("free-service grant")
        verbose_name_plural = _("free-service grants")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["reference_type", "reference_id"], name="free_grant_reference"),
            models.CheckConstraint(
                condition=Q(ground__in=FreeServiceGround.values), name="free_grant_ground_valid"
            ),
            # A mission is the ground for outreach, and only for outreach.
            models.CheckConstraint(
                condition=(Q(ground=FreeServiceGround.OUTREACH_MISSION) & Q(mission__isnull=False))
                | (~Q(ground=FreeServiceGround.OUTREACH_MISSION) & Q(mission__isnull=True)),
                name="free_grant_mission_iff_outreach",
            ),
            # The Relief Committee and the Welfare Organisation: their card number and a confirmation.
            models.CheckConstraint(
                condition=Q(ground=FreeServiceGround.OUTREACH_MISSION)
                | (~Q(evidence_number="") & ~Q(document_sha256="")),
                name="free_grant_evidence",
            ),
        ]
        indexes = [models.Index(fields=["office", "month"], name="free_grant_office_month")]

    def __str__(self) -> str:
        return f"{self.get_ground_display()} {self.reference_type}:{self.reference_id}"

    @property
    def document_extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.document_type, ""
        )
