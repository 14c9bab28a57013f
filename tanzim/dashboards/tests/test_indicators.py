"""The registry: every indicator documented, every formula over known counters, values as defined."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tanzim.dashboards import indicators as registry
from tanzim.dashboards import selectors

DOC = Path(settings.BASE_DIR) / "docs" / "indicators.md"


def test_every_indicator_and_counter_is_documented_with_its_formula():
    text = DOC.read_text(encoding="utf-8")
    for indicator in registry.INDICATORS:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{indicator.code}` |")), None)
        assert row is not None, indicator.code
        assert f"`{indicator.formula}`" in row, indicator.code
        assert indicator.unit in row and indicator.source in row, indicator.code
    for counter in registry.COUNTERS:
        assert f"| `{counter.name}` | `{counter.source}` | `{counter.day}` |" in text, counter.name


def test_each_indicator_names_only_counters_that_exist():
    known = set(registry.COUNTER_NAMES) | set(registry.PENDING)
    for indicator in registry.INDICATORS:
        assert set(indicator.counters) <= known, indicator.code
        assert indicator.direction in (registry.HIGHER, registry.LOWER, registry.NEUTRAL)
        assert indicator.unit in registry.Unit.LABELS
    assert len({i.code for i in registry.INDICATORS}) == len(registry.INDICATORS)


def test_values_and_empty_denominators():
    c = dict.fromkeys(registry.COUNTER_NAMES, 0) | {"requests_pending": 30, "disputes_pending": 0}
    c.update(requests_in=10, requests_in_person=4, requests_remote=5, requests_semi=1, channel_saving=600,
             requests_resolved=5, survey_responses=10, survey_overall_sum=45)  # fmt: skip
    values = registry.compute_all(c, {"survey_responses": 100, "survey_overall_sum": 400})
    assert values["in_person_share"] == pytest.approx(0.4)
    assert values["average_saving"] == pytest.approx(100)
    assert values["request_clearance"] == pytest.approx(0.5)
    assert values["request_disposition"] == pytest.approx(30 / 5 * 365)
    # 4.5 from 10 answers, pulled toward the network's 4.0 with m = 30: 4 + 0.5 × 10/40.
    assert values["satisfaction"] == pytest.approx(4.125)
    assert values["settlement_rate"] is None and values["kept_out_per_1000"] is None


def test_direction_says_which_way_is_better():
    assert registry.get("no_show_rate").better(0.1, 0.2) is True
    assert registry.get("remote_uptake").better(0.1, 0.2) is False
    assert registry.get("revenue").better(2, 1) is None
    assert registry.get("remote_uptake").better(None, 0.2) is None


def test_previous_period_has_the_same_length():
    from datetime import date

    assert selectors.previous_period(date(2026, 3, 1), date(2026, 3, 10)) == (
        date(2026, 2, 19),
        date(2026, 2, 28),
    )
