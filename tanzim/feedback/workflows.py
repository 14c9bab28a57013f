"""The complaint workflow, declared for the engine (``tanzim.audit.workflow``).

The complainant may withdraw; every other move is the Kanoon's: its inspectors and province
administrators covering the office (``OVERSIGHT``), never the office complained about.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import can_oversee, works_at_office
from tanzim.audit.workflow import Workflow
from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.feedback.choices import ALLOWED, DECIDED, ComplaintStatus
from tanzim.feedback.models import Complaint, ComplaintEvent

COMPLAINANT = "complainant"
HANDLER = "handler"

MOVERS: dict[Any, frozenset[str]] = {
    ComplaintStatus.WITHDRAWN: frozenset({COMPLAINANT}),
    **{status: frozenset({HANDLER}) for status in ALLOWED if status != ComplaintStatus.WITHDRAWN},
}


def complaint_not_found() -> NotFoundError:
    return NotFoundError(_("Complaint not found."), code="complaint_not_found")


def authorize(complaint: Complaint, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    """Outsiders get a 404; the complainant, the office and handlers a 403 for a move not theirs."""
    is_complainant = getattr(actor, "pk", None) == complaint.complainant_id
    handles = can_oversee(actor, complaint.office)
    if COMPLAINANT in kinds:
        if is_complainant:
            return None
        if handles:
            raise PermissionDeniedError(
                _("Only the complainant can withdraw a complaint."), code="not_complainant"
            )
        raise complaint_not_found()
    if handles:
        return None
    if is_complainant or works_at_office(actor, complaint.office):
        raise PermissionDeniedError(
            _("Complaints are handled by the Kanoon's inspectors and province administrators."),
            code="not_a_handler",
        )
    raise complaint_not_found()


COMPLAINT: Workflow[Complaint] = Workflow(
    name="feedback.complaint",
    model=Complaint,
    table=ALLOWED,
    movers=MOVERS,
    authorize=authorize,
    stamps={"*": "status_changed_at", **dict.fromkeys(DECIDED, "decided_at")},
    event_model=ComplaintEvent,
    event_link=lambda complaint: {"complaint": complaint},
    office=lambda complaint: complaint.office_id,
)
