"""The day-before reminder waits for waking hours where the citizen lives, and tells a citizen
abroad the time in their zone and in Tehran's."""

from __future__ import annotations

import pytest

from tanzim.notify.models import Message
from tanzim.scheduling.choices import ReminderKind
from tanzim.scheduling.services import reminders_due, reminders_send
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_toronto(slotted, service):
    """A citizen in Toronto booked Monday 10:00 in Tehran, which is 01:30 on Monday in Toronto."""
    citizen = slotted.citizen
    citizen.time_zone = "America/Toronto"
    citizen.resident_abroad = True
    citizen.save()
    return book(citizen, slot_at(slotted.office_a, at(2, 10)), service)


def test_the_reminder_is_held_while_it_is_night_in_toronto(in_toronto, clock):
    clock.move_to(at(1, 10, 5))  # Sunday 10:05 in Tehran, 01:35 in Toronto
    assert reminders_due(kind=ReminderKind.DAY_BEFORE) == []
    clock.move_to(at(1, 16, 35))  # 08:05 in Toronto
    assert reminders_due(kind=ReminderKind.DAY_BEFORE) == [in_toronto.pk]
    assert reminders_send()[ReminderKind.DAY_BEFORE] == 1
    body = Message.objects.get(template="scheduling.reminder_24h").body
    assert "به وقت تورنتو" in body and "به وقت تهران" in body and "۰۱:۳۰" in body and "۱۰:۰۰" in body


def test_the_last_hour_of_the_window_sends_it_whatever_the_hour(in_toronto, clock):
    clock.move_to(
        at(2, 7, 30)
    )  # Monday 07:30 in Tehran, 23:00 on Sunday in Toronto: two and a half hours left
    assert reminders_due(kind=ReminderKind.DAY_BEFORE) == [in_toronto.pk]


def test_a_citizen_in_tehran_is_not_texted_at_night_either(slotted, service, clock):
    booked = book(slotted.citizen, slot_at(slotted.office_a, at(2, 10)), service)
    clock.move_to(at(1, 23, 0))
    assert reminders_due(kind=ReminderKind.DAY_BEFORE) == []
    clock.move_to(at(2, 6, 0))
    assert reminders_due(kind=ReminderKind.DAY_BEFORE) == []
    clock.move_to(at(2, 7, 30))  # the last hour of the window
    assert reminders_due(kind=ReminderKind.DAY_BEFORE) == [booked.pk]


def test_the_two_hour_reminder_is_never_held(in_toronto, clock):
    clock.move_to(at(2, 8, 5))  # 23:35 in Toronto
    assert reminders_due(kind=ReminderKind.TWO_HOURS) == [in_toronto.pk]
