from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tanzim.audit.models import AuditEvent
from tanzim.cases import services
from tanzim.cases.choices import ALLOWED, CaseStatus, PartyRole
from tanzim.cases.models import Case, CaseEvent, Document, Party
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN
from tanzim.notify.models import Message
from tanzim.testing.cases import RESPONDENT_CODE, make_draft
from tanzim.testing.files import pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def test_the_transition_table_has_no_exit_from_final_states():
    for final in (CaseStatus.CLOSED, CaseStatus.CANCELLED, CaseStatus.REJECTED):
        assert ALLOWED[final] == frozenset()
    assert set(ALLOWED) == set(CaseStatus.values)


def test_a_citizen_starts_a_draft_with_themselves_as_claimant(personas, petition):
    case = services.case_create(
        actor=personas.citizen,
        service=petition,
        channel="remote",
        office=personas.office_a,
        title="  مطالبه  وجه ",
    )
    assert case.status == CaseStatus.DRAFT
    assert case.title == "مطالبه وجه"
    assert len(case.tracking_code) == 16
    claimant = case.parties.get()
    assert claimant.role == PartyRole.CLAIMANT and claimant.national_code == personas.citizen.national_code
    event = case.events.get()
    assert (
        event.to_status == CaseStatus.DRAFT and event.actor == personas.citizen and event.on_behalf_of is None
    )


def test_a_clerk_starts_a_walk_in_case_on_behalf_of_the_citizen(personas, petition):
    case = services.case_create(
        actor=personas.clerk_a,
        applicant=personas.citizen,
        service=petition,
        channel="in_person",
        office=personas.office_a,
        title="دادخواست",
    )
    assert case.applicant == personas.citizen and case.created_by == personas.clerk_a
    assert case.events.get().on_behalf_of == personas.citizen
    audit = AuditEvent.objects.get(action="cases.case.created", object_id=str(case.pk))
    assert audit.on_behalf_of_id == personas.citizen.pk and audit.office_id == personas.office_a.pk


def test_a_clerk_of_another_office_cannot_start_a_case_for_someone_else(personas, petition):
    with pytest.raises(PermissionDeniedError):
        services.case_create(
            actor=personas.clerk_b,
            applicant=personas.citizen,
            service=petition,
            channel="in_person",
            office=personas.office_a,
            title="x",
        )
    assert not Case.objects.exists()


def test_it_refuses_a_channel_the_service_does_not_offer(personas, db):
    from tanzim.catalog.models import Service

    sana = Service.objects.get(code="sana_registration")
    with pytest.raises(DomainError) as err:
        services.case_create(
            actor=personas.citizen, service=sana, channel="remote", office=personas.office_a, title="ثنا"
        )
    assert err.value.code == "channel_not_allowed"


def test_only_staff_may_grant_a_free_service(personas, petition):
    with pytest.raises(PermissionDeniedError):
        services.case_create(
            actor=personas.citizen,
            service=petition,
            channel="remote",
            office=personas.office_a,
            title="x",
            free_service=True,
        )


def test_it_refuses_a_respondent_identical_to_the_claimant(personas, petition):
    case = services.case_create(
        actor=personas.citizen, service=petition, channel="remote", office=personas.office_a, title="x"
    )
    with pytest.raises(DomainError) as err:
        services.party_add(
            case=case,
            actor=personas.citizen,
            role="respondent",
            kind="natural",
            name="خودم",
            national_code=personas.citizen.national_code,
        )
    assert err.value.code == "same_party"
    assert case.parties.count() == 1


@pytest.mark.parametrize("code", ["1234567890", "1111111111", "12345", "04993708x9"])
def test_it_refuses_wrong_party_identifiers(personas, draft, code):
    with pytest.raises(DomainError) as err:
        services.party_add(
            case=draft, actor=personas.citizen, role="other", kind="natural", name="کسی", national_code=code
        )
    assert "national_code" in err.value.fields
    assert draft.parties.count() == 2


def test_it_accepts_persian_digits_and_a_legal_entity(personas, draft):
    from tanzim.common.identifiers import make_legal_entity_id

    persian = "۰۶۰۱۵۱۴۷۵۰".translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    from tanzim.common.identifiers import make_national_code

    code = make_national_code(persian[:9])
    party = services.party_add(
        case=draft,
        actor=personas.citizen,
        role="other",
        kind="natural",
        name="شاهد",
        national_code=code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
    )
    assert party.national_code == code
    company = services.party_add(
        case=draft,
        actor=personas.citizen,
        role="other",
        kind="legal",
        name="شرکت",
        legal_id=make_legal_entity_id("1010203040"),
    )
    assert company.legal_id and company.national_code == ""


def test_a_resident_abroad_may_have_a_foreign_phone_and_no_national_code(personas, draft):
    party = services.party_add(
        case=draft,
        actor=personas.citizen,
        role="other",
        kind="natural",
        name="Sara Karimi",
        phone="+14155552671",
        resident_abroad=True,
    )
    assert party.phone == "+14155552671" and party.national_code == ""


