"""The mission workflow, declared for the engine (``tanzim.audit.workflow``).

Planners (the Kanoon, the province's administrator) assign the team and cancel; the team's
offices confirm, hold and report; only the Kanoon approves (finance's approval is the ground
of a free service) and reimburses.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit.workflow import Workflow
from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.outreach.access import can_plan, can_see, on_team
from tanzim.outreach.choices import ALLOWED, MissionStatus
from tanzim.outreach.models import Mission, MissionEvent

PLANNER = "planner"
TEAM = "team"
KANOON = "kanoon"

S = MissionStatus
MOVERS: dict[Any, frozenset[str]] = {
    S.ASSIGNED: frozenset({PLANNER}),
    S.CONFIRMED: frozenset({TEAM}),
    S.APPROVED: frozenset({KANOON}),
    S.HELD: frozenset({PLANNER, TEAM}),
    S.REPORTED: frozenset({TEAM}),
    S.REIMBURSED: frozenset({KANOON}),
    S.CANCELLED: frozenset({PLANNER}),
}


def mission_not_found() -> NotFoundError:
    return NotFoundError(_("Mission not found."), code="mission_not_found")


def authorize(mission: Mission, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    if not can_see(actor, mission):
        raise mission_not_found()
    if KANOON in kinds and is_kanoon(actor):
        return None
    if PLANNER in kinds and can_plan(actor, mission.province_id):
        return None
    if TEAM in kinds and on_team(actor, mission):
        return None
    raise PermissionDeniedError(
        _("Your role cannot make this change to the mission."), code="mission_move_refused"
    )


MISSION: Workflow[Mission] = Workflow(
    name="outreach.mission",
    model=Mission,
    table=ALLOWED,
    movers=MOVERS,
    authorize=authorize,
    stamps={
        "*": "status_changed_at",
        S.APPROVED: "approved_at",
        S.HELD: "held_at",
        S.REPORTED: "reported_at",
        S.REIMBURSED: "reimbursed_at",
    },
    event_model=MissionEvent,
    event_link=lambda mission: {"mission": mission},
    office=lambda mission: None,
)
