"""The consultation workflow, declared for the engine (``tanzim.audit.workflow``).

Paid → booked is the system's (the payment's signal), answered and closed are the consultation's
own consultant's — and only while they may advise (active, their office's licence valid, or the
Kanoon's approval); refunded is the system's sweep of written questions past their deadline.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon, works_at_office
from tanzim.audit.workflow import Workflow
from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.consult.choices import CONSULTATION_MOVES, ConsultantBasis, ConsultationStatus
from tanzim.consult.models import Consultant, Consultation, ConsultationEvent
from tanzim.offices.choices import LicenceKind
from tanzim.offices.selectors import office_licence_kinds

SYSTEM = "system"
CONSULTANT = "consultant"
CITIZEN = "citizen"

MOVERS: dict[Any, frozenset[str]] = {
    ConsultationStatus.BOOKED: frozenset({SYSTEM}),
    ConsultationStatus.ANSWERED: frozenset({CONSULTANT}),
    ConsultationStatus.CLOSED: frozenset({CONSULTANT}),
    ConsultationStatus.REFUNDED: frozenset({SYSTEM}),
    ConsultationStatus.CANCELLED: frozenset({CITIZEN, SYSTEM}),
}


def consultation_not_found() -> NotFoundError:
    return NotFoundError(_("Consultation not found."), code="consultation_not_found")


def may_advise(consultant: Consultant) -> bool:
    """Active, and either staff of an office whose consultation licence is valid today (with the
    consultant role there), or approved by the Kanoon under a recorded number."""
    if not consultant.active:
        return False
    if consultant.basis == ConsultantBasis.KANOON_APPROVED:
        return bool(consultant.licence_number)
    return works_at_office(
        consultant.user, consultant.office
    ) and LicenceKind.CONSULTATION in office_licence_kinds(office=consultant.office)


def authorize(consultation: Consultation, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    if actor is None:
        if SYSTEM in kinds:
            return None
        raise PermissionDeniedError(code="not_system")
    if CONSULTANT in kinds:
        consultant = consultation.consultant
        if consultant.user_id == actor.pk:
            if not may_advise(consultant):
                raise PermissionDeniedError(
                    _(
                        "You may not advise now: your office's consultation licence "
                        "or your approval is not valid."
                    ),
                    code="consultant_not_licensed",
                )
            return None
        if is_kanoon(actor) or consultation.citizen_id == actor.pk:
            raise PermissionDeniedError(
                _("Only the consultant answers a consultation."), code="not_consultant"
            )
        raise consultation_not_found()
    if CITIZEN in kinds and consultation.citizen_id == actor.pk:
        return None
    raise consultation_not_found()


CONSULTATION: Workflow[Consultation] = Workflow(
    name="consult.consultation",
    model=Consultation,
    table=CONSULTATION_MOVES,
    movers=MOVERS,
    authorize=authorize,
    stamps={
        "*": "status_changed_at",
        ConsultationStatus.ANSWERED: "answered_at",
        ConsultationStatus.CLOSED: "closed_at",
    },
    event_model=ConsultationEvent,
    event_link=lambda consultation: {"consultation": consultation},
    office=lambda consultation: consultation.office_id,
)
