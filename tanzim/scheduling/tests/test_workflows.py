"""Scheduling's workflows on the one engine: event rows, stale moves, who may move what."""

from __future__ import annotations

import pytest

from tanzim.audit.models import AuditEvent
from tanzim.audit.workflow import REGISTRY, transition
from tanzim.common.errors import ConflictError, NotFoundError
from tanzim.offices.models import Counter, WorkingHours
from tanzim.scheduling import workflows
from tanzim.scheduling.choices import (
    AppointmentStatus,
    FlexibleRequestStatus,
    SlotStatus,
    TicketStatus,
)
from tanzim.scheduling.models import AppointmentEvent, FlexibleRequest, Slot, TicketEvent
from tanzim.scheduling.services import (
    appointment_cancel,
    appointment_check_in,
    appointments_mark_no_shows,
    flexible_request_create,
    flexible_request_withdraw,
    queue_close_day,
    slots_generate,
    ticket_call_next,
    ticket_issue_walk_in,
    ticket_leave,
    ticket_requeue,
    ticket_serve,
)
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(slotted, service):
    return book(slotted.citizen, slot_at(slotted.office_a, at(1, 10)), service)


def test_every_scheduling_workflow_is_declared_on_the_engine():
    names = {
        "scheduling.appointment",
        "scheduling.ticket",
        "scheduling.flexible_request",
        "scheduling.slot",
    }
    assert names <= set(REGISTRY)
    assert workflows.SLOT.audited is False


def test_a_visit_leaves_one_event_row_per_move_with_actor_and_on_behalf_of(slotted, appointment, clock):
    clock.move_to(at(1, 9, 50))
    appointment_check_in(appointment=appointment, actor=slotted.clerk_a)
    counter = Counter.objects.get(office=slotted.office_a, number=1)
    clock.move_to(at(1, 10))
    called = ticket_call_next(office=slotted.office_a, counter=counter, actor=slotted.clerk_a)
    ticket_serve(ticket=called, actor=slotted.clerk_a)
    moves = list(AppointmentEvent.objects.filter(appointment=appointment).order_by("pk"))
    assert [(e.from_status, e.to_status) for e in moves] == [
        (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN),
        (AppointmentStatus.CHECKED_IN, AppointmentStatus.SERVED),
    ]
    assert {(e.actor_id, e.on_behalf_of_id) for e in moves} == {(slotted.clerk_a.pk, slotted.citizen.pk)}
    ticket_moves = list(TicketEvent.objects.filter(ticket=called).order_by("pk"))
    assert [(e.to_status, e.counter_id) for e in ticket_moves] == [
        (TicketStatus.CALLED, counter.pk),
        (TicketStatus.SERVED, counter.pk),
    ]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "scheduling.appointment.checked_in",
        "scheduling.appointment.served",
        "scheduling.ticket.called",
        "scheduling.ticket.served",
    } <= actions


def test_a_stale_expected_status_is_a_409_and_changes_nothing(slotted, appointment):
    with pytest.raises(ConflictError) as exc:
        appointment_cancel(
            appointment=appointment, actor=slotted.citizen, expected_status=AppointmentStatus.CHECKED_IN
        )
    assert exc.value.code == "stale_status"
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    appointment_cancel(appointment=appointment, actor=slotted.citizen, expected_status="booked")
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert (event.to_status, event.actor_id, event.on_behalf_of_id) == ("cancelled", slotted.citizen.pk, None)


def test_the_engine_refuses_a_move_by_someone_the_workflow_does_not_admit(slotted, appointment):
    with pytest.raises(NotFoundError):
        transition(workflows.APPOINTMENT, appointment, AppointmentStatus.CANCELLED, actor=slotted.clerk_b)
    with pytest.raises(NotFoundError):  # the sweep's move is not a person's
        transition(workflows.APPOINTMENT, appointment, AppointmentStatus.NO_SHOW, actor=slotted.clerk_a)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_the_no_show_sweep_moves_the_batch_with_an_event_row_each(slotted, service, clock):
    first = book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)
    second = book(slotted.other_citizen, slot_at(slotted.office_a, at(1, 9, 15)), service)
    clock.move_to(at(1, 12))
    assert appointments_mark_no_shows() == 2
    events = AppointmentEvent.objects.filter(to_status=AppointmentStatus.NO_SHOW)
    assert sorted(events.values_list("appointment_id", flat=True)) == sorted([first.pk, second.pk])
    assert set(events.values_list("actor", flat=True)) == {None}
    first.refresh_from_db()
    assert first.no_show_marked_at == at(1, 12)
    batch = AuditEvent.objects.get(action="scheduling.appointment.no_show")
    assert batch.data["count"] == 2


def test_requeue_and_the_end_of_the_day_go_through_the_ticket_workflow(slotted, clock):
    counter = Counter.objects.get(office=slotted.office_a, number=1)
    waiting = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    called = ticket_call_next(office=slotted.office_a, counter=counter, actor=slotted.clerk_a)
    back = ticket_requeue(ticket=called, actor=slotted.clerk_a)
    assert (back.status, back.counter_id) == (TicketStatus.WAITING, None)
    assert AuditEvent.objects.filter(action="scheduling.ticket.waiting").count() == 1
    ticket_call_next(office=slotted.office_a, counter=counter, actor=slotted.clerk_a)
    other = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    assert queue_close_day(office=slotted.office_a, day=at(0, 0).date()) == 2
    for ticket in (waiting, other):
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.LEFT and ticket.finished_at == at(0, 7)
    assert TicketEvent.objects.filter(to_status=TicketStatus.LEFT, actor__isnull=True).count() == 2


def test_a_stale_leave_is_refused(slotted, clock):
    ticket = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    with pytest.raises(ConflictError) as exc:
        ticket_leave(ticket=ticket, actor=slotted.clerk_a, expected_status=TicketStatus.CALLED)
    assert exc.value.code == "stale_status"


def test_a_flexible_request_is_withdrawn_once(slotted, service, clock):
    request = flexible_request_create(
        citizen=slotted.citizen,
        service=service,
        latitude=35.69,
        longitude=51.39,
        earliest=at(1, 0).date(),
        latest=at(2, 0).date(),
    )
    with pytest.raises(NotFoundError):
        flexible_request_withdraw(request=request, actor=slotted.other_citizen)
    flexible_request_withdraw(request=request, actor=slotted.citizen)
    assert FlexibleRequest.objects.get().status == FlexibleRequestStatus.WITHDRAWN
    with pytest.raises(ConflictError) as exc:
        flexible_request_withdraw(request=request, actor=slotted.citizen)
    assert exc.value.code == "request_not_pending"
    assert AuditEvent.objects.filter(action="scheduling.flexible_request.withdrawn").count() == 1


def test_slots_close_and_reopen_through_the_slot_workflow(slotted, clock):
    saturday = WorkingHours.objects.filter(office=slotted.office_a, weekday=at(1, 0).weekday())
    hours = list(saturday)
    saturday.delete()
    slots_generate(office=slotted.office_a)
    assert slot_at(slotted.office_a, at(1, 9)).status == SlotStatus.CLOSED
    for h in hours:
        h.pk = None
        h.save()
    slots_generate(office=slotted.office_a)
    assert slot_at(slotted.office_a, at(1, 9)).status == SlotStatus.OPEN
    assert not Slot.objects.filter(office=slotted.office_a, status=SlotStatus.CLOSED).exists()
