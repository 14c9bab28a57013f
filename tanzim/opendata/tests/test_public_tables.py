"""The public tables from the rollups: figures equal to the dashboards' sums, small cells withheld."""

from __future__ import annotations

import pytest
import time_machine

from tanzim.common.jalali import TEHRAN, JalaliMonth
from tanzim.dashboards.selectors import counter_totals
from tanzim.opendata import selectors
from tanzim.opendata.source import month_days
from tanzim.opendata.tests.helpers import elsewhere, first_day, offices_in, put

pytestmark = pytest.mark.django_db
NOW = "2026-11-20 10:00 +03:30"  # Azar 1405
MONTH = JalaliMonth(1405, 8)  # Aban 1405, ended


def _elsewhere(personas, month: JalaliMonth = MONTH) -> None:
    """Ample figures in every other province, so the nation's total does not give Tehran away."""
    elsewhere(
        month,
        requests_in=90,
        requests_in_person=30,
        requests_semi=30,
        requests_remote=30,
        survey_responses=50,
        survey_overall_sum=200,
        services=90,
        fees_collected=9_000_000,
        revenue=9_000_000,
        kanoon_share=900_000,
    )


def _network(province: str, month: JalaliMonth = MONTH) -> dict:
    rows = selectors.province_month_rows(table="network", province=province, month=month)
    assert len(rows) == 1
    return rows[0]


@time_machine.travel(NOW, tick=False)
def test_the_figures_are_the_rollups_sums(personas):
    tehran = offices_in("THR-01", 3, "T")
    for i, office in enumerate([*tehran, *elsewhere(MONTH)]):
        put(
            office,
            first_day(MONTH),
            requests_in=20 + i,
            requests_in_person=10,
            requests_semi=5 + i,
            requests_remote=5,
            survey_responses=8,
            survey_overall_sum=30,
            services=40,
            disputes_concluded=9,
            disputes_settled=6,
            disputes_awarded=1,
            visits_avoided=7,
        )
    first, last = month_days(MONTH)
    expected = counter_totals(first, last, province=tehran[0].province_id, pending=False)[0]["counters"]
    row = _network(tehran[0].province.code)
    assert row["requests_in"] == expected["requests_in"] == 63
    assert row["requests_in_person"] == expected["requests_in_person"] == 30
    assert row["in_person_share"] == round(30 / 63, 4)
    assert row["remote_uptake"] == round(15 / 63, 4)
    assert row["visits_avoided"] == 21
    assert row["disputes_kept_out"] == 21 and row["disputes_settled"] == 18
    assert row["settlement_rate"] == round(18 / 27, 4)
    assert row["kept_out_per_1000"] == round(21 / 120 * 1000, 1)
    assert row["survey_responses"] == 24
    national = _network(selectors.NATIONAL)
    everything = counter_totals(first, last, pending=False)[0]["counters"]
    assert national["requests_in"] == everything["requests_in"] == 63 + sum(20 + i for i in range(3, 33))
    # Satisfaction as the dashboards' indicator computes it: the nation's mean, and each province's
    # shrunk toward it (here equal, every office answering alike).
    assert national["satisfaction"] == round(30 / 8, 2) == row["satisfaction"]


@time_machine.travel(NOW, tick=False)
def test_a_count_under_five_is_withheld_with_its_ratios(personas):
    office = offices_in("THR-01", 1, "T")[0]
    put(
        office,
        first_day(MONTH),
        requests_in=4,
        requests_in_person=4,
        survey_responses=3,
        survey_overall_sum=15,
    )
    row = _network(office.province.code)
    for key in ("requests_in", "requests_in_person", "in_person_share", "survey_responses", "satisfaction"):
        assert row[key] is None
        assert key in row["suppressed"]


@time_machine.travel(NOW, tick=False)
def test_a_total_never_gives_a_withheld_province_back(personas):
    big = offices_in("THR-01", 2, "T")
    small = personas.office_b  # another province
    for office in big:
        put(office, first_day(MONTH), requests_in=30, requests_in_person=30)
    put(small, first_day(MONTH), requests_in=3, requests_in_person=3)
    rows = {r["province"]: r for r in selectors.province_month_rows(table="network", month=MONTH)}
    assert rows[small.province.code]["requests_in"] is None
    # The nation (63) less the provinces shown must not leave under 5 to share among the withheld:
    # Tehran's 60 is withheld with it, though it is large.
    assert rows[selectors.NATIONAL]["requests_in"] == 63
    assert rows[big[0].province.code]["requests_in"] is None
    shown = sum(r["requests_in"] or 0 for code, r in rows.items() if code != selectors.NATIONAL)
    assert 63 - shown >= 5


