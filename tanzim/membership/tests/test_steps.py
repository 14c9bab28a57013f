"""The opening checklist: each step's owner, send-backs with reasons, the last place, the
premises inspection, training, and the licence that opens the office with bookable slots."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.inspections.choices import ItemResult
from tanzim.membership.choices import Step
from tanzim.membership.models import ApplicationEvent, Place
from tanzim.membership.selectors import application_get_for
from tanzim.membership.services import (
    application_withdraw,
    applications_remind_overdue,
    document_add,
    place_choose,
    premises_inspect,
    step_approve,
    step_send_back,
    step_submit,
    training_record,
)
from tanzim.notify.models import Message
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Licence
from tanzim.scheduling.models import Slot
from tanzim.testing.files import upload
from tanzim.testing.membership import advance, applicant, give_documents, passing_results, place

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The assertions read the messages in English (Persian is the default language)."""
    with translation.override("en"):
        yield


def test_documents_are_handed_in_then_approved_by_the_province(personas):
    application = applicant()
    with pytest.raises(DomainError) as exc:
        step_submit(application=application, actor=application.user)
    assert "documents" in exc.value.fields
    give_documents(application)
    step_submit(application=application, actor=application.user)
    moved = step_approve(
        application=application, actor=personas.province_admin_a, expected_status=Step.DOCUMENTS
    )
    assert moved.status == Step.PLACE
    event = ApplicationEvent.objects.get(application=application, to_status=Step.PLACE)
    assert event.actor == personas.province_admin_a


@pytest.mark.parametrize("who", ["clerk_a", "manager_a", "inspector", "citizen", "clerk_b"])
def test_a_step_approved_by_someone_without_the_role_is_refused(personas, who):
    application = applicant()
    give_documents(application)
    step_submit(application=application, actor=application.user)
    with pytest.raises(PermissionDeniedError):
        step_approve(application=application, actor=getattr(personas, who))
    application.refresh_from_db()
    assert application.status == Step.DOCUMENTS


def test_a_province_admin_of_another_province_neither_sees_nor_approves(personas):
    application = applicant(province_code="ISF")
    give_documents(application)
    step_submit(application=application, actor=application.user)
    with pytest.raises(NotFoundError):
        application_get_for(user=personas.province_admin_a, pk=application.pk)
    with pytest.raises(PermissionDeniedError):
        step_approve(application=application, actor=personas.province_admin_a)


