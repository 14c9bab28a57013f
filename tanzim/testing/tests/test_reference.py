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
