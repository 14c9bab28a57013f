"""Writes for disputes: intake and triage, the respondent's invitation and join, mediation
sessions, settlement and signing, arbitration and award, referral, and the money they move.

Every function is keyword-only and follows one shape: check who acts and the state, lock, move
the status through the engine (``tanzim.audit.workflow.transition``, the workflows declared in
``tanzim/disputes/workflows.py``), write the other event rows and audit events in the same
transaction, and leave SMS (outbox) and signals for after commit.

One module per sub-workflow; callers use the package (``services.dispute_triage(...)``).
"""

from __future__ import annotations

from tanzim.disputes.services._common import PartyInput
from tanzim.disputes.services.arbitration import (
    arbitration_extend,
    arbitration_start,
    arbitrator_accept,
    arbitrator_declare,
    arbitrator_grounds,
    arbitrator_propose,
    arbitrator_waive,
    arbitrator_withdraw,
    panel_seats,
)
from tanzim.disputes.services.award import (
    award_mark_complied,
    award_notice_record,
    award_record,
    award_request_enforcement,
    must_comply,
)
from tanzim.disputes.services.deadlines import (
    arbitration_expire,
    deadlines_sweep,
    invitation_follow_up,
    mediation_expire,
)
from tanzim.disputes.services.documents import award_store_pdf, document_add, settlement_store_pdf
from tanzim.disputes.services.intake import (
    dispute_open,
    dispute_open_from_case,
    dispute_update,
    party_update,
)
from tanzim.disputes.services.invitation import (
    Invitation,
    JoinResult,
    JoinTicket,
    dispute_invite,
    dispute_respond,
    join_start,
    join_verify,
)
from tanzim.disputes.services.ladder import (
    arbitration_transition,
    arbitrator_transition,
    award_transition,
    dispute_close,
    dispute_fail,
    dispute_transition,
    dispute_withdraw,
    referral_transition,
    session_transition,
    settlement_transition,
)
from tanzim.disputes.services.mediation import (
    criminal_track_set,
    mediator_assign,
    mediators_of,
    proposal_create,
    session_record,
    session_record_past,
    session_schedule,
    window_extend,
)
from tanzim.disputes.services.referral import referral_bundle, referral_create, referral_record_tracking
from tanzim.disputes.services.settlement import (
    CodeSent,
    ObligationInput,
    SignResult,
    resolution_fee_pay,
    resolution_fee_quote,
    settlement_content_hash,
    settlement_draft,
    settlement_open,
    settlement_request_code,
    settlement_sign,
    settlement_void,
)
from tanzim.disputes.services.triage import (
    TriageDecision,
    dispute_triage,
    dispute_triage_correct,
    triage_correctable,
    triage_decide,
    triage_preview,
)

__all__ = [
    "CodeSent",
    "Invitation",
    "JoinResult",
    "JoinTicket",
    "ObligationInput",
    "PartyInput",
    "SignResult",
    "TriageDecision",
    "arbitration_expire",
    "arbitration_extend",
    "arbitration_start",
    "arbitration_transition",
    "arbitrator_accept",
    "arbitrator_declare",
    "arbitrator_grounds",
    "arbitrator_propose",
    "arbitrator_transition",
    "arbitrator_waive",
    "arbitrator_withdraw",
    "award_mark_complied",
    "award_notice_record",
    "award_record",
    "award_request_enforcement",
    "award_store_pdf",
    "award_transition",
    "criminal_track_set",
    "deadlines_sweep",
    "dispute_close",
    "dispute_fail",
    "dispute_invite",
    "dispute_open",
    "dispute_open_from_case",
    "dispute_respond",
    "dispute_transition",
    "dispute_triage",
    "dispute_triage_correct",
    "dispute_update",
    "dispute_withdraw",
    "document_add",
    "invitation_follow_up",
    "join_start",
    "join_verify",
    "mediation_expire",
    "mediator_assign",
    "mediators_of",
    "must_comply",
    "panel_seats",
    "party_update",
    "proposal_create",
    "referral_bundle",
    "referral_create",
    "referral_record_tracking",
    "referral_transition",
    "resolution_fee_pay",
    "resolution_fee_quote",
    "session_record",
    "session_record_past",
    "session_schedule",
    "session_transition",
    "settlement_content_hash",
    "settlement_draft",
    "settlement_open",
    "settlement_request_code",
    "settlement_sign",
    "settlement_store_pdf",
    "settlement_transition",
    "settlement_void",
    "triage_correctable",
    "triage_decide",
    "triage_preview",
    "window_extend",
]
