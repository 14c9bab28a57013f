"""The case workflow, declared for the engine (``tanzim.audit.workflow``).

Who moves a case: the applicant submits, resubmits and cancels (a clerk may do it for them at
the office, except submitting a remote request); the system marks it paid and filed; the
office's counter staff do the rest.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_office_staff
from tanzim.audit.workflow import Workflow
from tanzim.cases.choices import ALLOWED, CaseStatus
from tanzim.cases.models import Case, CaseEvent
from tanzim.catalog.choices import ChannelKind
from tanzim.common.errors import NotFoundError, PermissionDeniedError

APPLICANT = "applicant"
SYSTEM = "system"
STAFF = "staff"

MOVERS: dict[Any, frozenset[str]] = {
    CaseStatus.SUBMITTED: frozenset({APPLICANT}),
    CaseStatus.RESUBMITTED: frozenset({APPLICANT}),
    CaseStatus.CANCELLED: frozenset({APPLICANT}),
    CaseStatus.PAID: frozenset({SYSTEM}),
    CaseStatus.FILED: frozenset({SYSTEM}),
    CaseStatus.IN_REVIEW: frozenset({STAFF}),
    CaseStatus.NEEDS_CORRECTION: frozenset({STAFF}),
    CaseStatus.VERIFIED: frozenset({STAFF}),
    CaseStatus.AWAITING_PAYMENT: frozenset({STAFF}),
    CaseStatus.REJECTED: frozenset({STAFF}),
    CaseStatus.CLOSED: frozenset({STAFF}),
}


def case_not_found() -> NotFoundError:
    return NotFoundError(_("Case not found."), code="case_not_found")


def authorize(case: Case, actor: Any, old: str, new: str, kinds: frozenset[str]) -> Any:
    """Refuse an actor who may not make this move; returns the applicant for a move made for them."""
    if SYSTEM in kinds:
        return None
    if actor is None:
        raise PermissionDeniedError()
    staff = is_office_staff(actor, case.office)
    if APPLICANT in kinds:
        if actor.pk == case.applicant_id:
            return None
        if staff and (case.channel != ChannelKind.REMOTE or new == CaseStatus.CANCELLED):
            return case.applicant
        if not staff:
            raise case_not_found()
        raise PermissionDeniedError(
            _("Only the applicant can do this for a remote request."), code="applicant_only"
        )
    if not staff:
        raise case_not_found() if actor.pk != case.applicant_id else PermissionDeniedError()
    return None


CASE: Workflow[Case] = Workflow(
    name="cases.case",
    model=Case,
    table=ALLOWED,
    movers=MOVERS,
    authorize=authorize,
    stamps={"*": "status_changed_at", CaseStatus.VERIFIED: "identity_verified_at"},
    event_model=CaseEvent,
    event_link=lambda case: {"case": case, "office_id": case.office_id},
    office=lambda case: case.office_id,
)


def is_applicant_move(old: str, new: str) -> bool:
    """A move the applicant makes (and the office may make for them): submit, resubmit, cancel."""
    return CASE.can_move(old, new) and APPLICANT in CASE.kinds(old, new)
