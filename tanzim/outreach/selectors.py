"""Outreach reads, scoped: a mission outside the reader's scope is the same 404 as a missing one."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import COUNTER, is_kanoon, scope_for
from tanzim.common.jalali import tehran_date
from tanzim.outreach.choices import PUBLIC, MissionStatus
from tanzim.outreach.models import FieldService, Mission
from tanzim.outreach.workflows import mission_not_found


def _base() -> QuerySet[Mission]:
    return Mission.objects.select_related("finance_mission", "province", "county")


def mission_list_for(*, user: Any) -> QuerySet[Mission]:
    """What staff see: the Kanoon every mission, a province admin their province's, offices their team's."""
    if not getattr(user, "is_authenticated", False):
        return Mission.objects.none()
    missions = _base()
    if is_kanoon(user):
        return missions.order_by("-finance_mission__starts_on", "-pk")
    scope = scope_for(user)
    provinces = sorted(scope.province_ids.get(Role.PROVINCE_ADMIN, frozenset()))
    condition = Q(province_id__in=provinces) if provinces else Q(pk__in=[])
    team = scope.offices_q(*COUNTER, field_name="team__office")
    if any(scope.has(role) for role in COUNTER):
        condition |= team
    return missions.filter(condition).distinct().order_by("-finance_mission__starts_on", "-pk")


def mission_get_for(*, user: Any, pk: Any) -> Mission:
    if not str(pk).isdigit():
        raise mission_not_found()
    mission = mission_list_for(user=user).filter(pk=int(pk)).first()
    if mission is None:
        raise mission_not_found()
    return mission


def missions_near(*, province_id: int | None = None, county_id: int | None = None) -> QuerySet[Mission]:
    """Upcoming missions the public sees (team assigned, not yet held), by province or county."""
    today: date = tehran_date(timezone.now())
    missions = _base().filter(status__in=PUBLIC, finance_mission__ends_on__gte=today)
    if county_id:
        missions = missions.filter(county_id=county_id)
    elif province_id:
        missions = missions.filter(province_id=province_id)
    return missions.order_by("finance_mission__starts_on", "pk")


def field_services_for(*, mission: Mission) -> QuerySet[FieldService]:
    return mission.field_services.select_related("office").order_by("-recorded_at", "-pk")


def missions_to_reimburse(*, user: Any) -> QuerySet[Mission]:
    return mission_list_for(user=user).filter(status=MissionStatus.REPORTED)
