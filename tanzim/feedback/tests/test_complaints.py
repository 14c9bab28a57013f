"""Complaints: filing (bad input, fake files, floods), the workflow with deadlines, who may act."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from tanzim.common.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from tanzim.common.jalali import TEHRAN
from tanzim.feedback import selectors
from tanzim.feedback.choices import ComplaintAction, ComplaintCategory, ComplaintStatus
from tanzim.feedback.models import Complaint, ComplaintAttachment, ComplaintEvent
from tanzim.feedback.services import complaint_assign, complaint_attach, complaint_file, complaint_transition
from tanzim.notify.models import Message
from tanzim.offices.models import Holiday
from tanzim.testing.feedback import file_case, serve_visit
from tanzim.testing.files import pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db
STORY = "کارمند دفتر برای ثبت درخواست من مبلغی بیش از تعرفه گرفت و رسید نداد."


def make(personas, **overrides) -> Complaint:
    values = {
        "complainant": personas.citizen,
        "office": personas.office_a,
        "category": ComplaintCategory.OVERCHARGING,
        "description": STORY,
    }
    values.update(overrides)
    return complaint_file(**values)


def move(complaint, actor, action, note="", **kwargs):
    return complaint_transition(complaint=complaint, actor=actor, action=action, note=note, **kwargs)


# --- filing ---------------------------------------------------------------------------------------


def test_a_citizen_files_a_complaint_and_gets_its_reference_by_sms(personas):
    complaint = make(
        personas,
        attachments=[upload("receipt.pdf", pdf_bytes()), upload("photo.png", png_bytes(), "image/png")],
    )

    assert complaint.status == ComplaintStatus.RECEIVED and complaint.reference.startswith("C")
    assert complaint.attachments.count() == 2
    assert ComplaintEvent.objects.filter(complaint=complaint, to_status=ComplaintStatus.RECEIVED).exists()
    sms = Message.objects.get(template="feedback.complaint_received")
    assert complaint.reference in sms.body and sms.to == personas.citizen.mobile


def test_the_acknowledgement_deadline_runs_on_working_days(personas, time_machine, settings):
    settings.FEEDBACK_COMPLAINT_ACK_WORKING_DAYS = 3
    wednesday = datetime(2026, 12, 16, 10, 0, tzinfo=TEHRAN)  # Wednesday 25 Azar 1405
    time_machine.move_to(wednesday, tick=False)
    Holiday.objects.get_or_create(
        date=datetime(2026, 12, 19).date(), defaults={"name_fa": "تعطیل", "name_en": "Holiday"}
    )
    from django.core.cache import cache

    cache.clear()

    complaint = make(personas)

    # Thu 17 (working), Fri 18 (weekend), Sat 19 (holiday), Sun 20, Mon 21 → third working day is Monday
    assert complaint.due_at == datetime.combine(
        datetime(2026, 12, 21).date(), time(23, 59, 59), tzinfo=TEHRAN
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "gossip"}, "category"),
        ({"description": "بد بود"}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"about_staff": True, "staff_description": "  "}, "staff_description"),
        ({"office": None}, "office"),
        ({"case_id": "999999"}, "case"),
        ({"case_id": "abc"}, "case"),
        ({"appointment_id": 424242}, "appointment"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_saved(personas, overrides, field):
    with pytest.raises(DomainError) as refused:
        make(personas, **overrides)

    assert field in refused.value.fields
    assert not Complaint.objects.exists() and not Message.objects.exists()


def test_a_linked_request_must_be_the_citizens_own(personas, service):
    bobs = file_case(personas.office_a, personas.other_citizen, service)

    with pytest.raises(DomainError) as refused:
        make(personas, case_id=bobs.pk)

    assert "case" in refused.value.fields


def test_a_linked_visit_decides_the_office_and_must_match_a_chosen_one(personas, service):
    visit = serve_visit(personas.office_b, personas.citizen, service)

    complaint = make(personas, office=None, appointment_id=visit.pk)
    assert complaint.office == personas.office_b and complaint.appointment == visit

    with pytest.raises(DomainError) as refused:
        make(personas, office=personas.office_a, appointment_id=visit.pk)
    assert "office" in refused.value.fields


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("fake.pdf", b"%PDF-1.7 this is not really a pdf", "bad_file"),
        ("virus.png", b"MZ\x90\x00 executable", "bad_file"),
        ("empty.pdf", b"", "bad_file"),
    ],
)
def test_fake_files_are_refused_and_nothing_is_saved(personas, name, content, code):
    with pytest.raises(DomainError) as refused:
        make(personas, attachments=[upload(name, content)])

    assert refused.value.code == code and "attachments" in refused.value.fields
    assert not Complaint.objects.exists() and not ComplaintAttachment.objects.exists()


def test_an_oversized_file_is_refused(personas, settings):
    settings.FEEDBACK_COMPLAINT_MAX_UPLOAD_BYTES = 2048

    with pytest.raises(DomainError) as refused:
        make(personas, attachments=[upload("big.pdf", pdf_bytes(30))])

    assert refused.value.code == "file_too_large"
    assert not Complaint.objects.exists()


def test_too_many_files_are_refused(personas, settings):
    settings.FEEDBACK_COMPLAINT_MAX_ATTACHMENTS = 1

    with pytest.raises(DomainError) as refused:
        make(personas, attachments=[upload("a.pdf", pdf_bytes()), upload("b.png", png_bytes(), "image/png")])

    assert "attachments" in refused.value.fields


def test_a_flood_of_complaints_from_one_citizen_is_refused(personas, settings):
    settings.FEEDBACK_COMPLAINTS_PER_CITIZEN_PER_DAY = 2
    make(personas)
    make(personas)

    with pytest.raises(RateLimitedError):
        make(personas)

    assert Complaint.objects.count() == 2


def test_a_repeated_request_with_the_same_key_files_once_and_a_different_body_conflicts(personas):
    first = make(personas, idempotency_key="complaint-key-1")
    again = make(personas, idempotency_key="complaint-key-1")

    assert again.pk == first.pk and Complaint.objects.count() == 1
    with pytest.raises(ConflictError):
        make(personas, idempotency_key="complaint-key-1", category=ComplaintCategory.DELAY)


def test_staff_cannot_file_a_complaint_about_their_own_office(personas):
    with pytest.raises(PermissionDeniedError):
        make(personas, complainant=personas.clerk_a)

    assert make(personas, complainant=personas.clerk_b).office == personas.office_a


# --- the workflow ---------------------------------------------------------------------------------


def test_the_province_admin_takes_a_complaint_through_to_a_decision_and_the_citizen_is_told(personas):
    complaint = make(personas)

    complaint = move(complaint, personas.province_admin_a, ComplaintAction.ACKNOWLEDGE)
    assert complaint.status == ComplaintStatus.ACKNOWLEDGED and complaint.handler == personas.province_admin_a
    ack_due = complaint.due_at
    complaint = move(complaint, personas.province_admin_a, ComplaintAction.INVESTIGATE)
    assert complaint.due_at == ack_due  # the decision deadline runs from acknowledgement
    complaint = move(
        complaint,
        personas.province_admin_a,
        ComplaintAction.UPHOLD,
        note="Receipts show 200,000 rials over the tariff.",
    )

    assert complaint.status == ComplaintStatus.UPHELD and complaint.decided_at and complaint.due_at is None
    assert [e.to_status for e in complaint.events.order_by("created_at", "pk")] == [
        "received",
        "acknowledged",
        "investigating",
        "upheld",
    ]
    decided = Message.objects.get(template="feedback.complaint_decided")
    assert complaint.reference in decided.body and decided.recipient == personas.citizen


def test_a_national_inspector_may_handle_any_office_and_a_clerk_may_not(personas):
    complaint = make(personas)

    assert (
        move(complaint, personas.inspector, ComplaintAction.ACKNOWLEDGE).status
        == ComplaintStatus.ACKNOWLEDGED
    )
    with pytest.raises(NotFoundError):
        move(complaint, personas.clerk_b, ComplaintAction.INVESTIGATE)
    with pytest.raises(PermissionDeniedError):
        move(complaint, personas.manager_a, ComplaintAction.INVESTIGATE)


def test_another_provinces_admin_does_not_even_see_the_complaint(personas):
    complaint = make(personas, office=personas.office_b)

    with pytest.raises(NotFoundError):
        move(complaint, personas.province_admin_a, ComplaintAction.ACKNOWLEDGE)
    with pytest.raises(NotFoundError):
        selectors.complaint_get_for(user=personas.province_admin_a, reference=complaint.reference)
    assert (
        move(complaint, personas.kanoon_admin, ComplaintAction.ACKNOWLEDGE).status
        == ComplaintStatus.ACKNOWLEDGED
    )


def test_a_complainant_cannot_decide_their_own_complaint(personas):
    complaint = make(personas)

    with pytest.raises(PermissionDeniedError):
        move(complaint, personas.citizen, ComplaintAction.ACKNOWLEDGE)


def test_only_the_complainant_withdraws(personas):
    complaint = make(personas)

    with pytest.raises(PermissionDeniedError):
        move(complaint, personas.province_admin_a, ComplaintAction.WITHDRAW)
    with pytest.raises(NotFoundError):
        move(complaint, personas.other_citizen, ComplaintAction.WITHDRAW)
    assert move(complaint, personas.citizen, ComplaintAction.WITHDRAW).status == ComplaintStatus.WITHDRAWN


def test_a_decision_without_reasons_is_refused(personas):
    complaint = make(personas)
    move(complaint, personas.inspector, ComplaintAction.ACKNOWLEDGE)
    move(complaint, personas.inspector, ComplaintAction.INVESTIGATE)

    with pytest.raises(DomainError) as refused:
        move(complaint, personas.inspector, ComplaintAction.DISMISS, note="no")

    assert "note" in refused.value.fields
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INVESTIGATING


def test_a_stale_move_is_a_conflict(personas):
    complaint = make(personas)
    move(complaint, personas.inspector, ComplaintAction.ACKNOWLEDGE)

    with pytest.raises(ConflictError) as stale:
        move(complaint, personas.province_admin_a, ComplaintAction.ACKNOWLEDGE)
    assert stale.value.code == "transition_not_allowed"
    with pytest.raises(ConflictError) as expected:
        move(complaint, personas.province_admin_a, ComplaintAction.INVESTIGATE, expected_status="received")
    assert expected.value.code == "stale_status"


def test_a_decided_complaint_moves_no_further(personas):
    complaint = make(personas)
    move(complaint, personas.inspector, ComplaintAction.ACKNOWLEDGE)
    move(complaint, personas.inspector, ComplaintAction.DISMISS, note="Outside the Kanoon's remit.")

    with pytest.raises(ConflictError):
        move(complaint, personas.citizen, ComplaintAction.WITHDRAW)


def test_an_unknown_action_is_refused(personas):
    with pytest.raises(DomainError):
        move(make(personas), personas.inspector, "delete")


def test_the_complainant_adds_files_while_open_and_nobody_else_can(personas):
    complaint = make(personas)

    complaint_attach(complaint=complaint, actor=personas.citizen, upload=upload("more.pdf", pdf_bytes()))
    with pytest.raises(ConflictError):
        complaint_attach(complaint=complaint, actor=personas.citizen, upload=upload("same.pdf", pdf_bytes()))
    with pytest.raises(NotFoundError):
        complaint_attach(
            complaint=complaint, actor=personas.inspector, upload=upload("x.png", png_bytes(), "image/png")
        )
    move(complaint, personas.citizen, ComplaintAction.WITHDRAW)
    with pytest.raises(ConflictError):
        complaint_attach(
            complaint=complaint, actor=personas.citizen, upload=upload("late.png", png_bytes(), "image/png")
        )

    assert complaint.attachments.count() == 1


def test_a_complaint_is_assigned_only_to_someone_who_covers_the_office(personas):
    complaint = make(personas)

    assert (
        complaint_assign(complaint=complaint, actor=personas.kanoon_admin, handler=personas.inspector).handler
        == personas.inspector
    )
    with pytest.raises(DomainError):
        complaint_assign(complaint=complaint, actor=personas.kanoon_admin, handler=personas.clerk_a)
    with pytest.raises(NotFoundError):
        complaint_assign(complaint=complaint, actor=personas.clerk_b, handler=personas.inspector)


# --- who sees what --------------------------------------------------------------------------------


def test_the_office_manager_sees_complaints_about_the_office_without_who_made_them(personas):
    complaint = make(personas)

    assert selectors.complaint_viewer(personas.manager_a, complaint) == "office"
    assert selectors.complaint_viewer(personas.citizen, complaint) == "complainant"
    assert selectors.complaint_viewer(personas.province_admin_a, complaint) == "handler"
    with pytest.raises(NotFoundError):
        selectors.complaint_get_for(user=personas.clerk_b, reference=complaint.reference)
    with pytest.raises(NotFoundError):
        selectors.attachment_open_for(user=personas.manager_a, reference=complaint.reference, attachment_id=1)


def test_the_worklist_puts_the_most_urgent_first_and_filters_overdue(personas, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    first = make(personas)
    time_machine.move_to(timezone.now() + timedelta(days=3), tick=False)
    second = make(personas, office=personas.office_b)
    time_machine.move_to(timezone.now() + timedelta(days=30), tick=False)

    worklist = list(selectors.complaint_worklist_for(user=personas.kanoon_admin))
    overdue = list(selectors.complaint_worklist_for(user=personas.kanoon_admin, overdue=True))

    assert worklist == [first, second] and overdue == [first, second]
    assert list(selectors.complaint_worklist_for(user=personas.province_admin_a)) == [first]
    assert not selectors.complaint_worklist_for(user=personas.manager_a).exists()
