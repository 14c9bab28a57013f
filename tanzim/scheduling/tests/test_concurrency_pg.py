"""Races on PostgreSQL: many people, one place. The database decides; nobody is double-booked.

Each thread has its own connection (Django's are per thread) and closes it when done.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tanzim.offices.models import Counter
from tanzim.scheduling.choices import AppointmentStatus, TicketStatus
from tanzim.scheduling.models import Appointment, QueueTicket, Slot
from tanzim.scheduling.services import (
    appointment_book,
    appointment_reschedule,
    ticket_call_next,
    ticket_issue_walk_in,
)
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

URL = "/api/v1/appointments/"


def run_together(count: int, work):
    """Start ``count`` calls of ``work(i)`` at the same instant; returns their results in order."""
    barrier = threading.Barrier(count)

    def call(i):
        try:
            barrier.wait()
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def _post(user, slot, service, key):
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        URL, {"slot": slot.pk, "service": service.code}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    return response.status_code, response.json()


def test_fifty_citizens_at_the_last_place_one_wins_and_replays_return_the_same(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    Slot.objects.filter(pk=slot.pk).update(capacity=1, bookable=1)
    citizens = [CitizenFactory() for _ in range(50)]
    results = run_together(50, lambda i: _post(citizens[i], slot, service, f"race-key-{i:04d}"))
    statuses = sorted(code for code, _body in results)
    assert statuses == [201] + [409] * 49
    assert {body["code"] for code, body in results if code == 409} == {"slot_taken"}
    assert Appointment.objects.filter(slot=slot).count() == 1
    slot.refresh_from_db()
    assert slot.booked == 1
    winner = next(i for i, (code, _body) in enumerate(results) if code == 201)
    created = results[winner][1]
    replays = run_together(10, lambda i: _post(citizens[winner], slot, service, f"race-key-{winner:04d}"))
    assert {code for code, _body in replays} == {201}
    assert {body["id"] for _code, body in replays} == {created["id"]}
    assert Appointment.objects.count() == 1


def test_a_double_click_with_one_key_books_once(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    results = run_together(8, lambda i: _post(slotted.citizen, slot, service, "double-click-key"))
    assert {code for code, _body in results} == {201}
    assert len({body["id"] for _code, body in results}) == 1
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_one_citizen_racing_for_many_slots_stays_within_the_limit(slotted, service, settings):
    settings.SCHEDULING_MAX_ACTIVE_BOOKINGS = 3
    starts = [at(1, h, m) for h in (9, 10, 11, 12, 13) for m in (0, 30)]
    slots = [slot_at(slotted.office_a, s) for s in starts]

    def attempt(i):
        try:
            appointment_book(actor=slotted.citizen, slot_id=slots[i].pk, service=service)
            return "ok"
        except Exception as exc:  # the refusal is what this test counts
            return getattr(exc, "code", type(exc).__name__)

    results = run_together(len(slots), attempt)
    assert results.count("ok") == 3
    assert set(results) == {"ok", "too_many_bookings"}
    assert Appointment.objects.filter(citizen=slotted.citizen).count() == 3


def test_crossed_reschedules_never_deadlock(slotted, service):
    first, second = slot_at(slotted.office_a, at(1, 9)), slot_at(slotted.office_a, at(1, 10))
    Slot.objects.filter(pk__in=[first.pk, second.pk]).update(capacity=1, bookable=1)
    a = book(slotted.citizen, first, service)
    b = book(slotted.other_citizen, second, service)
    moves = [(a, slotted.citizen, second), (b, slotted.other_citizen, first)]

    def move(i):
        appointment, actor, target = moves[i]
        try:
            appointment_reschedule(appointment=appointment, actor=actor, slot_id=target.pk)
            return "moved"
        except Exception as exc:
            return getattr(exc, "code", type(exc).__name__)

    results = run_together(2, move)
    assert results == ["slot_taken", "slot_taken"]  # both full: refused cleanly, no deadlock
    assert Slot.objects.get(pk=first.pk).booked == Slot.objects.get(pk=second.pk).booked == 1
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 2


def test_counters_calling_at_once_never_get_the_same_ticket(slotted, clock):
    for _ in range(6):
        ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    Counter.objects.bulk_create([Counter(office=slotted.office_a, number=n) for n in range(4, 7)])
    counters = list(Counter.objects.filter(office=slotted.office_a).order_by("number"))

    def call(i):
        ticket = ticket_call_next(office=slotted.office_a, counter=counters[i], actor=slotted.clerk_a)
        return ticket.pk if ticket else None

    called = run_together(6, call)
    assert None not in called
    assert len(set(called)) == 6
    assert QueueTicket.objects.filter(status=TicketStatus.CALLED).count() == 6


def test_tickets_issued_at_once_get_distinct_numbers(slotted, clock):
    numbers = run_together(
        10, lambda i: ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a).number
    )
    assert sorted(numbers) == list(range(1, 11))
