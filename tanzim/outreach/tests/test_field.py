from datetime import timedelta

import pytest

from tanzim.common.errors import NotFoundError
from tanzim.common.jalali import JalaliMonth
from tanzim.finance.choices import FreeServiceGround
from tanzim.finance.models import FreeServiceGrant
from tanzim.finance.services.free import free_service_cap_set
from tanzim.outreach import services
from tanzim.outreach.eligibility import eligibility_check
from tanzim.outreach.models import FieldService
from tanzim.testing import outreach as h

pytestmark = pytest.mark.django_db


def outcomes(results):
    return [r.outcome for r in results]


def test_a_sync_replayed_three_times_makes_one_row_each(personas):
    mission = h.approved(personas)
    batch = [h.item(n) for n in range(5)]
    for _ in range(3):
        results = services.field_sync(mission=mission, actor=personas.clerk_a, items=batch)
    assert outcomes(results) == ["duplicate"] * 5
    assert FieldService.objects.count() == 5
    assert FreeServiceGrant.objects.filter(ground=FreeServiceGround.OUTREACH_MISSION).count() == 5
    service = FieldService.objects.first()
    assert service.grant.mission_id == mission.finance_mission_id
    assert service.normal_price > 0  # the receipt shows the normal price


def test_a_sync_cut_off_halfway_loses_nothing(personas):
    mission = h.approved(personas)
    batch = [h.item(n) for n in range(6)]
    # The first half reached the server before the connection dropped; the tablet sends all again.
    services.field_sync(mission=mission, actor=personas.clerk_a, items=batch[:3])
    results = services.field_sync(mission=mission, actor=personas.clerk_a, items=batch)
    assert outcomes(results) == ["duplicate"] * 3 + ["created"] * 3
    assert FieldService.objects.count() == 6


def test_the_same_id_with_other_details_is_a_conflict(personas):
    mission = h.approved(personas)
    first = h.item(1)
    services.field_sync(mission=mission, actor=personas.clerk_a, items=[first])
    changed = {**first, "kind": "petition"}
    [result] = services.field_sync(mission=mission, actor=personas.clerk_a, items=[changed])
    assert result.outcome == "conflict"
    assert FieldService.objects.get().kind == "sana"


def test_the_same_beneficiary_twice_on_one_day_by_two_offices_is_refused(personas):
    mission = h.approved(personas, offices=(personas.office_a, personas.office_b))
    code = h.national_code(42)
    [a] = services.field_sync(mission=mission, actor=personas.clerk_a, items=[h.item(1, code=code)])
    [again] = services.field_sync(mission=mission, actor=personas.clerk_a, items=[h.item(2, code=code)])
    [b] = services.field_sync(mission=mission, actor=personas.clerk_b, items=[h.item(3, code=code)])
    assert (a.outcome, again.outcome, b.outcome) == ("created", "created", "conflict")
    assert "national_code" in b.fields
    assert FieldService.objects.filter(office=personas.office_b).count() == 0


def test_the_cap_refuses_the_service_beyond_it(personas):
    mission = h.approved(personas)
    now = h.timezone.now()
    free_service_cap_set(
        office=personas.office_a,
        month=JalaliMonth.of(now),
        max_count=2,
        max_rials=None,
        actor=personas.kanoon_admin,
    )
    results = services.field_sync(
        mission=mission, actor=personas.clerk_a, items=[h.item(n) for n in range(3)]
    )
    assert outcomes(results) == ["created", "created", "conflict"]
    assert "cap" in results[2].message or "سقف" in results[2].message


def test_bad_items_are_conflicts_with_their_fields(personas, frozen):
    mission = h.approved(personas)
    bad = [
        {**h.item(1), "national_code": "1234567890"},
        {**h.item(2), "kind": "dance"},
        {**h.item(3), "served_on": str((frozen + timedelta(days=5)).date())},
        {**h.item(4), "client_id": "x"},
    ]
    results = services.field_sync(mission=mission, actor=personas.clerk_a, items=bad)
    assert outcomes(results) == ["conflict"] * 4
    assert "national_code" in results[0].fields and "kind" in results[1].fields
    assert "served_on" in results[2].fields
    assert FieldService.objects.count() == 0


def test_only_the_team_syncs_and_only_an_approved_mission_takes_services(personas):
    mission = h.approved(personas)
    with pytest.raises(NotFoundError):
        services.field_sync(mission=mission, actor=personas.clerk_b, items=[h.item(1)])
    unapproved = h.plan(personas.kanoon_admin, starts_in=0)
    services.team_assign(mission=unapproved, office=personas.office_a, actor=personas.kanoon_admin)
    [result] = services.field_sync(mission=unapproved, actor=personas.clerk_a, items=[h.item(1)])
    assert result.outcome == "conflict"
    assert FieldService.objects.count() == 0


def test_the_simulated_eligibility_adapter_answers_each_code_the_same_way():
    answers = {eligibility_check(national_code=h.national_code(n)).ground for n in range(40)}
    assert answers == {"", FreeServiceGround.RELIEF_COMMITTEE, FreeServiceGround.WELFARE_ALLOWANCE}
    code = h.national_code(7)
    assert eligibility_check(national_code=code) == eligibility_check(national_code=code)
