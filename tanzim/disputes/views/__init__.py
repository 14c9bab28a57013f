"""Dispute pages: the office board and intake, the mediator's and arbitrator's docket, the
parties' pages (join with the code, answer, propose times, sign), the Kanoon's overview and the
public figures.

One module per sub-workflow. Views parse input, call one service or selector (through
``tanzim.common.views.run_service`` for every form → service → message round), and render.
Scoping is the selectors' job: a dispute the user is nothing to is a 404.
"""

from tanzim.disputes.views.arbitration import (
    arbitration_extend,
    arbitration_new,
    arbitrator_act,
    arbitrator_new,
    award_act,
    award_new,
    award_notice,
    award_pdf,
)
from tanzim.disputes.views.detail import detail
from tanzim.disputes.views.intake import from_case, new
from tanzim.disputes.views.invitation import join, join_verify
from tanzim.disputes.views.ladder import act, party_edit, triage_correct
from tanzim.disputes.views.lists import board, docket, figures, index, mine, overview
from tanzim.disputes.views.mediation import (
    document_download,
    document_new,
    proposal_new,
    session_new,
    session_record,
)
from tanzim.disputes.views.referral import referral_file, referral_tracking
from tanzim.disputes.views.settlement import (
    fee_pay,
    settlement_code,
    settlement_edit,
    settlement_open,
    settlement_pdf,
    settlement_sign,
    settlement_void,
)

__all__ = [
    "act",
    "arbitration_extend",
    "arbitration_new",
    "arbitrator_act",
    "arbitrator_new",
    "award_act",
    "award_new",
    "award_notice",
    "award_pdf",
    "board",
    "detail",
    "docket",
    "document_download",
    "document_new",
    "fee_pay",
    "figures",
    "from_case",
    "index",
    "join",
    "join_verify",
    "mine",
    "new",
    "overview",
    "party_edit",
    "proposal_new",
    "referral_file",
    "referral_tracking",
    "session_new",
    "session_record",
    "settlement_code",
    "settlement_edit",
    "settlement_open",
    "settlement_pdf",
    "settlement_sign",
    "settlement_void",
    "triage_correct",
]
