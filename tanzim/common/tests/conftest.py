"""Test setup for tanzim.common: these tests need Django's translation machinery, not a database.

When no settings module is in play (``pytest -p no:django`` before config/settings.py is
usable), configure a minimal one so lazy error messages can be rendered.
"""

from __future__ import annotations

import os

import django
from django.conf import settings

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(
        USE_I18N=True,
        USE_TZ=True,
        TIME_ZONE="Asia/Tehran",
        LANGUAGE_CODE="en",
        INSTALLED_APPS=["tanzim.common"],
    )
    django.setup()
