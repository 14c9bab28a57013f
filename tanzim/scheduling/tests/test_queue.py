"""The office queue: check-in window, one fair line, calling, serving and no-shows."""

from __future__ import annotations

import pytest

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.offices.models import Counter
from tanzim.scheduling import selectors
from tanzim.scheduling.choices import AppointmentStatus, TicketKind, TicketStatus
from tanzim.scheduling.models import QueueTicket
from tanzim.scheduling.services import (
    appointment_check_in,
    queue_close_day,
    ticket_call_next,
    ticket_issue_walk_in,
    ticket_leave,
    ticket_no_show,
    ticket_recall,
    ticket_requeue,
    ticket_serve,
)
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def counters(slotted):
    return list(Counter.objects.filter(office=slotted.office_a).order_by("number"))


@pytest.fixture
def appointment(slotted, service):
    return book(slotted.citizen, slot_at(slotted.office_a, at(1, 10)), service)


def test_check_in_opens_fifteen_minutes_early(slotted, appointment, clock):
    clock.move_to(at(1, 9, 44))
    with pytest.raises(DomainError) as exc:
        appointment_check_in(appointment=appointment, actor=slotted.citizen)
    assert exc.value.code == "too_early"
    clock.move_to(at(1, 9, 45))
    ticket = appointment_check_in(appointment=appointment, actor=slotted.citizen)
    assert ticket.kind == TicketKind.APPOINTMENT
    assert ticket.sort_at == at(1, 10)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN


def test_checking_in_twice_returns_the_same_ticket(slotted, appointment, clock):
    clock.move_to(at(1, 9, 50))
    first = appointment_check_in(appointment=appointment, actor=slotted.citizen)
    assert appointment_check_in(appointment=appointment, actor=slotted.citizen).pk == first.pk
    assert QueueTicket.objects.count() == 1


def test_a_late_arrival_joins_the_walk_in_line(slotted, appointment, clock):
    clock.move_to(at(1, 10, 11))
    ticket = appointment_check_in(appointment=appointment, actor=slotted.citizen)
    assert ticket.kind == TicketKind.WALK_IN
    assert ticket.sort_at == at(1, 10, 11)
    appointment.refresh_from_db()
    assert appointment.late


def test_a_late_arrival_after_the_automatic_no_show_can_still_check_in_that_day(slotted, appointment, clock):
    from tanzim.scheduling.services import appointments_mark_no_shows

    clock.move_to(at(1, 10, 30))
    assert appointments_mark_no_shows() == 1
    ticket = appointment_check_in(appointment=appointment, actor=slotted.citizen)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert ticket.kind == TicketKind.WALK_IN


def test_an_appointment_of_another_day_cannot_check_in(slotted, appointment, clock):
    clock.move_to(at(2, 9, 0))
    with pytest.raises(ConflictError) as exc:
        appointment_check_in(appointment=appointment, actor=slotted.citizen)
    assert exc.value.code == "appointment_expired"


def test_a_clerk_checks_a_citizen_in_but_a_clerk_of_another_office_cannot(slotted, appointment, clock):
    clock.move_to(at(1, 9, 50))
    with pytest.raises(NotFoundError):
        appointment_check_in(appointment=appointment, actor=slotted.clerk_b)
    ticket = appointment_check_in(appointment=appointment, actor=slotted.clerk_a)
    event = AuditEvent.objects.get(action="scheduling.appointment.checked_in")
    assert (event.actor_id, event.on_behalf_of_id) == (slotted.clerk_a.pk, slotted.citizen.pk)
    assert ticket.number == 1


def test_tickets_are_numbered_per_office_and_day(slotted, clock):
    clock.move_to(at(1, 9))
    a1 = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    a2 = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    b1 = ticket_issue_walk_in(office=slotted.office_b, actor=slotted.clerk_b)
    clock.move_to(at(2, 9))
    a_next_day = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    assert [a1.number, a2.number, b1.number, a_next_day.number] == [1, 2, 1, 1]
    assert a1.label == "001"


def test_the_line_puts_due_appointments_first_then_walk_ins_then_early_birds(
    slotted, service, clock, counters
):
    due = book(slotted.citizen, slot_at(slotted.office_a, at(1, 10)), service)
    early = book(slotted.other_citizen, slot_at(slotted.office_a, at(1, 10, 15)), service)
    clock.move_to(at(1, 9, 55))
    walk_in_before = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    t_due = appointment_check_in(appointment=due, actor=slotted.citizen)
    clock.move_to(at(1, 10, 0))
    t_early = appointment_check_in(appointment=early, actor=slotted.other_citizen)
    walk_in_after = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    clock.move_to(at(1, 10, 1))
    order = [t.pk for t in selectors.waiting_tickets(office=slotted.office_a)]
    assert order == [t_due.pk, walk_in_before.pk, walk_in_after.pk, t_early.pk]
    called = ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a)
    assert called.pk == t_due.pk


def test_calling_serving_and_the_counter_holds_one_person(slotted, counters, appointment, clock):
    clock.move_to(at(1, 9, 50))
    ticket = appointment_check_in(appointment=appointment, actor=slotted.citizen)
    clock.move_to(at(1, 10, 2))
    called = ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a)
    assert called.pk == ticket.pk
    assert (called.status, called.counter, called.called_at) == (
        TicketStatus.CALLED,
        counters[0],
        at(1, 10, 2),
    )
    ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    with pytest.raises(ConflictError) as exc:
        ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a)
    assert exc.value.code == "counter_busy"
    clock.move_to(at(1, 10, 12))
    served = ticket_serve(ticket=called, actor=slotted.clerk_a)
    assert served.status == TicketStatus.SERVED
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SERVED
    assert ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a).number == 2


