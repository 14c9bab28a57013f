"""Fixtures for scheduling: a fixed clock, services from the tariff, slots for the personas' offices.

The clock stands at Saturday 28 Azar 1405 (19 December 2026), 07:00 in Tehran (helpers that
name instants of that week are in ``tanzim/testing/scheduling.py``).
"""

from __future__ import annotations

import pytest
import time_machine

from tanzim.catalog.models import Service
from tanzim.scheduling.services import slots_generate
from tanzim.testing.scheduling import NOW


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
