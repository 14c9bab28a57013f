"""Metrics per office, province and nation: waits, no-shows, utilisation, visits avoided."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.offices.models import Counter
from tanzim.scheduling.metrics import metrics_report, office_day_stats_compute, percentile
from tanzim.scheduling.services import (
    appointment_check_in,
    appointments_mark_no_shows,
    ticket_call_next,
    ticket_issue_walk_in,
    ticket_serve,
    visit_avoided_record,
)
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


def test_percentiles_from_a_minute_histogram():
    assert percentile([], 0.9) is None
    assert percentile([0, 10], 0.5) == pytest.approx(1.5)
    histogram = [0] * 10
    histogram[2], histogram[8] = 9, 1
    assert percentile(histogram, 0.9) == pytest.approx(3.0)


@pytest.fixture
def busy_day(slotted, service, clock):
    """Sunday at office A: two appointments (one comes), three walk-ins served with known waits."""
    office = slotted.office_a
    came = book(slotted.citizen, slot_at(office, at(1, 9)), service)
    book(slotted.other_citizen, slot_at(office, at(1, 10)), service)
    visit_avoided_record(citizen=slotted.citizen, service=service, channel="remote", office=office)
    counter = Counter.objects.get(office=office, number=1)
    clock.move_to(at(1, 8, 50))
    appointment_check_in(appointment=came, actor=slotted.citizen)
    waits = []
    for minute in (0, 2, 4):
        clock.move_to(at(1, 9, minute))
        ticket_issue_walk_in(office=office, actor=slotted.clerk_a)
    moment = at(1, 9, 5)
    for _ in range(4):
        clock.move_to(moment)
        ticket = ticket_call_next(office=office, counter=counter, actor=slotted.clerk_a)
        waits.append((ticket.called_at - ticket.joined_at).total_seconds() / 60)
        moment += timedelta(minutes=10)
        clock.move_to(moment)
        ticket_serve(ticket=ticket, actor=slotted.clerk_a)
    clock.move_to(at(1, 12))
    appointments_mark_no_shows()
    return slotted, waits


def test_an_office_day_rolls_up(busy_day):
    slotted, waits = busy_day
    row = office_day_stats_compute(office=slotted.office_a, day=at(1, 0).date())
    assert (row.appointments, row.attended, row.no_shows) == (2, 1, 1)
    assert (row.walk_ins, row.tickets_served, row.wait_count) == (3, 4, 4)
    assert row.wait_total_minutes == pytest.approx(sum(waits))
    assert row.service_total_minutes == pytest.approx(40)
    assert row.slot_units == 64 and row.slot_units_booked == 2
    assert row.counter_minutes == 3 * 8 * 60
    assert row.visits_avoided == 0  # recorded on Saturday


def test_the_office_report_gives_mean_and_p90_wait_and_rates(busy_day):
    slotted, waits = busy_day
    report = metrics_report(
        actor=slotted.manager_a,
        level="office",
        code="A0001",
        day_from=at(0, 0).date(),
        day_to=at(1, 0).date(),
    )
    total = report.total
    assert total.mean_wait == pytest.approx(round(sum(waits) / 4, 1))
    assert total.p90_wait is not None and total.p90_wait >= max(waits) - 1
    assert total.no_show_rate == 0.5
    assert total.visits_avoided == 1
    assert total.remote_uptake == pytest.approx(1 / 3, abs=1e-3)  # one avoided, two booked
    assert total.slot_utilisation == pytest.approx(2 / 128, abs=1e-4)
    assert total.counter_utilisation == pytest.approx(40 / (2 * 1440), abs=1e-4)


def test_province_and_nation_add_offices_up(busy_day):
    slotted, _waits = busy_day
    day = at(1, 0).date()
    office_day_stats_compute(office=slotted.office_a, day=day)
    office_day_stats_compute(office=slotted.office_b, day=day)
    province = metrics_report(
        actor=slotted.province_admin_a,
        level="province",
        code=slotted.office_a.province.code,
        day_from=day,
        day_to=day,
    )
    assert [r.key for r in province.rows] == ["A0001"]
    nation = metrics_report(actor=slotted.kanoon_admin, level="nation", day_from=day, day_to=day)
    assert nation.total.served == 4
    assert len(nation.rows) == 2


def test_each_level_is_seen_only_by_its_people(busy_day):
    slotted, _waits = busy_day
    day = at(1, 0).date()
    assert metrics_report(actor=slotted.clerk_a, level="office", code="A0001", day_from=day, day_to=day)
    with pytest.raises(PermissionDeniedError):
        metrics_report(actor=slotted.clerk_b, level="office", code="A0001", day_from=day, day_to=day)
    with pytest.raises(PermissionDeniedError):
        metrics_report(actor=slotted.manager_a, level="nation", day_from=day, day_to=day)
    with pytest.raises(PermissionDeniedError):
        metrics_report(
            actor=slotted.province_admin_a,
            level="province",
            code=slotted.office_b.province.code,
            day_from=day,
            day_to=day,
        )
    with pytest.raises(PermissionDeniedError):
        metrics_report(actor=slotted.citizen, level="office", code="A0001", day_from=day, day_to=day)


def test_bad_metric_requests_are_refused(slotted):
    day = at(0, 0).date()
    for kwargs in (
        {"level": "galaxy"},
        {"level": "office", "code": "NOPE"},
        {"level": "nation", "day_to": day - timedelta(days=1)},
        {"level": "nation", "day_from": day - timedelta(days=400)},
    ):
        params = {"day_from": day, "day_to": day, **kwargs}
        with pytest.raises(DomainError):
            metrics_report(actor=slotted.kanoon_admin, **params)


def test_the_metrics_api_answers_with_the_figures(busy_day):
    from rest_framework.test import APIClient

    slotted, _waits = busy_day
    client = APIClient()
    client.force_authenticate(slotted.kanoon_admin)
    response = client.get(
        "/api/v1/scheduling/metrics/",
        {"level": "office", "code": "A0001", "from": "1405/09/29", "to": "1405/09/29"},
    )
    assert response.status_code == 200
    assert response.json()["total"]["no_show_rate"] == 0.5
    client.force_authenticate(slotted.clerk_b)
    assert client.get("/api/v1/scheduling/metrics/", {"level": "office", "code": "A0001"}).status_code == 403


def test_the_metrics_page_writes_rates_and_dates_through_the_formatting_layer(busy_day):
    """Issue 15 (10): Persian decimal separator and percent sign, Jalali dates, Persian digits."""
    from django.test import Client
    from django.urls import reverse

    slotted, _waits = busy_day
    query = {
        "level": "office",
        "code": "A0001",
        "date_from": at(0, 0).date().isoformat(),
        "date_to": at(1, 0).date().isoformat(),
    }
    persian = Client(HTTP_ACCEPT_LANGUAGE="fa")
    persian.force_login(slotted.manager_a)
    page = persian.get(reverse("scheduling:metrics"), query).content.decode()
    totals = page[page.index('id="totals"') : page.index('id="metrics-rows"')]
    assert "۵۰٫۰٪" in totals  # the no-show rate
    assert "۳۳٫۳٪" in totals  # the remote uptake
    assert not re.search(r"[0-9]", re.sub(r"<[^>]+>", "", totals))
    assert "%" not in totals
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(slotted.manager_a)
    text = english.get(reverse("scheduling:metrics"), query).content.decode()
    assert "50.0%" in text and "33.3%" in text
