"""The disputes workflows, declared for the engine (``tanzim.audit.workflow``).

The dispute's ladder, and its sub-workflows: a session, a settlement report, an arbitration, an
arbitrator's seat, an award's compliance, a referral. Every move of any of them writes a
``DisputeEvent`` row (``subject`` names which workflow) and an audit event named
``disputes.<subject>.<new state>``.

Who moves the ladder is declared in ``MOVERS``: "claimant"/"respondent" mean that party's own
account; "staff" the office's clerks and managers (acting for a party when it is a party's move);
"convener" the dispute's mediator or arbitrators; "system" a move with no person (a deadline).
The sub-workflows have no movers: their services check who acts before they move them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.audit.workflow import Workflow
from tanzim.common.errors import PermissionDeniedError
from tanzim.disputes.choices import (
    ALLOWED,
    ARBITRATION_ALLOWED,
    ARBITRATOR_ALLOWED,
    AWARD_ALLOWED,
    FINAL,
    REFERRAL_ALLOWED,
    SESSION_ALLOWED,
    SETTLEMENT_ALLOWED,
    DisputeStatus,
    EventSubject,
    PartyRole,
)
from tanzim.disputes.models import (
    Arbitration,
    Arbitrator,
    Award,
    Dispute,
    DisputeEvent,
    Referral,
    Session,
    Settlement,
)
from tanzim.disputes.selectors import _not_found, access_for

STAFF = "staff"
CONVENER = "convener"
CLAIMANT = "claimant"
RESPONDENT = "respondent"
SYSTEM = "system"

S = DisputeStatus
MOVERS: dict[Any, frozenset[str]] = {
    (S.INTAKE, S.TRIAGED): frozenset({STAFF}),
    (S.INTAKE, S.REFERRED): frozenset({STAFF}),
    (S.INTAKE, S.WITHDRAWN): frozenset({STAFF, CLAIMANT}),
    (S.TRIAGED, S.INVITED): frozenset({STAFF, CONVENER}),
    (S.TRIAGED, S.REFERRED): frozenset({STAFF}),
    (S.TRIAGED, S.WITHDRAWN): frozenset({STAFF, CLAIMANT}),
    (S.INVITED, S.MEDIATION): frozenset({STAFF, RESPONDENT}),
    (S.INVITED, S.ARBITRATION): frozenset({STAFF, RESPONDENT}),
    (S.INVITED, S.FAILED): frozenset({STAFF, RESPONDENT, SYSTEM}),
    (S.INVITED, S.WITHDRAWN): frozenset({STAFF, CLAIMANT}),
    (S.MEDIATION, S.SETTLED): frozenset({STAFF, CONVENER, CLAIMANT, RESPONDENT}),
    (S.MEDIATION, S.FAILED): frozenset({STAFF, CONVENER, RESPONDENT, SYSTEM}),
    (S.MEDIATION, S.WITHDRAWN): frozenset({STAFF, CLAIMANT}),
    (S.FAILED, S.ARBITRATION): frozenset({STAFF}),
    (S.FAILED, S.REFERRED): frozenset({STAFF}),
    (S.FAILED, S.CLOSED): frozenset({STAFF, SYSTEM}),
    (S.ARBITRATION, S.AWARDED): frozenset({STAFF, CONVENER}),
    (S.ARBITRATION, S.SETTLED): frozenset({STAFF, CONVENER, CLAIMANT, RESPONDENT}),
    (S.ARBITRATION, S.FAILED): frozenset({STAFF, SYSTEM}),
    (S.ARBITRATION, S.WITHDRAWN): frozenset({STAFF, CLAIMANT}),
}
del S


def authorize(dispute: Dispute, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    """Refuse an actor who may not make this move: a stranger to the dispute gets 404, others 403."""
    if actor is None:
        if SYSTEM not in kinds:
            raise PermissionDeniedError()
        return None
    access = access_for(dispute=dispute, user=actor)
    if not access.any:
        raise _not_found()
    allowed = (
        (STAFF in kinds and access.staff)
        or (CONVENER in kinds and access.convener)
        or (CLAIMANT in kinds and access.role == PartyRole.CLAIMANT)
        or (RESPONDENT in kinds and access.role == PartyRole.RESPONDENT)
    )
    if not allowed:
        raise PermissionDeniedError(
            _("You cannot move this dispute to “%(to)s”.") % {"to": DisputeStatus(new).label},
            code="move_not_allowed",
        )
    return None


DISPUTE: Workflow[Dispute] = Workflow(
    name="disputes.dispute",
    model=Dispute,
    table=ALLOWED,
    movers=MOVERS,
    authorize=authorize,
    stamps={"*": "status_changed_at", **dict.fromkeys(FINAL, "concluded_at")},
    event_model=DisputeEvent,
    event_link=lambda d: {
        "dispute": d,
        "subject": EventSubject.DISPUTE,
        "subject_id": None,
        "office_id": d.office_id,
    },
    office=lambda d: d.office_id,
)


def _sub_workflow(
    subject: str, model: type, table: Any, dispute_of: Callable[[Any], Dispute], field: str = "status"
) -> Workflow[Any]:
    """A sub-workflow: its rows carry the dispute, what they are about, and the dispute's office."""
    return Workflow(
        name=f"disputes.{subject!s}",
        model=model,
        table=table,
        field=field,
        event_model=DisputeEvent,
        event_link=lambda obj: {
            "dispute": dispute_of(obj),
            "subject": subject,
            "subject_id": obj.pk,
            "office_id": dispute_of(obj).office_id,
        },
        office=lambda obj: dispute_of(obj).office_id,
    )


SESSION: Workflow[Session] = _sub_workflow(
    EventSubject.SESSION, Session, SESSION_ALLOWED, lambda s: s.dispute
)
SETTLEMENT: Workflow[Settlement] = _sub_workflow(
    EventSubject.SETTLEMENT, Settlement, SETTLEMENT_ALLOWED, lambda s: s.dispute
)
ARBITRATION: Workflow[Arbitration] = _sub_workflow(
    EventSubject.ARBITRATION, Arbitration, ARBITRATION_ALLOWED, lambda a: a.dispute
)
ARBITRATOR: Workflow[Arbitrator] = _sub_workflow(
    EventSubject.ARBITRATOR, Arbitrator, ARBITRATOR_ALLOWED, lambda a: a.arbitration.dispute
)
AWARD: Workflow[Award] = _sub_workflow(
    EventSubject.AWARD, Award, AWARD_ALLOWED, lambda a: a.arbitration.dispute, field="compliance"
)
REFERRAL: Workflow[Referral] = _sub_workflow(
    EventSubject.REFERRAL, Referral, REFERRAL_ALLOWED, lambda r: r.dispute
)

#: What a ``DisputeEvent`` row of a move may be about: one workflow each.
SUBJECTS = (
    EventSubject.DISPUTE,
    EventSubject.SESSION,
    EventSubject.SETTLEMENT,
    EventSubject.ARBITRATION,
    EventSubject.ARBITRATOR,
    EventSubject.AWARD,
    EventSubject.REFERRAL,
)
