"""Page tests render templates with ``{% static %}``: serve static files from the finders.

Outside the embedded default (``DATABASE_URL`` set, as in the PostgreSQL run) settings pick
the manifest storage, which needs ``collectstatic``; tests use the plain storage instead.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _static_from_finders(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
