"""The migrated database comes back, with its keys, after a test that flushed it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from tanzim.catalog.models import Service, Tariff
from tanzim.offices.models import City, Holiday, Province
from tanzim.testing.reference import reference_data_restore

MODELS = (Province, City, Holiday, Service, Tariff, ContentType, Permission)


def keys() -> dict:
    return {model: sorted(model.objects.values_list("pk", flat=True)) for model in MODELS}


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_the_migrated_rows_back_under_the_same_keys():
    before = keys()
    assert all(before.values())
    # What the end of a transaction=True test does: post_migrate recreates content types and
    # permissions, under new keys.
    call_command("flush", interactive=False, verbosity=0)
    assert not City.objects.exists()

    reference_data_restore()

    assert keys() == before
    # The cache of content types forgot the keys the flush had made.
    assert ContentType.objects.get_for_model(City).pk in before[ContentType]
    # New rows get new keys (PostgreSQL's sequences were moved past the restored ones).
    assert ContentType.objects.create(app_label="tests", model="new").pk > max(before[ContentType])


def test_every_test_finds_the_reference_data(db):
    """Run after the test above in any order (``-p tanzim.testing.reverse``), this still passes."""
    assert City.objects.filter(code="THR-01").exists()
    assert Service.objects.filter(code="civil_petition").exists()
    assert ContentType.objects.get_for_model(City).model_class() is City


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_postgres_flush_empties_append_only_tables_and_can_reset_keys():
    """The test backend deletes rows instead of truncating (tanzim/testing/postgresql): the ledger's
    append-only triggers and the foreign keys do not stop it, and ``reset_sequences`` still
    restarts the keys."""
    from django.db import connection
    from django.utils import timezone

    from tanzim.finance.choices import TransactionKind
    from tanzim.finance.models import Entry, Transaction

    assert connection.ops.__class__.__module__ == "tanzim.testing.postgresql.base"
    with connection.cursor() as cursor:
        # A row the ledger's triggers refuse to delete one by one (finance/migrations/0002); written
        # with the triggers off, as it has no entries.
        cursor.execute("SET session_replication_role = replica")
        Transaction.objects.create(posted_at=timezone.now(), kind=TransactionKind.PAYMENT)
        cursor.execute("SET session_replication_role = DEFAULT")
    assert Transaction.objects.exists()

    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True, reset_sequences=True)

    assert not Transaction.objects.exists() and not Entry.objects.exists() and not City.objects.exists()
    assert Province.objects.create(code="99", name_fa="آزمون", name_en="Test").pk == 1
    reference_data_restore()
    assert City.objects.exists()
