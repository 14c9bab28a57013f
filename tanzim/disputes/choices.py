"""Choices and transition tables of the dispute ladder and its sub-workflows.

Values are stable English words (stored, sent over the API); labels are translated. Each
workflow has exactly one table here; ``workflows.py`` declares it on the engine, and every move
goes through its one transition service in ``services/ladder.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DisputeCategory(models.TextChoices):
    MAHRIYEH = "mahriyeh", _("Dowry (mahriyeh)")
    NAFAQEH = "nafaqeh", _("Maintenance (nafaqeh)")
    JAHIZIYEH = "jahiziyeh", _("Trousseau (jahiziyeh)")
    MONEY_CLAIM = "money_claim", _("Money claim")
    CHEQUE = "cheque", _("Cheque")
    LEASE = "lease", _("Lease")
    NEIGHBOURS = "neighbours", _("Neighbours and nuisance")
    CRIMINAL = "criminal", _("Compoundable criminal complaint")
    OTHER = "other", _("Other")


FAMILY_CATEGORIES = frozenset({DisputeCategory.MAHRIYEH, DisputeCategory.NAFAQEH, DisputeCategory.JAHIZIYEH})


class ResolutionPath(models.TextChoices):
    MEDIATION = "mediation", _("Mediation / peace-making")
    CRIMINAL_MEDIATION = "criminal_mediation", _("Criminal mediation")
    ARBITRATION = "arbitration", _("Arbitration")
    COURT = "court", _("Straight to court")


class ReferralTarget(models.TextChoices):
    COUNCIL = "council", _("Dispute-resolution council")
    PEACE_COURT = "peace_court", _("Peace court")
    COURT = "court", _("Competent court")
    PROSECUTOR = "prosecutor", _("Prosecutor's office")


class DisputeOrigin(models.TextChoices):
    OFFICE = "office", _("Opened at the office")
    CASE = "case", _("From a petition or complaint")


class DisputeStatus(models.TextChoices):
    INTAKE = "intake", _("Intake")
    TRIAGED = "triaged", _("Triaged")
    INVITED = "invited", _("Respondent invited")
    MEDIATION = "mediation", _("In mediation")
    FAILED = "failed", _("Failed")
    ARBITRATION = "arbitration", _("In arbitration")
    SETTLED = "settled", _("Settled")
    AWARDED = "awarded", _("Award issued")
    REFERRED = "referred", _("Referred")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


# The one transition table of the dispute ladder. Nothing else decides what may follow what.
ALLOWED: dict[str, frozenset[str]] = {
    DisputeStatus.INTAKE: frozenset({DisputeStatus.TRIAGED, DisputeStatus.REFERRED, DisputeStatus.WITHDRAWN}),
    DisputeStatus.TRIAGED: frozenset(
        {DisputeStatus.INVITED, DisputeStatus.REFERRED, DisputeStatus.WITHDRAWN}
    ),
    DisputeStatus.INVITED: frozenset(
        {DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION, DisputeStatus.FAILED, DisputeStatus.WITHDRAWN}
    ),
    DisputeStatus.MEDIATION: frozenset(
        {DisputeStatus.SETTLED, DisputeStatus.FAILED, DisputeStatus.WITHDRAWN}
    ),
    DisputeStatus.FAILED: frozenset(
        {DisputeStatus.ARBITRATION, DisputeStatus.REFERRED, DisputeStatus.CLOSED}
    ),
    DisputeStatus.ARBITRATION: frozenset(
        {DisputeStatus.AWARDED, DisputeStatus.SETTLED, DisputeStatus.FAILED, DisputeStatus.WITHDRAWN}
    ),
    DisputeStatus.SETTLED: frozenset(),
    DisputeStatus.AWARDED: frozenset(),
    DisputeStatus.REFERRED: frozenset(),
    DisputeStatus.WITHDRAWN: frozenset(),
    DisputeStatus.CLOSED: frozenset(),
}

FINAL = frozenset(status for status, nexts in ALLOWED.items() if not nexts)
OPEN = frozenset(ALLOWED) - FINAL
# Resolved before court: what "kept out of court" counts.
RESOLVED = frozenset({DisputeStatus.SETTLED, DisputeStatus.AWARDED})
# The outcome named in the ``dispute_concluded`` signal for each final status.
OUTCOME: dict[str, str] = {
    DisputeStatus.SETTLED: "settled",
    DisputeStatus.AWARDED: "awarded",
    DisputeStatus.REFERRED: "referred",
    DisputeStatus.WITHDRAWN: "withdrawn",
    DisputeStatus.CLOSED: "failed",
}
# The order of the board's columns.
BOARD_ORDER = (
    DisputeStatus.INTAKE,
    DisputeStatus.TRIAGED,
    DisputeStatus.INVITED,
    DisputeStatus.MEDIATION,
    DisputeStatus.FAILED,
    DisputeStatus.ARBITRATION,
    DisputeStatus.AWARDED,
    DisputeStatus.SETTLED,
    DisputeStatus.REFERRED,
    DisputeStatus.WITHDRAWN,
    DisputeStatus.CLOSED,
)


class FailureReason(models.TextChoices):
    """Coded reasons, after the UK civil mediation service: what a ladder needs to be measurable."""

    PARTY_WITHDREW = "party_withdrew", _("A party withdrew")
    NOT_CONTACTABLE = "not_contactable", _("Respondent not contactable")
    RESPONDENT_DECLINED = "respondent_declined", _("Respondent declined")
    NO_AGREEMENT = "no_agreement", _("No agreement")
    NO_SHOW = "no_show", _("No-show")
    WINDOW_EXPIRED = "window_expired", _("The legal window expired")
    ARBITRATION_EXPIRED = "arbitration_expired", _("The arbitration term expired without an award")


# Reasons a mediator or the office may record by hand; the others are set by the system.
MANUAL_FAILURE_REASONS = (
    FailureReason.PARTY_WITHDREW,
    FailureReason.NO_AGREEMENT,
    FailureReason.NO_SHOW,
    FailureReason.NOT_CONTACTABLE,
    FailureReason.RESPONDENT_DECLINED,
)


class PartyRole(models.TextChoices):
    CLAIMANT = "claimant", _("Claimant / complainant")
    RESPONDENT = "respondent", _("Respondent")


class RespondentResponse(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    NOT_CONTACTABLE = "not_contactable", _("Not contactable")


class CriminalTrack(models.TextChoices):
    WAIVER = "waiver", _("Obtaining the complainant's waiver")
    MEDIATION = "mediation", _("Mediation")


class OtpPurpose(models.TextChoices):
    JOIN = "join", _("Joining a dispute")
    SIGN = "sign", _("Signing a settlement")


# --- sessions ------------------------------------------------------------------------------


class SessionKind(models.TextChoices):
    MEDIATION = "mediation", _("Mediation session")
    ARBITRATION = "arbitration", _("Arbitration session")


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person at the office")
    VIDEO = "video", _("Video link")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    NO_SHOW = "no_show", _("A party did not come")
    CANCELLED = "cancelled", _("Cancelled")


SESSION_ALLOWED: dict[str, frozenset[str]] = {
    SessionStatus.SCHEDULED: frozenset({SessionStatus.HELD, SessionStatus.NO_SHOW, SessionStatus.CANCELLED}),
    SessionStatus.HELD: frozenset(),
    SessionStatus.NO_SHOW: frozenset(),
    SessionStatus.CANCELLED: frozenset(),
}


class SessionResult(models.TextChoices):
    CONTINUED = "continued", _("Progress: another session")
    AGREEMENT = "agreement", _("Agreement reached")
    NO_AGREEMENT = "no_agreement", _("No agreement")


# --- settlement ------------------------------------------------------------------------------


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNING = "signing", _("Waiting for signatures")
    SIGNED = "signed", _("Signed by all parties")
    VOIDED = "voided", _("Voided")


SETTLEMENT_ALLOWED: dict[str, frozenset[str]] = {
    SettlementStatus.DRAFT: frozenset({SettlementStatus.SIGNING, SettlementStatus.VOIDED}),
    SettlementStatus.SIGNING: frozenset({SettlementStatus.SIGNED, SettlementStatus.VOIDED}),
    SettlementStatus.SIGNED: frozenset(),
    SettlementStatus.VOIDED: frozenset(),
}


class ObligationKind(models.TextChoices):
    PAYMENT = "payment", _("Payment of money")
    ACT = "act", _("An act (hand over, vacate, stop a nuisance…)")


# --- arbitration ---------------------------------------------------------------------------------


class AgreementKind(models.TextChoices):
    EXISTING_CLAUSE = "existing_clause", _("An arbitration clause in an existing contract")
    AGREED_NOW = "agreed_now", _("Agreed now, after the dispute arose")


class ArbitrationStatus(models.TextChoices):
    FORMING = "forming", _("Appointing the arbitrators")
    ACTIVE = "active", _("Term running")
    AWARDED = "awarded", _("Award issued")
    EXPIRED = "expired", _("Term expired without an award")
    ENDED = "ended", _("Ended (settled or withdrawn)")


ARBITRATION_ALLOWED: dict[str, frozenset[str]] = {
    ArbitrationStatus.FORMING: frozenset({ArbitrationStatus.ACTIVE, ArbitrationStatus.ENDED}),
    ArbitrationStatus.ACTIVE: frozenset(
        {ArbitrationStatus.AWARDED, ArbitrationStatus.EXPIRED, ArbitrationStatus.ENDED}
    ),
    ArbitrationStatus.AWARDED: frozenset(),
    ArbitrationStatus.EXPIRED: frozenset(),
    ArbitrationStatus.ENDED: frozenset(),
}


# Art. 464: when the agreement does not fix the number, three (each party names one, the two agree a third).
STATUTORY_PANEL_SIZE = 3
# An input bound (not a rule of law: the parties may fix any number).
MAX_PANEL_SIZE = 25


class ArbitratorSeat(models.TextChoices):
    SOLE = "sole", _("Sole arbitrator")
    CLAIMANT = "claimant", _("Named by the claimant")
    RESPONDENT = "respondent", _("Named by the respondent")
    PRESIDING = "presiding", _("Third arbitrator (agreed by the other two)")
    MEMBER = "member", _("Member of the panel")


class ArbitratorStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted and notified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ARBITRATOR_ALLOWED: dict[str, frozenset[str]] = {
    ArbitratorStatus.PROPOSED: frozenset(
        {ArbitratorStatus.ACCEPTED, ArbitratorStatus.DISQUALIFIED, ArbitratorStatus.WITHDRAWN}
    ),
    ArbitratorStatus.ACCEPTED: frozenset(),
    ArbitratorStatus.DISQUALIFIED: frozenset(),
    ArbitratorStatus.WITHDRAWN: frozenset(),
}


class Disqualification(models.TextChoices):
    """Grounds from arts. 466 and 469 of the Civil Procedure Code."""

    NO_CAPACITY = "no_capacity", _("Lacks legal capacity (art. 466)")
    BARRED = "barred", _("Barred from arbitration by a final judgment (art. 466)")
    UNDER_AGE = "under_age", _("Younger than the minimum age (art. 469)")
    INTEREST = "interest", _("Has an interest in the dispute (art. 469)")
    KINSHIP = "kinship", _("Close relative of a party (art. 469)")
    AGENT = "agent", _("A party's agent or lawyer (art. 469)")
    LITIGATION = "litigation", _("In litigation with a party (art. 469)")
    CIVIL_SERVANT = "civil_servant", _("Civil servant in their area of duty (art. 469)")


# Art. 466: never eligible, whatever the parties agree.
ABSOLUTE_GROUNDS = frozenset({Disqualification.NO_CAPACITY, Disqualification.BARRED})
# Art. 469: eligible only when both parties agree (waive the ground).
WAIVABLE_GROUNDS = frozenset(Disqualification) - ABSOLUTE_GROUNDS


class ComplianceStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for compliance")
    COMPLIED = "complied", _("Complied with")
    ENFORCEMENT = "enforcement", _("Enforcement requested")


class NoticeMethod(models.TextChoices):
    """How the award reached a party (art. 485); each party's periods run from their own notice."""

    AT_OFFICE = "at_office", _("Delivered at the office")
    ELECTRONIC = "electronic", _("Electronic notice (SANA account)")
    COURT_OFFICE = "court_office", _("Served by the court office")
    POST = "post", _("Registered post")


