"""Reminders 24 h and 2 h before, sent once; automatic no-shows; the no-show rate per office."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tanzim.notify.models import Message
from tanzim.scheduling import tasks
from tanzim.scheduling.choices import AppointmentStatus, ReminderKind
from tanzim.scheduling.models import Appointment, OfficeQueueStats
from tanzim.scheduling.services import (
    appointment_cancel,
    appointment_check_in,
    appointment_remind,
    appointments_mark_no_shows,
    office_stats_refresh,
    reminders_due,
    reminders_send,
)
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(slotted, service):
    """Booked on Saturday 07:00 for Monday 10:00."""
    return book(slotted.citizen, slot_at(slotted.office_a, at(2, 10)), service)


def _reminders(kind):
    return Message.objects.filter(template=f"scheduling.{kind}")


def test_the_day_before_reminder_goes_out_once(slotted, booked, clock):
    clock.move_to(at(1, 10, 5))
    assert reminders_send() == {ReminderKind.TWO_HOURS: 0, ReminderKind.DAY_BEFORE: 1}
    assert reminders_send() == {ReminderKind.TWO_HOURS: 0, ReminderKind.DAY_BEFORE: 0}
    message = _reminders("reminder_24h").get()
    assert "دوشنبه ۳۰ آذر ۱۴۰۵ ساعت ۱۰:۰۰" in message.body
    assert message.recipient == slotted.citizen


def test_the_two_hour_reminder_follows(slotted, booked, clock):
    clock.move_to(at(1, 10, 5))
    reminders_send()
    clock.move_to(at(2, 8, 5))
    assert reminders_send()[ReminderKind.TWO_HOURS] == 1
    assert _reminders("reminder_2h").count() == 1
    assert _reminders("reminder_24h").count() == 1


def test_a_restarted_worker_sends_nothing_twice(slotted, booked, clock):
    clock.move_to(at(1, 10, 5))
    assert appointment_remind(appointment_id=booked.pk, kind=ReminderKind.DAY_BEFORE)
    # The worker crashed after sending; the beat runs the sweep again, and again.
    tasks.send_due_reminders()
    tasks.send_due_reminders()
    assert not appointment_remind(appointment_id=booked.pk, kind=ReminderKind.DAY_BEFORE)
    assert _reminders("reminder_24h").count() == 1


def test_even_a_lost_claim_cannot_duplicate_the_sms(slotted, booked, clock):
    clock.move_to(at(1, 10, 5))
    appointment_remind(appointment_id=booked.pk, kind=ReminderKind.DAY_BEFORE)
    Appointment.objects.filter(pk=booked.pk).update(reminded_24h_at=None)  # as if the claim was lost
    appointment_remind(appointment_id=booked.pk, kind=ReminderKind.DAY_BEFORE)
    assert _reminders("reminder_24h").count() == 1


def test_a_worker_down_overnight_skips_the_stale_day_before_reminder(slotted, booked, clock):
    clock.move_to(at(2, 8, 30))
    sent = reminders_send()
    assert sent == {ReminderKind.TWO_HOURS: 1, ReminderKind.DAY_BEFORE: 0}


def test_a_booking_made_inside_a_window_gets_no_reminder_for_it(slotted, service, clock):
    clock.move_to(at(1, 12))
    book(slotted.citizen, slot_at(slotted.office_a, at(2, 9)), service)  # 21 hours ahead
    clock.move_to(at(1, 13))
    assert reminders_due(kind=ReminderKind.DAY_BEFORE) == []


def test_cancelled_appointments_are_not_reminded(slotted, booked, clock):
    appointment_cancel(appointment=booked, actor=slotted.citizen)
    clock.move_to(at(1, 10, 5))
    assert reminders_send()[ReminderKind.DAY_BEFORE] == 0


def test_unchecked_bookings_become_no_shows_after_the_late_window(slotted, booked, clock):
    clock.move_to(at(2, 10, 9))
    assert appointments_mark_no_shows() == 0
    clock.move_to(at(2, 10, 11))
    assert tasks.mark_no_shows() == 1
    assert tasks.mark_no_shows() == 0
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.NO_SHOW


def test_checked_in_appointments_are_not_no_shows(slotted, booked, clock):
    clock.move_to(at(2, 9, 50))
    appointment_check_in(appointment=booked, actor=slotted.citizen)
    clock.move_to(at(2, 11))
    assert appointments_mark_no_shows() == 0


def test_the_office_no_show_rate_counts_past_appointments(slotted, service, clock):
    from tanzim.testing.factories import CitizenFactory

    people = [slotted.citizen, slotted.other_citizen, CitizenFactory(), CitizenFactory()]
    appointments = [book(p, slot_at(slotted.office_a, at(1, 9 + i)), service) for i, p in enumerate(people)]
    clock.move_to(at(1, 8, 50))
    appointment_check_in(appointment=appointments[0], actor=people[0])
    clock.move_to(at(1, 9, 50))
    appointment_check_in(appointment=appointments[1], actor=people[1])
    clock.move_to(at(1, 13))
    appointments_mark_no_shows()
    stats = office_stats_refresh(office=slotted.office_a)
    assert stats.sample_size == 4
    assert stats.no_show_rate == 0.5
    assert OfficeQueueStats.objects.get(office=slotted.office_a).no_show_rate == 0.5


def test_the_sms_language_follows_the_recipient(slotted, booked, clock):
    slotted.citizen.preferred_language = "en"
    slotted.citizen.save()
    clock.move_to(at(2, 8) + timedelta(minutes=1))
    reminders_send()
    body = _reminders("reminder_2h").get().body
    assert "Monday 30 Azar 1405, 10:00" in body
