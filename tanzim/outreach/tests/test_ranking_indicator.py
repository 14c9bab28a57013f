"""The social-service indicator counts verified free services and mission participation only."""

import pytest

from tanzim.common.jalali import JalaliMonth
from tanzim.inspections.choices import SampleVerdict
from tanzim.inspections.models import FreeServiceSample
from tanzim.outreach import metrics, services
from tanzim.outreach.rates import rate_on
from tanzim.ranking import periods
from tanzim.ranking.choices import IndicatorKey
from tanzim.ranking.services import collect_inputs
from tanzim.testing import outreach as h

pytestmark = pytest.mark.django_db


def month_bounds(frozen):
    return JalaliMonth.of(frozen).bounds_utc()


def test_services_on_a_mission_not_yet_reported_do_not_count(personas, frozen):
    mission = h.approved(personas)
    services.field_sync(mission=mission, actor=personas.clerk_a, items=[h.item(n) for n in range(3)])
    start, end = month_bounds(frozen)
    assert metrics.social_service(start=start, end=end) == {}


def test_reported_services_and_participation_count_and_refuted_ones_do_not(personas, frozen):
    mission = h.approved(personas)
    services.field_sync(mission=mission, actor=personas.clerk_a, items=[h.item(n) for n in range(3)])
    services.mission_hold(mission=mission, actor=personas.clerk_a)
    services.mission_report(
        mission=mission, actor=personas.clerk_a, people_served=3, note="سه خدمت ثبت شد در روستا"
    )
    refuted = mission.field_services.order_by("pk").first()
    FreeServiceSample.objects.create(
        grant_id=refuted.grant_id,
        office=personas.office_a,
        month=JalaliMonth.of(frozen).key,
        verdict=SampleVerdict.FAILS,
        drawn_at=frozen,
    )
    start, end = month_bounds(frozen)
    figures = metrics.social_service(start=start, end=end)[personas.office_a.pk]
    price = rate_on("sana", mission.starts_on)
    assert figures.verified_free == 2
    assert figures.verified_rials == 2 * price
    assert figures.mission_days == 1
    assert figures.participation_rials == rate_on("per_diem", mission.starts_on)
    assert personas.office_b.pk not in metrics.social_service(start=start, end=end)


def test_ranking_reads_the_verified_figures(personas, frozen):
    mission = h.approved(personas)
    services.field_sync(mission=mission, actor=personas.clerk_a, items=[h.item(1)])
    services.mission_hold(mission=mission, actor=personas.clerk_a)
    services.mission_report(
        mission=mission, actor=personas.clerk_a, people_served=1, note="یک خدمت ثبت شد در روستا"
    )
    month = JalaliMonth.of(frozen)
    collected = collect_inputs(period=periods.of("month", month.key, month.key), keys=(IndicatorKey.SOCIAL,))
    offices = list(collected.inputs.offices)
    detail = collected.details[offices.index(personas.office_a.pk)][0]
    assert detail["verified_free"] == 1 and detail["mission_days"] == 1
    assert collected.details[offices.index(personas.office_b.pk)][0]["verified_free"] == 0
