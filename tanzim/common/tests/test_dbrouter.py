"""The replica router's decisions (no replica database needed; test_dbrouter_pg.py reads a real one)."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import RequestFactory

from tanzim.accounts.models import User
from tanzim.audit.models import AuditEvent
from tanzim.common.dbrouter import ReplicaRouter, in_replica_scope, read_only_view, replica_reads
from tanzim.offices.models import Office

router = ReplicaRouter()


@pytest.fixture
def with_replica(settings):
    settings.DATABASE_READ_REPLICA = "replica"


def test_without_a_replica_every_read_goes_where_django_sends_it(settings):
    settings.DATABASE_READ_REPLICA = ""
    with replica_reads():
        assert router.db_for_read(Office) is None
    assert router.db_for_write(Office) == "default"


def test_outside_a_marked_view_reads_stay_on_the_primary(with_replica):
    assert router.db_for_read(Office) is None
    assert not in_replica_scope()


def test_in_a_marked_view_reads_go_to_the_replica_until_the_first_write(with_replica):
    with replica_reads():
        assert in_replica_scope()
        assert router.db_for_read(Office) == "replica"
        assert router.db_for_write(AuditEvent) == "default"
        # From the first write on, the request reads its own writes from the primary.
        assert router.db_for_read(Office) == "default"
        assert not in_replica_scope()
    assert router.db_for_read(Office) is None


def test_who_the_reader_is_and_what_they_may_do_is_always_read_from_the_primary(with_replica):
    from django.contrib.sessions.models import Session

    with replica_reads():
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(Office) == "replica"


def test_inside_a_transaction_reads_stay_on_the_primary(with_replica, monkeypatch):
    monkeypatch.setattr(connections["default"], "in_atomic_block", True)
    with replica_reads():
        assert router.db_for_read(Office) == "default"


def test_writes_always_go_to_the_primary_even_for_an_object_read_from_the_replica(with_replica):
    office = Office(pk=1)
    office._state.db = "replica"
    with replica_reads():
        assert router.db_for_write(Office, instance=office) == "default"
    assert router.db_for_write(Office, instance=office) == "default"


def test_the_decorator_marks_gets_but_not_posts(with_replica):
    seen = []

    @read_only_view
    def view(request):
        seen.append(in_replica_scope())
        return None

    factory = RequestFactory()
    view(factory.get("/"))
    view(factory.head("/"))
    view(factory.post("/"))
    assert seen == [True, True, False]
    assert view.replica_reads is True
    assert not in_replica_scope()


def test_the_default_list_of_replica_pages_names_only_pages_that_exist(settings):
    from django.urls import reverse

    for name in settings.DATABASE_REPLICA_VIEWS:
        kwargs = {"code": "A0001"} if name == "feedback:office-results" else {}
        assert reverse(name, kwargs=kwargs)
