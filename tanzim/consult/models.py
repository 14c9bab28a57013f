"""Diagnosis trees and drafting interviews (versioned data the Kanoon edits), their anonymous
step counters, interview runs and the citizen's reusable answers.

A tree or an interview is a name plus versions; a version is never edited once saved (a change
is a new version), so a run that started on version 3 finishes on version 3 and the content
report counts each version's steps apart.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.common.crypto import EncryptedTextField
from tanzim.common.i18n import bilingual
from tanzim.common.storage import private_storage
from tanzim.consult.choices import (
    HOLDS_TIME,
    ConsultantBasis,
    ConsultationMode,
    ConsultationStatus,
    Outcome,
    ProblemFamily,
    ReviewVerdict,
)


class Tree(models.Model):
    """A diagnosis for one problem family; ``published`` is the version the public runner uses."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    family = models.CharField(_("problem family"), max_length=20, choices=ProblemFamily.choices)
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position in the list"), default=100)
    published = models.ForeignKey(
        "consult.TreeVersion",
        verbose_name=_("published version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("diagnosis tree")
        verbose_name_plural = _("diagnosis trees")
        ordering = ["position", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(family__in=ProblemFamily.values), name="consult_tree_family_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return bilingual(self, "title")


class TreeVersion(models.Model):
    """One saved, validated version of a tree: nodes and their edges as JSON (see docs/consult.md)."""

    tree = models.ForeignKey(Tree, verbose_name=_("tree"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    node_count = models.PositiveIntegerField(_("nodes"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("tree version")
        verbose_name_plural = _("tree versions")
        ordering = ["tree", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tree", "number"], name="consult_tree_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="consult_tree_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.tree.slug} v{self.number}"


class StepStat(models.Model):
    """Anonymous counters per step of a tree version: how many reached it, answered it, picked
    "none of these" there. Drop-off = reached − answered − none of these. No person, no time."""

    version = models.ForeignKey(TreeVersion, on_delete=models.CASCADE, related_name="step_stats")
    node = models.CharField(_("step"), max_length=64)
    reached = models.PositiveBigIntegerField(_("reached"), default=0)
    answered = models.PositiveBigIntegerField(_("answered"), default=0)
    none_of_these = models.PositiveBigIntegerField(_("none of these"), default=0)

    class Meta:
        verbose_name = _("step counter")
        verbose_name_plural = _("step counters")
        constraints = [models.UniqueConstraint(fields=["version", "node"], name="consult_step_stat_unique")]

    def __str__(self) -> str:
        return f"{self.version} {self.node}"


class NonePath(models.Model):
    """How many people took the same path to a "none of these": where the content falls short."""

    version = models.ForeignKey(TreeVersion, on_delete=models.CASCADE, related_name="none_paths")
    path_key = models.CharField(max_length=64)  # sha256 of the path, hex
    path = models.JSONField(_("path"))  # the node keys from the start to the step left
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("“none of these” path")
        verbose_name_plural = _("“none of these” paths")
        constraints = [
            models.UniqueConstraint(fields=["version", "path_key"], name="consult_none_path_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version}: {' → '.join(self.path)}"


class Interview(models.Model):
    """A guided drafting interview that assembles one document (a complaint, a petition, a notice)."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    service_code = models.CharField(_("catalogue service"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position in the list"), default=100)
    published = models.ForeignKey(
        "consult.InterviewVersion",
        verbose_name=_("published version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("drafting interview")
        verbose_name_plural = _("drafting interviews")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return bilingual(self, "title")


class InterviewVersion(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("interview version")
        verbose_name_plural = _("interview versions")
        ordering = ["interview", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "number"], name="consult_interview_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="consult_interview_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.interview.slug} v{self.number}"


class DraftRun(models.Model):
    """One person's answers to one interview: saved on every page, resumed by its token.

    Anonymous until the person signs in (``user`` is then set and the answers marked ``profile``
    are copied to their profile); ``finished_at`` and ``case`` once the document is made.
    """

    token = models.UUIDField(_("resume key"), default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(InterviewVersion, on_delete=models.PROTECT, related_name="runs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="draft_runs"
    )
    answers = models.JSONField(_("answers"), default=dict)
    page = models.PositiveSmallIntegerField(_("page reached"), default=0)
    reviewed = models.BooleanField(_("reviewed"), default=False)
    source_tree = models.CharField(_("from the diagnosis"), max_length=60, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("case draft"),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("drafting run")
        verbose_name_plural = _("drafting runs")
        indexes = [models.Index(fields=["user", "-updated_at"], name="consult_run_by_user")]

    def __str__(self) -> str:
        return f"{self.version} · {self.token}"


class CitizenProfile(models.Model):
    """Answers a citizen gave once (name, national code, address…), reused by the next interview."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consult_profile"
    )
    data = models.JSONField(_("answers"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("citizen's saved answers")
        verbose_name_plural = _("citizens' saved answers")

    def __str__(self) -> str:
        return str(self.user)


# --- consultations --------------------------------------------------------------------------------


class Consultant(models.Model):
    """Who may advise, and under what: recorded on every answer they give."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultant")
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="consultants"
    )
    basis = models.CharField(_("advises as"), max_length=20, choices=ConsultantBasis.choices)
    licence_number = models.CharField(_("licence or approval number"), max_length=40, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultant")
        verbose_name_plural = _("consultants")
        constraints = [
            models.CheckConstraint(
                condition=Q(basis__in=ConsultantBasis.values), name="consult_consultant_basis_valid"
            ),
            models.CheckConstraint(
                condition=~Q(basis=ConsultantBasis.KANOON_APPROVED) | ~Q(licence_number=""),
                name="consult_kanoon_approval_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def name(self) -> str:
        return str(self)


class Availability(models.Model):
    """A weekly window in which a consultant takes video or phone consultations (Tehran time)."""

    consultant = models.ForeignKey(Consultant, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # Python's: Monday = 0 … Sunday = 6
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availability")
        ordering = ["consultant", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="consult_availability_weekday"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="consult_availability_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultant} {self.weekday} {self.start_time}-{self.end_time}"


class Consultation(models.Model):
    reference = models.CharField(_("reference"), max_length=12, unique=True)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citizen"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    consultant = models.ForeignKey(
        Consultant, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="consultations"
    )
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    service_code = models.CharField(_("service"), max_length=40)
    mode = models.CharField(_("how"), max_length=10, choices=ConsultationMode.choices)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    question = EncryptedTextField(_("question"))
    facts = models.JSONField(_("answers carried from the diagnosis"), default=list, blank=True)
    draft = models.ForeignKey(
        DraftRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("draft to review"),
    )
    price = models.PositiveBigIntegerField(_("price (rials)"))
    # A call's appointment in scheduling (no slot): listed, reminded, cancelled and swept as any.
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultation",
        verbose_name=_("appointment"),
    )
    payment = models.ForeignKey(
        "finance.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.AWAITING_PAYMENT,
    )
    status_changed_at = models.DateTimeField(_("status changed"))
    advice = EncryptedTextField(_("advice"), blank=True)
    advised_under = models.CharField(_("advised under"), max_length=120, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    review_verdict = models.CharField(
        _("verdict on the draft"), max_length=10, choices=ReviewVerdict.choices, blank=True
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [
            models.Index(fields=["consultant", "status", "answer_due_at"], name="consult_inbox"),
            models.Index(fields=["citizen", "-created_at"], name="consult_by_citizen"),
            models.Index(fields=["status", "answer_due_at"], name="consult_overdue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["consultant", "starts_at"],
                condition=Q(starts_at__isnull=False, status__in=HOLDS_TIME),
                name="consult_no_double_booking",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ConsultationStatus.values), name="consult_status_valid"
            ),
            models.CheckConstraint(condition=Q(mode__in=ConsultationMode.values), name="consult_mode_valid"),
            models.CheckConstraint(
                condition=Q(mode=ConsultationMode.WRITTEN, answer_due_at__isnull=False)
                | (
                    ~Q(mode=ConsultationMode.WRITTEN) & Q(starts_at__isnull=False, ends_at__gt=F("starts_at"))
                ),
                name="consult_time_or_deadline",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=[*Outcome.values, ""]), name="consult_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ConsultationEvent(TransitionEvent):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=20, choices=ConsultationStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ConsultationStatus.choices)

    class Meta:
        verbose_name = _("consultation event")
        verbose_name_plural = _("consultation events")

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.from_status} → {self.to_status}"


def consultation_document_path(instance: ConsultationDocument, filename: str) -> str:
    # Named by the hash: no personal data in the stored path.
    return f"consult/{instance.consultation_id}/{instance.sha256}{instance.extension}"


class ConsultationDocument(models.Model):
    """A file the citizen or the consultant attached to a consultation (checked by its content)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(
        _("file"), upload_to=consultation_document_path, storage=private_storage, max_length=200
    )
    title = models.CharField(_("title"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultation document")
        verbose_name_plural = _("consultation documents")
        ordering = ["consultation", "uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "sha256"], name="consult_document_once")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )
