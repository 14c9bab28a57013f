"""Surveys (questionnaire, invitations, responses) and complaints.

A survey response holds no link to the person or the invitation that earned it: only the
office, the period (Jalali month of the service), the questionnaire version and the day it
was answered. The answers sit in one small-integer column per dimension so the metrics for
every office are one pass over the table, grouped by office.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.common.crypto import EncryptedTextField
from tanzim.common.storage import private_storage
from tanzim.feedback.choices import (
    ComplaintCategory,
    ComplaintStatus,
    InvitationSource,
    SurveyDimension,
)


def _bilingual(obj, field: str) -> str:
    english = (get_language() or "fa").startswith("en")
    return getattr(obj, f"{field}_en" if english else f"{field}_fa") or getattr(obj, f"{field}_fa")


# --- the questionnaire ------------------------------------------------------------------------


class Questionnaire(models.Model):
    """One version of the survey. Versions in use are never edited: a change is a new version."""

    version = models.PositiveSmallIntegerField(_("version"), unique=True)
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    intro_fa = models.TextField(_("introduction (Persian)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    active = models.BooleanField(_("sent to new invitations"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="questionnaire_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def title(self) -> str:
        return _bilingual(self, "title")

    @property
    def intro(self) -> str:
        return _bilingual(self, "intro")


class QuestionnaireItem(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    dimension = models.CharField(_("measures"), max_length=12, choices=SurveyDimension.choices)
    text_fa = models.CharField(_("statement (Persian)"), max_length=300)
    text_en = models.CharField(_("statement (English)"), max_length=300)
    required = models.BooleanField(
        _("required"), default=False, help_text=_("Optional items offer “does not apply”.")
    )

    class Meta:
        verbose_name = _("questionnaire item")
        verbose_name_plural = _("questionnaire items")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "dimension"], name="qitem_one_per_dimension"),
            models.UniqueConstraint(fields=["questionnaire", "position"], name="qitem_unique_position"),
            models.CheckConstraint(
                condition=Q(dimension__in=SurveyDimension.values), name="qitem_dimension_valid"
            ),
            # The overall item is the headline of the ranking: it is always asked and answered.
            models.CheckConstraint(
                condition=~Q(dimension=SurveyDimension.OVERALL) | Q(required=True),
                name="qitem_overall_required",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return _bilingual(self, "text")


# --- invitations --------------------------------------------------------------------------------


class SurveyInvitation(models.Model):
    """One single-use survey link, earned by one event. Only the token's hash is stored."""

    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    period = models.PositiveIntegerField(_("period"))
    source = models.CharField(_("event"), max_length=12, choices=InvitationSource.choices)
    source_id = models.BigIntegerField(_("event object"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Keyed hashes: who (user or number) and which phone, without storing the number twice.
    recipient_key = models.CharField(max_length=64)
    phone_hash = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="invitations")
    created_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            # One token per event and person: a repeated signal never sends a second link.
            models.UniqueConstraint(
                fields=["source", "source_id", "recipient_key"], name="invitation_one_per_event"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="invitation_expires_later"
            ),
        ]
        indexes = [models.Index(fields=["office", "period"], name="invitation_office_period")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.office_id} {self.period}"


class InvitationGuard(models.Model):
    """The last invitation per office and person (or phone): enforces the cooldown without races."""

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=64)
    last_at = models.DateTimeField()

    class Meta:
        verbose_name = _("invitation cooldown")
        verbose_name_plural = _("invitation cooldowns")
        constraints = [models.UniqueConstraint(fields=["office", "key"], name="invitation_guard_unique")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.key[:8]}"


class SurveyTally(models.Model):
    """Per office and period: invitations sent, answers received and the sum of overall scores.

    Kept in step by the invitation and answer services, in their transactions. It gives the
    response rate's denominator and the network mean (the prior of the shrunk score) without
    a pass over every response; ``survey_tally_rebuild`` recomputes it from the responses.
    """

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+", db_index=False)
    period = models.PositiveIntegerField(_("period"))
    sent = models.PositiveIntegerField(_("invitations sent"), default=0)
    answered = models.PositiveIntegerField(_("answers"), default=0)
    overall_sum = models.PositiveBigIntegerField(_("sum of overall scores"), default=0)

    class Meta:
        verbose_name = _("survey tally")
        verbose_name_plural = _("survey tallies")
        constraints = [models.UniqueConstraint(fields=["office", "period"], name="survey_tally_unique")]
        indexes = [models.Index(fields=["period", "office"], name="survey_tally_period")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.period}: {self.answered}/{self.sent}"


# --- responses ----------------------------------------------------------------------------------


def _score(name: str, *, required: bool = False) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        SurveyDimension(name).label, null=not required, blank=not required
    )


