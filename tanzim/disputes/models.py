"""Pre-court dispute resolution: a dispute's ladder and everything hung on it.

A dispute is opened at a licensed office (or from a case), triaged by rules the Kanoon
edits, the respondent is invited with a join code, then mediation (sessions, a signed
settlement) or arbitration (agreement, arbitrators, term, award), or a referral to a
council or court with the file packed. Every transition of the dispute and of its
sub-workflows writes a ``DisputeEvent`` row; timeliness measures read those rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.disputes.choices import (
    STATUTORY_PANEL_SIZE,
    AgreementKind,
    ArbitrationStatus,
    ArbitratorSeat,
    ArbitratorStatus,
    ArbitratorVote,
    ComplianceStatus,
    CriminalTrack,
    DisputeCategory,
    DisputeOrigin,
    DisputeStatus,
    EventSubject,
    FailureReason,
    FilingLimit,
    NoticeMethod,
    ObligationKind,
    OffenceGrade,
    OtpPurpose,
    PartyRole,
    ReferralPurpose,
    ReferralReason,
    ReferralStatus,
    ReferralTarget,
    ResolutionPath,
    RespondentResponse,
    SessionKind,
    SessionMode,
    SessionResult,
    SessionStatus,
    SettlementStatus,
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
    triage_note = models.CharField(_("triage note"), max_length=300, blank=True)
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


def document_path(instance: DisputeDocument, filename: str) -> str:
    # Named by hash: no personal data in paths.
    return f"disputes/{instance.dispute_id}/{instance.sha256}{instance.extension}"


class DisputeDocument(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    pages = models.PositiveSmallIntegerField(_("pages"), default=1)
    sha256 = models.CharField(max_length=64)
    provided_by = models.ForeignKey(
        Party,
        verbose_name=_("provided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shared = models.BooleanField(
        _("shared with both parties"),
        default=True,
        help_text=_("Otherwise only the office and its author see it."),
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispute document")
        verbose_name_plural = _("dispute documents")
        ordering = ["dispute", "uploaded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["dispute", "sha256"], name="dispute_document_unique")]

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )


class Session(models.Model):
    """A mediation or arbitration session: in person at the office or by video link."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=12, choices=SessionKind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mediator / arbitrator"),
        on_delete=models.PROTECT,
        related_name="convened_sessions",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    mode = models.CharField(_("where"), max_length=10, choices=SessionMode.choices)
    location = models.CharField(_("address or video link"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    result = models.CharField(_("result"), max_length=15, choices=SessionResult.choices, blank=True)
    claimant_attended = models.BooleanField(_("claimant attended"), null=True, blank=True)
    respondent_attended = models.BooleanField(_("respondent attended"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["dispute", "starts_at", "pk"]
        indexes = [models.Index(fields=["convener", "starts_at"], name="dispute_session_convener")]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "kind", "number"], name="dispute_session_number"),
            models.UniqueConstraint(
                fields=["convener", "starts_at"],
                condition=Q(status=SessionStatus.SCHEDULED),
                name="dispute_session_convener_free",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="dispute_session_ordered"),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="dispute_session_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} #{self.number}"

    @property
    def failed(self) -> bool:
        """A failed session counts toward closing a mediation attempt (two within the window)."""
        return self.status == SessionStatus.NO_SHOW or (
            self.status == SessionStatus.HELD and self.result == SessionResult.NO_AGREEMENT
        )


class SessionProposal(models.Model):
    """Times a party proposes for a session; the mediator sees them when scheduling."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="proposals")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="proposals")
    times = models.JSONField(_("proposed times"), default=list)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("proposed times")
        verbose_name_plural = _("proposed times")
        ordering = ["dispute", "-created_at"]

    def __str__(self) -> str:
        return f"{self.party} {len(self.times)}"


class Settlement(models.Model):
    """A settlement report (گزارش اصلاحی): obligations, frozen for signing, signed by every party."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="settlements")
    number = models.PositiveSmallIntegerField(_("version"))
    terms = models.TextField(_("what the parties agreed"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    content_hash = models.CharField(_("content fingerprint"), max_length=64, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(_("opened for signing"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed by all"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    void_reason = models.CharField(_("why voided"), max_length=300, blank=True)
    pdf = models.FileField(
        _("signed report (PDF)"), upload_to="disputes/settlements/", blank=True, max_length=200
    )
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("settlement report")
        verbose_name_plural = _("settlement reports")
        ordering = ["dispute", "number"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "number"], name="settlement_version"),
            # At most one live settlement per dispute: a new version needs the old one voided.
            models.UniqueConstraint(
                fields=["dispute"], condition=~Q(status=SettlementStatus.VOIDED), name="settlement_one_live"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SettlementStatus.values), name="settlement_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} v{self.number}"

    @property
    def total_amount(self) -> int:
        return sum(o.amount or 0 for o in self.obligations.all())


class Obligation(models.Model):
    """One obligation: who owes whom what, how much, by when."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="obligations")
    position = models.PositiveSmallIntegerField(_("order"))
    obligor = models.ForeignKey(Party, verbose_name=_("who"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ObligationKind.choices)
    description = models.CharField(_("what"), max_length=500)
    amount = models.PositiveBigIntegerField(_("amount (rials)"), null=True, blank=True)
    due_date = models.DateField(_("due date"))

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["settlement", "position"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "position"], name="obligation_position"),
            models.CheckConstraint(
                condition=(Q(kind=ObligationKind.PAYMENT) & Q(amount__gt=0))
                | (Q(kind=ObligationKind.ACT) & (Q(amount__isnull=True) | Q(amount=0))),
                name="obligation_amount_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Signature(models.Model):
    """A party's confirmation of a settlement by a one-time code sent to their mobile."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="signatures")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="signatures")
    content_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(_("signed"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    otp = models.ForeignKey(PartyOtp, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["settlement", "signed_at"]
        constraints = [models.UniqueConstraint(fields=["settlement", "party"], name="signature_once")]

    def __str__(self) -> str:
        return f"{self.party} @ {self.signed_at:%Y-%m-%d}"


class Arbitration(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="arbitrations")
    agreement_kind = models.CharField(_("agreement"), max_length=20, choices=AgreementKind.choices)
    agreement_date = models.DateField(_("agreement date"))
    agreement_text = models.TextField(_("the agreement (or clause)"))
    panel_size = models.PositiveSmallIntegerField(_("arbitrators"))
    panel_size_fixed = models.BooleanField(
        _("the agreement fixes the number of arbitrators"),
        default=True,
        help_text=_("Otherwise three: each party names one and the two named agree a third (art. 464)."),
    )
    agreed_term_days = models.PositiveSmallIntegerField(
        _("agreed term (days)"), null=True, blank=True, help_text=_("Empty: the statutory three months.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ArbitrationStatus.choices, default=ArbitrationStatus.FORMING
    )
    all_notified_on = models.DateField(_("all arbitrators notified"), null=True, blank=True)
    term_ends_on = models.DateField(_("term ends"), null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("arbitration")
        verbose_name_plural = _("arbitrations")
        ordering = ["dispute", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"],
                condition=Q(status__in=[ArbitrationStatus.FORMING, ArbitrationStatus.ACTIVE]),
                name="arbitration_one_live",
            ),
            models.CheckConstraint(condition=Q(panel_size__gte=1), name="arbitration_panel_size"),
            models.CheckConstraint(
                condition=Q(panel_size_fixed=True) | Q(panel_size=STATUTORY_PANEL_SIZE),
                name="arbitration_unfixed_panel_is_three",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ArbitrationStatus.values), name="arbitration_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "term_ends_on"], name="arbitration_term")]

    def __str__(self) -> str:
        return f"{self.dispute_id} arbitration"


class Arbitrator(models.Model):
    """A person in an arbitration seat, with their eligibility declaration (arts. 466, 469)."""

    arbitration = models.ForeignKey(Arbitration, on_delete=models.CASCADE, related_name="arbitrators")
    seat = models.CharField(_("seat"), max_length=12, choices=ArbitratorSeat.choices)
    number = models.PositiveSmallIntegerField(_("seat number"), default=1)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arbitrator_seats",
    )
    name = models.CharField(_("name"), max_length=200)
    national_code = models.CharField(_("national code"), max_length=10, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ArbitratorStatus.choices, default=ArbitratorStatus.PROPOSED
    )
    declared_at = models.DateTimeField(_("declaration made"), null=True, blank=True)
    grounds = models.JSONField(_("disqualifying grounds declared"), default=list, blank=True)
    declaration_note = models.CharField(_("declaration details"), max_length=500, blank=True)
    waived_by_claimant_at = models.DateTimeField(null=True, blank=True)
    waived_by_respondent_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(_("notified and accepted"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("arbitrator")
        verbose_name_plural = _("arbitrators")
        ordering = ["arbitration", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["arbitration", "number"],
                condition=Q(status__in=[ArbitratorStatus.PROPOSED, ArbitratorStatus.ACCEPTED]),
                name="arbitrator_one_per_seat",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="arbitrator_seat_number"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def seat_label(self) -> str:
        """ "Member 2 of the panel" for a numbered seat, the seat's name otherwise."""
        if self.seat == ArbitratorSeat.MEMBER:
            return str(_("Member %(n)s of the panel") % {"n": self.number})
        return str(ArbitratorSeat(self.seat).label)


class Award(models.Model):
    """The reasoned award (art. 482), delivered to the parties; compliance and annulment deadlines."""

    arbitration = models.OneToOneField(Arbitration, on_delete=models.PROTECT, related_name="award")
    decided_on = models.DateField(_("decided on"))
    reasoning = models.TextField(_("reasons"))
    decision = models.TextField(_("decision"))
    amount = models.PositiveBigIntegerField(_("amount awarded (rials)"), null=True, blank=True)
    in_favour_of = models.ForeignKey(
        Party,
        verbose_name=_("in favour of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dissent = models.TextField(_("dissenting opinion"), blank=True)
    delivered_at = models.DateTimeField(_("recorded at the office"))
    # The latest of the parties' own deadlines (each runs from that party's notice, arts. 488, 490),
    # empty until every party concerned is notified: what the board and the enforcement check read.
    compliance_due = models.DateField(_("comply by (last party)"), null=True, blank=True)
    annulment_deadline = models.DateField(_("annulment petition by (last party)"), null=True, blank=True)
    compliance = models.CharField(
        _("compliance"), max_length=12, choices=ComplianceStatus.choices, default=ComplianceStatus.PENDING
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pdf = models.FileField(_("award (PDF)"), upload_to="disputes/awards/", blank=True, max_length=200)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.CheckConstraint(
                condition=Q(compliance__in=ComplianceStatus.values), name="award_compliance"
            ),
        ]

    def __str__(self) -> str:
        return f"award {self.arbitration_id}"


class AwardVote(models.Model):
    """One panel member's vote on the award and their signature, or their refusal to sign (art. 482)."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="votes")
    arbitrator = models.ForeignKey(Arbitrator, on_delete=models.PROTECT, related_name="votes")
    vote = models.CharField(_("vote"), max_length=8, choices=ArbitratorVote.choices)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    dissent = models.TextField(_("dissenting opinion"), blank=True)

    class Meta:
        verbose_name = _("arbitrator's vote")
        verbose_name_plural = _("arbitrators' votes")
        ordering = ["award", "arbitrator__number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "arbitrator"], name="award_vote_once"),
            models.CheckConstraint(condition=Q(vote__in=ArbitratorVote.values), name="award_vote_valid"),
            # Whoever voted for the award signed it; only a member against it may refuse to sign.
            models.CheckConstraint(
                condition=Q(vote=ArbitratorVote.AGAINST) | Q(signed_at__isnull=False),
                name="award_vote_for_is_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.arbitrator_id}: {self.vote}"

    @property
    def refused_to_sign(self) -> bool:
        return self.signed_at is None


class AwardNotice(models.Model):
    """The notice of the award to one party (art. 485): its day and method, and that party's own
    periods to comply (art. 488) and to petition for annulment (art. 490), counted from it."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="notices")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="award_notices")
    notified_on = models.DateField(_("notified on"))
    method = models.CharField(_("how"), max_length=15, choices=NoticeMethod.choices)
    resident_abroad = models.BooleanField(_("resident abroad at notice"), default=False)
    compliance_due = models.DateField(_("comply by"))
    annulment_due = models.DateField(_("annulment petition by"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("notice of the award")
        verbose_name_plural = _("notices of the award")
        ordering = ["award", "party__role"]
        constraints = [
            models.UniqueConstraint(fields=["award", "party"], name="award_notice_once_per_party"),
            models.CheckConstraint(condition=Q(method__in=NoticeMethod.values), name="award_notice_method"),
            models.CheckConstraint(
                condition=Q(compliance_due__gt=F("notified_on")) & Q(annulment_due__gt=F("notified_on")),
                name="award_notice_periods_after_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award_id} → {self.party_id} {self.notified_on}"


class Referral(models.Model):
    """A referral to a council, peace court, court or prosecutor with the file packed."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="referrals")
    purpose = models.CharField(_("purpose"), max_length=12, choices=ReferralPurpose.choices)
    target = models.CharField(_("referred to"), max_length=20, choices=ReferralTarget.choices)
    reason = models.CharField(_("reason"), max_length=30, choices=ReferralReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    bundle = models.JSONField(_("packed file"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PACKED
    )
    tracking_reference = models.CharField(_("tracking reference"), max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("packed"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["dispute", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "purpose"], name="referral_one_per_purpose"),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} → {self.target}"
