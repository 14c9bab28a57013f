"""The dispute itself: triage rules, the dispute, its parties, join codes, party codes and events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.disputes.choices import (
    CriminalTrack,
    DisputeCategory,
    DisputeOrigin,
    DisputeStatus,
    EventSubject,
    FailureReason,
    FilingLimit,
    OffenceGrade,
    OtpPurpose,
    PartyRole,
    ReferralTarget,
    ResolutionPath,
    RespondentResponse,
)


class TriageRule(models.Model):
    """Which disputes offices may resolve and how: data the Kanoon edits in the admin."""

    category = models.CharField(_("category"), max_length=20, choices=DisputeCategory.choices, unique=True)
    eligible = models.BooleanField(_("offices may resolve it"), default=True)
    path = models.CharField(
        _("recommended path"), max_length=20, choices=ResolutionPath.choices, default=ResolutionPath.MEDIATION
    )
    use_peace_court_ceiling = models.BooleanField(
        _("limited by the peace-court ceiling"),
        default=False,
        help_text=_("The ceiling is the DISPUTES_PEACE_COURT_CEILING setting, indexed every three years."),
    )
    custom_ceiling = models.PositiveBigIntegerField(
        _("own ceiling (rials)"), null=True, blank=True, help_text=_("Overrides the peace-court ceiling.")
    )
    over_ceiling_path = models.CharField(
        _("path above the ceiling"),
        max_length=20,
        choices=ResolutionPath.choices,
        default=ResolutionPath.COURT,
    )
    requires_amount = models.BooleanField(_("a claim amount is required"), default=False)
    halves_court_fee = models.BooleanField(
        _("a settlement halves the court fee"),
        default=False,
        help_text=_("For court-referred money claims: half of the court fee paid is refunded."),
    )
    referral_target = models.CharField(
        _("where it goes when resolution fails"),
        max_length=20,
        choices=ReferralTarget.choices,
        default=ReferralTarget.PEACE_COURT,
    )
    over_ceiling_referral_target = models.CharField(
        _("where it goes above the ceiling"),
        max_length=20,
        choices=ReferralTarget.choices,
        default=ReferralTarget.COURT,
    )
    note_fa = models.CharField(_("explanation (Persian)"), max_length=300, blank=True)
    note_en = models.CharField(_("explanation (English)"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("triage rule")
        verbose_name_plural = _("triage rules")
        ordering = ["category"]
        constraints = [
            models.CheckConstraint(
                condition=Q(eligible=True) | Q(path=ResolutionPath.COURT),
                name="triage_ineligible_goes_to_court",
            ),
            models.CheckConstraint(
                condition=Q(category__in=DisputeCategory.values), name="triage_category_valid"
            ),
            # Criminal matters are not arbitrable: no rule may send them there.
            models.CheckConstraint(
                condition=~Q(category=DisputeCategory.CRIMINAL)
                | (~Q(path=ResolutionPath.ARBITRATION) & ~Q(over_ceiling_path=ResolutionPath.ARBITRATION)),
                name="triage_criminal_not_arbitrable",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_category_display())

    @property
    def note(self) -> str:
        return self.note_en if (get_language() or "fa").startswith("en") else self.note_fa

    @property
    def ceiling(self) -> int | None:
        if self.custom_ceiling is not None:
            return self.custom_ceiling
        if self.use_peace_court_ceiling:
            return settings.DISPUTES_PEACE_COURT_CEILING
        return None


class Dispute(models.Model):
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="disputes"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("from case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    origin = models.CharField(_("origin"), max_length=10, choices=DisputeOrigin.choices)
    category = models.CharField(_("category"), max_length=20, choices=DisputeCategory.choices)
    claim_amount = models.PositiveBigIntegerField(_("claim amount (rials)"), null=True, blank=True)
    summary = models.TextField(_("what the dispute is about"), blank=True)
    status = models.CharField(
        _("stage"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.INTAKE
    )
    status_changed_at = models.DateTimeField(_("stage since"))
    due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    # Triage: frozen from the rule when it was applied, so a later rule change does not rewrite history.
    eligible = models.BooleanField(_("eligible"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=20, choices=ResolutionPath.choices, blank=True)
    triage_rule = models.ForeignKey(
        TriageRule, verbose_name=_("triage rule"), null=True, blank=True, on_delete=models.SET_NULL
    )
    triage_note = models.CharField(_("triage note"), max_length=300, blank=True)  # Persian
    triage_note_en = models.CharField(_("triage note (English)"), max_length=300, blank=True)
    referral_target = models.CharField(
        _("referral target"), max_length=20, choices=ReferralTarget.choices, blank=True
    )
    halves_court_fee = models.BooleanField(_("a settlement halves the court fee"), default=False)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("peace-maker / mediator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediated_disputes",
    )
    criminal_track = models.CharField(
        _("criminal track"), max_length=10, choices=CriminalTrack.choices, blank=True
    )
    window_started_on = models.DateField(_("window opened"), null=True, blank=True)
    window_ends_on = models.DateField(_("window closes"), null=True, blank=True)
    window_extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    invite_attempts = models.PositiveSmallIntegerField(_("invitations sent"), default=0)
    last_invited_at = models.DateTimeField(_("last invited"), null=True, blank=True)
    respondent_response = models.CharField(
        _("respondent's answer"), max_length=20, choices=RespondentResponse.choices, blank=True
    )
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    failure_reason = models.CharField(
        _("failure reason"), max_length=30, choices=FailureReason.choices, blank=True
    )
    outcome_note = models.CharField(_("note"), max_length=500, blank=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    court_fee_refund_id = models.BigIntegerField(_("court fee refund"), null=True, blank=True)
    # Settle first: the facts behind a time limit that keeps running during mediation, the limit
    # computed from them when the dispute was opened, and whether the request was filed first.
    offence_grade = models.PositiveSmallIntegerField(
        _("offence grade (ta'zir)"), choices=OffenceGrade.choices, null=True, blank=True
    )
    offence_compoundable = models.BooleanField(_("compoundable offence"), null=True, blank=True)
    knowledge_date = models.DateField(_("learned of the offence on"), null=True, blank=True)
    cheque_date = models.DateField(_("date of the cheque"), null=True, blank=True)
    dishonour_date = models.DateField(_("date of the dishonour certificate"), null=True, blank=True)
    filing_limit = models.CharField(
        _("time limit to file"), max_length=20, choices=FilingLimit.choices, blank=True
    )
    filing_deadline = models.DateField(_("last day to file"), null=True, blank=True)
    settle_by = models.DateField(_("settle by"), null=True, blank=True)
    file_first = models.BooleanField(
        _("filed first, mediation after filing"),
        default=False,
        help_text=_("Mediation waits until the request is filed, so the time limit is kept."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("opened"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["office", "status", "due_at"], name="dispute_board"),
            models.Index(fields=["status", "due_at"], name="dispute_due"),
            models.Index(fields=["mediator", "status"], name="dispute_docket"),
            models.Index(fields=["status", "concluded_at"], name="dispute_concluded"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DisputeStatus.values), name="dispute_status_valid"),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="dispute_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(category__in=DisputeCategory.values), name="dispute_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(origin=DisputeOrigin.OFFICE) | Q(case__isnull=False), name="dispute_case_origin"
            ),
            models.CheckConstraint(
                condition=Q(window_ends_on__isnull=True) | Q(window_ends_on__gte=F("window_started_on")),
                name="dispute_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(offence_grade__isnull=True) | Q(offence_grade__gte=1, offence_grade__lte=8),
                name="dispute_offence_grade_valid",
            ),
            models.CheckConstraint(
                condition=Q(filing_deadline__isnull=True) | ~Q(filing_limit=""),
                name="dispute_filing_deadline_has_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference_display(self) -> str:
        """``05-1234-5678``: the Jalali year's last two digits, then eight random digits."""
        ref = self.reference
        return f"{ref[:2]}-{ref[2:6]}-{ref[6:]}" if len(ref) == 10 else ref

    @property
    def triage_reason(self) -> str:
        """The triage note in the reader's language (Persian, or English when that is active)."""
        if (get_language() or "fa").startswith("en") and self.triage_note_en:
            return self.triage_note_en
        return self.triage_note

    @property
    def is_criminal(self) -> bool:
        return self.path == ResolutionPath.CRIMINAL_MEDIATION