@time_machine.travel(NOW, tick=False)
def test_a_channel_under_five_is_not_left_to_subtraction(personas):
    office = offices_in("THR-01", 1, "T")[0]
    put(office, first_day(MONTH), requests_in=30, requests_in_person=2, requests_semi=10, requests_remote=18)
    _elsewhere(personas)
    row = _network(office.province.code)
    assert row["requests_in_person"] is None and "requests_in_person" in row["suppressed"]
    # requests = in person + semi + remote: another cell of that sum is withheld with it.
    assert sum(row[k] is None for k in ("requests_in", "requests_semi", "requests_remote")) >= 1


@time_machine.travel(NOW, tick=False)
def test_money_is_withheld_when_few_payments_are_behind_it(personas):
    office = offices_in("THR-01", 1, "T")[0]
    put(office, first_day(MONTH), services=3, fees_collected=900_000, revenue=800_000, kanoon_share=80_000)
    _elsewhere(personas)
    row = selectors.province_month_rows(table="money", province=office.province.code, month=MONTH)[0]
    assert row["fees_collected"] is None and row["revenue"] is None and row["kanoon_share"] is None
    put(office, first_day(MONTH), services=10, fees_collected=3_000_000)
    from django.core.cache import cache

    cache.clear()
    row = selectors.province_month_rows(table="money", province=office.province.code, month=MONTH)[0]
    assert row["fees_collected"] == 3_900_000 and row["services"] == 13


@time_machine.travel(NOW, tick=False)
def test_an_office_card_withholds_what_the_province_total_would_give_back(personas):
    offices = offices_in("THR-01", 3, "T")
    for month in selectors.months():
        for office, n in zip(offices, (40, 30, 2), strict=True):
            put(office, first_day(month), requests_in=n, requests_in_person=n - 1, requests_remote=1)
        _elsewhere(personas, month)
    rows = {r["office"]: r for r in selectors.office_rows()}
    # Office A (Tehran) had no request: withheld. Every month of Tehran is published, so Tehran's
    # year is known, and the smallest other Tehran office is withheld with it.
    assert rows[personas.office_a.code]["requests_in"] is None
    assert (
        rows[offices[2].code]["requests_in"] is None and "requests_in" in rows[offices[2].code]["suppressed"]
    )
    assert rows[offices[0].code]["requests_in"] == 480 and rows[offices[1].code]["requests_in"] == 360
    assert rows[offices[0].code]["in_person_share"] == round(39 / 40, 4)


def test_the_months_end_with_the_current_one():
    with time_machine.travel("2026-03-21 00:30 +03:30", tick=False):  # 1 Farvardin 1405, Tehran
        chosen = selectors.months()
    assert chosen[-1] == JalaliMonth(1405, 1) and chosen[0] == JalaliMonth(1404, 2)
    assert len(chosen) == selectors.MONTHS
    assert TEHRAN is not None


@time_machine.travel(NOW, tick=False)
def test_the_beat_task_makes_the_changing_tables_before_a_visitor_asks(personas, client):
    """After ``warm_tables`` the public pages read their tables from the cache (no rollup read);
    what changed since shows at the next run, not before."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tanzim.opendata import tasks

    current = selectors.months()[-1]
    _elsewhere(personas, current)
    cache.clear()
    assert tasks.warm_tables.delay().get() >= 2
    for url in ("/open/", f"/open/offices/{personas.office_a.code}/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert not [q for q in queries if "dashboards_" in q["sql"]], url

    assert _network("THR", current)["requests_in"] is None  # nothing in Tehran yet
    put(personas.office_a, first_day(current), requests_in=50, requests_in_person=20, requests_semi=15,
        requests_remote=15)  # fmt: skip
    assert _network("THR", current)["requests_in"] is None  # the copy made before
    selectors.warm()
    assert _network("THR", current)["requests_in"] == 50
