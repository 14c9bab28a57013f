"""Free services (note to art. 505 CPC) in Debian's Chromium, in Persian, on a phone and a desktop:
the walk-in form refuses a free service without its ground and evidence (the error summary takes
the focus, names the fields, keeps what was typed), then opens it with them; the receipt keeps the
normal price, the waiver and the 0 paid; the inspector checks the month's sample on a phone.

The harness (``browser``, ``new_page``) is the one every app shares, in ``tanzim/testing/browser.py``.
"""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tanzim.cases.models import Case
from tanzim.common.jalali import JalaliMonth
from tanzim.finance.models import FreeServiceGrant, Payment
from tanzim.inspections import services as inspections
from tanzim.inspections.choices import SampleVerdict
from tanzim.inspections.models import FreeServiceSample
from tanzim.testing.browser import DESKTOP, PHONE, no_sideways_scroll, persian
from tanzim.testing.cases import RESPONDENT_CODE
from tanzim.testing.files import pdf_bytes
from tanzim.testing.finance import free_grant

SCREENSHOTS = "/tmp/tanzim-free-service-{name}.png"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _filing_never_fails(settings):
    settings.CASES_FILING_FAILURE_RATE = 0


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def either_way(needle: str, text: str) -> bool:
    """pypdf reads a run of Persian digits in visual order, right to left: either order will do."""
    return needle in text or needle[::-1] in text


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["390px", "desktop"])
def test_note_to_art_505_the_walk_in_form_refuses_a_free_service_without_ground_then_the_receipt_waives_it(
    new_page, personas, device
):
    page = new_page(personas.clerk_a, device)
    page.goto("/cases/walk-in/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.fill("#id_national_code", persian("0084575948"))
    page.fill("#id_mobile", "۰۹۳۵۱۲۳۴۵۶۷")
    page.fill("#id_first_name", "رضا")
    page.fill("#id_last_name", "کریمی")
    page.select_option("#id_service", "civil_petition")
    page.fill("#id_title", "مطالبه وجه چک")
    page.check("#id_free_service")
    page.locator("#open-request").click()

    # No ground: refused, the summary has the focus and names the ground; nothing was typed in vain.
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_ground']")).to_contain_text("مبنا")
    expect(page.locator("#id_title")).to_have_value("مطالبه وجه چک")
    expect(page.locator("#id_first_name")).to_have_value("رضا")
    expect(page.locator("#id_free_service")).to_be_checked()
    no_sideways_scroll(page)

    # A ground without its evidence: the summary names the card number and the confirmation.
    page.select_option("#id_ground", "relief_committee")
    page.fill("#id_evidence_number", "۱۲ab")
    page.locator("#open-request").click()
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_evidence_number']")).to_contain_text("۶ تا ۱۶")  # Persian digits
    expect(summary.locator("a[href='#id_confirmation_document']")).to_be_visible()
    expect(page.locator("#id_ground")).to_have_value("relief_committee")
    no_sideways_scroll(page)
    page.screenshot(
        path=SCREENSHOTS.format(name=f"walk-in-refused-{device['viewport']['width']}"), full_page=True
    )
    assert not Case.objects.exists() and not FreeServiceGrant.objects.exists()

    # With the card number (typed in Persian digits) and the confirmation, the request opens.
    page.fill("#id_evidence_number", "۱۲۳۴۵۶۷۸")
    page.locator("#id_confirmation_document").set_input_files(
        files=[{"name": "confirmation.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.locator("#open-request").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/draft/$"))
    case = Case.objects.get(applicant__national_code="0084575948")
    grant = FreeServiceGrant.objects.get(reference_type="cases.case", reference_id=str(case.pk))
    assert case.free_service and grant.evidence_number == "12345678"

    # Filed on the citizen's behalf: nothing to pay, so the free payment is taken at verification.
    form = page.locator("#party-form")
    if not form.is_visible():
        page.locator("#add-party summary").click()
    page.select_option("#id_party-role", "respondent")
    page.fill("#id_party-name", "بهرام بهرامی")
    page.fill("#id_party-national_code", persian(RESPONDENT_CODE))
    page.locator("#add-party-button").click()
    expect(page.locator("#parties tbody tr[data-role='respondent']")).to_have_count(1)
    page.locator("#submit").click()
    page.locator("#start-review").click()
    page.check("#id_verify-identity_checked_in_person")
    page.locator("#verify").click()
    expect(page.locator("#case-header")).to_have_attribute("data-status", re.compile("paid|filed"))
    no_sideways_scroll(page)
    payment = Payment.objects.get(reference_type="cases.case", reference_id=str(case.pk))
    assert (payment.amount, payment.status) == (0, "captured")

    with page.expect_download() as info:
        page.locator("#receipt").click()
    with open(info.value.path(), "rb") as handle:
        text = pdf_text(handle.read())
    case.refresh_from_db()
    normal = persian(f"{case.fee_snapshot['office_fee']:,}").replace(",", "٬")
    assert case.fee_snapshot["office_fee"] > 0 and case.fee_snapshot["client_total"] == 0
    lines = text.splitlines()

    def line(start: str) -> str:
        return next(found for found in lines if found.startswith(start))

    normal_price = line("بهای عادی خدمت")  # the normal price of the service stays on the record
    assert either_way(normal, normal_price) and normal_price.endswith("ریال")
    waiver = line("بخشوده: خدمت رایگان")  # the waiver, with its ground
    assert "کمیته امداد" in waiver and either_way("−" + normal, waiver)
    assert line("پرداختی مراجعه‌کننده برای خدمت").endswith("خدمت۰ ریال")  # what the client paid: 0


def test_the_inspector_checks_the_months_sample_on_a_phone(new_page, personas):
    free_grant(
        office=personas.office_a,
        actor=personas.clerk_a,
        reference_type="tests.browser",
        reference_id="1",
        evidence_number="۹۸۷۶۵۴۳۲",
    )
    month = JalaliMonth.of(timezone.now())
    inspections.free_service_sample_draw(month=month)
    sample = FreeServiceSample.objects.get()
    page = new_page(personas.inspector, PHONE)

    page.goto(f"/inspections/free-services/?month={month}")
    no_sideways_scroll(page)
    page.locator("#free-services tr[data-office='A0001'] a").click()
    expect(page).to_have_url(re.compile(rf"/inspections/free-services/A0001/{month.key}/$"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    card = page.locator(f"#sample-{sample.pk}")
    expect(card.locator(".sample-card")).to_have_text("••••" + persian("5432"))
    expect(card.locator(".sample-ground")).to_contain_text("کمیته امداد")
    expect(card.locator(".sample-document")).to_have_attribute("href", re.compile(r"/document/$"))
    no_sideways_scroll(page)

    # "Does not hold" without saying why: refused, the summary has the focus and names the note.
    card.locator(f"label[for='s{sample.pk}-fails']").click()
    card.locator(".sample-submit").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator(f"a[href='#s{sample.pk}-note']")).to_be_visible()
    expect(page.locator(f"#s{sample.pk}-fails")).to_be_checked()
    no_sideways_scroll(page)
    page.screenshot(path=SCREENSHOTS.format(name="sample-refused-390"), full_page=True)

    page.fill(f"#s{sample.pk}-note", "تأییدیه به نام شخص دیگری صادر شده است.")
    page.locator(f"#sample-{sample.pk} .sample-submit").click()
    expect(page.locator(f"#sample-{sample.pk}")).to_have_attribute("data-verdict", "fails")
    expect(page.locator(f"#sample-{sample.pk} .sample-checked")).to_contain_text("به نام شخص دیگری")
    no_sideways_scroll(page)
    page.screenshot(path=SCREENSHOTS.format(name="sample-checked-390"), full_page=True)
    sample.refresh_from_db()
    assert sample.verdict == SampleVerdict.FAILS and sample.checked_by == personas.inspector

    with page.expect_download() as info:
        page.locator(f"#sample-{sample.pk} .sample-document").click()
    with open(info.value.path(), "rb") as handle:
        assert handle.read().startswith(b"%PDF")
