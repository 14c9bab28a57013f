"""Fixtures for scheduling: a fixed clock, services from the tariff, slots for the personas' offices.

The clock stands at Saturday 28 Azar 1405 (19 December 2026), 07:00 in Tehran; Wednesday
2 Dey (23 December) is an official holiday in the shipped table.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from tanzim.catalog.models import Service
from tanzim.common.jalali import TEHRAN
from tanzim.scheduling.models import Slot
from tanzim.scheduling.services import appointment_book, slots_generate

NOW = datetime(2026, 12, 19, 7, 0, tzinfo=TEHRAN)
HOLIDAY = datetime(2026, 12, 23).date()


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """An instant in Tehran ``day_offset`` days after the frozen Saturday."""
    base = NOW.date() + timedelta(days=day_offset)
    return datetime(base.year, base.month, base.day, hour, minute, tzinfo=TEHRAN)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas have passwords; a fast hasher keeps these tests about scheduling.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def service(db) -> Service:
    """Follow-up: 10 minutes, in person, semi-in-person or remote, no licence needed."""
    return Service.objects.get(code="case_followup")


@pytest.fixture
def long_service(db) -> Service:
    """A civil petition takes 30 minutes: two 15-minute units."""
    return Service.objects.get(code="civil_petition")


@pytest.fixture
def in_person_only(db) -> Service:
    return Service.objects.get(code="sana_registration")


@pytest.fixture
def remote_only(db) -> Service:
    return Service.objects.get(code="consultation")


@pytest.fixture
def slotted(personas, clock):
    """Slots for both personas' offices over the default horizon."""
    slots_generate(office=personas.office_a)
    slots_generate(office=personas.office_b)
    return personas


def slot_at(office, when: datetime) -> Slot:
    return Slot.objects.get(office=office, start=when)


def book(actor, slot: Slot, service: Service, **kwargs):
    return appointment_book(actor=actor, slot_id=slot.pk, service=service, **kwargs).appointment