def test_it_stores_a_pdf_with_its_hash_and_pages(personas, draft):
    document = services.document_add(case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(3)))
    assert document.pages == 3 and document.content_type == "application/pdf" and len(document.sha256) == 64
    assert document.file.name.endswith(f"{document.sha256}.pdf")


def test_it_checks_files_by_content_not_extension(personas, draft):
    with pytest.raises(DomainError) as err:
        services.document_add(case=draft, actor=personas.citizen, upload=upload("fake.pdf", b"MZ not a pdf"))
    assert err.value.code == "bad_file"
    with pytest.raises(DomainError):
        services.document_add(
            case=draft, actor=personas.citizen, upload=upload("broken.pdf", b"%PDF-1.4 garbage garbage")
        )
    png = services.document_add(
        case=draft, actor=personas.citizen, upload=upload("photo.pdf", png_bytes(), "application/pdf")
    )
    assert png.content_type == "image/png"
    assert Document.objects.count() == 1


def test_it_refuses_oversized_files_and_too_many_pages(personas, draft, settings):
    settings.CASES_MAX_UPLOAD_BYTES = 2048
    with pytest.raises(DomainError) as err:
        services.document_add(case=draft, actor=personas.citizen, upload=upload("big.pdf", pdf_bytes(30)))
    assert err.value.code == "file_too_large"
    settings.CASES_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    settings.CASES_MAX_PAGES_PER_DOCUMENT = 2
    with pytest.raises(DomainError) as err:
        services.document_add(case=draft, actor=personas.citizen, upload=upload("long.pdf", pdf_bytes(3)))
    assert err.value.code == "too_many_pages"
    assert not Document.objects.exists()


def test_the_same_file_twice_is_refused(personas, draft):
    services.document_add(case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(1)))
    with pytest.raises(DomainError) as err:
        services.document_add(case=draft, actor=personas.citizen, upload=upload("b.pdf", pdf_bytes(1)))
    assert err.value.code == "duplicate_document"


def test_semi_in_person_submission_needs_the_originals_confirmation(personas, draft):
    services.document_add(case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(4)))
    with pytest.raises(DomainError) as err:
        services.case_submit(case=draft, actor=personas.citizen)
    assert err.value.code == "case_incomplete"
    services.case_confirm_originals(case=draft, actor=personas.citizen)
    case = services.case_submit(case=draft, actor=personas.citizen)
    assert case.status == CaseStatus.SUBMITTED
    # 2 parties and 4 pages: the base covers 2 pages, so two extra pages are charged.
    lines = {line["code"]: line for line in case.fee_snapshot["lines"]}
    assert lines["extra_page"]["quantity"] == 2
    assert case.fee_snapshot["channel"] == "semi_in_person"


def test_a_second_submit_is_a_conflict_and_writes_one_event(personas, draft):
    services.case_submit(case=draft, actor=personas.citizen)
    with pytest.raises(ConflictError):
        services.case_submit(case=draft, actor=personas.citizen)
    assert draft.events.filter(to_status=CaseStatus.SUBMITTED).count() == 1


def test_editing_after_submission_is_refused(personas, draft):
    services.case_submit(case=draft, actor=personas.citizen)
    with pytest.raises(ConflictError):
        services.case_update(case=draft, actor=personas.citizen, title="new")
    with pytest.raises(ConflictError):
        services.party_add(
            case=draft,
            actor=personas.citizen,
            role="other",
            kind="natural",
            name="x",
            national_code=RESPONDENT_CODE,
        )


def test_the_office_asks_for_a_correction_and_the_citizen_resubmits(personas, draft):
    services.case_submit(case=draft, actor=personas.citizen)
    services.case_start_review(case=draft, actor=personas.clerk_a, expected_status=CaseStatus.SUBMITTED)
    case = services.case_request_correction(
        case=draft,
        actor=personas.clerk_a,
        note="سند مالکیت را پیوست کنید",
        expected_status=CaseStatus.IN_REVIEW,
    )
    assert case.status == CaseStatus.NEEDS_CORRECTION and case.correction_note
    message = Message.objects.get(template="cases.needs_correction")
    assert message.recipient == personas.citizen and case.tracking_code_display in message.body
    services.case_update(case=case, actor=personas.citizen, claim_text="متن اصلاح شده")
    case = services.case_submit(case=case, actor=personas.citizen)
    assert case.status == CaseStatus.RESUBMITTED and case.correction_note == ""


def test_a_stale_transition_is_a_conflict(personas, draft):
    services.case_submit(case=draft, actor=personas.citizen)
    services.case_start_review(case=draft, actor=personas.clerk_a, expected_status=CaseStatus.SUBMITTED)
    with pytest.raises(ConflictError):
        services.case_start_review(case=draft, actor=personas.manager_a, expected_status=CaseStatus.SUBMITTED)
    assert draft.events.filter(to_status=CaseStatus.IN_REVIEW).count() == 1


