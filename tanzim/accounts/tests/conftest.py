"""Fixtures for the accounts tests."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache

from tanzim.notify.models import Message


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


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Django's default PBKDF2 costs most of a second per user; these tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _latest_code(user) -> str:
    """The code in the newest sign-in SMS sent to ``user``, read the way a person would."""
    message = Message.objects.filter(recipient=user, template="accounts.otp").order_by("-pk").first()
    assert message is not None, "no OTP message was sent"
    match = re.search(rf"(?<![0-9])[0-9]{{{settings.OTP_LENGTH}}}(?![0-9])", message.body)
    assert match, f"no code in {message.body!r}"
    return match.group(0)


@pytest.fixture
def sms_code():
    return _latest_code


@pytest.fixture
def fixed_codes(monkeypatch):
    """Make the codes sent predictable, in order: useful when two codes must differ."""
    codes: list[str] = []

    def next_code() -> str:
        return codes.pop(0)

    monkeypatch.setattr("tanzim.accounts.services._new_code", next_code)
    return codes
