"""Settings of the test suite (pyproject's DJANGO_SETTINGS_MODULE for pytest).

The settings themselves, with one choice of mode: without DATABASE_URL the tests run on SQLite
in the embedded mode (as `make run` does); with DATABASE_URL (scripts/test.sh's PostgreSQL pass)
they run outside it, with the production defaults, unless TANZIM_EMBEDDED says otherwise.
"""

import os

if "DATABASE_URL" not in os.environ:
    os.environ.setdefault("TANZIM_EMBEDDED", "1")

from config.settings import *  # noqa: F403
