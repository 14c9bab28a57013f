"""Checklists (versioned), inspections scored item by item, findings, corrective actions and
referrals of serious violations to the violations board."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.common.storage import private_storage
from tanzim.inspections.choices import (
    ActionStatus,
    ChecklistStatus,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    ReferralStatus,
    SampleVerdict,
    Severity,
)


def _bilingual(obj, field: str) -> str:
    english = (get_language() or "fa").startswith("en")
    return getattr(obj, f"{field}_en" if english else f"{field}_fa") or getattr(obj, f"{field}_fa")


class Checklist(models.Model):
    """One version of a checklist. A published version is frozen; a change is a new version."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"))
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=ChecklistStatus.choices, default=ChecklistStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="checklist_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status=ChecklistStatus.PUBLISHED), name="checklist_one_published"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ChecklistStatus.values), name="checklist_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def title(self) -> str:
        return _bilingual(self, "title")


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    text_fa = models.CharField(_("requirement (Persian)"), max_length=300)
    text_en = models.CharField(_("requirement (English)"), max_length=300)
    guidance_fa = models.TextField(_("how to check (Persian)"), blank=True)
    guidance_en = models.TextField(_("how to check (English)"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    critical = models.BooleanField(_("critical"), default=False)
    evidence_required = models.BooleanField(_("evidence required"), default=False)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["checklist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="checklist_item_position"),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=10), name="checklist_item_weight_1_10"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return _bilingual(self, "text")

    @property
    def guidance(self) -> str:
        return _bilingual(self, "guidance")


class InspectionPlan(models.Model):
    """A batch of inspections planned together (a province's quarter, a risk round)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=InspectionKind.choices)
    province = models.ForeignKey(
        "offices.Province", verbose_name=_("province"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
    )
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="inspections"
    )
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=InspectionKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    priority = models.PositiveSmallIntegerField(_("priority (0-100)"), default=0)
    reasons = models.JSONField(_("why"), default=list, blank=True)
    complaint_refs = models.JSONField(_("complaints"), default=list, blank=True)
    scheduled_for = models.DateField(_("scheduled for"), null=True, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("planned"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    score = models.FloatField(_("score (0-100)"), null=True, blank=True)
    critical_failures = models.PositiveSmallIntegerField(_("critical items failed"), default=0)
    summary = models.TextField(_("summary"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open inspection per office: concurrent triggers raise its priority instead.
            models.UniqueConstraint(
                fields=["office"],
                condition=Q(status__in=[InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS]),
                name="inspection_one_open_per_office",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InspectionStatus.values), name="inspection_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="inspection_score_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "status", "completed_at"], name="inspection_office_done"),
            models.Index(fields=["status", "scheduled_for"], name="inspection_status_date"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.office}"


class InspectionEvent(TransitionEvent):
    """One row per transition of an inspection, written by the engine."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=12, choices=InspectionStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=InspectionStatus.choices)

    class Meta:
        verbose_name = _("inspection event")
        verbose_name_plural = _("inspection events")
        ordering = ["inspection", "created_at", "pk"]


class InspectionAnswer(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=16, choices=ItemResult.choices)
    note = models.TextField(_("note"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered"))

    class Meta:
        verbose_name = _("inspection answer")
        verbose_name_plural = _("inspection answers")
        ordering = ["inspection", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_answer_unique"),
            models.CheckConstraint(
                condition=Q(result__in=ItemResult.values), name="inspection_answer_result_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.result}"


def evidence_path(instance: InspectionEvidence, filename: str) -> str:
    return f"inspections/{instance.inspection_id}/{instance.sha256}{instance.extension}"


class EvidenceFile(models.Model):
    """A file proving what was found (an item's answer) or what was done (a corrective action)."""

    file = models.FileField(_("file"), upload_to="inspections/%Y/", storage=private_storage, max_length=200)
    name = models.CharField(_("name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )

    def __str__(self) -> str:
        return self.name


class InspectionEvidence(EvidenceFile):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to=evidence_path, storage=private_storage, max_length=200)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["inspection", "item", "uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item", "sha256"], name="inspection_evidence_unique"
            )
        ]


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(ChecklistItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("finding"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="finding_severity_valid"),
            models.UniqueConstraint(
                fields=["inspection", "item"], condition=Q(item__isnull=False), name="finding_one_per_item"
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]


def action_evidence_path(instance: CorrectiveAction, filename: str) -> str:
    return f"inspections/actions/{instance.pk}/{filename}"


class CorrectiveAction(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="actions")
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="corrective_actions")
    description = models.TextField(_("what the office must do"))
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    response_note = models.TextField(_("what the office did"), blank=True)
    evidence = models.FileField(
        _("proof"), upload_to=action_evidence_path, storage=private_storage, max_length=200, blank=True
    )
    evidence_type = models.CharField(max_length=40, blank=True)
    review_note = models.TextField(_("inspector's review"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("set"))
    status_changed_at = models.DateTimeField(_("status changed"))
    updated_at = models.DateTimeField(auto_now=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ActionStatus.values), name="action_status_valid")
        ]
        indexes = [models.Index(fields=["office", "status", "due_date"], name="action_office_status_due")]

    def __str__(self) -> str:
        return self.description[:60]


class CorrectiveActionEvent(TransitionEvent):
    """One row per transition of a corrective action, written by the engine.

    ``note`` keeps the full text (what was done, why it was reopened); ``reason`` stays blank.
    """

    action = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=10, choices=ActionStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=ActionStatus.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("corrective action event")
        verbose_name_plural = _("corrective action events")
        ordering = ["action", "created_at", "pk"]


class ViolationReferral(models.Model):
    """A serious violation sent to the violations board, with what the board later decided."""

    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, related_name="referral")
    findings = models.ManyToManyField(Finding, verbose_name=_("findings referred"), related_name="referrals")
    summary = models.TextField(_("summary for the board"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED
    )
    board_reference = models.CharField(_("board's reference"), max_length=60, blank=True)
    board_decision = models.TextField(_("board's decision"), blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(_("referred"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral to the violations board")
        verbose_name_plural = _("referrals to the violations board")
        ordering = ["-referred_at"]

    def __str__(self) -> str:
        return f"{self.inspection}"


class FreeServiceSample(models.Model):
    """A free service drawn at random for the inspector to check (note to art. 505 CPC).

    Each month a sample of every office's free services goes onto the inspector's list, with
    the office's open inspection when it has one; evidence that does not hold becomes a finding.
    """

    grant = models.OneToOneField(
        "finance.FreeServiceGrant", verbose_name=_("free service"), on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.PositiveIntegerField(_("Jalali month (YYYYMM)"))
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="free_service_samples",
    )
    verdict = models.CharField(
        _("verdict"), max_length=10, choices=SampleVerdict.choices, default=SampleVerdict.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn"))

    class Meta:
        verbose_name = _("sampled free service")
        verbose_name_plural = _("sampled free services")
        ordering = ["office", "month", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(verdict__in=SampleVerdict.values), name="sample_verdict_valid")
        ]
        indexes = [models.Index(fields=["office", "month"], name="sample_office_month")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.month} #{self.grant_id}"
