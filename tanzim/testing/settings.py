"""Settings every test runs with. The root conftest applies them to each test; data set up once for
a whole module (outside any test) is written under ``settings_as_in_tests`` so it sees the same."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.test import override_settings

# PBKDF2's deliberate slowness is for attackers, not for every persona of every test.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def static_from_finders(storages: dict) -> dict:
    """Pages render {% static %}. Outside the embedded default the manifest storage needs a
    collectstatic run first; tests read the files from the apps' folders instead."""
    return {**storages, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@contextmanager
def settings_as_in_tests(media_root: Path) -> Iterator[None]:
    with override_settings(
        PASSWORD_HASHERS=FAST_PASSWORD_HASHERS,
        MEDIA_ROOT=str(media_root),
        STORAGES=static_from_finders(settings.STORAGES),
        WHITENOISE_USE_FINDERS=True,
    ):
        yield
