"""Around a consultation: free on a recorded ground (the Kanoon reimburses the office), the
Kanoon's register of consultants, attached files (checked, private, scoped) and a drafted
document reviewed by the consultant."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.consult import services as drafting
from tanzim.consult.choices import ConsultationStatus, ReviewVerdict
from tanzim.consult.models import Consultant, Consultation, ConsultationDocument, DraftRun
from tanzim.consult.selectors import interview_version_for_run
from tanzim.consult.services import consultations as services
from tanzim.consult.services import support
from tanzim.finance.models import FreeServiceGrant
from tanzim.finance.services import free_service_cap_set
from tanzim.testing.consult import cheque_pages, licensed_consultant, pay
from tanzim.testing.factories import next_national_code
from tanzim.testing.files import pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db
TEHRAN = ZoneInfo("Asia/Tehran")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=TEHRAN)  # a Monday
TEN = datetime(2026, 6, 1, 10, 0, tzinfo=TEHRAN)
DECIDED = {"decision_date": date(2026, 5, 20)}  # the Kanoon's decision (ignored on other grounds)


@pytest.fixture(autouse=True)
def clock():
    traveller = time_machine.travel(NOW, tick=False)
    traveller.start()
    with translation.override("en"):
        yield
    traveller.stop()


@pytest.fixture
def consultant(personas) -> Consultant:
    return licensed_consultant(personas)


def book(personas, consultant, **kwargs) -> Consultation:
    values = {"mode": "video", "question": "چک برگشتی دارم", "starts_at": TEN, **kwargs}
    return services.consultation_book(citizen=personas.citizen, consultant=consultant, **values)


# --- 1. free on a ground ---------------------------------------------------------------------------


@pytest.mark.parametrize("ground", ["kanoon_decision", "relief_committee", "welfare_allowance"])
def test_a_free_consultation_costs_the_citizen_nothing_and_is_reimbursed(personas, consultant, ground):
    consultation = book(personas, consultant)
    with TestCase.captureOnCommitCallbacks(execute=True):
        free = support.consultation_make_free(
            consultation=consultation,
            actor=personas.manager_a,
            ground=ground,
            evidence_number="۱۲۳۴۵۶۷۸",
            confirmation_document=upload("decision.pdf", pdf_bytes()),
            **DECIDED,
        )
    assert free.status == ConsultationStatus.BOOKED
    assert free.price == 0
    payment = free.payment
    assert payment.amount == 0 and payment.subsidy > 0 and payment.status == "captured"
    grant = FreeServiceGrant.objects.get(reference_type="consult.consultation", reference_id=str(free.pk))
    assert grant.ground == ground and grant.evidence_number.startswith("12345678")
    assert AuditEvent.objects.filter(action="consult.consultation.made_free").count() == 1


def test_a_free_consultation_needs_staff_evidence_and_a_waiting_booking(personas, consultant):
    consultation = book(personas, consultant)
    for outsider in (personas.citizen, personas.consultant_a):
        with pytest.raises(PermissionDeniedError):
            support.consultation_make_free(
                consultation=consultation,
                actor=outsider,
                ground="kanoon_decision",
                evidence_number="12345678",
            )
    with pytest.raises(NotFoundError):
        support.consultation_make_free(
            consultation=consultation, actor=personas.clerk_b, ground="kanoon_decision"
        )
    with pytest.raises(DomainError) as refused:  # no confirmation attached
        support.consultation_make_free(
            consultation=consultation,
            actor=personas.clerk_a,
            ground="kanoon_decision",
            evidence_number="12345678",
            **DECIDED,
        )
    assert "confirmation_document" in refused.value.fields
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.AWAITING_PAYMENT and consultation.payment_id is None
    assert not FreeServiceGrant.objects.exists()
    pay(consultation, personas.citizen)
    with pytest.raises(ConflictError):
        support.consultation_make_free(
            consultation=consultation,
            actor=personas.clerk_a,
            ground="kanoon_decision",
            evidence_number="12345678",
            confirmation_document=upload("d.pdf", pdf_bytes()),
            **DECIDED,
        )


def test_the_months_cap_refuses_a_free_consultation_and_keeps_the_booking(personas, consultant):
    free_service_cap_set(office=None, month=None, max_count=0, max_rials=None, actor=personas.kanoon_admin)
    consultation = book(personas, consultant)
    with pytest.raises(ConflictError) as refused:
        support.consultation_make_free(
            consultation=consultation,
            actor=personas.clerk_a,
            ground="kanoon_decision",
            evidence_number="12345678",
            confirmation_document=upload("d.pdf", pdf_bytes()),
            **DECIDED,
        )
    assert refused.value.code == "free_service_cap_reached"
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.AWAITING_PAYMENT and consultation.price == 500_000


def test_the_manager_makes_it_free_from_the_consultation_page(client, personas, consultant):
    consultation = book(personas, consultant)
    client.force_login(personas.manager_a)
    url = reverse("consult:consultation", args=[consultation.reference])
    assert 'id="free-form"' in client.get(url).content.decode()
    free_url = reverse("consult:consultation-free", args=[consultation.reference])
    refused = client.post(free_url, {"ground": "kanoon_decision", "evidence_number": "12"})
    assert refused.status_code == 400 and 'id="free-form"' in refused.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = client.post(
            free_url,
            {
                "ground": "kanoon_decision",
                "evidence_number": "98765432",
                "confirmation_document": upload("d.pdf", pdf_bytes()),
                "decision_date": "1405/02/30",
            },
        )
    assert done.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.BOOKED and consultation.price == 0
    client.force_login(personas.citizen)
    assert 'id="free-form"' not in client.get(url).content.decode()


# --- 2. the Kanoon's register ------------------------------------------------------------------------


def test_the_kanoon_records_a_consultant_from_its_page(client, personas):
    personas.mediator_a.national_code = next_national_code()
    personas.mediator_a.save(update_fields=["national_code"])
    url = reverse("consult:consultants")
    client.force_login(personas.citizen)
    assert client.get(url).status_code == 404
    client.force_login(personas.kanoon_admin)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"national_code": "123", "office": "ZZZ", "basis": "kanoon_approved"})
    assert bad.status_code == 400
    assert not Consultant.objects.exists()
    no_number = client.post(
        url,
        {
            "national_code": personas.mediator_a.national_code,
            "office": personas.office_a.code,
            "basis": "kanoon_approved",
        },
    )
    assert no_number.status_code == 400 and not Consultant.objects.exists()
    done = client.post(
        url,
        {
            "national_code": personas.mediator_a.national_code,
            "office": personas.office_a.code.lower(),
            "basis": "kanoon_approved",
            "licence_number": "م-۱۲۳",
        },
    )
    assert done.status_code == 302
    consultant = Consultant.objects.get(user=personas.mediator_a)
    assert consultant.office == personas.office_a and consultant.licence_number == "م-123"
    assert AuditEvent.objects.filter(action="consult.consultant.recorded").exists()
    assert client.post(reverse("consult:consultant-toggle"), {"consultant": "x"}).status_code == 404
    client.post(reverse("consult:consultant-toggle"), {"consultant": consultant.pk})
    consultant.refresh_from_db()
    assert not consultant.active
    assert consultant.name in client.get(url).content.decode()


def test_only_the_kanoon_registers(personas):
    with pytest.raises(PermissionDeniedError):
        support.consultant_register_from_form(
            actor=personas.manager_a,
            national_code=personas.mediator_a.national_code,
            office_code=personas.office_a.code,
            basis="office_licence",
        )


# --- 3. files -----------------------------------------------------------------------------------------


def test_the_citizen_and_the_consultant_attach_files_read_only_by_those_who_read_it(
    client, personas, consultant
):
    consultation = book(personas, consultant)
    document = support.consultation_document_add(
        consultation=consultation,
        actor=personas.citizen,
        upload=upload("cheque.pdf", pdf_bytes()),
        title="چک",
    )
    support.consultation_document_add(
        consultation=consultation,
        actor=personas.consultant_a,
        upload=upload("note.png", png_bytes(), "image/png"),
    )
    assert document.file.storage.__class__.__name__ != "FileSystemStorage" or "consult/" in document.file.name
    assert personas.citizen.national_code not in document.file.name
    with pytest.raises(ConflictError):
        support.consultation_document_add(
            consultation=consultation, actor=personas.citizen, upload=upload("again.pdf", pdf_bytes())
        )
    for bad in (
        upload("x.pdf", b"MZ\x90\x00 not a pdf"),
        upload("big.pdf", b"%PDF-" + b"0" * (60 * 1024 * 1024)),
    ):
        with pytest.raises(DomainError):
            support.consultation_document_add(consultation=consultation, actor=personas.citizen, upload=bad)
    with pytest.raises(NotFoundError):
        support.consultation_document_add(
            consultation=consultation, actor=personas.other_citizen, upload=upload("o.pdf", pdf_bytes(2))
        )
    assert ConsultationDocument.objects.count() == 2
    url = reverse("consult:consultation-file", args=[consultation.reference, document.pk])
    for persona, status in (
        ("citizen", 303),
        ("consultant_a", 303),
        ("other_citizen", 404),
        ("clerk_b", 404),
    ):
        client.force_login(getattr(personas, persona))
        assert client.get(url).status_code == status
    client.force_login(personas.citizen)
    page = client.get(reverse("consult:consultation", args=[consultation.reference])).content.decode()
    assert "چک" in page and 'id="file-form"' in page


def test_a_refused_file_on_the_page_is_named_next_to_its_field(client, personas, consultant):
    consultation = book(personas, consultant)
    client.force_login(personas.citizen)
    response = client.post(
        reverse("consult:consultation-file-add", args=[consultation.reference]),
        {"title": "x", "file": upload("x.pdf", b"not a pdf at all")},
    )
    assert response.status_code == 400 and 'id="id_file-error"' in response.content.decode()
    ok = client.post(
        reverse("consult:consultation-file-add", args=[consultation.reference]),
        {"title": "سند", "file": upload("x.pdf", pdf_bytes())},
    )
    assert ok.status_code == 302 and ConsultationDocument.objects.get().title == "سند"


# --- 4. a draft reviewed ---------------------------------------------------------------------------


def finished_draft(user) -> DraftRun:
    run = drafting.draft_start(version=interview_version_for_run(slug="cheque-complaint"), user=user)
    for index, data in enumerate(cheque_pages()):
        drafting.draft_save_page(run=run, page=index, data=data)
    DraftRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    run.refresh_from_db()
    return run


def test_the_consultant_reviews_a_draft_and_the_citizen_sees_the_verdict(client, personas, consultant):
    run = finished_draft(personas.citizen)
    client.force_login(personas.citizen)
    page = client.get(reverse("consult:book"), {"consultant": consultant.pk, "draft": str(run.token)})
    assert 'id="review-of"' in page.content.decode()
    done = client.post(
        reverse("consult:book"),
        {
            "consultant": consultant.pk,
            "draft": str(run.token),
            "mode": "written",
            "question": "لطفاً بررسی کنید",
        },
    )
    assert done.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.draft_id == run.pk and consultation.service_code == "drafting_advice_complaint"
    pay(consultation, personas.citizen)
    client.force_login(personas.consultant_a)
    pdf = client.get(reverse("consult:consultation-draft-pdf", args=[consultation.reference]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    answer_url = reverse("consult:consultation-answer", args=[consultation.reference])
    client.post(answer_url, {"advice": "مبلغ را به حروف هم بنویسید.", "expected_status": "booked"})
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.BOOKED  # no verdict: refused, nothing lost
    client.post(
        answer_url,
        {"advice": "مبلغ را به حروف هم بنویسید.", "verdict": "changes", "expected_status": "booked"},
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ANSWERED
    assert consultation.review_verdict == ReviewVerdict.CHANGES
    client.force_login(personas.citizen)
    page = client.get(reverse("consult:consultation", args=[consultation.reference])).content.decode()
    assert 'id="review-verdict"' in page and "مبلغ را به حروف" in page
    client.force_login(personas.other_citizen)
    assert (
        client.get(reverse("consult:consultation-draft-pdf", args=[consultation.reference])).status_code
        == 404
    )


def test_only_ones_own_finished_draft_goes_for_review(personas, consultant):
    unfinished = drafting.draft_start(
        version=interview_version_for_run(slug="cheque-complaint"), user=personas.citizen
    )
    someone_elses = finished_draft(personas.other_citizen)
    for run in (unfinished, someone_elses):
        with pytest.raises(DomainError) as refused:
            book(personas, consultant, mode="written", starts_at=None, draft=run)
        assert refused.value.code == "draft_not_ready"
    assert not Consultation.objects.exists()