class Party(models.Model):
    """One side of a dispute. ``user`` is set when the person has (or gets) a Tanzim account."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=200)
    national_code = models.CharField(_("national code"), max_length=10, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    resident_abroad = models.BooleanField(_("resident abroad"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispute_parties",
    )
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute", "role"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "role"], name="dispute_party_one_per_role"),
            models.CheckConstraint(condition=Q(role__in=PartyRole.values), name="dispute_party_role_valid"),
        ]
        indexes = [models.Index(fields=["user"], name="dispute_party_user")]

    def __str__(self) -> str:
        return self.name


class JoinCode(models.Model):
    """A respondent's join code: random, single-purpose, only its keyed hash is stored, it expires."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="join_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("join code")
        verbose_name_plural = _("join codes")

    def __str__(self) -> str:
        return f"join code #{self.pk}"


class PartyOtp(models.Model):
    """A one-time code sent to a party's mobile to join or to sign. Only its keyed hash is stored."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="otps")
    purpose = models.CharField(max_length=10, choices=OtpPurpose.choices)
    settlement = models.ForeignKey(
        "Settlement", null=True, blank=True, on_delete=models.CASCADE, related_name="otps"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("party one-time code")
        verbose_name_plural = _("party one-time codes")
        indexes = [models.Index(fields=["party", "purpose", "-created_at"], name="dispute_otp_latest")]

    def __str__(self) -> str:
        return f"{self.purpose} OTP #{self.pk}"


class DisputeEvent(TransitionEvent):
    """One row per transition of the dispute or of a sub-workflow: who, for whom, what, why, when.

    The engine (``tanzim.audit.workflow``) writes the rows of every move; the other rows (an
    invitation sent, a party joined, a signature) are written by the services.
    """

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    subject = models.CharField(_("about"), max_length=12, choices=EventSubject.choices)
    subject_id = models.BigIntegerField(_("object"), null=True, blank=True)
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        ordering = ["dispute", "created_at", "pk"]
        indexes = [models.Index(fields=["subject", "to_status", "created_at"], name="dispute_event_kind")]

    def __str__(self) -> str:
        return f"{self.subject}: {self.from_status} → {self.to_status}"
