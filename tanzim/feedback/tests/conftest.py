"""Fixtures for feedback: the service visited, a fresh survey link (helpers in tanzim/testing/feedback.py)."""

from __future__ import annotations

import pytest

from tanzim.catalog.models import Service
from tanzim.testing.feedback import invite


@pytest.fixture
def service(db) -> Service:
    return Service.objects.get(code="case_followup")


@pytest.fixture
def survey_link(personas, service):
    """A fresh survey link for alice about office A."""
    return invite(personas.office_a, personas.citizen, service)
