"""Fixtures for requests (cases): the services filed most, a draft at office A."""

from __future__ import annotations

import pytest

from tanzim.catalog.models import Service
from tanzim.testing.cases import make_draft


@pytest.fixture
def petition(db) -> Service:
    return Service.objects.get(code="civil_petition")


@pytest.fixture
def formal_notice(db) -> Service:
    return Service.objects.get(code="formal_notice")


@pytest.fixture
def draft(personas, petition):
    return make_draft(personas, petition)


@pytest.fixture
def page_settings(settings, tmp_path):
    """What the page tests share: uploads under a temporary folder, fast passwords, filing never fails."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CASES_FILING_FAILURE_RATE = 0
    return settings
