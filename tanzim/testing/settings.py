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


# Every test client builds its own middleware, and whitenoise reading the apps' folders (finders)
# lists and stats every static file of every app as it starts, unless it looks each file up when
# asked (autorefresh): 5% of the SQLite pass's CPU time went to those listings (py-spy, 5 December
# 2026). The tests of the production storage (tanzim/testing/static.py) turn it off again.
WHITENOISE_AUTOREFRESH = True


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
        WHITENOISE_AUTOREFRESH=WHITENOISE_AUTOREFRESH,
    ):
        yield


def settings_in_a_new_process(tmp_path: Path, program: str, **env: str) -> dict:
    """What ``program`` prints last (JSON) when run in a fresh Python with only ``env`` around the
    production-like defaults: how config/settings.py reads the environment, away from the tests' own."""
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TANZIM_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "postgresql://tanzim@db.internal:5432/tanzim",
        **env,
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and program
        [sys.executable, "-c", program],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return result
