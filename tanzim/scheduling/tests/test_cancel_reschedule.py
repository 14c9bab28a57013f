"""Cancelling and moving a booking: the cut-off, who may do it, and capacity given back."""

from __future__ import annotations

import pytest

from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.notify.models import Message
from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment
from tanzim.scheduling.services import appointment_cancel, appointment_reschedule
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(slotted, service):
    return book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)


def test_cancelling_gives_the_place_back(slotted, booked):
    appointment_cancel(appointment=booked, actor=slotted.citizen, reason="")
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED
    assert slot_at(slotted.office_a, at(1, 9)).booked == 0


def test_a_cancelled_place_can_be_booked_again(slotted, booked, service):
    appointment_cancel(appointment=booked, actor=slotted.citizen)
    book(slotted.other_citizen, slot_at(slotted.office_a, at(1, 9)), service)
    book(CitizenFactory(), slot_at(slotted.office_a, at(1, 9)), service)
    assert slot_at(slotted.office_a, at(1, 9)).booked == 2


def test_cancelling_twice_is_a_conflict(slotted, booked):
    appointment_cancel(appointment=booked, actor=slotted.citizen)
    with pytest.raises(ConflictError):
        appointment_cancel(appointment=booked, actor=slotted.citizen)
    assert slot_at(slotted.office_a, at(1, 9)).booked == 0


def test_a_citizen_cannot_cancel_inside_the_cut_off(slotted, booked, clock):
    clock.move_to(at(1, 7, 30))  # 90 minutes before, the cut-off is 120
    with pytest.raises(ConflictError) as exc:
        appointment_cancel(appointment=booked, actor=slotted.citizen)
    assert exc.value.code == "past_cutoff"


def test_the_office_may_cancel_inside_the_cut_off_with_a_reason_and_the_citizen_is_told(
    slotted, booked, clock
):
    clock.move_to(at(1, 7, 30))
    with pytest.raises(DomainError) as exc:
        appointment_cancel(appointment=booked, actor=slotted.clerk_a, reason="")
    assert exc.value.code == "reason_required"
    appointment_cancel(appointment=booked, actor=slotted.clerk_a, reason="قطعی برق")
    message = Message.objects.get(template="scheduling.cancelled")
    assert "قطعی برق" in message.body


def test_another_citizen_cannot_cancel_and_learns_nothing(slotted, booked):
    with pytest.raises(NotFoundError):
        appointment_cancel(appointment=booked, actor=slotted.other_citizen)
    with pytest.raises(NotFoundError):
        appointment_cancel(appointment=booked, actor=slotted.clerk_b, reason="x")
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED


def test_rescheduling_moves_the_place_in_one_step(slotted, booked):
    new = appointment_reschedule(
        appointment=booked, actor=slotted.citizen, slot_id=slot_at(slotted.office_a, at(2, 10)).pk
    )
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.RESCHEDULED
    assert new.rescheduled_from == booked
    assert new.start == at(2, 10)
    assert slot_at(slotted.office_a, at(1, 9)).booked == 0
    assert slot_at(slotted.office_a, at(2, 10)).booked == 1
    assert Message.objects.filter(template="scheduling.rescheduled", recipient=slotted.citizen).count() == 1


def test_rescheduling_to_a_full_slot_keeps_the_old_booking(slotted, booked, service):
    full = slot_at(slotted.office_a, at(2, 10))
    book(slotted.other_citizen, full, service)
    book(CitizenFactory(), full, service)
    with pytest.raises(ConflictError):
        appointment_reschedule(appointment=booked, actor=slotted.citizen, slot_id=full.pk)
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED
    assert slot_at(slotted.office_a, at(1, 9)).booked == 1


def test_rescheduling_by_one_unit_overlapping_itself_works(slotted, long_service):
    appointment = book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), long_service)
    new = appointment_reschedule(
        appointment=appointment, actor=slotted.citizen, slot_id=slot_at(slotted.office_a, at(1, 9, 15)).pk
    )
    assert (new.start, new.end) == (at(1, 9, 15), at(1, 9, 45))
    counts = [slot_at(slotted.office_a, t).booked for t in (at(1, 9), at(1, 9, 15), at(1, 9, 30))]
    assert counts == [0, 1, 1]


def test_rescheduling_to_the_same_time_is_refused(slotted, booked):
    with pytest.raises(DomainError) as exc:
        appointment_reschedule(appointment=booked, actor=slotted.citizen, slot_id=booked.slot_id)
    assert exc.value.code == "same_time"


def test_rescheduling_does_not_count_against_the_booking_limit(slotted, service, settings):
    settings.SCHEDULING_MAX_ACTIVE_BOOKINGS = 1
    appointment = book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)
    new = appointment_reschedule(
        appointment=appointment, actor=slotted.citizen, slot_id=slot_at(slotted.office_a, at(3, 9)).pk
    )
    assert Appointment.objects.filter(citizen=slotted.citizen, status=AppointmentStatus.BOOKED).get() == new


def test_a_citizen_cannot_move_inside_the_cut_off(slotted, booked, clock):
    clock.move_to(at(1, 8))
    with pytest.raises(ConflictError) as exc:
        appointment_reschedule(
            appointment=booked, actor=slotted.citizen, slot_id=slot_at(slotted.office_a, at(2, 9)).pk
        )
    assert exc.value.code == "past_cutoff"
