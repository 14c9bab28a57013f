"""Regenerating many offices at once (set-based on PostgreSQL) gives what one office at a time gives.

Two offices with the same hours and counters live through the same changes; one is brought in
line by ``slots_generate_all`` (the set-based path on PostgreSQL), the other by ``slots_generate``;
their slots must be the same, time for time, after every step.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from tanzim.common.jalali import TEHRAN
from tanzim.offices.models import Counter, Holiday, Office, WorkingHours
from tanzim.scheduling.choices import SlotStatus
from tanzim.scheduling.models import OfficeQueueStats, OfficeSchedulingPolicy, Slot
from tanzim.scheduling.services import slots_generate, slots_generate_all
from tanzim.scheduling.services.slots import slots_extend_all
from tanzim.testing.factories import OfficeFactory
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


def _shape(office: Office) -> list[tuple]:
    return [
        (s.start, s.end, s.capacity, s.bookable, s.booked, s.status)
        for s in Slot.objects.filter(office=office).order_by("start")
    ]


@pytest.fixture
def twins(personas, clock):
    """office_a (the set-based side) and a twin with the same hours and counters (one at a time)."""
    a = personas.office_a
    b = OfficeFactory.create(code="TWIN1", city=a.city)
    WorkingHours.objects.filter(office=b).delete()
    WorkingHours.objects.bulk_create(
        [WorkingHours(office=b, weekday=h.weekday, opens=h.opens, closes=h.closes) for h in a.hours.all()]
    )
    Counter.objects.filter(office=b).delete()
    Counter.objects.bulk_create(
        [Counter(office=b, number=c.number, active=c.active) for c in a.counters.all()]
    )
    return a, b


def _both(a: Office, b: Office) -> tuple:
    together = slots_generate_all(offices=Office.objects.filter(pk=a.pk))
    alone = slots_generate(office=Office.objects.get(pk=b.pk))
    assert _shape(a) == _shape(b)
    return together, alone


def _counts(sync) -> tuple:
    return (sync.created, sync.updated, sync.closed, sync.kept_booked)


def test_a_fresh_inventory_and_a_second_run_match_office_by_office(twins):
    a, b = twins
    together, alone = _both(a, b)
    assert together.created > 0
    assert _counts(together) == _counts(alone)
    together, alone = _both(a, b)
    assert _counts(together) == _counts(alone) == (0, 0, 0, 0)


def test_changes_with_bookings_match_office_by_office(twins, personas, service, clock, settings):
    a, b = twins
    _both(a, b)
    book(personas.citizen, slot_at(a, at(1, 9)), service)
    book(personas.other_citizen, slot_at(b, at(1, 9)), service)
    book(personas.other_citizen, slot_at(a, at(2, 10)), service)
    book(personas.citizen, slot_at(b, at(2, 10)), service)

    # A declared holiday: the day's free slots close, the booked ones stay booked.
    Holiday.objects.create(date=at(1, 0).date(), name_fa="تعطیل", name_en="Declared", kind="other")
    together, alone = _both(a, b)
    assert _counts(together) == _counts(alone)
    assert together.kept_booked == 1
    Holiday.objects.filter(date=at(1, 0).date()).delete()
    together, alone = _both(a, b)  # the day reopens
    assert _counts(together) == _counts(alone)
    assert Slot.objects.get(office=a, start=at(1, 14)).status == SlotStatus.OPEN

    # Fewer counters (never below what is booked), shorter hours, then the hours back.
    Counter.objects.filter(office__in=[a, b], number__in=[2, 3]).update(active=False)
    WorkingHours.objects.filter(office__in=[a, b], weekday=at(2, 0).weekday()).update(closes=time(9, 30))
    together, alone = _both(a, b)
    assert _counts(together) == _counts(alone)
    assert Slot.objects.get(office=a, start=at(2, 10)).status == SlotStatus.CLOSED
    WorkingHours.objects.filter(office__in=[a, b], weekday=at(2, 0).weekday()).update(closes=time(16, 0))
    Counter.objects.filter(office__in=[a, b]).update(active=True)
    together, alone = _both(a, b)
    assert _counts(together) == _counts(alone)

    # Another slot length: booked slots keep theirs and no new slot overlaps them.
    settings.SCHEDULING_SLOT_MINUTES = 20
    together, alone = _both(a, b)
    assert _counts(together) == _counts(alone)
    assert together.kept_booked == 2
    settings.SCHEDULING_SLOT_MINUTES = 15
    _both(a, b)


def test_overbooking_offices_match_office_by_office(twins):
    a, b = twins
    Counter.objects.bulk_create([Counter(office=o, number=n) for o in (a, b) for n in range(4, 11)])
    for office in (a, b):
        OfficeSchedulingPolicy.objects.create(
            office=office, appointment_share_pct=50, overbooking_enabled=True, show_rate_pct=67
        )
    _both(a, b)
    assert Slot.objects.filter(office=a, bookable__gt=5).exists()
    # Evidence instead of a set rate: the office's own show rate.
    OfficeSchedulingPolicy.objects.filter(office__in=[a, b]).update(show_rate_pct=None)
    for office in (a, b):
        OfficeQueueStats.objects.update_or_create(
            office=office, defaults={"sample_size": 200, "no_show_rate": 0.2}
        )
    _both(a, b)


def test_a_suspended_office_has_its_future_slots_closed(twins):
    a, b = twins
    _both(a, b)
    Office.objects.filter(pk__in=[a.pk, b.pk]).update(status="suspended")
    together, alone = _both(a, b)
    assert _counts(together) == _counts(alone)
    assert not Slot.objects.filter(office=a, status=SlotStatus.OPEN).exists()


def test_the_nightly_extension_adds_the_new_day(twins, clock, settings):
    a, b = twins
    settings.SCHEDULING_HORIZON_DAYS = 10
    _both(a, b)
    last = Slot.objects.filter(office=a).order_by("-start").first().start.astimezone(TEHRAN).date()
    clock.shift(timedelta(days=2))  # a night the job missed is made up the next night
    slots_extend_all()
    slots_generate(office=Office.objects.get(pk=b.pk))
    assert _shape(a) == _shape(b)
    assert Slot.objects.filter(office=a).order_by("-start").first().start.astimezone(TEHRAN).date() > last
