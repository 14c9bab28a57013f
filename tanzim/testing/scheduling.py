"""Helpers for scheduling tests: the frozen clock's instants, slots, booking.

The clock (the ``clock`` fixture) stands at Saturday 28 Azar 1405 (19 December 2026), 07:00 in
Tehran; Wednesday 2 Dey (23 December) is an official holiday in the shipped table.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tanzim.catalog.models import Service
from tanzim.common.jalali import TEHRAN
from tanzim.scheduling.models import Slot
from tanzim.scheduling.services import appointment_book

NOW = datetime(2026, 12, 19, 7, 0, tzinfo=TEHRAN)
HOLIDAY = datetime(2026, 12, 23).date()


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """An instant in Tehran ``day_offset`` days after the frozen Saturday."""
    base = NOW.date() + timedelta(days=day_offset)
    return datetime(base.year, base.month, base.day, hour, minute, tzinfo=TEHRAN)


def slot_at(office, when: datetime) -> Slot:
    return Slot.objects.get(office=office, start=when)


def book(actor, slot: Slot, service: Service, **kwargs):
    return appointment_book(actor=actor, slot_id=slot.pk, service=service, **kwargs).appointment