class SurveyResponse(models.Model):
    """One person's answers. Immutable, and holds nothing that identifies who answered."""

    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    period = models.PositiveIntegerField(_("period"))
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    source = models.CharField(_("event"), max_length=12, choices=InvitationSource.choices)
    language = models.CharField(_("language"), max_length=5)
    answered_on = models.DateField(_("answered on"))
    access = _score("access")
    courtesy = _score("courtesy")
    clarity = _score("clarity")
    timeliness = _score("timeliness")
    fairness = _score("fairness")
    overall = _score("overall", required=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [
            models.Index(fields=["office", "period"], name="response_office_period"),
            models.Index(fields=["period", "office"], name="response_period_office"),
        ]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{d}__isnull": True}) | Q(**{f"{d}__gte": 1, f"{d}__lte": 5}),
                    name=f"response_{d}_1_to_5",
                )
                for d in SurveyDimension.values
            ],
            models.CheckConstraint(
                condition=Q(source__in=InvitationSource.values), name="response_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.office_id} {self.period}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Survey responses are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Survey responses are immutable.")


# --- publication to the office -----------------------------------------------------------------


def _published_sum(name: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(f"{name} (sum)", default=0)


def _published_count(name: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(f"{name} (answers)", default=0)


class SurveyPublication(models.Model):
    """What an office may see of one month's answers: a snapshot, never the live table.

    Made (and later replaced) only by ``survey_results_publish``, the periodic task, and only when
    at least ``FEEDBACK_PUBLISH_BATCH`` (≥ 5) new answers arrived since the previous snapshot, so the
    difference between two readings of the results page is always the sum of five answers or
    more, never one person's. An optional item's figures move only when that item itself has
    received a batch of new answers (otherwise the item keeps its previous sum and count).
    ``up_to`` is the cut-off: the answers published are those of the office and month with
    ``pk <= up_to`` (the comments shown). ``seed`` orders the comments, new at each publication.
    """

    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period = models.PositiveIntegerField(_("period"))
    batch = models.PositiveIntegerField(_("publications so far"), default=1)
    published_at = models.DateTimeField(_("published"))
    up_to = models.BigIntegerField(_("last answer included"))
    responses = models.PositiveIntegerField(_("answers"))
    invitations = models.PositiveIntegerField(_("invitations sent"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    seed = models.PositiveBigIntegerField(_("comment order"))
    access_sum = _published_sum("access")
    access_n = _published_count("access")
    courtesy_sum = _published_sum("courtesy")
    courtesy_n = _published_count("courtesy")
    clarity_sum = _published_sum("clarity")
    clarity_n = _published_count("clarity")
    timeliness_sum = _published_sum("timeliness")
    timeliness_n = _published_count("timeliness")
    fairness_sum = _published_sum("fairness")
    fairness_n = _published_count("fairness")
    overall_sum = _published_sum("overall")
    overall_n = _published_count("overall")

    class Meta:
        verbose_name = _("survey publication")
        verbose_name_plural = _("survey publications")
        constraints = [
            models.UniqueConstraint(fields=["office", "period"], name="survey_publication_unique"),
            models.CheckConstraint(
                condition=Q(satisfied__lte=models.F("responses")), name="publication_satisfied_le_n"
            ),
            models.CheckConstraint(
                condition=Q(overall_n=models.F("responses")), name="publication_overall_every_answer"
            ),
        ]
        indexes = [models.Index(fields=["period", "office"], name="survey_publication_period")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.period}: {self.responses} (#{self.batch})"


# --- complaints ---------------------------------------------------------------------------------


class Complaint(models.Model):
    reference = models.CharField(_("reference"), max_length=12, unique=True)
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="complaints"
    )
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("complainant"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    category = models.CharField(_("category"), max_length=20, choices=ComplaintCategory.choices)
    # Encrypted at rest (tanzim/common/crypto.py): decrypted on read, never searched.
    description = EncryptedTextField(_("what happened"))
    about_staff = models.BooleanField(_("about a staff member"), default=False)
    staff_description = models.CharField(
        _("staff member (as the citizen describes them)"), max_length=200, blank=True
    )
    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        verbose_name=_("appointment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    status_changed_at = models.DateTimeField(_("status changed"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField(_("decision and reasons"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("received"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ComplaintStatus.values), name="complaint_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=ComplaintCategory.values), name="complaint_category_valid"
            ),
            models.UniqueConstraint(
                fields=["complainant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="complaint_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "created_at"], name="complaint_office_created"),
            models.Index(fields=["office", "status", "decided_at"], name="complaint_office_decided"),
            models.Index(fields=["status", "due_at"], name="complaint_status_due"),
        ]

    def __str__(self) -> str:
        return self.reference


class ComplaintEvent(TransitionEvent):
    """One row per transition (written by the engine); timeliness is measured from these.

    ``note`` keeps the full text the handler wrote (the decision's reasons, read by the citizen);
    ``reason`` stays blank, so the text never reaches the audit trail.
    """

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=20, choices=ComplaintStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ComplaintStatus.choices)
    note = models.TextField(_("note"), blank=True)
    due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["complaint", "created_at", "pk"]


def attachment_path(instance: ComplaintAttachment, filename: str) -> str:
    # Named by content hash: no personal data in paths.
    return f"feedback/complaints/{instance.complaint_id}/{instance.sha256}{instance.extension}"


class ComplaintAttachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, storage=private_storage, max_length=200)
    name = models.CharField(_("name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    pages = models.PositiveSmallIntegerField(_("pages"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint attachment")
        verbose_name_plural = _("complaint attachments")
        ordering = ["complaint", "uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "sha256"], name="complaint_attachment_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )
