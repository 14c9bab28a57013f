"""Races on PostgreSQL: two clerks press a button on the same request at the same moment.

Each thread has its own connection (Django's are per thread) and closes it when done.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from tanzim.audit.models import AuditEvent
from tanzim.cases import services
from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case, CaseEvent
from tanzim.common.errors import ConflictError
from tanzim.testing.cases import make_draft

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def together(*calls):
    """Run each call in its own thread, released at the same instant; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def press(user, case: Case, body: dict):
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(reverse("api:case-transition", args=[case.pk]), body, format="json")
    return response.status_code, response.json()


def attempt(service, **kwargs) -> str:
    try:
        service(**kwargs)
    except ConflictError as exc:
        return exc.code
    return "ok"


def test_two_clerks_start_the_same_review_one_wins_and_one_event_is_written(personas, petition):
    case = services.case_submit(case=make_draft(personas, petition), actor=personas.citizen)
    body = {"action": "start_review", "expected_status": "submitted"}
    results = together(
        lambda: press(personas.clerk_a, case, body),
        lambda: press(personas.manager_a, case, body),
    )
    assert sorted(code for code, _body in results) == [200, 409]
    assert next(b for code, b in results if code == 409)["code"] == "stale_status"
    assert CaseEvent.objects.filter(case=case, to_status=CaseStatus.IN_REVIEW).count() == 1
    assert AuditEvent.objects.filter(action="cases.case.in_review").count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW


def test_a_rejection_and_a_correction_request_at_once_leave_one_decision(personas, petition):
    case = services.case_submit(case=make_draft(personas, petition), actor=personas.citizen)
    case = services.case_start_review(case=case, actor=personas.clerk_a)
    # Called without the status each clerk saw: the conditional update alone must refuse the loser.
    results = together(
        lambda: attempt(services.case_reject, case=case, actor=personas.clerk_a, reason="incomplete"),
        lambda: attempt(services.case_request_correction, case=case, actor=personas.manager_a, note="سند"),
    )
    won, lost = sorted(results)
    assert won == "ok" and lost in {"stale_status", "transition_not_allowed"}
    case.refresh_from_db()
    decisions = CaseEvent.objects.filter(case=case, from_status=CaseStatus.IN_REVIEW)
    assert decisions.count() == 1
    assert decisions.get().to_status == case.status
    assert case.status in (CaseStatus.REJECTED, CaseStatus.NEEDS_CORRECTION)
