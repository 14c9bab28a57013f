"""Races on PostgreSQL: two citizens book the same consultant's time at the same moment.

Each thread has its own connection (Django's are per thread) and closes it when done. SQLite
serialises every writer, so these run only on PostgreSQL (``scripts/test.sh``).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tanzim.common.errors import ConflictError
from tanzim.consult.models import Availability, Consultant, Consultation
from tanzim.consult.services import consultations as services
from tanzim.scheduling.models import Appointment
from tanzim.testing.consult import licensed_consultant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def together(*calls):
    """Run each call in its own thread, released at the same instant; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def next_open_day_at_ten() -> datetime:
    """10:00 (Tehran) on the next day the test consultant takes calls (Saturday to Wednesday)."""
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() not in (5, 6, 0, 1, 2):
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())


def attempt(citizen, consultant, starts_at, minutes=30) -> str:
    try:
        services.consultation_book(
            citizen=citizen,
            consultant=consultant,
            mode="video",
            question="چک برگشتی",
            starts_at=starts_at,
            minutes=minutes,
        )
    except ConflictError as exc:
        return exc.code
    return "ok"


def test_two_citizens_booking_the_same_time_one_wins(personas):
    consultant = licensed_consultant(personas)
    ten = next_open_day_at_ten()
    results = together(
        lambda: attempt(personas.citizen, consultant, ten),
        lambda: attempt(personas.other_citizen, consultant, ten),
    )
    assert sorted(results) == ["ok", "time_taken"]
    assert Consultation.objects.filter(consultant=consultant, starts_at=ten).count() == 1
    # The loser left no appointment behind: one call in the scheduling lists.
    assert Appointment.objects.filter(start=ten, slot__isnull=True).count() == 1


def test_an_hour_and_an_overlapping_half_hour_booked_together_one_wins(personas):
    consultant = licensed_consultant(personas)
    ten = next_open_day_at_ten()
    results = together(
        lambda: attempt(personas.citizen, consultant, ten, minutes=60),
        lambda: attempt(personas.other_citizen, consultant, ten + timedelta(minutes=30)),
    )
    assert sorted(results) == ["ok", "time_taken"]
    assert Consultation.objects.filter(consultant=consultant).count() == 1


def test_one_citizen_booking_two_consultants_at_the_same_time_gets_one_call(personas):
    """The citizen's own rule (no two appointments at once) holds under a race as well: the
    citizen's row is scheduling's lock, taken after each consultant's."""
    first = licensed_consultant(personas)
    second = Consultant.objects.create(
        user=personas.mediator_a, office=personas.office_b, basis="kanoon_approved", licence_number="K-7"
    )
    for weekday in (5, 6, 0, 1, 2):
        Availability.objects.create(consultant=second, weekday=weekday, start_time=time(9), end_time=time(12))
    ten = next_open_day_at_ten()
    results = together(
        lambda: attempt(personas.citizen, first, ten),
        lambda: attempt(personas.citizen, second, ten),
    )
    assert sorted(results) == ["ok", "overlapping_booking"]
    assert Consultation.objects.filter(citizen=personas.citizen).count() == 1
    assert Appointment.objects.filter(citizen=personas.citizen).count() == 1
