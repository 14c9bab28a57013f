"""Races on PostgreSQL: one link answered from many phones at once, one citizen's events at once,
two handlers moving one complaint at once, answers racing the publication of the results."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tanzim.common.errors import ConflictError
from tanzim.feedback.choices import ComplaintAction, InvitationSource
from tanzim.feedback.models import SurveyInvitation, SurveyPublication, SurveyResponse
from tanzim.feedback.services import (
    complaint_file,
    complaint_transition,
    invitations_for_event,
    survey_answer,
    survey_results_publish,
)
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.feedback import ALL_FIVES, invite, serve_visit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(n: int, work) -> tuple[list, list]:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_one_link_answered_from_eight_phones_at_once_counts_once(personas, service):
    _invitation, token = invite(personas.office_a, personas.citizen, service)

    results, errors = race(
        8, lambda i: survey_answer(token=token, answers={**ALL_FIVES, "overall": 1 + i % 5}, ip=f"10.1.0.{i}")
    )

    assert len(results) == 1 and len(errors) == 7
    assert all(isinstance(e, ConflictError) for e in errors)
    assert SurveyResponse.objects.count() == 1


def test_events_of_one_citizen_at_one_office_at_once_send_one_invitation(personas, service):
    visits = [serve_visit(personas.office_a, personas.citizen, service) for _ in range(6)]

    results, errors = race(
        6, lambda i: invitations_for_event(source=InvitationSource.VISIT, source_id=visits[i].pk)
    )

    assert errors == []
    assert sum(len(r) for r in results) == 1
    assert SurveyInvitation.objects.count() == 1


def test_two_handlers_acknowledging_at_once_make_one_move(personas):
    complaint = complaint_file(
        complainant=personas.citizen,
        office=personas.office_a,
        category="delay",
        description="درخواست من یک ماه است معطل مانده است.",
    )
    handlers = [
        personas.province_admin_a,
        personas.inspector,
        personas.kanoon_admin,
        personas.province_admin_a,
    ]

    results, errors = race(
        4,
        lambda i: complaint_transition(
            complaint=complaint, actor=handlers[i], action=ComplaintAction.ACKNOWLEDGE
        ),
    )

    assert len(results) == 1 and len(errors) == 3 and all(isinstance(e, ConflictError) for e in errors)
    assert complaint.events.filter(to_status="acknowledged").count() == 1


def test_answers_racing_the_publication_never_slip_under_its_cut_off(personas, service):
    """Ten answers and three publications at once: whatever the interleaving, the snapshot counts
    exactly the answers at or below its cut-off, so no answer appears later without a new batch."""
    tokens = [invite(personas.office_a, CitizenFactory(), service)[1] for _ in range(10)]

    def work(i):
        if i < 10:
            return survey_answer(
                token=tokens[i], answers={**ALL_FIVES, "overall": 1 + i % 5}, ip=f"10.2.0.{i}"
            )
        return survey_results_publish()

    _results, errors = race(13, work)
    survey_results_publish()

    assert errors == []
    publication = SurveyPublication.objects.get()
    below = SurveyResponse.objects.filter(office=personas.office_a, pk__lte=publication.up_to)
    assert below.count() == publication.responses >= 5
    assert sum(below.values_list("overall", flat=True)) == publication.overall_sum