def test_calling_an_empty_queue_returns_nobody(slotted, counters, clock):
    assert ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a) is None


def test_two_counters_never_get_the_same_ticket(slotted, counters, clock):
    first = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    second = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    a = ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a)
    b = ticket_call_next(office=slotted.office_a, counter=counters[1], actor=slotted.manager_a)
    assert {a.pk, b.pk} == {first.pk, second.pk}


def test_no_show_when_called_marks_the_appointment_too(slotted, counters, appointment, clock):
    clock.move_to(at(1, 9, 50))
    appointment_check_in(appointment=appointment, actor=slotted.citizen)
    clock.move_to(at(1, 10))
    called = ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a)
    ticket_no_show(ticket=called, actor=slotted.clerk_a)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW


def test_serving_a_ticket_that_is_not_called_is_a_conflict(slotted, clock):
    ticket = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    with pytest.raises(ConflictError):
        ticket_serve(ticket=ticket, actor=slotted.clerk_a)


def test_recall_and_requeue_keep_the_ticket(slotted, counters, clock):
    ticket = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    called = ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a)
    clock.move_to(at(0, 7, 5))
    assert ticket_recall(ticket=called, actor=slotted.clerk_a).call_count == 2
    back = ticket_requeue(ticket=called, actor=slotted.clerk_a)
    assert (back.status, back.counter) == (TicketStatus.WAITING, None)
    again = ticket_call_next(office=slotted.office_a, counter=counters[1], actor=slotted.clerk_a)
    assert again.pk == ticket.pk
    assert again.called_at == at(0, 7)  # the wait is measured to the first call


def test_a_clerk_of_another_office_cannot_touch_the_queue(slotted, counters, clock):
    ticket = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    with pytest.raises(PermissionDeniedError):
        ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_b)
    with pytest.raises(PermissionDeniedError):
        ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_b)
    called = ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a)
    for action in (ticket_serve, ticket_no_show, ticket_recall, ticket_requeue):
        with pytest.raises(NotFoundError):
            action(ticket=called, actor=slotted.clerk_b)
    with pytest.raises(NotFoundError):
        ticket_leave(ticket=ticket, actor=slotted.other_citizen)
    called.refresh_from_db()
    assert called.status == TicketStatus.CALLED


def test_the_kanoon_admin_does_not_run_an_office_queue(slotted, counters):
    with pytest.raises(PermissionDeniedError):
        ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.kanoon_admin)


def test_a_counter_of_another_office_is_unknown(slotted, clock):
    foreign = Counter.objects.filter(office=slotted.office_b).first()
    with pytest.raises(NotFoundError):
        ticket_call_next(office=slotted.office_a, counter=foreign, actor=slotted.clerk_a)


def test_a_closed_counter_cannot_call(slotted, counters):
    Counter.objects.filter(pk=counters[0].pk).update(active=False)
    counters[0].refresh_from_db()
    with pytest.raises(DomainError) as exc:
        ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a)
    assert exc.value.code == "counter_inactive"


def test_the_holder_may_leave_the_line(slotted, appointment, clock):
    clock.move_to(at(1, 9, 50))
    ticket = appointment_check_in(appointment=appointment, actor=slotted.citizen)
    assert ticket_leave(ticket=ticket, actor=slotted.citizen).status == TicketStatus.LEFT


def test_closing_the_day_empties_the_line(slotted, clock):
    ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    assert queue_close_day(office=slotted.office_a, day=at(0, 0).date()) == 1
    assert not QueueTicket.objects.filter(status=TicketStatus.WAITING).exists()


def test_waiting_people_see_their_place_and_an_expected_wait(slotted, counters, clock):
    tickets = [ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a) for _ in range(5)]
    ticket_call_next(office=slotted.office_a, counter=counters[0], actor=slotted.clerk_a)
    ticket_call_next(office=slotted.office_a, counter=counters[1], actor=slotted.clerk_a)
    entries = selectors.queue_waiting_with_estimates(office=slotted.office_a)
    assert [e.ticket.pk for e in entries] == [t.pk for t in tickets[2:]]
    assert [e.ahead for e in entries] == [0, 1, 2]
    # Right after the day's first calls every active counter (three) counts as open (issue 15):
    # one is free, and with 15 minutes a person one of the three frees up every 5 minutes.
    assert [e.minutes for e in entries] == [0.0, 5.0, 10.0]
    position = selectors.ticket_position(ticket=tickets[4])
    assert (position.ahead, position.minutes) == (2, 10.0)


def test_the_display_shows_numbers_and_counters_but_no_names(slotted, counters, clock):
    walk_in = ticket_issue_walk_in(
        office=slotted.office_a, actor=slotted.clerk_a, citizen=CitizenFactory(first_name="ناشناس")
    )
    ticket_call_next(office=slotted.office_a, counter=counters[1], actor=slotted.clerk_a)
    board = selectors.display_board(office=slotted.office_a)
    assert board["now_serving"] == [
        {"number": walk_in.number, "status": "called", "counter__number": 2, "announced_at": at(0, 7)}
    ]
    assert "ناشناس" not in repr(board)
