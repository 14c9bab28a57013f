"""Partner bodies (Tazirat, Forensic Medicine, councils, courts, prosecutors, police), the
referrals an office hands to them, and the signed partner API's keys, deliveries and inbound ids.
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
from tanzim.partners.choices import DeliveryStatus, OutcomeCode, PartnerKind, ReferralStatus


class _Named(models.Model):
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "fa").startswith("en") else self.name_fa

    def __str__(self) -> str:
        return self.name


class Partner(_Named):
    """An organisation an office refers files to."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    website = models.URLField(_("website"), blank=True)
    webhook_url = models.URLField(_("webhook address"), blank=True)
    # Used to sign what Tanzim sends and to verify what the partner sends; never shown again.
    webhook_secret = EncryptedTextField(_("webhook secret"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PartnerKind.values), name="partner_kind_valid")
        ]


class Branch(_Named):
    """A place of the partner that receives files, with its opening hours."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="branches")
    city = models.ForeignKey(
        "offices.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=300)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    days_fa = models.CharField(_("working days (Persian)"), max_length=60, default="شنبه تا چهارشنبه")
    days_en = models.CharField(_("working days (English)"), max_length=60, default="Saturday to Wednesday")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["partner", "name_en"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "name_en"], name="partner_branch_unique"),
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")), name="partner_branch_hours"),
        ]

    @property
    def days(self) -> str:
        return self.days_en if (get_language() or "fa").startswith("en") else self.days_fa


class ReferralKind(_Named):
    """What the partner accepts, with the time it is expected to take."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="referral_kinds")
    code = models.SlugField(_("code"), max_length=40)
    ack_days = models.PositiveSmallIntegerField(_("expected acknowledgement (days)"), default=3)
    outcome_days = models.PositiveSmallIntegerField(_("expected outcome (days)"), default=30)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("referral kind")
        verbose_name_plural = _("referral kinds")
        ordering = ["partner", "code"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "code"], name="partner_referral_kind_unique"),
            models.CheckConstraint(
                condition=Q(ack_days__gte=1) & Q(outcome_days__gte=models.F("ack_days")),
                name="partner_referral_kind_times",
            ),
        ]


class RequiredDocument(_Named):
    """One line of a referral kind's checklist."""

    kind = models.ForeignKey(ReferralKind, on_delete=models.CASCADE, related_name="checklist")
    code = models.SlugField(_("code"), max_length=40)
    required = models.BooleanField(_("required"), default=True)
    # What the citizen must do to get it ("ask the court for the referral letter"); blank: the office has it.
    citizen_task_fa = models.CharField(_("what the citizen does (Persian)"), max_length=300, blank=True)
    citizen_task_en = models.CharField(_("what the citizen does (English)"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["kind", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="partner_required_document_unique")
        ]

    @property
    def citizen_task(self) -> str:
        return self.citizen_task_en if (get_language() or "fa").startswith("en") else self.citizen_task_fa


class PartnerMember(models.Model):
    """A partner's staff member: ties a user (role ``partner``) to the partner, or to one branch."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_memberships"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="members")
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="members"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner member")
        verbose_name_plural = _("partner members")
        constraints = [models.UniqueConstraint(fields=["user", "partner"], name="partner_member_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.partner_id}"


class Referral(models.Model):
    """A file handed from an office to a partner's branch, tracked to its outcome."""

    reference = models.CharField(_("reference"), max_length=16, unique=True)
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.ForeignKey(
        ReferralKind, verbose_name=_("referral kind"), on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="referrals"
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="referrals"
    )
    dispute = models.ForeignKey(
        "disputes.Dispute", null=True, blank=True, on_delete=models.PROTECT, related_name="partner_referrals"
    )
    dispute_referral = models.ForeignKey(
        "disputes.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="partner_referrals"
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_referrals",
    )
    note = models.CharField(_("note to the partner"), max_length=500, blank=True)
    bundle = models.JSONField(_("packed file"), default=dict)
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PREPARED
    )
    status_changed_at = models.DateTimeField(_("stage since"), null=True, blank=True)
    partner_reference = models.CharField(_("partner's reference"), max_length=40, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    received_at = models.DateTimeField(_("received by the partner"), null=True, blank=True)
    outcome_at = models.DateTimeField(_("outcome received"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    ack_due_at = models.DateTimeField(_("acknowledgement expected by"), null=True, blank=True)
    outcome_due_at = models.DateTimeField(_("outcome expected by"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    outcome_code = models.CharField(_("outcome"), max_length=20, choices=OutcomeCode.choices, blank=True)
    outcome_note = models.CharField(_("outcome note"), max_length=1000, blank=True)
    return_reason = models.CharField(_("why it was returned"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("prepared"), auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("partner referral")
        verbose_name_plural = _("partner referrals")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["branch", "status"], name="partner_referral_branch"),
            models.Index(fields=["office", "status"], name="partner_referral_office"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="partner_referral_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(dispute__isnull=False) | Q(case__isnull=False), name="partner_referral_has_a_file"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.OUTCOME) | ~Q(outcome_code=""),
                name="partner_referral_outcome_coded",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="partner_referral_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


def document_path(instance: ReferralDocument, filename: str) -> str:
    # Named by content hash: no personal data in paths.
    return f"partners/referrals/{instance.referral_id}/{instance.sha256}{instance.extension}"


class ReferralDocument(models.Model):
    """A document of the packed file (a checklist line) or the partner's outcome document."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="documents")
    requirement = models.ForeignKey(
        RequiredDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_outcome = models.BooleanField(_("outcome document"), default=False)
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to=document_path, storage=private_storage, max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral document")
        verbose_name_plural = _("referral documents")
        ordering = ["referral", "uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "requirement"],
                condition=Q(requirement__isnull=False),
                name="partner_referral_document_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )


class ApiKey(models.Model):
    """A partner's API key: only its prefix and a hash are stored; revoked or rotated, it stops."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    label = models.CharField(_("label"), max_length=60, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    hashed = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("stops working at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")
        ordering = ["partner", "-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"


class ReferralEvent(TransitionEvent):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("partner referral event")
        verbose_name_plural = _("partner referral events")
        ordering = ["referral", "created_at", "pk"]

    @property
    def label(self) -> str:
        return (
            str(ReferralStatus(self.to_status).label)
            if self.to_status in ReferralStatus.values
            else self.to_status
        )


class Delivery(models.Model):
    """One event sent to a partner's webhook: retried with back-off, then a dead letter."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="deliveries")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    # The event's id and the receiver's idempotency key: the same on every attempt and replay.
    event_id = models.CharField(_("event id"), max_length=40, unique=True)
    event_type = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    dead_at = models.DateTimeField(_("given up"), null=True, blank=True)
    replays = models.PositiveSmallIntegerField(_("replays"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="partner_delivery_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="partner_delivery_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class InboundEvent(models.Model):
    """An event id a partner already sent us: the same id again is a replay and is refused."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=40)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inbound partner event")
        verbose_name_plural = _("inbound partner events")
        constraints = [models.UniqueConstraint(fields=["partner", "event_id"], name="partner_inbound_once")]

    def __str__(self) -> str:
        return self.event_id
