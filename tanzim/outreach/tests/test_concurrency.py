"""Races on PostgreSQL: two offices serving one person at once, one batch sent from two tabs at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tanzim.outreach import services
from tanzim.outreach.models import BeneficiaryDay, FieldService
from tanzim.testing import outreach as h

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(works) -> list:
    barrier = threading.Barrier(len(works))
    results: list = []

    def run(work):
        try:
            barrier.wait()
            results.extend(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_offices_serving_one_person_the_same_day_at_once_one_wins(personas):
    mission = h.approved(personas, offices=(personas.office_a, personas.office_b))
    code = h.national_code(5)
    results = race(
        [
            lambda: services.field_sync(
                mission=mission, actor=personas.clerk_a, items=[h.item(1, code=code)]
            ),
            lambda: services.field_sync(
                mission=mission, actor=personas.clerk_b, items=[h.item(2, code=code)]
            ),
        ]
    )
    assert sorted(r.outcome for r in results) == ["conflict", "created"]
    assert FieldService.objects.count() == 1 and BeneficiaryDay.objects.count() == 1


def test_one_batch_from_two_tabs_at_once_makes_one_row_each(personas):
    mission = h.approved(personas)
    batch = [h.item(n) for n in range(5)]
    results = race(
        [
            lambda: services.field_sync(mission=mission, actor=personas.clerk_a, items=batch),
            lambda: services.field_sync(mission=mission, actor=personas.manager_a, items=batch),
        ]
    )
    assert {r.outcome for r in results} <= {"created", "duplicate"}
    assert FieldService.objects.count() == 5
