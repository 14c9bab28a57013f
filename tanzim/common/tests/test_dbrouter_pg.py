"""Reads from a real second PostgreSQL database acting as the replica.

A row put only in the replica shows on a page marked read-only, and not on the same page once it
is no longer marked, nor after a write or inside a transaction; writes land on the primary.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from tanzim.audit import services as audit
from tanzim.audit.models import AuditEvent
from tanzim.common.dbrouter import replica_reads
from tanzim.offices.models import City, Office
from tanzim.testing.factories import OfficeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases=["default", "replica"])]

ONLY_ON_REPLICA = "دفتر فقط در رونوشت"


@pytest.fixture
def replica(settings) -> Office:
    """The replica is on, and holds one office the primary does not have."""
    settings.DATABASE_READ_REPLICA = "replica"
    city = City.objects.select_related("province").filter(is_capital=True).order_by("code")[0]
    city.province.save(using="replica")
    city.save(using="replica")
    office = OfficeFactory.build(city=city, code="R0001", name_fa=ONLY_ON_REPLICA, name_en="Replica only")
    office.save(using="replica")
    assert not Office.objects.filter(code="R0001").exists()  # not on the primary
    return office


def test_a_row_only_in_the_replica_shows_on_a_marked_page_not_on_an_unmarked_one(client, settings, replica):
    assert "web:directory" in settings.DATABASE_REPLICA_VIEWS

    marked = client.get("/offices/")
    assert marked.status_code == 200
    assert ONLY_ON_REPLICA in marked.content.decode()

    marked_names = settings.DATABASE_REPLICA_VIEWS
    settings.DATABASE_REPLICA_VIEWS = [name for name in marked_names if name != "web:directory"]
    unmarked = client.get("/offices/")
    assert unmarked.status_code == 200
    assert ONLY_ON_REPLICA not in unmarked.content.decode()


def test_without_a_replica_configured_the_marked_page_reads_the_primary(client, settings, replica):
    settings.DATABASE_READ_REPLICA = ""
    assert ONLY_ON_REPLICA not in client.get("/offices/").content.decode()


def test_after_a_write_the_request_reads_the_primary_and_the_write_is_on_the_primary(replica):
    with replica_reads():
        assert Office.objects.filter(code="R0001").exists()  # the replica
        audit.record(action="test.replica.write", data={"n": 1})
        assert not Office.objects.filter(code="R0001").exists()  # the primary, from the write on
    assert AuditEvent.objects.using("default").filter(action="test.replica.write").count() == 1
    assert AuditEvent.objects.using("replica").filter(action="test.replica.write").count() == 0


def test_inside_a_transaction_reads_come_from_the_primary(replica):
    with replica_reads():
        with transaction.atomic():
            assert not Office.objects.filter(code="R0001").exists()
        assert Office.objects.filter(code="R0001").exists()


def test_an_object_read_from_the_replica_is_saved_to_the_primary(replica):
    with replica_reads():
        office = Office.objects.get(code="R0001")
        assert office._state.db == "replica"
    office.name_en = "Written back"
    with pytest.raises(Office.DoesNotExist):
        # Saving an existing row goes to the primary, where it does not exist: Django then inserts it.
        Office.objects.using("default").get(code="R0001")
    office.save()
    assert Office.objects.using("default").get(code="R0001").name_en == "Written back"
    assert Office.objects.using("replica").get(code="R0001").name_en == "Replica only"
