"""Tanzim's PDFs are machine-readable: tagged (PDF/UA-1), titled, dated, in the reader's language,
and their text layer (read with poppler's ``pdftotext``, what search engines and screen readers
see) holds the reference codes, the names with their zero-width non-joiners, the amounts and the
dates of a receipt and a settlement report.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
import time_machine
from pypdf import PdfReader

from tanzim.cases import services as case_services
from tanzim.cases.choices import PartyRole
from tanzim.cases.receipt import receipt_pdf
from tanzim.catalog.models import Service
from tanzim.common.normalize import to_persian_digits
from tanzim.common.pdf import render_pdf
from tanzim.disputes import services as dispute_services
from tanzim.disputes.documents import settlement_pdf
from tanzim.testing.cases import RESPONDENT_CODE
from tanzim.testing.disputes import NOW, sign_all, to_mediation

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed"),
]

ZWNJ = "\u200c"
# pdftotext marks right-to-left runs with embedding controls; the words are what matter here.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
SITE = "https://tanzim.example.ir"


def pdf_text(content: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    )
    return BIDI_CONTROLS.sub("", result.stdout.decode())


def squeezed(text: str) -> str:
    """The text without whitespace: pdftotext's bidi reordering moves the space beside a number."""
    return re.sub(r"\s+", "", text)


def pdf_info(content: bytes) -> dict[str, str]:
    result = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
    pairs = (line.split(":", 1) for line in result.stdout.decode().splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.fixture(autouse=True)
def _site(settings, tmp_path):
    settings.SITE_URL = SITE + "/"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CASES_FILING_FAILURE_RATE = 0


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_a_persian_word_keeps_its_zero_width_non_joiner_in_the_text_layer():
    html = (
        '<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>آزمون</title></head>'
        "<body><p>وضعیت: ثبت‌شده، می‌شود، نیک‌نام</p></body></html>"
    )
    text = pdf_text(render_pdf(html))
    for word in ("ثبت‌شده", "می‌شود", "نیک‌نام"):
        assert ZWNJ in word and word in text
    assert "ثبتشده" not in text


def test_the_pdf_is_tagged_with_its_title_language_and_creation_date(clock):
    html = (
        '<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>رسید درخواست</title>'
        "</head><body><p>متن</p></body></html>"
    )
    content = render_pdf(html)
    info = pdf_info(content)
    assert info["Tagged"] == "yes"
    assert info["Title"] == "رسید درخواست"
    # pdfinfo prints the date in the machine's zone; the year and month are the same everywhere.
    assert "2026" in info["CreationDate"] and "Dec" in info["CreationDate"]
    catalog = PdfReader(io.BytesIO(content)).trailer["/Root"]
    assert catalog["/Lang"] == "fa"
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]


def test_the_receipt_text_layer_has_the_code_names_with_zwnj_amounts_date_and_site_address(personas, clock):
    petition = Service.objects.get(code="civil_petition")
    case = case_services.case_create(
        actor=personas.citizen,
        service=petition,
        channel="semi_in_person",
        office=personas.office_a,
        title="مطالبه وجه",
    )
    case_services.party_add(
        case=case,
        actor=personas.citizen,
        role=PartyRole.RESPONDENT,
        kind="natural",
        name="مریم نیک‌نام",
        national_code=RESPONDENT_CODE,
    )
    case = case_services.case_submit(case=case, actor=personas.citizen)
    content = receipt_pdf(case=case, language="fa")
    text = pdf_text(content)

    assert pdf_info(content)["Tagged"] == "yes"
    assert case.tracking_code_display in text  # the Latin-digit copy, for typing elsewhere
    assert "مریم نیک‌نام" in text
    assert "ارسال‌شده" in text  # the status "Submitted", with its non-joiner
    total = case.fee_snapshot["client_total"]
    assert to_persian_digits(f"{total:,}".replace(",", "٬")) in text
    assert "۱۴۰۵/۰۹/۱۴" in text  # submitted and issued on 14 Azar 1405 (5 December 2026)
    assert f"{SITE}/cases/" in text and "127.0.0.1" not in text


def test_the_settlement_report_text_layer_has_the_reference_parties_amounts_and_due_dates(personas, clock):
    personas.citizen.first_name, personas.citizen.last_name = "زهرا", "نیک‌اندیش"
    personas.citizen.save(update_fields=["first_name", "last_name"])
    dispute = to_mediation(personas, claim_amount=400_000_000)
    respondent = dispute.parties.get(role="respondent")
    settlement = dispute_services.settlement_draft(
        dispute=dispute,
        actor=personas.mediator_a,
        terms="پرداخت مهریه در دو قسط",
        obligations=[
            {
                "obligor": "respondent",
                "kind": "payment",
                "description": "قسط اول مهریه",
                "amount": 150_000_000,
                "due_date": date(2027, 1, 20),
            },
            {
                "obligor": "respondent",
                "kind": "payment",
                "description": "قسط دوم مهریه",
                "amount": 250_000_000,
                "due_date": date(2027, 3, 1),
            },
        ],
    )
    dispute_services.settlement_open(settlement=settlement, actor=personas.mediator_a)
    sign_all(dispute, settlement, personas, respondent.user)
    settlement.refresh_from_db()
    content = settlement_pdf(settlement=settlement, language="fa")
    text = pdf_text(content)

    assert pdf_info(content)["Tagged"] == "yes"
    claimant = dispute.parties.get(role="claimant")
    assert ZWNJ in claimant.name and claimant.name in text
    assert respondent.name in text
    assert dispute.reference_display in text or to_persian_digits(dispute.reference_display) in text
    for amount in ("۱۵۰٬۰۰۰٬۰۰۰", "۲۵۰٬۰۰۰٬۰۰۰", "۴۰۰٬۰۰۰٬۰۰۰"):
        assert amount in text
    assert "۳۰دی۱۴۰۵" in squeezed(text) and "۱۰اسفند۱۴۰۵" in squeezed(text)  # the two due dates
    assert "DRAFT" not in text and "پیش‌نویس" not in text


def test_the_referral_summary_tells_the_history_in_sentences_not_state_names(personas, clock):
    from tanzim.disputes.documents import referral_zip
    from tanzim.testing.disputes import open_dispute

    dispute = dispute_services.dispute_triage(
        dispute=open_dispute(personas, category="other", claim_amount=None), actor=personas.clerk_a
    )
    archive = zipfile.ZipFile(io.BytesIO(referral_zip(referral=dispute.referrals.get(), language="en")))
    text = " ".join(pdf_text(archive.read("summary.pdf")).split())

    assert "The dispute was opened." in text
    assert "The dispute was referred onward." in text
    assert f"by {personas.clerk_a.display_name}" in text  # the court reads who did what
    assert "→" not in text and "Triaged" not in text
