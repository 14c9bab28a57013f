"""The demo's last stage (seed_demo → seed_dashboards) builds rollups that agree with the sources."""

from __future__ import annotations

import inspect

import pytest

from tanzim.cases.choices import CaseStatus
from tanzim.catalog.choices import ChannelKind
from tanzim.dashboards import rollups, selectors
from tanzim.dashboards.demo import seed_dashboards
from tanzim.dashboards.models import OfficeDay, ProvinceDay
from tanzim.dashboards.tests import data
from tanzim.web.management.commands import seed_demo

pytestmark = pytest.mark.django_db


def test_seed_dashboards_builds_rollups_that_agree_with_the_sources(personas):
    made = data.Made()
    data.make_case(made, office=personas.office_a, user=personas.citizen, channel=ChannelKind.REMOTE,
                   status=CaseStatus.CLOSED, created=3600, resolve_after=86400)  # fmt: skip
    data.make_survey(made, office=personas.office_b, day=1, overall=4)
    ticks: list[int] = []
    seed_dashboards(offices=[personas.office_a, personas.office_b], progress=lambda: ticks.append(1))
    assert len(ticks) == 2
    assert OfficeDay.objects.count() == 3 and ProvinceDay.objects.exists()
    assert rollups.check() == []
    day = data.BASE.date()
    row = selectors.counter_totals(day, day.replace(day=day.day + 3))[0]["counters"]
    assert row["requests_in"] == 1 and row["requests_closed"] == 1 and row["survey_responses"] == 1


def test_seed_demo_ends_with_the_dashboards_stage():
    source = inspect.getsource(seed_demo.Command.handle)
    stages = source[source.index("stages = (") :]
    assert stages.index('("dashboards", seed_dashboards)') > stages.index("seed_membership")
