"""The transition engine (``tanzim.audit.workflow``), exercised through the case workflow.

The case workflow is the richest one (movers, an authorize hook, stamps, an event row with
extra fields), so what holds here holds for every workflow declared on the engine.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from tanzim.audit.models import AuditEvent
from tanzim.audit.workflow import bulk_transition, transition, transitioned
from tanzim.cases import workflows
from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case, CaseEvent
from tanzim.cases.tests.page_helpers import awaiting_payment_case, submitted_case
from tanzim.cases.workflows import CASE
from tanzim.common.errors import ConflictError, NotFoundError

pytestmark = pytest.mark.django_db


def audits(case: Case, action: str):
    return AuditEvent.objects.filter(action=action, object_id=str(case.pk))


def events_to(case: Case, status: str):
    return CaseEvent.objects.filter(case=case, to_status=status)


@pytest.fixture
def submitted(personas, petition) -> Case:
    return submitted_case(personas, petition)


@pytest.fixture
def moves():
    """What the ``transitioned`` signal carried, for as long as the test runs."""
    received: list[dict] = []

    def listen(sender, **kwargs):
        kwargs.pop("signal", None)
        received.append({"sender": sender, **kwargs})

    transitioned.connect(listen, dispatch_uid="engine-test")
    yield received
    transitioned.disconnect(dispatch_uid="engine-test")


def test_a_move_writes_the_status_the_event_row_and_the_audit_event(personas, submitted):
    moved = transition(
        CASE, submitted, CaseStatus.IN_REVIEW, actor=personas.clerk_a, expected_status=CaseStatus.SUBMITTED
    )

    assert moved.status == CaseStatus.IN_REVIEW
    assert Case.objects.get(pk=submitted.pk).status == CaseStatus.IN_REVIEW
    event = events_to(submitted, CaseStatus.IN_REVIEW).get()
    assert event.from_status == CaseStatus.SUBMITTED and event.actor == personas.clerk_a
    assert event.office_id == submitted.office_id and event.created_at == moved.status_changed_at
    audit = audits(submitted, "cases.case.in_review").get()
    assert audit.actor == personas.clerk_a and audit.office_id == submitted.office_id
    assert audit.data["from"] == CaseStatus.SUBMITTED


def test_an_exception_after_the_move_rolls_back_the_status_the_event_and_the_audit(personas, submitted):
    with pytest.raises(RuntimeError), transaction.atomic():
        transition(CASE, submitted, CaseStatus.IN_REVIEW, actor=personas.clerk_a)
        raise RuntimeError("the caller failed after the move")

    assert Case.objects.get(pk=submitted.pk).status == CaseStatus.SUBMITTED
    assert not events_to(submitted, CaseStatus.IN_REVIEW).exists()
    assert not audits(submitted, "cases.case.in_review").exists()


def test_a_stale_expected_status_is_a_409_and_writes_nothing(personas, submitted):
    with pytest.raises(ConflictError) as refused:
        transition(
            CASE, submitted, CaseStatus.IN_REVIEW, actor=personas.clerk_a, expected_status=CaseStatus.DRAFT
        )

    assert refused.value.status == 409 and refused.value.code == "stale_status"
    assert Case.objects.get(pk=submitted.pk).status == CaseStatus.SUBMITTED
    assert not events_to(submitted, CaseStatus.IN_REVIEW).exists()


def test_a_move_the_table_does_not_allow_is_a_409_transition_not_allowed(personas, submitted):
    with pytest.raises(ConflictError) as refused:
        transition(CASE, submitted, CaseStatus.CLOSED, actor=personas.clerk_a)

    assert refused.value.status == 409 and refused.value.code == "transition_not_allowed"
    assert Case.objects.get(pk=submitted.pk).status == CaseStatus.SUBMITTED
    assert not audits(submitted, "cases.case.closed").exists()


def test_the_authorize_hook_refuses_an_actor_before_anything_is_written(personas, submitted):
    with pytest.raises(NotFoundError):  # another office's clerk: the case does not exist for them
        transition(CASE, submitted, CaseStatus.IN_REVIEW, actor=personas.clerk_b)

    assert Case.objects.get(pk=submitted.pk).status == CaseStatus.SUBMITTED
    assert not events_to(submitted, CaseStatus.IN_REVIEW).exists()


def test_a_move_made_by_someone_else_between_the_read_and_the_update_is_a_409(
    personas, submitted, monkeypatch
):
    real_check = workflows.is_office_staff

    def someone_else_moves_first(user, office):
        # Runs inside the engine after it read the row: another writer cancels the case now.
        Case.objects.filter(pk=submitted.pk).update(status=CaseStatus.CANCELLED)
        return real_check(user, office)

    monkeypatch.setattr(workflows, "is_office_staff", someone_else_moves_first)

    with pytest.raises(ConflictError) as refused:
        transition(
            CASE,
            submitted,
            CaseStatus.IN_REVIEW,
            actor=personas.clerk_a,
            expected_status=CaseStatus.SUBMITTED,
        )

    assert refused.value.status == 409 and refused.value.code == "stale_status"
    assert Case.objects.get(pk=submitted.pk).status != CaseStatus.IN_REVIEW
    assert not events_to(submitted, CaseStatus.IN_REVIEW).exists()
    assert not audits(submitted, "cases.case.in_review").exists()


def test_the_transitioned_signal_is_sent_only_after_commit_and_carries_ids(
    personas, submitted, moves, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        transition(CASE, submitted, CaseStatus.IN_REVIEW, actor=personas.clerk_a)
        assert moves == []

    assert moves == [
        {
            "sender": Case,
            "workflow": "cases.case",
            "pk": submitted.pk,
            "old": CaseStatus.SUBMITTED,
            "new": CaseStatus.IN_REVIEW,
            "actor_id": personas.clerk_a.pk,
        }
    ]


def test_a_move_rolled_back_sends_no_signal(personas, submitted, moves, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        transition(CASE, submitted, CaseStatus.IN_REVIEW, actor=personas.clerk_a)
        raise RuntimeError("rolled back")

    assert moves == []


def test_a_system_move_needs_no_actor_and_an_assisted_move_records_on_behalf_of(personas, petition):
    awaiting = awaiting_payment_case(personas, petition, channel="in_person")
    transition(CASE, awaiting, CaseStatus.PAID)
    assert events_to(awaiting, CaseStatus.PAID).get().actor is None

    other = submitted_case(personas, petition, channel="in_person")
    transition(CASE, other, CaseStatus.CANCELLED, actor=personas.clerk_a)
    event = events_to(other, CaseStatus.CANCELLED).get()
    assert event.actor == personas.clerk_a and event.on_behalf_of == personas.citizen


def test_bulk_transition_moves_only_rows_in_an_allowed_source_state(personas, petition, moves):
    waiting = [awaiting_payment_case(personas, petition) for _ in range(2)]
    untouched = submitted_case(personas, petition)
    everyone = Case.objects.filter(pk__in=[*(c.pk for c in waiting), untouched.pk])

    with transaction.atomic():
        moved = bulk_transition(CASE, everyone, CaseStatus.PAID, reason="bank batch")

    assert sorted(moved) == sorted(c.pk for c in waiting)
    assert set(Case.objects.filter(pk__in=moved).values_list("status", flat=True)) == {CaseStatus.PAID}
    assert Case.objects.get(pk=untouched.pk).status == CaseStatus.SUBMITTED
    for case in waiting:
        event = events_to(case, CaseStatus.PAID).get()
        assert event.from_status == CaseStatus.AWAITING_PAYMENT and event.reason == "bank batch"
        assert event.office_id == case.office_id
    assert not events_to(untouched, CaseStatus.PAID).exists()
    batch = AuditEvent.objects.get(action="cases.case.paid")
    assert batch.data["count"] == 2 and sorted(batch.data["ids"]) == sorted(str(c.pk) for c in waiting)


def test_bulk_transition_moves_at_most_the_limit_and_nothing_when_no_row_may_move(personas, petition):
    waiting = [awaiting_payment_case(personas, petition) for _ in range(3)]
    rows = Case.objects.filter(pk__in=[c.pk for c in waiting])

    assert len(bulk_transition(CASE, rows, CaseStatus.PAID, limit=2)) == 2
    assert rows.filter(status=CaseStatus.PAID).count() == 2
    assert bulk_transition(CASE, rows, CaseStatus.SUBMITTED) == []
    assert CaseEvent.objects.filter(case__in=rows, to_status=CaseStatus.SUBMITTED).count() == 3
