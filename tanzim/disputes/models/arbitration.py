"""Arbitration: the agreement, the arbitrators, the award, the votes on it and its notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tanzim.common.storage import private_storage
from tanzim.disputes.choices import (
    STATUTORY_PANEL_SIZE,
    AgreementKind,
    ArbitrationStatus,
    ArbitratorSeat,
    ArbitratorStatus,
    ArbitratorVote,
    ComplianceStatus,
    NoticeMethod,
)
from tanzim.disputes.models.dispute import Dispute, Party


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
    pdf = models.FileField(
        _("award (PDF)"), upload_to="disputes/awards/", storage=private_storage, blank=True, max_length=200
    )
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
