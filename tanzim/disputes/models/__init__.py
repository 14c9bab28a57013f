"""Pre-court dispute resolution: a dispute's ladder and everything hung on it.

A dispute is opened at a licensed office (or from a case), triaged by rules the Kanoon
edits, the respondent is invited with a join code, then mediation (sessions, a signed
settlement) or arbitration (agreement, arbitrators, term, award), or a referral to a
council or court with the file packed. Every transition of the dispute and of its
sub-workflows writes a ``DisputeEvent`` row; timeliness measures read those rows.
"""

from tanzim.disputes.models.arbitration import Arbitration, Arbitrator, Award, AwardNotice, AwardVote
from tanzim.disputes.models.dispute import Dispute, DisputeEvent, JoinCode, Party, PartyOtp, TriageRule
from tanzim.disputes.models.mediation import DisputeDocument, Session, SessionProposal, document_path
from tanzim.disputes.models.referral import Referral
from tanzim.disputes.models.settlement import Obligation, Settlement, Signature

__all__ = [
    "Arbitration",
    "Arbitrator",
    "Award",
    "AwardNotice",
    "AwardVote",
    "Dispute",
    "DisputeDocument",
    "DisputeEvent",
    "JoinCode",
    "Obligation",
    "Party",
    "PartyOtp",
    "Referral",
    "Session",
    "SessionProposal",
    "Settlement",
    "Signature",
    "TriageRule",
    "document_path",
]
