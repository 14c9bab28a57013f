"""Case pages: the citizen's journey (start, draft, submit, fix, pay, track, receipt) and the office's desk.

One module per part of the journey. Views parse input, call one service or selector, and render.
Scoping is the selectors' job: another office's case is a 404. Every action form carries the status
the person saw, so a move made on a stale page is refused with a clear message, and what they typed
is kept.
"""

from tanzim.cases.views.desk import search, walk_in, worklist
from tanzim.cases.views.detail import (
    act,
    case_detail,
    counter_payment,
    document_download,
    pay,
    receipt,
    refile,
)
from tanzim.cases.views.draft import (
    confirm_originals,
    document_add,
    document_remove,
    draft,
    draft_details,
    party_add,
    party_remove,
    submit,
)
from tanzim.cases.views.start import choose_channel, choose_office, my_cases, start

__all__ = [
    "act",
    "case_detail",
    "choose_channel",
    "choose_office",
    "confirm_originals",
    "counter_payment",
    "document_add",
    "document_download",
    "document_remove",
    "draft",
    "draft_details",
    "my_cases",
    "party_add",
    "party_remove",
    "pay",
    "receipt",
    "refile",
    "search",
    "start",
    "submit",
    "walk_in",
    "worklist",
]
