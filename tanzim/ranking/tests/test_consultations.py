"""Consultations feed the timeliness indicator (no weight changes): a written question answered
by its deadline is a step on time, one refunded for want of an answer is a step late."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tanzim.ranking import periods, services
from tanzim.ranking import policy as policy_rules
from tanzim.ranking.choices import IndicatorKey
from tanzim.ranking.models import IndicatorValue
from tanzim.testing.consult_figures import consultant_at, written

pytestmark = pytest.mark.django_db
KHORDAD_5 = datetime(2026, 5, 26, 9, 0, tzinfo=ZoneInfo("Asia/Tehran"))  # 5 Khordad 1405


@pytest.fixture
def advised(surveyed):
    """The same consultations at both offices: A answers within the deadline, B lets them be refunded."""
    a = consultant_at(surveyed.office_a, surveyed.consultant_a)
    b = consultant_at(surveyed.office_b, surveyed.mediator_a)
    for day in range(6):
        asked = KHORDAD_5 + timedelta(days=day)
        written(a, surveyed.citizen, asked=asked, answered_after=timedelta(hours=20))
        written(b, surveyed.citizen, asked=asked, refunded=True)
    return surveyed


def test_answering_consultations_on_time_ranks_better_on_timeliness(advised):
    period = periods.parse("1405-03")
    keys = (IndicatorKey.TIMELINESS.value,)
    collected = services.collect_inputs(period=period, keys=keys)
    by_office = dict(zip(collected.inputs.offices, collected.inputs.values[:, 0], strict=True))
    assert by_office[advised.office_a.pk] == 1.0 and by_office[advised.office_b.pk] == 0.0
    details = dict(zip(collected.inputs.offices, collected.details, strict=True))
    assert details[advised.office_a.pk][0]["consultations_due"] == 6
    assert details[advised.office_b.pk][0] == {
        "on_time": 0,
        "with_deadline": 6,
        "consultations_on_time": 0,
        "consultations_due": 6,
    }
    run = services.run_execute(run_id=services.run_request(actor=advised.kanoon_admin, period="1405-03").pk)
    points = {
        v.result.office_id: v.normalised
        for v in IndicatorValue.objects.filter(run=run, key=IndicatorKey.TIMELINESS).select_related("result")
    }
    assert points[advised.office_a.pk] > points[advised.office_b.pk]
    # The published weights are untouched: timeliness keeps its 10%.
    weights = {i["key"]: i["weight_bp"] for i in policy_rules.defaults()["indicators"]}
    assert weights[IndicatorKey.TIMELINESS] == 1000


def test_a_written_question_still_open_at_the_period_end_is_not_counted(surveyed):
    b = consultant_at(surveyed.office_b, surveyed.mediator_a)
    written(b, surveyed.citizen, asked=KHORDAD_5)  # never answered nor refunded yet
    collected = services.collect_inputs(
        period=periods.parse("1405-03"), keys=(IndicatorKey.TIMELINESS.value,)
    )
    details = dict(zip(collected.inputs.offices, collected.details, strict=True))
    assert details[surveyed.office_b.pk][0]["with_deadline"] == 0
