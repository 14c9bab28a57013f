"""Concurrent writers to one stream (PostgreSQL: SQLite serialises every writer anyway)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from tanzim.audit.models import AuditEvent, AuditStream
from tanzim.audit.services import audit_verify, record

THREADS = 8
EVENTS_PER_THREAD = 10
OFFICE_ID = 4242  # the audit trail stores office ids, so no Office row is needed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_to_one_office_stream_keep_the_chain_intact():
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EVENTS_PER_THREAD):
                with transaction.atomic():
                    record(action="x.concurrent", office=OFFICE_ID, data={"thread": n, "i": i})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = THREADS * EVENTS_PER_THREAD
    seqs = list(AuditEvent.objects.filter(stream__key=f"office:{OFFICE_ID}").values_list("seq", flat=True))
    assert sorted(seqs) == list(range(1, total + 1))
    assert AuditStream.objects.get(key=f"office:{OFFICE_ID}").last_seq == total
    report = audit_verify()
    assert report.ok, report.problems
    assert report.events == total
