"""Settings of the test suite (pyproject's DJANGO_SETTINGS_MODULE for pytest).

The settings themselves, with one choice of mode: without DATABASE_URL the tests run on SQLite
in the embedded mode (as `make run` does); with DATABASE_URL (scripts/test.sh's PostgreSQL pass)
they run outside it, with the production defaults, unless TANZIM_EMBEDDED says otherwise.
"""

import os

if "DATABASE_URL" not in os.environ:
    os.environ.setdefault("TANZIM_EMBEDDED", "1")

from config.settings import *  # noqa: F403

# The PostgreSQL pass: a second database on the same server stands in for a read replica. It is
# made only when a test asks for it (databases={"default", "replica"}, tanzim/common/tests/
# test_dbrouter_pg.py), with the tables of the models but no data (the data migrations write
# through the default alias), and the router sends reads to it only when that test sets
# DATABASE_READ_REPLICA.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and "replica" not in DATABASES:  # noqa: F405
    DATABASES["replica"] = {  # noqa: F405
        **DATABASES["default"],  # noqa: F405
        "TEST": {"NAME": f"test_{DATABASES['default']['NAME']}_replica", "MIGRATE": False},  # noqa: F405
    }

# The PostgreSQL pass flushes by deleting rows rather than truncating every table (the same
# backend otherwise; tanzim/testing/postgresql/base.py says why). Its sessions commit without
# waiting for the write-ahead log to reach the disk (synchronous_commit=off: a commit is visible to
# every other session at once as before; only a crash of the server could lose the last ones, which
# a test database does not care about): a commit took 3.2 ms here, 0.1 ms without the wait.
for _alias in DATABASES.values():  # noqa: F405
    if _alias["ENGINE"] == "django.db.backends.postgresql":
        _alias["ENGINE"] = "tanzim.testing.postgresql"
        _options = _alias.get("OPTIONS", {})  # (a new dict: the replica's may be the default's)
        _alias["OPTIONS"] = {
            **_options,
            "options": f"{_options.get('options', '')} -c synchronous_commit=off".strip(),
        }

# scripts/test.sh migrates a template database while the static checks run; each test process's
# database is then a copy of it (TANZIM_TEST_DB_TEMPLATE: a PostgreSQL database's name, or an
# SQLite file), and Django's migrate finds nothing left to apply.
_TEMPLATE = os.environ.get("TANZIM_TEST_DB_TEMPLATE")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "tanzim.testing.sqlite3"  # noqa: F405
    # In memory, one database a test process (pytest-django names it so for Django's engine only).
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"  # noqa: F405
if _TEMPLATE:
    DATABASES["default"].setdefault("TEST", {})["TEMPLATE"] = _TEMPLATE  # noqa: F405
