from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.cases.choices import (
    REVIEW_STAGES,
    SETTLE_FIRST_STATUSES,
    CaseStatus,
    IdentityMethod,
    PartyKind,
    PartyRole,
    ProceedingStage,
)
from tanzim.catalog.choices import ChannelKind
from tanzim.common.crypto import EncryptedTextField
from tanzim.common.storage import private_storage


class Case(models.Model):
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    service = models.ForeignKey("catalog.Service", verbose_name=_("service"), on_delete=models.PROTECT)
    channel = models.CharField(_("channel"), max_length=20, choices=ChannelKind.choices)
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="cases"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    status_changed_at = models.DateTimeField(_("status changed"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    title = models.CharField(_("subject"), max_length=200)
    # Encrypted at rest (tanzim/common/crypto.py): decrypted on read, never searched.
    claim_text = EncryptedTextField(_("request text"), blank=True)
    claim_amount = models.PositiveBigIntegerField(_("claim amount (rials)"), null=True, blank=True)
    proceeding = models.CharField(
        _("stage of proceedings"),
        max_length=20,
        choices=ProceedingStage.choices,
        default=ProceedingStage.FIRST_INSTANCE,
        help_text=_("An appeal or cassation request is never sent to mediation: its period keeps running."),
    )
    # A review's period runs from the notice of the judgment to the applicant (arts. 336, 397 CPC),
    # two months for an applicant living abroad (art. 446).
    judgment_notified_on = models.DateField(_("judgment notified on"), null=True, blank=True)
    applicant_abroad = models.BooleanField(_("the applicant lives abroad"), default=False)
    free_service = models.BooleanField(_("free service (vulnerable client)"), default=False)
    originals_confirmed = models.BooleanField(_("copies confirmed against the originals"), default=False)
    identity_method = models.CharField(
        _("identity check"), max_length=12, choices=IdentityMethod.choices, blank=True
    )
    identity_verified_at = models.DateTimeField(_("identity verified"), null=True, blank=True)
    fee_snapshot = models.JSONField(_("fee quote at submission"), null=True, blank=True)
    correction_note = models.TextField(_("what to correct"), blank=True)
    outcome_reason = models.CharField(_("reason"), max_length=30, blank=True)
    external_ref = models.CharField(_("judiciary reference"), max_length=40, blank=True)
    filing_attempts = models.PositiveSmallIntegerField(default=0)
    filing_claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["office", "status", "due_at"], name="case_worklist"),
            models.Index(fields=["applicant", "-created_at"], name="case_by_applicant"),
            models.Index(fields=["status", "status_changed_at"], name="case_status_age"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=ChannelKind.values), name="case_channel_valid"),
            models.CheckConstraint(
                condition=Q(proceeding__in=ProceedingStage.values), name="case_proceeding_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code_display

    @property
    def tracking_code_display(self) -> str:
        code = self.tracking_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))

    @property
    def is_review(self) -> bool:
        """An appeal or cassation request: never diverted to mediation."""
        return self.proceeding in REVIEW_STAGES

    @property
    def may_try_settlement(self) -> bool:
        """Whether the page offers "try to settle first": a first-instance request the office has,
        not a review of a judgment (the dispute service checks the rest and the deadlines)."""
        return not self.is_review and self.status in SETTLE_FIRST_STATUSES


class Party(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=PartyKind.choices, default=PartyKind.NATURAL)
    name = models.CharField(_("name"), max_length=200)
    national_code = models.CharField(_("national code"), max_length=10, blank=True)
    legal_id = models.CharField(_("national ID of the legal entity"), max_length=11, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    resident_abroad = models.BooleanField(_("resident abroad"), default=False)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["case", "role", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=PartyKind.NATURAL) & Q(legal_id=""))
                | (Q(kind=PartyKind.LEGAL) & Q(national_code="")),
                name="party_identifier_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier(self) -> str:
        return self.national_code or self.legal_id


def document_path(instance: Document, filename: str) -> str:
    # Files are named by their hash: no personal data in paths, and duplicates are obvious.
    return f"cases/{instance.case_id}/{instance.sha256}{instance.extension}"


class Document(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=document_path, storage=private_storage, max_length=200)
    title = models.CharField(_("title"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    pages = models.PositiveSmallIntegerField(_("pages"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["case", "uploaded_at"]
        constraints = [models.UniqueConstraint(fields=["case", "sha256"], name="document_unique_per_case")]

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )


class CaseEvent(TransitionEvent):
    """One row per transition (written by the engine): who, for whom, from what to what, why, when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=CaseStatus.choices)
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "created_at", "pk"]


class StatusSla(models.Model):
    """How many working days the office has in a status before the case is overdue."""

    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(_("working days"))

    class Meta:
        verbose_name = _("service-level target")
        verbose_name_plural = _("service-level targets")

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.working_days}"


class SimulatedFiling(models.Model):
    """The judiciary's side of the simulated filing adapter, keyed by tracking code.

    Keeping it in its own table means "did the judiciary get it?" is asked of the judiciary,
    not of our own Case row — as with a real remote system.
    """

    tracking_code = models.CharField(max_length=16, unique=True)
    external_ref = models.CharField(max_length=40)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("simulated filing")
        verbose_name_plural = _("simulated filings")

    def __str__(self) -> str:
        return self.external_ref
