"""Fixtures for the accounts tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tanzim.testing.accounts import latest_code


@pytest.fixture(autouse=True)
def _clean_cache(settings):
    """Replaces the project-wide fixture of this name: each test gets its own empty local cache.

    Rate limits and lock-outs count in the cache. On a Redis shared by parallel workers
    (``make test`` runs ``-n 2``) another worker's ``cache.clear()`` and identical keys
    (the same usernames and national codes in each worker) would change the counts, and
    time_machine cannot move Redis's clock to expire a window.
    """
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "accounts-tests"}
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sms_code():
    return latest_code


@pytest.fixture
def fixed_codes(monkeypatch):
    """Make the codes sent predictable, in order: useful when two codes must differ."""
    codes: list[str] = []

    def next_code() -> str:
        return codes.pop(0)

    monkeypatch.setattr("tanzim.accounts.services._new_code", next_code)
    return codes
