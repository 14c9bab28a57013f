"""Issue 15, the queue: one call does not close the other counters, and a short line has a finite
expected wait even when the last hour's arrivals outran the counters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tanzim.offices.models import Counter
from tanzim.scheduling.selectors import queue_figures
from tanzim.scheduling.services import ticket_call_next, ticket_issue_walk_in, ticket_no_show, ticket_serve
from tanzim.testing.scheduling import at

pytestmark = pytest.mark.django_db


def test_the_first_call_of_the_day_leaves_every_counter_open(slotted, clock):
    clock.move_to(at(1, 9))
    office = slotted.office_a
    counters = list(Counter.objects.filter(office=office, active=True).order_by("number"))
    assert len(counters) >= 2
    for _ in range(3):
        ticket_issue_walk_in(office=office, actor=slotted.clerk_a)
    assert queue_figures(office=office).counters == len(counters)
    first = ticket_call_next(office=office, counter=counters[0], actor=slotted.clerk_a)
    figures = queue_figures(office=office)
    assert figures.counters == len(counters)  # was 1: one call said nothing about the others
    # Half an hour on, only the counter that keeps calling is counted as staffed.
    clock.move_to(at(1, 9, 35))
    ticket_serve(ticket=first, actor=slotted.clerk_a)
    ticket_call_next(office=office, counter=counters[0], actor=slotted.clerk_a)
    assert queue_figures(office=office).counters == 1


def test_one_person_waiting_has_a_finite_expected_wait(slotted, clock):
    clock.move_to(at(1, 9))
    office = slotted.office_a
    counter = Counter.objects.filter(office=office, active=True).order_by("number").first()
    Counter.objects.filter(office=office).exclude(pk=counter.pk).update(active=False)
    # Many arrivals in the last hour, all served but one: Erlang C sees a growing queue.
    for minute in range(0, 50, 5):
        clock.move_to(at(1, 9) + timedelta(minutes=minute))
        ticket_issue_walk_in(office=office, actor=slotted.clerk_a)
    figures = queue_figures(office=office)
    assert figures.waiting == 10
    for n in range(9):  # four served (too few for a mean of its own: 15 minutes), five absent
        called = ticket_call_next(office=office, counter=counter, actor=slotted.clerk_a)
        (ticket_serve if n < 4 else ticket_no_show)(ticket=called, actor=slotted.clerk_a)
    figures = queue_figures(office=office)
    assert figures.waiting == 1
    assert figures.arrivals_per_hour * figures.service_minutes / 60 > figures.counters  # Erlang C: ∞
    assert figures.expected_wait is not None
    assert figures.expected_wait <= 2 * figures.service_minutes