def test_sending_back_needs_a_reason_and_tells_the_applicant(personas, django_capture_on_commit_callbacks):
    application = applicant()
    give_documents(application)
    step_submit(application=application, actor=application.user)
    with pytest.raises(DomainError):
        step_send_back(application=application, actor=personas.kanoon_admin, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        moved = step_send_back(
            application=application, actor=personas.kanoon_admin, reason="تصویر مدرک ناخوانا است"
        )
    assert moved.status == Step.DOCUMENTS and moved.submitted_at is None
    assert moved.returned_reason == "تصویر مدرک ناخوانا است"
    assert Message.objects.filter(template="membership.sent_back", recipient=application.user).exists()
    with pytest.raises(ConflictError):
        step_approve(application=application, actor=personas.kanoon_admin)  # not handed in again


def test_a_stale_expected_step_is_a_conflict(personas):
    application = applicant()
    give_documents(application)
    step_submit(application=application, actor=application.user)
    with pytest.raises(ConflictError):
        step_approve(application=application, actor=personas.kanoon_admin, expected_status=Step.PLACE)


def test_a_document_that_is_not_a_pdf_or_picture_is_refused(personas):
    application = applicant()
    with pytest.raises(DomainError):
        document_add(
            application=application,
            actor=application.user,
            kind="identity",
            upload=upload("x.pdf", b"MZ\x90\x00"),
        )
    with pytest.raises(PermissionDeniedError):
        document_add(
            application=application,
            actor=personas.other_citizen,
            kind="identity",
            upload=upload("x.pdf", b"%PDF"),
        )


def test_the_last_place_goes_to_one_applicant_and_the_other_is_told(personas):
    last = place("THR-03", seats=1)
    first, second = (
        advance(applicant(), Step.PLACE, kanoon=personas.kanoon_admin, inspector=personas.inspector)
        for _ in range(2)
    )
    place_choose(application=first, actor=first.user, place=last)
    with pytest.raises(ConflictError) as exc:
        place_choose(application=second, actor=second.user, place=last)
    assert exc.value.code == "place_full"
    last.refresh_from_db()
    second.refresh_from_db()
    assert (last.taken, last.seats) == (1, 1) and second.status == Step.PLACE


def test_a_place_in_another_province_is_not_offered(personas):
    elsewhere = place("ISF-02", seats=3)
    application = advance(applicant(), Step.PLACE, kanoon=personas.kanoon_admin, inspector=personas.inspector)
    with pytest.raises(NotFoundError):
        place_choose(application=application, actor=application.user, place=elsewhere)


def test_withdrawing_gives_the_place_back(personas):
    spot = place("THR-04", seats=1)
    application = advance(
        applicant(), Step.PREMISES, kanoon=personas.kanoon_admin, inspector=personas.inspector, at_place=spot
    )
    application_withdraw(application=application, actor=application.user, reason="")
    spot.refresh_from_db()
    assert spot.taken == 0


def test_a_failed_premises_inspection_sends_the_step_back_with_its_score(personas):
    application = advance(
        applicant(), Step.PREMISES, kanoon=personas.kanoon_admin, inspector=personas.inspector
    )
    give_documents(application, ("premises_photo", "floor_plan"))
    step_submit(
        application=application, actor=application.user, data={"premises_address": "خیابان انقلاب، پلاک ۵"}
    )
    results = dict.fromkeys(passing_results(), ItemResult.NON_COMPLIANT)
    with pytest.raises(PermissionDeniedError):
        premises_inspect(application=application, actor=personas.province_admin_a, results=results)
    with pytest.raises(DomainError):
        premises_inspect(application=application, actor=personas.inspector, results={})
    inspection = premises_inspect(application=application, actor=personas.inspector, results=results)
    application.refresh_from_db()
    assert not inspection.passed and application.status == Step.PREMISES
    assert "did not pass" in application.returned_reason


def test_training_below_the_pass_mark_stays_at_training(personas):
    application = advance(
        applicant(), Step.TRAINING, kanoon=personas.kanoon_admin, inspector=personas.inspector
    )
    moved = training_record(application=application, actor=personas.kanoon_admin, hours=45, score=40)
    assert moved.status == Step.TRAINING and "40" in moved.returned_reason
    with pytest.raises(PermissionDeniedError):
        training_record(application=application, actor=personas.province_admin_a, hours=45, score=90)
    moved = training_record(application=application, actor=personas.kanoon_admin, hours=45, score=90)
    assert moved.status == Step.GUARANTEE


def test_the_licence_opens_the_office_in_the_directory_with_bookable_slots(personas):
    application = advance(
        applicant(), Step.OPENED, kanoon=personas.kanoon_admin, inspector=personas.inspector
    )
    office = application.office
    assert office is not None and office.status == OfficeStatus.ACTIVE
    assert office.hours.exists() and office.counters.count() == 2
    licence = Licence.objects.get(office=office)
    assert licence.valid_until is not None and licence.valid_until.year == licence.valid_from.year + 5
    assert Slot.objects.filter(office=office, start__gte=timezone.now(), bookable__gt=0).exists()
    assert application.user.roles.filter(role="office_manager", office=office).exists()
    assert AuditEvent.objects.filter(action="membership.application.opened").exists()
    assert Place.objects.get(pk=application.place_id).taken == 1


def test_an_applicant_late_on_their_step_is_reminded_once_a_week(personas):
    application = applicant()
    later = application.step_due + timezone.timedelta(days=1)
    assert applications_remind_overdue(now=later) == 1
    assert applications_remind_overdue(now=later + timezone.timedelta(days=1)) == 0
    assert applications_remind_overdue(now=later + timezone.timedelta(days=8)) == 1
    assert Message.objects.filter(template="membership.step_overdue").count() == 2
