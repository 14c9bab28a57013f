"""Consult's figures for ranking and dashboards: per office and per Tehran day, each figure on the
day of its own event, set-based, scoped; "ended without a visit" read from scheduling."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tanzim.cases.services import case_create
from tanzim.catalog.models import Service
from tanzim.common.errors import NotFoundError
from tanzim.consult import selectors
from tanzim.consult.models import DraftRun
from tanzim.consult.services.drafting import draft_start
from tanzim.scheduling.models import Appointment, Slot
from tanzim.testing.consult_figures import consultant_at, written

pytestmark = pytest.mark.django_db
TEHRAN = ZoneInfo("Asia/Tehran")
JUNE_2 = datetime(2026, 6, 2, 9, 0, tzinfo=TEHRAN)


@pytest.fixture
def offices(personas):
    a = consultant_at(personas.office_a, personas.consultant_a)
    b = consultant_at(personas.office_b, personas.mediator_a)
    c = personas.citizen
    written(a, c, asked=JUNE_2, answered_after=timedelta(hours=3), closed_after=timedelta(hours=4))
    written(a, c, asked=JUNE_2 + timedelta(days=1), answered_after=timedelta(hours=5))
    written(b, c, asked=JUNE_2, refunded=True)  # refunded on 4 June, at the deadline
    written(b, c, asked=JUNE_2 + timedelta(days=1))  # still waiting
    return personas


def test_each_figure_counts_on_the_day_of_its_own_event(offices):
    rows = selectors.consultation_figures(by_day=True)
    by = {(r["office__code"], r["day"].isoformat()): r for r in rows}
    a, b = offices.office_a.code, offices.office_b.code
    assert by[(a, "2026-06-02")]["consultations"] == 1 and by[(a, "2026-06-02")]["on_time"] == 1
    assert by[(a, "2026-06-02")]["closed"] == 1
    assert by[(a, "2026-06-03")]["on_time"] == 1 and by[(a, "2026-06-03")]["answer_seconds"] == 5 * 3600
    assert by[(b, "2026-06-02")]["consultations"] == 1 and by[(b, "2026-06-02")]["refunded"] == 0
    assert by[(b, "2026-06-04")]["refunded"] == 1 and by[(b, "2026-06-04")]["on_time_pct"] == 0
    # Summed over the days, the office totals.
    totals = {r["office__code"]: r for r in selectors.consultation_figures()}
    assert totals[a]["written_due"] == 2 and totals[a]["on_time_pct"] == 100
    assert totals[a]["mean_answer_hours"] == 4.0
    assert totals[b]["written_due"] == 1 and totals[b]["consultations"] == 2


def test_a_period_bounds_the_days(offices):
    rows = selectors.consultation_figures(start=JUNE_2 + timedelta(days=1), end=JUNE_2 + timedelta(days=2))
    by = {r["office__code"]: r for r in rows}
    assert by[offices.office_a.code]["on_time"] == 1 and by[offices.office_a.code]["closed"] == 0
    assert by[offices.office_b.code]["refunded"] == 0


def test_the_queries_do_not_grow_with_offices_and_days(offices):
    with CaptureQueriesContext(connection) as few:
        selectors.consultation_figures(by_day=True)
    for day in range(10):
        written(
            consultant_at(offices.office_b, offices.mediator_a),
            offices.other_citizen,
            asked=JUNE_2 + timedelta(days=day),
            answered_after=timedelta(hours=1),
        )
    with CaptureQueriesContext(connection) as many:
        selectors.consultation_figures(by_day=True)
    assert len(many) == len(few) <= 5


def test_closed_without_a_visit_reads_the_citizens_visits_after_closing(offices):
    a = consultant_at(offices.office_a, offices.consultant_a)
    visited = written(
        a,
        offices.other_citizen,
        asked=JUNE_2,
        answered_after=timedelta(hours=1),
        closed_after=timedelta(hours=2),
    )
    start = visited.closed_at + timedelta(days=3)
    slot = Slot.objects.create(
        office=offices.office_a,
        start=start,
        end=start + timedelta(minutes=15),
        capacity=1,
        bookable=1,
        booked=1,
    )
    Appointment.objects.create(
        reference="VISIT001",
        office=offices.office_a,
        slot=slot,
        start=start,
        end=slot.end,
        service=Service.objects.filter(in_person=True).first(),
        citizen=offices.other_citizen,
        booked_by=offices.other_citizen,
    )
    row = next(r for r in selectors.consultation_figures() if r["office_id"] == offices.office_a.pk)
    assert (row["closed"], row["no_visit"], row["no_visit_pct"]) == (2, 1, 50)


def test_a_manager_sees_their_office_and_others_see_nothing(offices):
    rows = selectors.consultation_figures(user=offices.manager_a)
    assert {r["office_id"] for r in rows} == {offices.office_a.pk}
    assert {r["office_id"] for r in selectors.consultation_figures(user=offices.kanoon_admin)} == {
        offices.office_a.pk,
        offices.office_b.pk,
    }
    for outsider in (offices.clerk_a, offices.citizen):
        with pytest.raises(NotFoundError):
            selectors.consultation_figures(user=outsider)


def test_requests_started_from_a_diagnosis_per_office_and_day(offices):
    version = selectors.interview_version_for_run(slug="cheque-complaint")
    service = Service.objects.filter(code="criminal_complaint").first() or Service.objects.first()
    for source in ("bounced-cheque", ""):
        run = draft_start(version=version, user=offices.citizen)
        case = case_create(
            actor=offices.citizen, service=service, channel="remote", office=offices.office_a, title="چک"
        )
        DraftRun.objects.filter(pk=run.pk).update(source_tree=source, case=case, finished_at=JUNE_2)
    rows = selectors.requests_from_diagnosis(by_day=True)
    assert [(r["office_id"], r["day"].isoformat(), r["requests"]) for r in rows] == [
        (offices.office_a.pk, "2026-06-02", 1)
    ]
    assert [r["requests"] for r in selectors.requests_from_diagnosis(user=offices.manager_a)] == [1]
    with pytest.raises(NotFoundError):
        selectors.requests_from_diagnosis(user=offices.clerk_b)
