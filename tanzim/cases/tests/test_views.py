"""The case pages: who sees what, the citizen's journey, the office's actions, bad input, stale forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tanzim.audit.models import ConfidentialRead
from tanzim.cases import services
from tanzim.cases.choices import CaseStatus, PartyRole
from tanzim.cases.models import Case, CaseEvent, Document, Party
from tanzim.cases.tests.page_helpers import (
    awaiting_payment_case,
    in_review_case,
    signed_in,
    submitted_case,
)
from tanzim.common.identifiers import make_legal_entity_id
from tanzim.common.normalize import to_persian_digits
from tanzim.finance import services as finance_services
from tanzim.finance.models import Payment
from tanzim.testing.cases import make_draft
from tanzim.testing.files import pdf_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_settings")]


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- starting a request -----------------------------------------------------------------------


def test_the_start_page_lists_services_without_signing_in(client):
    response = client.get(reverse("cases:start"))
    assert response.status_code == 200
    assert b'data-service="formal_notice"' in response.content
    assert 'dir="rtl"' in response.content.decode()


def test_the_channel_chooser_offers_remote_first_and_shows_the_saving(client, formal_notice):
    response = client.get(reverse("cases:channel", args=["formal_notice"]))
    html = response.content.decode()
    assert response.status_code == 200
    channels = [c for c in ("remote", "semi_in_person", "in_person") if f'data-channel="{c}"' in html]
    assert channels == ["remote", "semi_in_person", "in_person"]
    assert html.index('data-channel="remote"') < html.index('data-channel="in_person"')
    remote_card = html[html.index('data-channel="remote"') : html.index('data-channel="semi_in_person"')]
    assert (
        "recommended" in html[html.index('data-channel="remote"') - 120 : html.index('data-channel="remote"')]
    )
    # 630,000 in person, half that remotely: the card shows the price and the 315,000 saved.
    assert to_persian_digits("315٬000") in remote_card
    assert to_persian_digits("50") in remote_card


def test_a_service_that_needs_a_visit_offers_no_remote_channel(client):
    html = client.get(reverse("cases:channel", args=["sana_registration"])).content.decode()
    assert 'data-channel="remote"' not in html
    assert 'data-channel="in_person"' in html


def test_an_unknown_service_is_a_404(client):
    assert client.get(reverse("cases:channel", args=["no-such-service"])).status_code == 404


def test_choosing_an_office_needs_a_signed_in_user(client, formal_notice):
    response = client.get(reverse("cases:office", args=["formal_notice", "remote"]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_choosing_an_office_starts_a_draft_for_the_citizen(client, personas, formal_notice):
    signed_in(client, personas.citizen)
    url = reverse("cases:office", args=["formal_notice", "remote"])
    page = client.get(url)
    assert page.status_code == 200 and personas.office_a.code.encode() in page.content
    response = client.post(url, {"office": personas.office_a.code, "title": "اظهارنامه مطالبه اجاره"})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:draft", args=[case.pk])
    assert (case.applicant, case.office, case.channel) == (personas.citizen, personas.office_a, "remote")
    assert case.status == CaseStatus.DRAFT


def test_an_office_not_licensed_for_the_service_cannot_be_chosen(client, personas):
    signed_in(client, personas.citizen)
    url = reverse("cases:office", args=["consultation", "remote"])
    response = client.post(url, {"office": personas.office_a.code, "title": "مشورت"})
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_a_channel_the_service_does_not_offer_is_a_404(client, personas):
    signed_in(client, personas.citizen)
    assert client.get(reverse("cases:office", args=["sana_registration", "remote"])).status_code == 404


# --- who may see a case -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("citizen", 200), ("clerk_a", 200), ("manager_a", 200), ("other_citizen", 404), ("clerk_b", 404)],
)
def test_the_case_page_is_for_the_applicant_and_the_offices_staff(client, personas, petition, who, status):
    case = submitted_case(personas, petition)
    signed_in(client, getattr(personas, who))
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == status
    if status == 404:
        assert case.title.encode() not in response.content


def test_the_case_page_needs_a_signed_in_user(client, personas, petition):
    case = submitted_case(personas, petition)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize(("who", "status"), [("citizen", 200), ("other_citizen", 404), ("clerk_b", 404)])
def test_the_draft_page_is_for_the_applicant(client, personas, petition, who, status):
    case = make_draft(personas, petition)
    signed_in(client, getattr(personas, who))
    assert client.get(reverse("cases:draft", args=[case.pk])).status_code == status


def test_office_staff_draft_an_in_person_case_on_behalf_of_the_citizen(client, personas, petition):
    case = make_draft(
        personas, petition, channel="in_person", actor=personas.clerk_a, applicant=personas.citizen
    )
    signed_in(client, personas.clerk_a)
    response = client.get(reverse("cases:draft", args=[case.pk]))
    assert response.status_code == 200 and b'id="on-behalf"' in response.content


def test_office_staff_cannot_edit_a_remote_draft(client, personas, petition):
    case = make_draft(personas, petition, channel="remote")
    signed_in(client, personas.clerk_a)
    response = client.get(reverse("cases:draft", args=[case.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    response = client.post(reverse("cases:details", args=[case.pk]), {"title": "تغییر"})
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).title == case.title


def test_my_requests_lists_only_the_citizens_own_cases(client, personas, petition):
    mine = make_draft(personas, petition)
    theirs = services.case_create(
        actor=personas.other_citizen,
        service=petition,
        channel="remote",
        office=personas.office_a,
        title="دیگری",
    )
    signed_in(client, personas.citizen)
    html = client.get(reverse("cases:list")).content.decode()
    assert f'data-case="{mine.pk}"' in html and f'data-case="{theirs.pk}"' not in html


# --- drafting: the request text --------------------------------------------------------------


def test_the_claim_amount_is_read_with_persian_digits_and_separators(client, personas, petition):
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    response = client.post(
        reverse("cases:details", args=[case.pk]),
        {"title": "مطالبه وجه", "claim_text": "شرح", "claim_amount": "۵۰۰٬۰۰۰٬۰۰۰"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.claim_amount, case.claim_text) == (500_000_000, "شرح")


@pytest.mark.parametrize("amount", ["12.5", "پانصد", "-100", "1" * 19])
def test_a_claim_amount_that_is_not_whole_rials_is_refused(client, personas, petition, amount):
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    response = client.post(reverse("cases:details", args=[case.pk]), {"title": "x", "claim_amount": amount})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).claim_amount is None


def test_an_empty_subject_is_refused(client, personas, petition):
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    response = client.post(reverse("cases:details", args=[case.pk]), {"title": "   "})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).title == case.title


# --- drafting: parties ------------------------------------------------------------------------


def test_a_respondent_identical_to_the_claimant_is_refused_and_nothing_is_saved(client, personas, petition):
    case = services.case_create(
        actor=personas.citizen, service=petition, channel="remote", office=personas.office_a, title="x"
    )
    signed_in(client, personas.citizen)
    response = client.post(
        reverse("cases:party-add", args=[case.pk]),
        {
            "party-role": PartyRole.RESPONDENT,
            "party-kind": "natural",
            "party-name": "خودم",
            "party-national_code": personas.citizen.national_code,
        },
    )
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert case.parties.count() == 1  # only the claimant added at creation


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("party-national_code", "1234567890"),
        ("party-national_code", "۱۱۱۱۱۱۱۱۱۱"),
        ("party-phone", "021-1234"),
    ],
)
def test_a_wrong_party_identifier_is_shown_next_to_the_field(client, personas, petition, field, value):
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    data = {
        "party-role": PartyRole.OTHER,
        "party-kind": "natural",
        "party-name": "شاهد",
        "party-national_code": "0084575948",
    }
    data[field] = value
    response = client.post(reverse("cases:party-add", args=[case.pk]), data)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert case.parties.count() == 2


def test_a_legal_entity_is_added_with_its_national_id(client, personas, petition):
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    legal_id = make_legal_entity_id("1010123456")
    response = client.post(
        reverse("cases:party-add", args=[case.pk]),
        {
            "party-role": PartyRole.OTHER,
            "party-kind": "legal",
            "party-name": "شرکت نمونه",
            "party-legal_id": legal_id,
        },
    )
    assert response.status_code == 302
    party = case.parties.get(kind="legal")
    assert party.legal_id == legal_id and party.national_code == ""


def test_a_resident_abroad_is_added_with_a_foreign_phone_and_no_national_code(client, personas, petition):
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    response = client.post(
        reverse("cases:party-add", args=[case.pk]),
        {
            "party-role": PartyRole.REPRESENTATIVE,
            "party-kind": "natural",
            "party-name": "وکیل مقیم آلمان",
            "party-phone": "+49 151 23456789",
            "party-resident_abroad": "on",
        },
    )
    assert response.status_code == 302
    party = case.parties.get(role=PartyRole.REPRESENTATIVE)
    assert party.phone == "+4915123456789" and party.resident_abroad and party.national_code == ""


def test_a_party_is_removed_from_the_draft(client, personas, petition):
    case = make_draft(personas, petition)
    respondent = case.parties.get(role=PartyRole.RESPONDENT)
    signed_in(client, personas.citizen)
    response = client.post(reverse("cases:party-remove", args=[case.pk, respondent.pk]))
    assert response.status_code == 302
    assert not Party.objects.filter(pk=respondent.pk).exists()


# --- drafting: documents ----------------------------------------------------------------------


def test_uploading_a_fake_pdf_shows_the_error_and_saves_nothing(client, personas, petition, settings):
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    fake = upload("contract.pdf", b"This is not a PDF at all, just text with a .pdf name.")
    response = client.post(
        reverse("cases:document-add", args=[case.pk]), {"doc-file": fake, "doc-title": "قرارداد"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "invalid-feedback" in html
    assert not Document.objects.exists()
    assert media_files(settings) == []


def test_an_oversized_file_is_refused(client, personas, petition, settings):
    settings.CASES_MAX_UPLOAD_BYTES = 1024
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    big = upload("big.pdf", pdf_bytes(1) + b"%" * 2048)
    response = client.post(reverse("cases:document-add", args=[case.pk]), {"doc-file": big})
    assert response.status_code == 400
    assert not Document.objects.exists()


def test_a_file_with_too_many_pages_is_refused(client, personas, petition, settings):
    settings.CASES_MAX_PAGES_PER_DOCUMENT = 2
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    response = client.post(
        reverse("cases:document-add", args=[case.pk]), {"doc-file": upload("a.pdf", pdf_bytes(3))}
    )
    assert response.status_code == 400
    assert not Document.objects.exists()


def test_a_pdf_is_uploaded_and_its_extra_pages_appear_in_the_fee(client, personas, petition, settings):
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    response = client.post(
        reverse("cases:document-add", args=[case.pk]),
        {"doc-file": upload("a.pdf", pdf_bytes(3)), "doc-title": "چک"},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.pages == 3 and document.title == "چک"
    page = client.get(reverse("cases:draft", args=[case.pk])).content.decode()
    # A petition includes two pages: the third is an extra page line in the fee.
    assert 'id="fee-table"' in page and to_persian_digits("70٬000") in page


def test_a_document_download_is_scoped_and_logged(client, personas, petition):
    case = make_draft(personas, petition)
    document = services.document_add(case=case, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(1)))
    url = reverse("cases:document", args=[case.pk, document.pk])
    signed_in(client, personas.other_citizen)
    assert client.get(url).status_code == 404
    signed_in(client, personas.citizen)
    response = client.get(url, follow=True)  # a 303 to the signed link under /files/
    assert response.redirect_chain[0][0].startswith("/files/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert (
        ConfidentialRead.objects.filter(actor_id=personas.citizen.pk, object_id=str(document.pk)).count() == 1
    )


def test_the_copies_are_confirmed_against_the_originals(client, personas, petition):
    case = make_draft(personas, petition)
    services.document_add(case=case, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(1)))
    signed_in(client, personas.citizen)
    client.post(reverse("cases:confirm-originals", args=[case.pk]))
    assert not Case.objects.get(pk=case.pk).originals_confirmed  # the box was not ticked
    client.post(reverse("cases:confirm-originals", args=[case.pk]), {"confirm": "on"})
    assert Case.objects.get(pk=case.pk).originals_confirmed


# --- submitting -------------------------------------------------------------------------------


def test_the_citizen_submits_and_sees_the_tracking_code(client, personas, petition):
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    response = client.post(reverse("cases:submit", args=[case.pk]), {"expected_status": "draft"}, follow=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.fee_snapshot
    assert to_persian_digits(case.tracking_code_display) in response.content.decode()


def test_an_incomplete_request_explains_what_is_missing(client, personas, petition):
    case = services.case_create(
        actor=personas.citizen, service=petition, channel="remote", office=personas.office_a, title="x"
    )
    signed_in(client, personas.citizen)
    response = client.post(reverse("cases:submit", args=[case.pk]), {"expected_status": "draft"})
    assert response.status_code == 400 and b'id="submit-error"' in response.content
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DRAFT


def test_a_second_submit_is_a_409_and_adds_no_event(client, personas, petition):
    case = make_draft(personas, petition)
    signed_in(client, personas.citizen)
    client.post(reverse("cases:submit", args=[case.pk]), {"expected_status": "draft"})
    response = client.post(reverse("cases:submit", args=[case.pk]), {"expected_status": "draft"})
    assert response.status_code == 409 and b'id="conflict"' in response.content
    assert CaseEvent.objects.filter(case=case, to_status=CaseStatus.SUBMITTED).count() == 1


def test_editing_after_submission_is_a_conflict_that_keeps_what_was_typed(client, personas, petition):
    case = submitted_case(personas, petition)
    signed_in(client, personas.citizen)
    response = client.post(
        reverse("cases:details", args=[case.pk]), {"title": "عنوان تازه", "claim_text": "متن بلندی که نوشتم"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="conflict"' in html and "متن بلندی که نوشتم" in html
    response = client.post(
        reverse("cases:party-add", args=[case.pk]),
        {
            "party-role": "other",
            "party-kind": "natural",
            "party-name": "شاهد اول",
            "party-national_code": "0084575948",
        },
    )
    assert response.status_code == 409 and "شاهد اول" in response.content.decode()
    response = client.post(reverse("cases:confirm-originals", args=[case.pk]), {"confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.title != "عنوان تازه" and case.parties.count() == 2


def test_a_semi_in_person_applicant_is_offered_to_book_the_short_visit(client, personas, petition):
    semi = submitted_case(personas, petition)
    remote = submitted_case(personas, petition, channel="remote")
    signed_in(client, personas.citizen)
    html = client.get(reverse("cases:detail", args=[semi.pk])).content.decode()
    assert 'id="book-visit"' in html and f"/office/{personas.office_a.code}/?service=civil_petition" in html
    assert 'id="book-visit"' not in client.get(reverse("cases:detail", args=[remote.pk])).content.decode()


# --- the office's actions ---------------------------------------------------------------------


def test_a_clerk_reviews_and_asks_for_a_correction_that_the_citizen_sees(client, personas, petition):
    case = submitted_case(personas, petition)
    signed_in(client, personas.clerk_a)
    client.post(
        reverse("cases:act", args=[case.pk, "start_review"]), {"start_review-expected_status": "submitted"}
    )
    response = client.post(
        reverse("cases:act", args=[case.pk, "request_correction"]),
        {
            "request_correction-expected_status": "in_review",
            "request_correction-note": "تصویر چک را بارگذاری کنید",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.NEEDS_CORRECTION
    signed_in(client, personas.citizen)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "تصویر چک را بارگذاری کنید" in html and 'id="fix-and-resubmit"' in html
    response = client.post(reverse("cases:submit", args=[case.pk]), {"expected_status": "needs_correction"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESUBMITTED


def test_a_correction_needs_a_note(client, personas, petition):
    case = in_review_case(personas, petition)
    signed_in(client, personas.clerk_a)
    response = client.post(
        reverse("cases:act", args=[case.pk, "request_correction"]),
        {"request_correction-expected_status": "in_review", "request_correction-note": "   "},
    )
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_REVIEW


def test_a_stale_form_is_a_409_with_a_clear_message_and_the_typed_note_is_kept(client, personas, petition):
    case = in_review_case(personas, petition)
    # The manager asks for a correction while the clerk still has the page open.
    services.case_request_correction(
        case=case, actor=personas.manager_a, note="امضا ندارد", expected_status="in_review"
    )
    signed_in(client, personas.clerk_a)
    response = client.post(
        reverse("cases:act", args=[case.pk, "request_correction"]),
        {"request_correction-expected_status": "in_review", "request_correction-note": "شماره چک اشتباه است"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="conflict"' in html and "شماره چک اشتباه است" in html
    assert CaseEvent.objects.filter(case=case, to_status=CaseStatus.NEEDS_CORRECTION).count() == 1
    assert Case.objects.get(pk=case.pk).correction_note == "امضا ندارد"


def test_two_clerks_starting_the_same_review_one_gets_the_conflict(client, personas, petition):
    case = submitted_case(personas, petition)
    signed_in(client, personas.manager_a)
    url = reverse("cases:act", args=[case.pk, "start_review"])
    assert client.post(url, {"start_review-expected_status": "submitted"}).status_code == 302
    signed_in(client, personas.clerk_a)
    response = client.post(url, {"start_review-expected_status": "submitted"})
    assert response.status_code == 409 and b'id="conflict"' in response.content
    assert CaseEvent.objects.filter(case=case, to_status=CaseStatus.IN_REVIEW).count() == 1


def test_a_clerk_of_another_office_cannot_act_on_the_case(client, personas, petition):
    case = submitted_case(personas, petition)
    signed_in(client, personas.clerk_b)
    response = client.post(
        reverse("cases:act", args=[case.pk, "start_review"]), {"start_review-expected_status": "submitted"}
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


def test_the_applicant_cannot_review_their_own_request(client, personas, petition):
    case = submitted_case(personas, petition)
    signed_in(client, personas.citizen)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="start-review"' not in html
    response = client.post(
        reverse("cases:act", args=[case.pk, "start_review"]), {"start_review-expected_status": "submitted"}
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


def test_an_unknown_action_is_a_404(client, personas, petition):
    case = submitted_case(personas, petition)
    signed_in(client, personas.clerk_a)
    assert client.post(reverse("cases:act", args=[case.pk, "teleport"]), {}).status_code == 404


def test_verifying_a_visit_case_needs_the_identity_box_ticked(client, personas, petition):
    case = in_review_case(personas, petition)
    signed_in(client, personas.clerk_a)
    url = reverse("cases:act", args=[case.pk, "verify"])
    response = client.post(url, {"verify-expected_status": "in_review"})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_REVIEW
    response = client.post(
        url, {"verify-expected_status": "in_review", "verify-identity_checked_in_person": "on"}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.AWAITING_PAYMENT
    assert Payment.objects.filter(reference_type="cases.case", reference_id=str(case.pk)).count() == 1


def test_a_rejection_needs_a_coded_reason_and_the_citizen_sees_it(client, personas, petition):
    case = in_review_case(personas, petition)
    signed_in(client, personas.clerk_a)
    url = reverse("cases:act", args=[case.pk, "reject"])
    assert (
        client.post(url, {"reject-expected_status": "in_review", "reject-reason": "bogus"}).status_code == 400
    )
    response = client.post(
        url,
        {"reject-expected_status": "in_review", "reject-reason": "unlawful", "reject-note": "خارج از صلاحیت"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED and case.outcome_reason == "unlawful"
    signed_in(client, personas.citizen)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="rejected"' in html and "خارج از صلاحیت" in html


def test_the_citizen_withdraws_a_submitted_request(client, personas, petition):
    case = submitted_case(personas, petition)
    signed_in(client, personas.citizen)
    response = client.post(
        reverse("cases:act", args=[case.pk, "cancel"]),
        {"cancel-expected_status": "submitted", "cancel-reason": "duplicate"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    # A citizen's cancellation is always their own withdrawal, whatever the form said.
    assert case.status == CaseStatus.CANCELLED and case.outcome_reason == "applicant_withdrew"


def test_a_closed_case_cannot_move_again(client, personas, petition):
    case = awaiting_payment_case(personas, petition)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    signed_in(client, personas.clerk_a)
    response = client.post(reverse("cases:act", args=[case.pk, "close"]), {"close-expected_status": "closed"})
    assert response.status_code == 409
    assert CaseEvent.objects.filter(case=case, to_status=CaseStatus.CLOSED).count() == 0


# --- payment ----------------------------------------------------------------------------------


def test_the_citizen_is_sent_to_the_payment_gateway(client, personas, petition):
    case = awaiting_payment_case(personas, petition)
    signed_in(client, personas.citizen)
    response = client.post(reverse("cases:pay", args=[case.pk]))
    assert response.status_code == 302 and "/finance/gateway/" in response["Location"]


def test_an_expired_payment_is_reopened_at_the_frozen_amount(client, personas, petition):
    case = awaiting_payment_case(personas, petition)
    first = Payment.objects.get(reference_id=str(case.pk))
    signed_in(client, personas.citizen)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        response = client.post(reverse("cases:pay", args=[case.pk]))
    assert response.status_code == 302 and "/finance/gateway/" in response["Location"]
    payments = Payment.objects.filter(reference_id=str(case.pk)).order_by("pk")
    assert payments.count() == 2 and payments[1].amount == first.amount == case.fee_snapshot["client_total"]


def test_a_payment_the_case_did_not_hear_of_is_caught_up_instead_of_charged_twice(client, personas, petition):
    case = awaiting_payment_case(personas, petition)
    payment = Payment.objects.get(reference_id=str(case.pk))
    # Captured, but the after-commit signal that moves the case on never ran.
    finance_services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.AWAITING_PAYMENT
    signed_in(client, personas.citizen)
    response = client.post(reverse("cases:pay", args=[case.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    assert Case.objects.get(pk=case.pk).status == CaseStatus.PAID
    assert Payment.objects.filter(reference_id=str(case.pk)).count() == 1


def test_only_the_applicant_pays_online(client, personas, petition):
    case = awaiting_payment_case(personas, petition)
    signed_in(client, personas.other_citizen)
    assert client.post(reverse("cases:pay", args=[case.pk])).status_code == 404
    signed_in(client, personas.clerk_a)
    assert client.post(reverse("cases:pay", args=[case.pk])).status_code == 404


def test_a_clerk_records_a_counter_payment_and_the_case_is_filed(
    client, personas, petition, django_capture_on_commit_callbacks
):
    case = awaiting_payment_case(personas, petition, channel="in_person")
    signed_in(client, personas.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:counter-payment", args=[case.pk]),
            {"counter-expected_status": "awaiting_payment", "counter-method": "pos"},
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED and case.external_ref
    assert Payment.objects.get(reference_id=str(case.pk)).status == "captured"


def test_a_clerk_of_another_office_cannot_record_a_counter_payment(client, personas, petition):
    case = awaiting_payment_case(personas, petition, channel="in_person")
    signed_in(client, personas.clerk_b)
    response = client.post(
        reverse("cases:counter-payment", args=[case.pk]), {"counter-expected_status": "awaiting_payment"}
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).status == CaseStatus.AWAITING_PAYMENT


# --- home links and language ------------------------------------------------------------------


def test_the_home_pages_link_to_the_case_pages(client, personas):
    signed_in(client, personas.citizen)
    html = client.get(reverse("web:home")).content.decode()
    assert reverse("cases:start") in html and reverse("cases:list") in html
    signed_in(client, personas.clerk_a)
    html = client.get(reverse("web:home")).content.decode()
    assert (
        reverse("cases:worklist") in html
        and reverse("cases:walk-in") in html
        and reverse("cases:search") in html
    )


def test_the_case_page_also_renders_left_to_right_in_english(client, personas, petition):
    case = awaiting_payment_case(personas, petition)
    signed_in(client, personas.citizen)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'dir="ltr"' in html and case.tracking_code_display in html