def test_a_clerk_of_another_office_gets_not_found(personas, draft):
    services.case_submit(case=draft, actor=personas.citizen)
    with pytest.raises(NotFoundError):
        services.case_start_review(case=draft, actor=personas.clerk_b)
    with pytest.raises(NotFoundError):
        services.case_update(case=Case.objects.get(pk=draft.pk), actor=personas.other_citizen, title="x")


def test_the_applicant_cannot_review_their_own_case(personas, draft):
    services.case_submit(case=draft, actor=personas.citizen)
    with pytest.raises(PermissionDeniedError):
        services.case_start_review(case=draft, actor=personas.citizen)


def test_nothing_moves_out_of_a_closed_case(personas, draft):
    services.case_cancel(case=draft, actor=personas.citizen, reason="applicant_withdrew")
    with pytest.raises(ConflictError) as err:
        services.case_submit(case=draft, actor=personas.citizen)
    assert err.value.code in {"already_submitted", "transition_not_allowed"}
    with pytest.raises(ConflictError):
        services.case_transition(case=draft, to=CaseStatus.SUBMITTED, actor=personas.citizen)


def test_reject_needs_a_coded_reason(personas, draft):
    services.case_submit(case=draft, actor=personas.citizen)
    services.case_start_review(case=draft, actor=personas.clerk_a)
    with pytest.raises(DomainError):
        services.case_reject(case=draft, actor=personas.clerk_a, reason="because")
    case = services.case_reject(
        case=draft, actor=personas.clerk_a, reason="not_competent", note="خارج از صلاحیت"
    )
    assert case.status == CaseStatus.REJECTED and case.outcome_reason == "not_competent"


def test_the_review_deadline_is_counted_in_working_days(personas, draft):
    # Submitted on Wednesday 1404/12/27 (2026-03-18): one working day is Thursday (a half day).
    # Then Friday 1404/12/29 (a Friday and a holiday) and the Nowruz holidays follow.
    from tanzim.accounts.models import RoleAssignment

    RoleAssignment.objects.update(valid_from=datetime(2020, 1, 1, tzinfo=TEHRAN))
    with time_machine.travel(datetime(2026, 3, 18, 10, 0, tzinfo=TEHRAN), tick=False):
        case = services.case_submit(case=draft, actor=personas.citizen)
    assert case.due_at.astimezone(TEHRAN).date().isoformat() == "2026-03-19"
    with time_machine.travel(datetime(2026, 3, 19, 10, 0, tzinfo=TEHRAN), tick=False):
        case = services.case_start_review(case=case, actor=personas.clerk_a)
    # Two working days from Thursday 19 March: Friday, Nowruz (1–4 Farvardin = 21–24 March) and
    # the other holidays of the table are skipped.
    due = case.due_at.astimezone(TEHRAN).date()
    from tanzim.offices.selectors import working_calendar

    calendar = working_calendar()
    assert due > datetime(2026, 3, 24).date()
    assert calendar.is_working_day(due)
    assert calendar.working_days_between(datetime(2026, 3, 19).date(), due) == 2


def test_the_search_finds_by_tracking_code_or_national_code_within_scope(personas, draft):
    from tanzim.cases.selectors import case_search_for

    code = draft.tracking_code_display.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert list(case_search_for(user=personas.clerk_a, query=code)) == [draft]
    assert list(case_search_for(user=personas.clerk_a, query=RESPONDENT_CODE)) == [draft]
    assert list(case_search_for(user=personas.clerk_b, query=code)) == []
    assert list(case_search_for(user=personas.clerk_a, query="not a code")) == []


def test_scoping_of_case_lists(personas, draft):
    from tanzim.cases.selectors import case_get_for, case_list_for

    assert list(case_list_for(user=personas.citizen)) == [draft]
    assert list(case_list_for(user=personas.other_citizen)) == []
    assert list(case_list_for(user=personas.clerk_a)) == [draft]
    assert list(case_list_for(user=personas.clerk_b)) == []
    assert list(case_list_for(user=personas.province_admin_a)) == [draft]
    assert list(case_list_for(user=personas.kanoon_admin)) == [draft]
    with pytest.raises(NotFoundError):
        case_get_for(user=personas.clerk_b, pk=draft.pk)


def test_reading_a_document_is_logged(personas, draft):
    from tanzim.audit.models import ConfidentialRead
    from tanzim.cases.selectors import document_open_for

    document = services.document_add(case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(1)))
    document_open_for(user=personas.clerk_a, document_id=document.pk)
    read = ConfidentialRead.objects.get()
    assert read.actor == personas.clerk_a and read.object_id == str(document.pk)
    with pytest.raises(NotFoundError):
        document_open_for(user=personas.clerk_b, document_id=document.pk)
    assert ConfidentialRead.objects.count() == 1


def test_nothing_is_half_saved_when_a_party_is_invalid(personas, petition):
    case = make_draft(personas, petition)
    before = (Party.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises((DomainError, ValidationError)):
        services.party_add(
            case=case, actor=personas.citizen, role="other", kind="legal", name="x", legal_id="123"
        )
    assert (Party.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count()) == before
