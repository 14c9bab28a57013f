"""The Persian PDF receipt: what it says, in which language, and who may download it."""

from __future__ import annotations

import io

import pytest
from django.test import TestCase
from django.urls import reverse
from pypdf import PdfReader

from tanzim.cases.receipt import fee_lines, receipt_html, receipt_pdf
from tanzim.cases.tests.page_helpers import awaiting_payment_case, submitted_case
from tanzim.common.normalize import normalize_digits, to_persian_digits
from tanzim.finance import services as finance_services
from tanzim.finance.models import Payment
from tanzim.testing.cases import make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CASES_FILING_FAILURE_RATE = 0


def paid_case(personas, service):
    """A case whose fees were paid at the counter: the first moment it has a receipt."""
    case = awaiting_payment_case(personas, service, channel="in_person")
    payment = Payment.objects.get(reference_id=str(case.pk))
    with TestCase.captureOnCommitCallbacks(execute=True):  # the captured payment marks the case paid
        finance_services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)
    case.refresh_from_db()
    return case


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_fonts(content: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(content))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():  # type: ignore[index]  # pypdf's loose types
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def test_the_receipt_is_a_pdf_with_the_grouped_tracking_code_in_persian_digits(client, personas, petition):
    case = paid_case(personas, petition)
    client.force_login(personas.citizen)
    response = client.get(reverse("cases:receipt", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"tanzim-{case.tracking_code}.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    persian = to_persian_digits(case.tracking_code_display)
    # pypdf reads runs of Persian digits in visual order, right to left: either order is the code.
    assert persian in text or persian[::-1] in text
    assert case.tracking_code_display in text  # the Latin-digit copy under it, for typing elsewhere


def test_the_receipt_embeds_vazirmatn_at_fixed_weights_made_once_a_process(personas, petition, monkeypatch):
    from weasyprint.pdf import fonts as weasyprint_fonts

    case = submitted_case(personas, petition)
    receipt_pdf(case=case)  # the process's first document makes the fixed weights
    made = []
    original = weasyprint_fonts.instantiateVariableFont
    monkeypatch.setattr(
        weasyprint_fonts,
        "instantiateVariableFont",
        lambda *args, **kwargs: made.append(args) or original(*args, **kwargs),
    )
    fonts = pdf_fonts(receipt_pdf(case=case))
    # Regular and bold text, each a font of its own, and no variable font instantiated for this one.
    assert len([name for name in fonts if "Vazirmatn" in name]) >= 2, fonts
    assert made == []


def test_the_receipt_is_right_to_left_in_persian_and_left_to_right_in_english(personas, petition):
    case = submitted_case(personas, petition)
    persian = receipt_html(case=case)
    assert 'lang="fa" dir="rtl"' in persian and to_persian_digits(case.tracking_code_display) in persian
    english = receipt_html(case=case, language="en")
    assert 'lang="en" dir="ltr"' in english and case.service.name_en in english


def test_the_receipt_follows_the_applicants_language(personas, petition):
    personas.citizen.preferred_language = "en"
    personas.citizen.save(update_fields=["preferred_language"])
    case = submitted_case(personas, petition)
    assert 'lang="en"' in receipt_html(case=case)


def test_the_receipt_lists_the_parties_with_masked_identifiers(personas, petition):
    case = submitted_case(personas, petition)
    html = receipt_html(case=case, language="en")
    assert personas.citizen.get_full_name() in html
    assert personas.citizen.national_code not in html and "***" in html


def test_the_receipt_shows_the_fee_lines_and_keeps_the_court_fee_apart(personas, petition):
    case = submitted_case(personas, petition)
    html = receipt_html(case=case, language="en")
    snapshot = case.fee_snapshot
    assert f"{snapshot['client_total']:,}" in html
    assert "Not paid yet" in html
    assert snapshot["court_fee"] == 0 and "Court fee" not in html  # no "court fee 0" line (issue 15, 7)
    case.fee_snapshot = {**snapshot, "court_fee": 120_000, "client_total": snapshot["client_total"] + 120_000}
    html = receipt_html(case=case, language="en")
    assert "Court fee" in html and "120,000" in html


def test_the_receipt_gives_the_total_in_words_and_tomans(personas, petition):
    case = submitted_case(personas, petition)
    total = case.fee_snapshot["client_total"]
    html = receipt_html(case=case, language="fa")
    assert 'id="receipt-total-words"' in html
    from tanzim.common.money_words import explain

    shown = explain(total, "fa")
    assert shown.words in html and f"{shown.tomans} تومان" in html


def test_no_receipt_is_offered_or_served_before_the_fees_are_paid(client, personas, petition):
    case = awaiting_payment_case(personas, petition, channel="in_person")
    client.force_login(personas.citizen)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="receipt"' not in page
    assert 'id="pay-online"' in page and 'id="amount-due"' in page  # the fee, explained, with its button
    assert client.get(reverse("cases:receipt", args=[case.pk])).status_code == 404
    payment = Payment.objects.get(reference_id=str(case.pk))
    with TestCase.captureOnCommitCallbacks(execute=True):
        finance_services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="receipt"' in page
    assert client.get(reverse("cases:receipt", args=[case.pk])).status_code == 200


def test_the_receipt_of_a_paid_case_shows_the_payment(personas, petition, django_capture_on_commit_callbacks):
    case = awaiting_payment_case(personas, petition, channel="in_person")
    payment = Payment.objects.get(reference_id=str(case.pk))
    with django_capture_on_commit_callbacks(execute=True):
        finance_services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)
    case.refresh_from_db()
    payment.refresh_from_db()
    content = receipt_pdf(case=case, payment=payment)
    text = pdf_text(content)
    assert payment.short_reference in text
    assert case.external_ref in normalize_digits(text)


def test_fee_lines_are_labelled_in_the_readers_language(personas, petition):
    case = submitted_case(personas, petition)
    fees = fee_lines(case.fee_snapshot, case.service)
    assert fees.lines[0].label == case.service.name
    assert fees.client_total == case.fee_snapshot["client_total"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("citizen", 200),
        ("clerk_a", 200),
        ("manager_a", 200),
        ("other_citizen", 404),
        ("clerk_b", 404),
        ("province_admin_a", 404),
    ],
)
def test_only_the_applicant_and_the_offices_staff_download_the_receipt(
    client, personas, petition, who, status
):
    case = paid_case(personas, petition)
    client.force_login(getattr(personas, who))
    response = client.get(reverse("cases:receipt", args=[case.pk]))
    assert response.status_code == status
    assert response.content.startswith(b"%PDF") == (status == 200)


def test_a_draft_has_no_receipt(client, personas, petition):
    case = make_draft(personas, petition)
    client.force_login(personas.citizen)
    assert client.get(reverse("cases:receipt", args=[case.pk])).status_code == 404


def test_the_receipt_needs_a_signed_in_user(client, personas, petition):
    case = submitted_case(personas, petition)
    response = client.get(reverse("cases:receipt", args=[case.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
