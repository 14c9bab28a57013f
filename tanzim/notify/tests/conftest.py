"""Fixtures for the notify tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Django's default PBKDF2 costs most of a second per user; these tests only need users to exist.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
