from datetime import timedelta

import pytest

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.offices.models import City
from tanzim.outreach import selectors, services
from tanzim.outreach.choices import MissionStatus
from tanzim.testing import outreach as h

pytestmark = pytest.mark.django_db


def test_a_province_admin_plans_in_their_province_only(personas, frozen):
    mission = h.plan(personas.province_admin_a, county="THR-05")
    assert mission.status == MissionStatus.PLANNED
    assert mission.finance_mission.name == "روز خدمت جهادی"
    assert mission.distance_km >= 0
    with pytest.raises(PermissionDeniedError):
        h.plan(personas.province_admin_a, county="SBL-05")
    with pytest.raises(PermissionDeniedError):
        h.plan(personas.manager_a)


def test_planning_refuses_bad_input(personas, frozen):
    city = City.objects.get(code="KRD-03")
    with pytest.raises(DomainError) as err:
        services.mission_plan(
            actor=personas.kanoon_admin,
            title="",
            county=city,
            place="",
            latitude=10,
            longitude=50,
            starts_on=frozen.date() - timedelta(days=1),
            ends_on=frozen.date() - timedelta(days=2),
            services=["dance"],
            expected_demand=-1,
        )
    assert set(err.value.fields) == {
        "title",
        "place",
        "latitude",
        "starts_on",
        "ends_on",
        "services",
        "expected_demand",
    }


def test_planning_is_idempotent_by_key(personas, frozen):
    first = h.plan(personas.kanoon_admin, key="plan-key-0001")
    again = h.plan(personas.kanoon_admin, key="plan-key-0001")
    assert first.pk == again.pk
    with pytest.raises(ConflictError):
        h.plan(personas.kanoon_admin, key="plan-key-0001", county="KRD-01")


def test_the_team_is_assigned_confirmed_and_the_kanoon_approves(personas, frozen):
    kanoon = personas.kanoon_admin
    mission = h.plan(kanoon)
    services.team_assign(mission=mission, office=personas.office_a, actor=kanoon)
    services.team_assign(mission=mission, office=personas.office_b, actor=kanoon)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.ASSIGNED
    assert set(mission.finance_mission.offices.values_list("pk", flat=True)) == {
        personas.office_a.pk,
        personas.office_b.pk,
    }
    services.team_confirm(mission=mission, actor=personas.manager_a)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.ASSIGNED  # office B has not confirmed yet
    with pytest.raises(ConflictError):
        services.team_confirm(mission=mission, actor=personas.clerk_a)  # nothing left for office A
    services.team_confirm(mission=mission, actor=personas.clerk_b)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.CONFIRMED
    with pytest.raises(PermissionDeniedError):
        services.mission_approve(mission=mission, actor=personas.manager_a)
    with pytest.raises(ConflictError):
        services.mission_approve(mission=mission, actor=kanoon, expected_status=MissionStatus.ASSIGNED)
    services.mission_approve(mission=mission, actor=kanoon)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.APPROVED
    assert mission.finance_mission.approved
    assert list(mission.events.values_list("to_status", flat=True)) == ["assigned", "confirmed", "approved"]
    assert AuditEvent.objects.filter(action="outreach.mission.approved").count() == 1


def test_outsiders_get_a_404_and_the_team_a_403(personas, frozen):
    mission = h.plan(personas.kanoon_admin)
    services.team_assign(mission=mission, office=personas.office_a, actor=personas.kanoon_admin)
    with pytest.raises(NotFoundError):
        services.team_assign(mission=mission, office=personas.office_b, actor=personas.clerk_b)
    with pytest.raises(PermissionDeniedError):
        services.team_assign(mission=mission, office=personas.office_b, actor=personas.manager_a)
    with pytest.raises(NotFoundError):
        selectors.mission_get_for(user=personas.clerk_b, pk=mission.pk)
    with pytest.raises(NotFoundError):
        selectors.mission_get_for(user=personas.clerk_b, pk=999999)
    assert selectors.mission_get_for(user=personas.clerk_a, pk=mission.pk) == mission
    with pytest.raises(NotFoundError):
        selectors.mission_get_for(user=personas.province_admin_a, pk=mission.pk)  # Sistan, not Tehran


def test_the_team_is_fixed_once_confirmed(personas, frozen):
    mission = h.approved(personas)
    with pytest.raises(ConflictError):
        services.team_assign(mission=mission, office=personas.office_b, actor=personas.kanoon_admin)


def test_a_mission_is_held_on_its_day_and_reported_within_the_window(personas, frozen, time_machine):
    mission = h.plan(personas.kanoon_admin, starts_in=2)
    services.team_assign(mission=mission, office=personas.office_a, actor=personas.kanoon_admin)
    services.team_confirm(mission=mission, actor=personas.clerk_a)
    services.mission_approve(mission=mission, actor=personas.kanoon_admin)
    with pytest.raises(ConflictError) as err:
        services.mission_hold(mission=mission, actor=personas.clerk_a)
    assert err.value.code == "mission_not_started"
    time_machine.move_to(frozen + timedelta(days=2), tick=False)
    services.mission_hold(mission=mission, actor=personas.clerk_a)
    with pytest.raises(DomainError):
        services.mission_report(mission=mission, actor=personas.clerk_a, people_served=-1, note="کوتاه")
    time_machine.move_to(frozen + timedelta(days=2 + services.REPORT_WINDOW_DAYS + 1), tick=False)
    with pytest.raises(DomainError) as late:
        services.mission_report(
            mission=mission, actor=personas.clerk_a, people_served=80, note="هشتاد نفر خدمت گرفتند"
        )
    assert late.value.code == "report_window_closed"
    time_machine.move_to(frozen + timedelta(days=2 + services.REPORT_WINDOW_DAYS), tick=False)
    reported = services.mission_report(
        mission=mission, actor=personas.clerk_a, people_served=80, note="هشتاد نفر خدمت گرفتند"
    )
    assert reported.status == MissionStatus.REPORTED
    assert reported.people_served == 80


def test_a_planner_cancels_and_the_team_cannot(personas, frozen):
    mission = h.approved(personas)
    with pytest.raises(PermissionDeniedError):
        services.mission_cancel(mission=mission, actor=personas.clerk_a)
    cancelled = services.mission_cancel(mission=mission, actor=personas.kanoon_admin, reason="سیل")
    assert cancelled.status == MissionStatus.CANCELLED
    with pytest.raises(ConflictError):
        services.mission_hold(mission=mission, actor=personas.kanoon_admin)


def test_the_public_sees_upcoming_missions_by_province_and_county(personas, frozen):
    planned_only = h.plan(personas.kanoon_admin)
    mission = h.approved(personas, starts_in=3)
    near = list(selectors.missions_near(province_id=mission.province_id))
    assert mission in near and planned_only not in near
    assert mission in selectors.missions_near(county_id=mission.county_id)
    other = City.objects.get(code="KRD-01")
    assert mission not in selectors.missions_near(county_id=other.pk)
