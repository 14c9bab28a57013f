"""Membership: admitted applicants on their way to an open office, places per county, loans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.common.storage import private_storage
from tanzim.membership.choices import (
    CertificateKind,
    ClaimStatus,
    DocumentKind,
    LoanDocumentKind,
    LoanStatus,
    PolicyKind,
    Relation,
    Step,
)


class ExamImport(models.Model):
    """One upload of the exam results by the Kanoon (all rows or none)."""

    exam_year = models.PositiveSmallIntegerField(_("exam year (Jalali)"))
    file_name = models.CharField(_("file name"), max_length=200)
    rows = models.PositiveIntegerField(_("applicants"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("exam import")
        verbose_name_plural = _("exam imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.exam_year}: {self.file_name}"


class Place(models.Model):
    """Offices the Kanoon opened for new members in one county, and how many are taken."""

    city = models.OneToOneField(
        "offices.City", verbose_name=_("county"), on_delete=models.PROTECT, related_name="membership_place"
    )
    province = models.ForeignKey(
        "offices.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    seats = models.PositiveSmallIntegerField(_("offices needed"))
    taken = models.PositiveSmallIntegerField(_("taken"), default=0)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.CheckConstraint(condition=Q(taken__lte=F("seats")), name="membership_place_not_over"),
        ]

    def __str__(self) -> str:
        return f"{self.city} ({self.taken}/{self.seats})"

    @property
    def left(self) -> int:
        return max(0, self.seats - self.taken)


class Application(models.Model):
    """An admitted applicant's checklist; ``status`` is the step they are at."""

    exam_import = models.ForeignKey(ExamImport, on_delete=models.PROTECT, related_name="applications")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="membership_application"
    )
    national_code = models.CharField(_("national code"), max_length=10, unique=True)
    full_name = models.CharField(_("name"), max_length=200)
    exam_rank = models.PositiveIntegerField(_("exam rank"))
    province = models.ForeignKey(
        "offices.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("step"), max_length=12, choices=Step.choices, default=Step.DOCUMENTS)
    status_changed_at = models.DateTimeField(_("step since"))
    step_due = models.DateTimeField(_("step due"))
    submitted_at = models.DateTimeField(_("submitted for review"), null=True, blank=True)
    returned_reason = models.CharField(_("reason sent back"), max_length=300, blank=True)
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="applicants"
    )
    premises_address = models.CharField(_("premises address"), max_length=300, blank=True)
    equipment = models.JSONField(_("equipment and connectivity"), default=dict, blank=True)
    training_hours = models.PositiveSmallIntegerField(_("training hours attended"), default=0)
    test_score = models.PositiveSmallIntegerField(_("final test score"), null=True, blank=True)
    guarantee_reference = models.CharField(_("guarantee or deposit reference"), max_length=60, blank=True)
    guarantee_amount = models.PositiveBigIntegerField(_("guarantee amount (rials)"), default=0)
    guarantee_payment = models.OneToOneField(
        "finance.Payment",
        verbose_name=_("guarantee paid online"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    office = models.OneToOneField(
        "offices.Office",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="membership_application",
    )
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        ordering = ["exam_rank", "pk"]
        indexes = [
            models.Index(fields=["status", "province"]),
            models.Index(fields=["province", "status_changed_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Step.values), name="membership_app_status_valid"),
            models.CheckConstraint(
                condition=Q(status__in=[Step.DOCUMENTS, Step.PLACE, Step.WITHDRAWN]) | Q(place__isnull=False),
                name="membership_app_place_after_choice",
            ),
            models.CheckConstraint(
                condition=~Q(status=Step.OPENED) | Q(office__isnull=False),
                name="membership_app_opened_has_office",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class ApplicationEvent(TransitionEvent):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("applicant event")
        verbose_name_plural = _("applicant events")
        ordering = ["created_at", "pk"]


def document_path(instance: ApplicationDocument, filename: str) -> str:
    return f"membership/{instance.application_id}/{instance.kind}-{instance.sha256[:16]}{filename[-4:]}"


class ApplicationDocument(models.Model):
    """A file the applicant gave for a step; the newest of each kind counts."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path, storage=private_storage, max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("applicant document")
        verbose_name_plural = _("applicant documents")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.kind}"


class PremisesInspection(models.Model):
    """The inspection of the premises before opening, on the inspections app's checklist."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="inspections")
    checklist = models.ForeignKey("inspections.Checklist", on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    results = models.JSONField(_("results per item"), default=dict)
    score = models.FloatField(_("score (0-100)"), null=True, blank=True)
    critical_failures = models.PositiveSmallIntegerField(_("critical items failed"), default=0)
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("inspected"), auto_now_add=True)

    class Meta:
        verbose_name = _("premises inspection")
        verbose_name_plural = _("premises inspections")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.score}"


# --- welfare loans ------------------------------------------------------------------------------


class LoanProgramme(models.Model):
    """A loan programme, as data: amounts, interest, term and who may apply."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    min_amount = models.PositiveBigIntegerField(_("smallest amount (rials)"))
    max_amount = models.PositiveBigIntegerField(_("largest amount (rials)"))
    annual_rate_bp = models.PositiveIntegerField(_("yearly interest (basis points)"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    min_membership_years = models.PositiveSmallIntegerField(_("years of membership at least"), default=0)
    tiers = models.JSONField(_("ranking tiers admitted (empty: any)"), default=list, blank=True)
    no_dues_outstanding = models.BooleanField(_("no dues outstanding"), default=True)
    active = models.BooleanField(_("open for applications"), default=True)

    class Meta:
        verbose_name = _("loan programme")
        verbose_name_plural = _("loan programmes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__gt=0) & Q(max_amount__gte=F("min_amount")),
                name="membership_loan_range",
            ),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="membership_loan_term"),
        ]

    def __str__(self) -> str:
        return self.name_fa


class LoanApplication(models.Model):
    programme = models.ForeignKey(LoanProgramme, on_delete=models.PROTECT, related_name="applications")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveBigIntegerField(_("amount (rials)"))
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted"))
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    disbursed_at = models.DateTimeField(_("paid out"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        # The queue's one order, shown to everyone: first submitted, first considered.
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="membership_loan_amount_positive"),
            models.UniqueConstraint(
                fields=["programme", "member"],
                condition=Q(status__in=["submitted", "approved", "disbursed"]),
                name="membership_one_live_loan_per_programme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.member_id} ({self.amount})"


class LoanEvent(TransitionEvent):
    loan = models.ForeignKey(LoanApplication, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("loan event")
        verbose_name_plural = _("loan events")


class Instalment(models.Model):
    loan = models.ForeignKey(LoanApplication, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due"))
    principal = models.PositiveBigIntegerField(_("principal (rials)"))
    interest = models.PositiveBigIntegerField(_("interest (rials)"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    transaction = models.OneToOneField(
        "finance.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reminded_on = models.DateField(_("last reminder"), null=True, blank=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="membership_instalment_unique"),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True) | Q(transaction__isnull=False),
                name="membership_instalment_paid_posted",
            ),
        ]

    @property
    def total(self) -> int:
        return self.principal + self.interest

    def __str__(self) -> str:
        return f"{self.loan_id} #{self.number}"


class DuesCharge(models.Model):
    """The Kanoon's membership fee for one office and Jalali month; unpaid past due = outstanding."""

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    month = models.PositiveIntegerField(_("month (YYYYMM, Jalali)"))
    amount = models.PositiveBigIntegerField(_("amount (rials)"))
    due_date = models.DateField(_("due"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    paid_reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    transaction = models.OneToOneField(
        "finance.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("membership dues")
        verbose_name_plural = _("membership dues")
        constraints = [
            models.UniqueConstraint(fields=["office", "month"], name="membership_dues_once_a_month"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="membership_dues_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.month}"


class StaffCertificate(models.Model):
    """A staff member's training or licence record; the office role it grants ends with it."""

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20)
    kind = models.CharField(_("certificate"), max_length=20, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=40)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    assignment = models.OneToOneField(
        "accounts.RoleAssignment", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff certificate")
        verbose_name_plural = _("staff certificates")
        ordering = ["-valid_until", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="membership_certificate_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.number}"


# --- insurance --------------------------------------------------------------------------------


class InsurancePolicy(models.Model):
    """A group policy the Kanoon offers, as data: the premium per insured person and who pays it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=14, choices=PolicyKind.choices)
    insurer = models.CharField(_("insurer"), max_length=120)
    monthly_premium = models.PositiveBigIntegerField(_("monthly premium per person (rials)"))
    kanoon_share_pct = models.PositiveSmallIntegerField(_("Kanoon's share of the premium (%)"), default=0)
    max_dependants = models.PositiveSmallIntegerField(_("dependants at most"), default=4)
    active = models.BooleanField(_("open for enrolment"), default=True)

    class Meta:
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(kanoon_share_pct__lte=100), name="membership_policy_share_pct"
            ),
            models.CheckConstraint(condition=Q(monthly_premium__gt=0), name="membership_policy_premium"),
        ]

    def __str__(self) -> str:
        return self.name_fa


class Enrolment(models.Model):
    policy = models.ForeignKey(InsurancePolicy, on_delete=models.PROTECT, related_name="enrolments")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("from"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("insurance enrolment")
        verbose_name_plural = _("insurance enrolments")
        constraints = [
            models.UniqueConstraint(fields=["policy", "member"], name="membership_enrolment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.member_id}"


class Dependant(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="dependants")
    full_name = models.CharField(_("name"), max_length=200)
    national_code = models.CharField(_("national code"), max_length=10)
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)

    class Meta:
        verbose_name = _("dependant")
        verbose_name_plural = _("dependants")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "national_code"], name="membership_dependant_once"),
        ]

    def __str__(self) -> str:
        return self.full_name


class PremiumCharge(models.Model):
    """One month's premium of an enrolment, split between the member's office and the Kanoon."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="premiums")
    month = models.PositiveIntegerField(_("month (YYYYMM, Jalali)"))
    persons = models.PositiveSmallIntegerField(_("insured persons"))
    member_share = models.PositiveBigIntegerField(_("member's share (rials)"))
    kanoon_share = models.PositiveBigIntegerField(_("Kanoon's share (rials)"))
    transaction = models.OneToOneField("finance.Transaction", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("premium")
        verbose_name_plural = _("premiums")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "month"], name="membership_premium_once_a_month"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.month}"


class Claim(models.Model):
    """An insured person's claim on a policy, with its documents; the Kanoon reviews it and records
    what the insurer paid or why it was refused."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="claims")
    dependant = models.ForeignKey(
        Dependant,
        verbose_name=_("insured person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text=_("Empty: the member."),
    )
    amount = models.PositiveBigIntegerField(_("amount claimed (rials)"))
    description = models.CharField(_("what it is for"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    paid_amount = models.PositiveBigIntegerField(_("amount paid (rials)"), default=0)
    insurer_reference = models.CharField(_("insurer's reference"), max_length=60, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("insurance claim")
        verbose_name_plural = _("insurance claims")
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="membership_claim_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__lte=F("amount")), name="membership_claim_paid_at_most_claimed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.pk}"


class ClaimEvent(TransitionEvent):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")


def claim_document_path(instance: ClaimDocument, filename: str) -> str:
    return f"membership/claims/{instance.claim_id}/{instance.sha256[:16]}{filename[-4:]}"


class ClaimDocument(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=claim_document_path, storage=private_storage, max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("claim document")
        verbose_name_plural = _("claim documents")

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.sha256[:8]}"


def loan_document_path(instance: LoanDocument, filename: str) -> str:
    return f"membership/loans/{instance.loan_id}/{instance.kind}-{instance.sha256[:16]}{filename[-4:]}"


class LoanDocument(models.Model):
    """A loan's papers: the member's signed form and supporting documents, the Kanoon's contract."""

    loan = models.ForeignKey(LoanApplication, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=12, choices=LoanDocumentKind.choices)
    file = models.FileField(_("file"), upload_to=loan_document_path, storage=private_storage, max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan document")
        verbose_name_plural = _("loan documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.kind}"
