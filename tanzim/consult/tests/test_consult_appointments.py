"""A video or phone consultation is a scheduling appointment too (no counter slot): the citizen's
and the office's lists, the day-before reminder with quiet hours abroad, the calendar file, the
cancellation cut-off with the consultation's refund, no move to a counter slot, no check-in at
the counter, and the no-show sweep undone when the consultant answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError
from tanzim.consult.choices import ConsultationStatus
from tanzim.consult.models import Consultation
from tanzim.consult.services import consultations as services
from tanzim.finance.models import Refund
from tanzim.scheduling import ics
from tanzim.scheduling import selectors as scheduling_selectors
from tanzim.scheduling.choices import AppointmentStatus, ReminderKind
from tanzim.scheduling.models import Appointment, Slot
from tanzim.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_reschedule,
    appointments_mark_no_shows,
    office_stats_refresh,
    reminders_due,
)
from tanzim.testing.consult import licensed_consultant, pay

pytestmark = pytest.mark.django_db
TEHRAN = ZoneInfo("Asia/Tehran")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=TEHRAN)  # a Monday, 11 Khordad 1405
TUESDAY_TEN = datetime(2026, 6, 2, 10, 0, tzinfo=TEHRAN)


@pytest.fixture(autouse=True)
def clock():
    traveller = time_machine.travel(NOW, tick=False)
    coordinates = traveller.start()
    yield coordinates
    traveller.stop()


@pytest.fixture
def consultant(personas):
    return licensed_consultant(personas)


def book(personas, consultant, *, citizen=None, at=TUESDAY_TEN, mode="video") -> Consultation:
    return services.consultation_book(
        citizen=citizen or personas.citizen,
        consultant=consultant,
        mode=mode,
        question="چک برگشتی",
        starts_at=at,
    )


def test_a_video_consultation_is_an_appointment_of_the_office_with_no_slot(personas, consultant):
    consultation = book(personas, consultant)
    appointment = consultation.appointment
    assert appointment is not None and appointment.slot_id is None and appointment.remote
    assert (appointment.channel, appointment.office_id) == ("video", personas.office_a.pk)
    assert (appointment.start, appointment.end) == (consultation.starts_at, consultation.ends_at)
    assert appointment.service.code == "consultation" and appointment.status == AppointmentStatus.BOOKED
    mine = scheduling_selectors.appointment_list_for(actor=personas.citizen, mine=True)
    assert list(mine) == [appointment]
    day = scheduling_selectors.appointment_list_for(
        actor=personas.clerk_a, office=personas.office_a, day=TUESDAY_TEN.date()
    )
    assert appointment in day
    # No counter place was taken for it.
    assert not Slot.objects.filter(booked__gt=0).exists()


def test_the_messages_speak_of_a_call_not_a_visit(personas, consultant, clock):
    from tanzim.notify.models import Message
    from tanzim.scheduling.services import reminders_send

    type(personas.citizen).objects.filter(pk=personas.citizen.pk).update(mobile="09121234567")
    personas.citizen.refresh_from_db()
    book(personas, consultant)
    clock.move_to(TUESDAY_TEN - timedelta(hours=20))
    reminders_send()
    templates = set(Message.objects.values_list("template", flat=True))
    assert {"scheduling.confirmed_remote", "scheduling.reminder_24h_remote"} <= templates
    assert "scheduling.confirmed" not in templates and "scheduling.reminder_24h" not in templates


def test_the_day_before_reminder_waits_for_waking_hours_abroad(personas, consultant, clock):
    consultation = book(personas, consultant)
    pk = consultation.appointment_id
    clock.move_to(TUESDAY_TEN - timedelta(hours=20))  # 14:00 Monday in Tehran
    assert pk in reminders_due(kind=ReminderKind.DAY_BEFORE)
    # A citizen in Vancouver: 03:30 there at that moment (quiet hours) — held.
    type(personas.citizen).objects.filter(pk=personas.citizen.pk).update(time_zone="America/Vancouver")
    assert pk not in reminders_due(kind=ReminderKind.DAY_BEFORE)


def test_the_calendar_file_says_a_call_not_an_address(personas, consultant):
    appointment = book(personas, consultant, mode="phone").appointment
    text = ics.appointment_ics(appointment)
    assert "GEO" not in text and personas.office_a.address not in text
    assert appointment.reference in text


def test_cancelling_the_appointment_cancels_and_refunds_the_consultation(
    personas, consultant, django_capture_on_commit_callbacks
):
    consultation = book(personas, consultant)
    pay(consultation, personas.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=consultation.appointment, actor=personas.citizen)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CANCELLED
    assert Refund.objects.filter(payment=consultation.payment, amount=consultation.price).exists()
    # The consultant's time is free again for someone else.
    again = book(personas, consultant, citizen=personas.other_citizen)
    assert again.appointment.status == AppointmentStatus.BOOKED


def test_the_cancellation_cut_off_of_scheduling_applies(personas, consultant, clock, settings):
    consultation = book(personas, consultant)
    clock.move_to(TUESDAY_TEN - timedelta(minutes=settings.SCHEDULING_CANCEL_CUTOFF_MINUTES - 1))
    with pytest.raises(ConflictError) as refused:
        appointment_cancel(appointment=consultation.appointment, actor=personas.citizen)
    assert refused.value.code == "past_cutoff"


def test_a_call_is_not_moved_to_a_counter_slot_nor_checked_in_at_the_counter(personas, consultant):
    appointment = book(personas, consultant).appointment
    with pytest.raises(ConflictError) as moved:
        appointment_reschedule(appointment=appointment, actor=personas.citizen, slot_id=1)
    assert moved.value.code == "remote_not_movable"
    with pytest.raises(ConflictError) as checked:
        appointment_check_in(appointment=appointment, actor=personas.clerk_a)
    assert checked.value.code == "appointment_remote"
    with pytest.raises(DomainError):  # nor is a counter slot booked as a call
        appointment_book(
            actor=personas.citizen,
            slot_id=1,
            service=Service.objects.get(code="consultation"),
            channel="video",
        )


def test_a_missed_call_is_swept_as_a_no_show_and_held_when_the_consultant_answers(
    personas, consultant, clock
):
    consultation = book(personas, consultant)
    pay(consultation, personas.citizen)
    clock.move_to(TUESDAY_TEN + timedelta(hours=1))
    assert appointments_mark_no_shows() == 1
    assert Appointment.objects.get(pk=consultation.appointment_id).status == AppointmentStatus.NO_SHOW
    services.consultation_answer(
        consultation=Consultation.objects.get(pk=consultation.pk),
        actor=personas.consultant_a,
        advice="شکایت کنید",
    )
    held = Appointment.objects.get(pk=consultation.appointment_id)
    assert held.status == AppointmentStatus.SERVED and held.finished_at is not None


def test_a_citizen_with_an_appointment_at_that_time_is_told_before_paying(personas, consultant):
    book(personas, consultant)
    other = licensed_consultant_b(personas)
    with pytest.raises(ConflictError) as refused:
        book(personas, other)
    assert refused.value.code == "overlapping_booking"
    assert Consultation.objects.count() == 1 and Appointment.objects.count() == 1


def licensed_consultant_b(personas):
    """A second consultant: the Kanoon-approved kind, at office B, same windows."""
    from datetime import time

    from tanzim.consult.models import Availability, Consultant

    consultant = Consultant.objects.create(
        user=personas.mediator_a, office=personas.office_b, basis="kanoon_approved", licence_number="K-12"
    )
    for weekday in (5, 6, 0, 1, 2):
        Availability.objects.create(
            consultant=consultant, weekday=weekday, start_time=time(9), end_time=time(12)
        )
    return consultant


def test_a_missed_call_is_not_an_office_no_show_for_overbooking(personas, consultant, clock):
    consultation = book(personas, consultant)
    pay(consultation, personas.citizen)
    clock.move_to(TUESDAY_TEN + timedelta(hours=1))
    assert appointments_mark_no_shows() == 1
    stats = office_stats_refresh(office=consultant.office)
    assert (stats.sample_size, stats.no_show_rate) == (0, 0.0)
