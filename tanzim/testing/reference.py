"""The rows the migrations load, there for every test whatever order the tests run in.

Data migrations load reference data: provinces, cities and holidays
(``offices/migrations/0002_reference_data.py``), the tariff, the status SLAs, the triage rules,
the questionnaire, the checklist; Django's own post-migrate step adds content types and
permissions. A test that runs outside a transaction (``transaction=True``, ``live_server``,
``django_db_reset_sequences``) ends with a flush that empties every table, and a test run after
it saw none of those rows (pytest-django runs such tests last, so only a different order showed
it; with ``serialized_rollback`` Django restores the rows at the start of the marked test only).

The root conftest keeps a copy of the freshly migrated database (Django's own serialization,
the one ``serialized_rollback`` reads) and puts it back after every test that flushed, with the
same primary keys, so cached content types and the serialized-rollback tests keep agreeing.
Calling the migrations' loader functions again would create the rows under new keys.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.models import Model
from django.test import TestCase, TransactionTestCase
from pytest_django.fixtures import validate_django_db

# Where Django's test runner keeps the same copy for ``serialized_rollback`` (a private attribute of
# the connection, so it is named once here).
SNAPSHOT = "_test_serialized_contents"
# The same rows, deserialized once (a restore parsed the JSON again each time).
ROWS = "_tanzim_reference_rows"

FLUSHING_FIXTURES = frozenset({"transactional_db", "live_server", "django_db_reset_sequences"})


def reference_data_snapshot(alias: str = "default") -> None:
    """Remember the database as the migrations left it (once; kept on the connection, as Django does)."""
    connection = connections[alias]
    if getattr(connection, SNAPSHOT, None) is None:
        setattr(connection, SNAPSHOT, connection.creation.serialize_db_to_string())


def reference_data_restore(alias: str = "default") -> None:
    """Empty every table and load the remembered rows back, with their primary keys."""
    connection = connections[alias]
    # A flush that sent post_migrate recreated content types and permissions under new keys;
    # emptying again first lets the copy come back whole.
    call_command(
        "flush",
        database=alias,
        interactive=False,
        verbosity=0,
        inhibit_post_migrate=True,
        reset_sequences=False,
    )
    _load(connection, getattr(connection, SNAPSHOT))
    # The rows came back with their keys; PostgreSQL's sequences must not hand those keys out again
    # (a flush that reset them would; one round trip for all of them, not ~190). SQLite needs nothing.
    models = [model for model in apps.get_models() if model._meta.managed and not model._meta.proxy]
    resets = connection.ops.sequence_reset_sql(no_style(), models)
    if resets:
        with connection.cursor() as cursor:
            cursor.execute("\n".join(resets))
    ContentType.objects.clear_cache()


def _rows(connection, data: str) -> dict[type[Model], list]:
    """The copy's rows by model, deserialized once a process (kept on the connection with the copy)."""
    cached = getattr(connection, ROWS, None)
    if cached is None or cached[0] is not data:
        by_model: dict[type[Model], list] = {}
        for found in serializers.deserialize("json", StringIO(data), using=connection.alias):
            by_model.setdefault(type(found.object), []).append(found)
        cached = (data, by_model)
        setattr(connection, ROWS, cached)
    return cached[1]


def _load(connection, data: str) -> None:
    """Django's ``deserialize_db_from_string``, with one INSERT per model instead of one a row.

    The copy holds ~1,300 rows (permissions, content types, cities, holidays, the tariff …); saved
    one by one they took 1.2 s a restore on PostgreSQL. Rows come back in the copy's order of
    models, with their keys, constraint checks off until the end as Django does.
    """
    by_model = _rows(connection, data)
    with transaction.atomic(using=connection.alias), connection.constraint_checks_disabled():
        for model, rows in by_model.items():
            if model._meta.parents:  # multi-table inheritance cannot be inserted in bulk
                for row in rows:
                    row.save()
                continue
            model._base_manager.using(connection.alias).bulk_create([row.object for row in rows])
            for row in rows:
                for name, values in (row.m2m_data or {}).items():
                    getattr(row.object, name).set(values)
        connection.check_constraints(table_names=[model._meta.db_table for model in by_model])


def flushes_database(item: pytest.Item) -> bool:
    """Whether this test runs outside a transaction and so ends with a flush (pytest-django's rule)."""
    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return not issubclass(cls, TestCase)
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transaction, reset_sequences, *_rest = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    return bool(FLUSHING_FIXTURES & set(getattr(item, "fixturenames", ())))