class ArbitratorVote(models.TextChoices):
    """A panel member's vote on the award (art. 482): the majority of the panel decides."""

    FOR = "for", _("For the award")
    AGAINST = "against", _("Against the award")


AWARD_ALLOWED: dict[str, frozenset[str]] = {
    ComplianceStatus.PENDING: frozenset({ComplianceStatus.COMPLIED, ComplianceStatus.ENFORCEMENT}),
    ComplianceStatus.COMPLIED: frozenset(),
    ComplianceStatus.ENFORCEMENT: frozenset(),
}


# --- referral ----------------------------------------------------------------------------------


class ReferralPurpose(models.TextChoices):
    ADJUDICATION = "adjudication", _("To decide the dispute")
    ENFORCEMENT = "enforcement", _("To enforce an arbitral award")


class ReferralReason(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", _("Outside what offices may resolve")
    CLAIMANT_CHOICE = "claimant_choice", _("The claimant chose to go to court")
    RESPONDENT_DECLINED = "respondent_declined", _("The respondent declined")
    RESOLUTION_FAILED = "resolution_failed", _("Resolution failed")
    AWARD_NOT_COMPLIED = "award_not_complied", _("The award was not complied with")


class ReferralStatus(models.TextChoices):
    PACKED = "packed", _("File packed")
    SENT = "sent", _("Sent; tracking reference recorded")


REFERRAL_ALLOWED: dict[str, frozenset[str]] = {
    ReferralStatus.PACKED: frozenset({ReferralStatus.SENT}),
    ReferralStatus.SENT: frozenset(),
}


class EventSubject(models.TextChoices):
    """What an event row is about: the dispute itself or one of its sub-workflows."""

    DISPUTE = "dispute", _("Dispute")
    INVITATION = "invitation", _("Invitation")
    SESSION = "session", _("Session")
    SETTLEMENT = "settlement", _("Settlement")
    ARBITRATION = "arbitration", _("Arbitration")
    ARBITRATOR = "arbitrator", _("Arbitrator")
    AWARD = "award", _("Award")
    REFERRAL = "referral", _("Referral")


# Words of the history (event rows) that are not a stage of any table above.
EVENT_WORDS: dict[str, StrOrPromise] = {
    "sent": _("invitation sent"),
    "reminded": _("reminder sent"),
    "joined": _("respondent joined"),
    "declared": _("eligibility declared"),
    "signed_by_claimant": _("signed by the claimant"),
    "signed_by_respondent": _("signed by the respondent"),
    "waived_by_claimant": _("claimant agreed despite the ground"),
    "waived_by_respondent": _("respondent agreed despite the ground"),
    "notified_claimant": _("award notified to the claimant"),
    "notified_respondent": _("award notified to the respondent"),
}
SUBJECT_CHOICES: dict[str, type[models.TextChoices]] = {
    EventSubject.DISPUTE: DisputeStatus,
    EventSubject.SESSION: SessionStatus,
    EventSubject.SETTLEMENT: SettlementStatus,
    EventSubject.ARBITRATION: ArbitrationStatus,
    EventSubject.ARBITRATOR: ArbitratorStatus,
    EventSubject.AWARD: ComplianceStatus,
    EventSubject.REFERRAL: ReferralStatus,
}


def event_word(subject: str, code: str) -> str:
    """The translated label of a status code written in an event row."""
    choices = SUBJECT_CHOICES.get(subject)
    if choices is not None and code in choices.values:
        return str(choices(code).label)
    return str(EVENT_WORDS.get(code, code))


# --- settle first: time limits that keep running during mediation ------------------------------


class OffenceGrade(models.IntegerChoices):
    """The ta'zir grade of the offence (art. 19 Islamic Penal Code): 1 is the gravest, 8 the lightest."""

    GRADE_1 = 1, _("Ta'zir grade 1")
    GRADE_2 = 2, _("Ta'zir grade 2")
    GRADE_3 = 3, _("Ta'zir grade 3")
    GRADE_4 = 4, _("Ta'zir grade 4")
    GRADE_5 = 5, _("Ta'zir grade 5")
    GRADE_6 = 6, _("Ta'zir grade 6")
    GRADE_7 = 7, _("Ta'zir grade 7")
    GRADE_8 = 8, _("Ta'zir grade 8")


class FilingLimit(models.TextChoices):
    """Which time limit to file runs while a dispute is being mediated."""

    COMPOUNDABLE_COMPLAINT = "art_106", _("Complaint of a compoundable offence (art. 106 Islamic Penal Code)")
    CHEQUE_PRESENTATION = "cheque_presentation", _("Presenting the cheque to the bank (Cheque Law art. 11)")
    CHEQUE_COMPLAINT = "cheque_complaint", _("Criminal complaint of a bounced cheque (Cheque Law art. 11)")
