"""The slot inventory: generated from hours, counters and holidays; regeneration spares bookings."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import jdatetime
import pytest
import time_machine
from django.db.models import F

from tanzim.common.jalali import TEHRAN
from tanzim.offices.models import Counter, Holiday, WorkingHours
from tanzim.scheduling.choices import SlotStatus
from tanzim.scheduling.models import OfficeSchedulingPolicy, Slot
from tanzim.scheduling.services import appointment_capacity, slots_generate
from tanzim.testing.scheduling import HOLIDAY, NOW, at, book, slot_at

pytestmark = pytest.mark.django_db


def _days(office):
    return sorted({s.start.astimezone(TEHRAN).date() for s in Slot.objects.filter(office=office)})


def test_it_creates_quarter_hour_slots_within_working_hours(personas, clock):
    slots_generate(office=personas.office_a, days=1)
    starts = [s.start.astimezone(TEHRAN).time() for s in Slot.objects.filter(office=personas.office_a)]
    # Saturday 08:00-16:00 in 15-minute units, from 07:00 on the frozen clock.
    assert starts[0] == time(8, 0)
    assert starts[-1] == time(15, 45)
    assert len(starts) == 32


def test_it_skips_fridays_and_official_holidays(personas, clock):
    slots_generate(office=personas.office_a, days=7)
    days = _days(personas.office_a)
    assert HOLIDAY not in days
    assert all(d.weekday() != 4 for d in days)  # no Friday hours
    assert len(days) == 5  # Sat, Sun, Mon, Tue, Thu


def test_thursday_is_a_half_day(personas, clock):
    slots_generate(office=personas.office_a, days=7)
    thursday = [
        s for s in Slot.objects.filter(office=personas.office_a) if s.start.astimezone(TEHRAN).weekday() == 3
    ]
    assert len(thursday) == 16
    assert thursday[-1].end.astimezone(TEHRAN).time() == time(12, 0)


def test_slots_already_started_are_not_created(personas, clock):
    clock.move_to(at(0, 10, 5))
    slots_generate(office=personas.office_a, days=1)
    first = Slot.objects.filter(office=personas.office_a).order_by("start").first()
    assert first.start == at(0, 10, 15)


def test_capacity_is_the_appointment_share_of_active_counters(personas, clock):
    # Three counters at the default 60%: two serve appointments, one walk-ins.
    slots_generate(office=personas.office_a, days=1)
    assert set(Slot.objects.filter(office=personas.office_a).values_list("capacity", flat=True)) == {2}


@pytest.mark.parametrize(
    ("counters", "share", "expected"), [(0, 60, 0), (1, 10, 1), (3, 60, 2), (10, 60, 6), (4, 100, 4)]
)
def test_appointment_capacity_rounds_the_share_and_keeps_one_counter(counters, share, expected):
    assert appointment_capacity(counters, share) == expected


def test_generation_is_idempotent(personas, clock):
    first = slots_generate(office=personas.office_a)
    second = slots_generate(office=personas.office_a)
    assert first.created > 0
    assert (second.created, second.updated, second.closed) == (0, 0, 0)


def test_a_new_holiday_closes_free_slots_but_keeps_booked_ones(slotted, service, clock):
    office = slotted.office_a
    booked = slot_at(office, at(1, 9))
    book(slotted.citizen, booked, service)
    Holiday.objects.create(date=at(1, 0).date(), name_fa="تعطیل", name_en="Declared holiday", kind="other")
    sync = slots_generate(office=office)
    sunday = Slot.objects.filter(office=office, start__gte=at(1, 0), start__lt=at(2, 0))
    assert sync.kept_booked == 1
    assert set(sunday.values_list("status", flat=True)) == {SlotStatus.CLOSED}
    booked.refresh_from_db()
    assert booked.booked == 1
    assert booked.appointments.count() == 1


def test_shorter_hours_close_the_evening_and_removing_a_holiday_reopens_it(slotted, clock):
    office = slotted.office_a
    WorkingHours.objects.filter(office=office, weekday=at(1, 0).weekday()).update(closes=time(12, 0))
    slots_generate(office=office)
    afternoon = Slot.objects.get(office=office, start=at(1, 14))
    assert afternoon.status == SlotStatus.CLOSED
    WorkingHours.objects.filter(office=office, weekday=at(1, 0).weekday()).update(closes=time(16, 0))
    slots_generate(office=office)
    afternoon.refresh_from_db()
    assert afternoon.status == SlotStatus.OPEN


def test_fewer_counters_lower_capacity_but_never_below_bookings(slotted, service, clock):
    office = slotted.office_a
    target = slot_at(office, at(1, 9))
    book(slotted.citizen, target, service)
    book(slotted.other_citizen, target, service)
    Counter.objects.filter(office=office, number__in=[2, 3]).update(active=False)
    slots_generate(office=office)
    target.refresh_from_db()
    assert target.capacity == 1
    assert target.bookable == 2  # the two bookings stay valid
    other = slot_at(office, at(1, 10))
    assert (other.capacity, other.bookable) == (1, 1)


def test_a_suspended_office_has_its_future_slots_closed(slotted, clock):
    office = slotted.office_a
    office.status = "suspended"
    office.save()
    slots_generate(office=office)
    assert not Slot.objects.filter(office=office, status=SlotStatus.OPEN).exists()


def test_overbooking_is_off_by_default(slotted, clock):
    assert not Slot.objects.filter(bookable__gt=F("capacity")).exists()


def test_overbooking_uses_the_binomial_rule_per_hour(personas, clock):
    office = personas.office_a
    Counter.objects.bulk_create([Counter(office=office, number=n) for n in range(4, 11)])
    OfficeSchedulingPolicy.objects.create(
        office=office, appointment_share_pct=50, overbooking_enabled=True, show_rate_pct=67
    )
    slots_generate(office=office, days=1)
    hour = Slot.objects.filter(office=office, start__gte=at(0, 9), start__lt=at(0, 10))
    capacity = sum(s.capacity for s in hour)  # 4 slots x 5 counters = 20
    assert capacity == 20
    assert sum(s.bookable for s in hour) == 25  # DOMAIN.md: capacity 20 at ~66.5% shows -> 25


def test_horizon_follows_the_setting(personas, clock, settings):
    settings.SCHEDULING_HORIZON_DAYS = 3
    slots_generate(office=personas.office_a)
    assert max(_days(personas.office_a)) == (NOW + timedelta(days=2)).date()


def test_changing_working_hours_regenerates_the_office_after_commit(
    slotted, django_capture_on_commit_callbacks
):
    office = slotted.office_a
    with django_capture_on_commit_callbacks(execute=True):
        hours = WorkingHours.objects.get(office=office, weekday=at(1, 0).weekday())
        hours.closes = time(12, 0)
        hours.save()
    assert Slot.objects.get(office=office, start=at(1, 14)).status == SlotStatus.CLOSED
    assert Slot.objects.get(office=office, start=at(1, 11)).status == SlotStatus.OPEN


def test_a_new_holiday_closes_that_day_everywhere_after_commit(slotted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Holiday.objects.create(date=at(2, 0).date(), name_fa="تعطیل", name_en="Declared", kind="other")
    monday = Slot.objects.filter(start__gte=at(2, 0), start__lt=at(3, 0))
    assert monday.exists()
    assert set(monday.values_list("status", flat=True)) == {SlotStatus.CLOSED}


def test_adding_a_counter_raises_capacity_after_commit(slotted, django_capture_on_commit_callbacks):
    office = slotted.office_a
    with django_capture_on_commit_callbacks(execute=True):
        Counter.objects.create(office=office, number=4)
        Counter.objects.create(office=office, number=5)
    assert slot_at(office, at(1, 9)).capacity == 3  # 60% of 5


def test_slots_never_open_on_nowruz_of_a_year_the_holiday_table_has_not_reached(personas):
    # The table holds 1405's holidays; the booking window reaches 1406. The fixed solar holidays
    # are law for every year: 29 Esfand, 1–4 and 12–13 Farvardin stay closed all the same.
    start = jdatetime.date(1405, 12, 20).togregorian()
    with time_machine.travel(datetime.combine(start, time(7), tzinfo=TEHRAN), tick=False):
        slots_generate(office=personas.office_a, days=26)
    days = set(_days(personas.office_a))
    closed = [jdatetime.date(1405, 12, 29)] + [jdatetime.date(1406, 1, d) for d in (1, 2, 3, 4, 12, 13)]
    assert not days & {d.togregorian() for d in closed}
    assert jdatetime.date(1406, 1, 5).togregorian() in days  # a Thursday after Nowruz opens
