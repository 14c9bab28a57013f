"""Who may do what to a mission: reads of the role checks in ``accounts.permissions``."""

from __future__ import annotations

from typing import Any

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import is_kanoon, is_office_staff, scope_for
from tanzim.outreach.models import Mission


def can_plan(user: Any, province_id: int) -> bool:
    """The Kanoon anywhere; a province administrator in their province."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_kanoon(user):
        return True
    return province_id in scope_for(user).province_ids.get(Role.PROVINCE_ADMIN, frozenset())


def on_team(user: Any, mission: Mission) -> bool:
    """Counter staff (clerk, manager) of an office on the mission's team."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(is_office_staff(user, member.office) for member in mission.team.select_related("office"))


def can_see(user: Any, mission: Mission) -> bool:
    return can_plan(user, mission.province_id) or on_team(user, mission)
