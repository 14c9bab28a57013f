"""The three case journeys in Persian, in Debian's Chromium: in person, semi-in-person, remote.

As in tanzim/web/tests/test_browser.py: Playwright's sync API runs an event loop in this
thread, so Django's async-safety guard is lifted; the live server runs in another thread, so
the database is not wrapped in a transaction and the project's conftest restores the
reference data (services, tariffs, provinces) afterwards. Tasks run eagerly, so a paid case
is filed with the (simulated, never failing here) judiciary before the page comes back.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case, CaseEvent
from tanzim.finance.models import Payment
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll, persian
from tanzim.testing.cases import RESPONDENT_CODE
from tanzim.testing.files import pdf_bytes

SCREENSHOTS = "/tmp/tanzim-cases-{name}.png"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _filing_never_fails(settings):
    settings.CASES_FILING_FAILURE_RATE = 0


def expect_status(page, status: str) -> None:
    expect(page.locator("#case-header")).to_have_attribute("data-status", status)


def download_receipt(page) -> bytes:
    with page.expect_download() as info:
        page.locator("#receipt").click()
    path = info.value.path()
    with open(path, "rb") as handle:
        return handle.read()


def clerk_signs_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct-horse-battery")
    page.locator("main form button").click()
    expect(page).to_have_url(re.compile(r"/home/$"))


def add_respondent(page, name: str, national_code: str) -> None:
    form = page.locator("#party-form")
    if not form.is_visible():
        page.locator("#add-party summary").click()
    page.select_option("#id_party-role", "respondent")
    page.fill("#id_party-name", name)
    page.fill("#id_party-national_code", persian(national_code))
    page.locator("#add-party-button").click()
    expect(page.locator("#parties tbody tr[data-role='respondent']")).to_have_count(1)


def pay_through_the_gateway(page, amount: int) -> None:
    page.locator("#pay-online").click()
    expect(page).to_have_url(re.compile(r"/finance/gateway/"))
    expect(page.locator("#gateway-amount")).to_contain_text(persian(f"{amount:,}").replace(",", "٬"))
    page.locator("#gateway-pay").click()
    # The bank posts the signed answer back and Tanzim returns the payer to the request.
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))


# --- (a) in person: a clerk files for a walk-in citizen ---------------------------------------


def test_a_clerk_files_in_person_for_a_walk_in_citizen(new_page, personas):
    page = new_page()
    clerk_signs_in(page, "clerk.a")
    expect_persian_page(page)
    page.locator("#requests-links a[href$='/cases/walk-in/']").click()

    # The citizen's ID card: national code typed in Persian digits, a new account is opened.
    page.fill("#id_national_code", persian("0084575948"))
    page.fill("#id_mobile", "۰۹۳۵۱۲۳۴۵۶۷")
    page.fill("#id_first_name", "رضا")
    page.fill("#id_last_name", "کریمی")
    page.select_option("#id_service", "civil_petition")
    page.fill("#id_title", "مطالبه وجه چک")
    page.locator("#open-request").click()

    expect(page).to_have_url(re.compile(r"/cases/\d+/draft/$"))
    expect(page.locator("#on-behalf")).to_contain_text("رضا کریمی")
    case = Case.objects.get(applicant__national_code="0084575948")
    expect(page.locator(".tracking-code").first).to_have_text(persian(case.tracking_code_display))

    page.fill("#id_claim_text", "خواسته: مطالبه مبلغ یک چک برگشتی به همراه خسارت تأخیر.")
    page.fill("#id_claim_amount", "۵۰۰٬۰۰۰٬۰۰۰")
    page.locator("#save-details").click()
    # the saved amount comes back grouped, in Persian digits (tanzim.common.formatting.money)
    expect(page.locator("#id_claim_amount")).to_have_value("۵۰۰٬۰۰۰٬۰۰۰")
    add_respondent(page, "بهرام بهرامی", RESPONDENT_CODE)
    page.locator("#id_doc-file").set_input_files(
        files=[{"name": "check.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(2)}]
    )
    page.fill("#id_doc-title", "تصویر چک")
    page.locator("#upload").click()
    expect(page.locator("#documents li a")).to_have_text("تصویر چک")
    page.screenshot(path=SCREENSHOTS.format(name="draft-on-behalf"), full_page=True)

    # Submitted on the citizen's behalf, reviewed, verified at the counter and paid by card.
    page.locator("#submit").click()
    expect_status(page, "submitted")
    page.locator("#start-review").click()
    expect_status(page, "in_review")
    page.locator("#verify").click()  # the identity box is not ticked yet: refused
    expect(page.locator("#verify-form .invalid-feedback, #verify-form .alert-danger").first).to_be_visible()
    expect_status(page, "in_review")
    page.check("#id_verify-identity_checked_in_person")
    page.locator("#verify").click()
    expect_status(page, "awaiting_payment")
    expect(page.locator("#pay-online")).to_have_count(0)  # the clerk does not pay online for them
    page.locator("#record-counter-payment").click()

    expect_status(page, "filed")
    expect(page.locator("#filed")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("رضا کریمی")  # "on behalf of" the citizen
    page.screenshot(path=SCREENSHOTS.format(name="filed-in-person"), full_page=True)
    assert download_receipt(page).startswith(b"%PDF")

    case.refresh_from_db()
    assert case.status == CaseStatus.FILED and case.external_ref
    submitted = CaseEvent.objects.get(case=case, to_status=CaseStatus.SUBMITTED)
    assert submitted.actor == personas.clerk_a and submitted.on_behalf_of == case.applicant
    payment = Payment.objects.get(reference_type="cases.case", reference_id=str(case.pk))
    assert payment.status == "captured" and payment.method == "pos"


# --- (b) semi-in-person: drafted online, verified at one short visit, paid online -------------


def test_a_citizen_drafts_online_and_the_office_verifies_at_a_short_visit(new_page, personas):
    citizen = new_page(personas.citizen)
    citizen.goto("/home/")
    expect_persian_page(citizen)
    citizen.locator("#requests-links a[href$='/cases/start/']").click()
    citizen.locator("a[data-service='civil_petition']").click()

    # The channel chooser puts remote first, recommended, with the saving; the citizen picks semi.
    cards = citizen.locator(".channel-card")
    expect(cards.first).to_have_attribute("data-channel", "remote")
    expect(cards.first).to_have_class(re.compile("recommended"))
    expect(cards.first.locator(".saving")).to_contain_text(persian("385"))
    citizen.screenshot(path=SCREENSHOTS.format(name="channel-chooser"), full_page=True)
    citizen.locator(".channel-card[data-channel='semi_in_person'] a").click()

    citizen.locator(f"label[for='office-{personas.office_a.code}']").click()
    citizen.fill("#id_title", "مطالبه اجاره‌بها")
    citizen.locator("#start-draft").click()
    expect(citizen).to_have_url(re.compile(r"/cases/\d+/draft/$"))
    case = Case.objects.get(applicant=personas.citizen)

    citizen.fill("#id_claim_text", "مستأجر سه ماه اجاره را نپرداخته است.")
    citizen.locator("#save-details").click()
    add_respondent(citizen, "بهرام بهرامی", RESPONDENT_CODE)

    # A fake PDF is refused with a clear message; the real one is taken with its pages counted.
    citizen.locator("#id_doc-file").set_input_files(
        files=[{"name": "lease.pdf", "mimeType": "application/pdf", "buffer": b"not really a pdf"}]
    )
    citizen.locator("#upload").click()
    expect(citizen.locator("#document-form .invalid-feedback")).to_be_visible()
    expect(citizen.locator("#documents li a")).to_have_count(0)
    citizen.locator("#id_doc-file").set_input_files(
        files=[{"name": "lease.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(3)}]
    )
    citizen.fill("#id_doc-title", "اجاره‌نامه")
    citizen.locator("#upload").click()
    expect(citizen.locator("#documents li a")).to_have_text("اجاره‌نامه")
    citizen.check("#confirm-originals")
    citizen.locator("#confirm-button").click()
    expect(citizen.locator("#originals-confirmed")).to_be_visible()
    citizen.screenshot(path=SCREENSHOTS.format(name="draft"), full_page=True)
    citizen.locator("#submit").click()
    expect_status(citizen, "submitted")

    # The office reviews remotely from its worklist, then verifies at the short visit.
    clerk = new_page()
    clerk_signs_in(clerk, "clerk.a")
    clerk.goto("/cases/worklist/")
    expect_persian_page(clerk)
    row = clerk.locator(f"#worklist tr[data-case='{case.pk}']")
    expect(row).to_be_visible()
    clerk.screenshot(path=SCREENSHOTS.format(name="worklist"), full_page=True)
    row.locator("a").click()
    clerk.locator("#start-review").click()
    expect_status(clerk, "in_review")
    clerk.check("#id_verify-identity_checked_in_person")
    clerk.locator("#verify").click()
    expect_status(clerk, "awaiting_payment")
    expect(clerk.locator("#record-counter-payment")).to_be_visible()

    # The citizen pays online through the (simulated) bank and comes back to a filed request.
    citizen.goto(f"/cases/{case.pk}/")
    expect_status(citizen, "awaiting_payment")
    case.refresh_from_db()
    pay_through_the_gateway(citizen, case.fee_snapshot["client_total"])
    expect_status(citizen, "filed")
    citizen.screenshot(path=SCREENSHOTS.format(name="filed-semi"), full_page=True)
    assert download_receipt(citizen).startswith(b"%PDF")

    case.refresh_from_db()
    assert case.status == CaseStatus.FILED and case.identity_method == "in_person"
    payment = Payment.objects.get(reference_type="cases.case", reference_id=str(case.pk), status="captured")
    assert payment.method == "gateway" and payment.amount == case.fee_snapshot["client_total"]


# --- (c) remote: a formal notice with no visit at all, paid online ----------------------------


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["390px", "desktop"])
def test_a_fully_remote_formal_notice_is_paid_online(new_page, personas, device):
    """Issue 15's remote journey: an upload error mid-way loses nothing, then payment and receipt."""
    citizen = new_page(personas.citizen, device)
    citizen.goto("/cases/start/")
    expect_persian_page(citizen)
    citizen.locator("a[data-service='formal_notice']").click()
    remote = citizen.locator(".channel-card[data-channel='remote']")
    expect(remote.locator(".price")).to_have_text(persian("315,000").replace(",", "٬"))
    remote.locator("a").click()

    citizen.locator(f"label[for='office-{personas.office_b.code}']").click()
    citizen.fill("#id_title", "اظهارنامه مطالبه وجه")
    citizen.locator("#start-draft").click()
    expect(citizen).to_have_url(re.compile(r"/cases/\d+/draft/$"))
    case = Case.objects.get(applicant=personas.citizen)
    notice = "به مخاطب اظهار می‌شود ظرف ده روز مبلغ بدهی را بپردازد."
    citizen.fill("#id_claim_text", notice)
    # Mid-way, before saving the text: a file that is not a PDF. Refused, and nothing typed is lost.
    citizen.locator("#id_doc-file").set_input_files(
        files=[{"name": "cheque.pdf", "mimeType": "application/pdf", "buffer": b"not really a pdf"}]
    )
    citizen.locator("#upload").click()
    expect(citizen.locator("#doc-error-summary")).to_be_focused()
    expect(citizen.locator("#id_claim_text")).to_have_value(notice)
    no_sideways_scroll(citizen)
    citizen.locator("#id_doc-file").set_input_files(
        files=[{"name": "cheque.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(1)}]
    )
    citizen.fill("#id_doc-title", "تصویر چک")
    citizen.locator("#upload").click()
    expect(citizen.locator("#documents li a")).to_have_text("تصویر چک")
    expect(citizen.locator("#id_claim_text")).to_have_value(notice)
    citizen.check("#confirm-originals")
    citizen.locator("#confirm-button").click()
    expect(citizen.locator("#originals-confirmed")).to_be_visible()
    add_respondent(citizen, "بهرام بهرامی", RESPONDENT_CODE)
    expect(citizen.locator("#fee-total")).to_have_text(persian("315,000").replace(",", "٬"))
    citizen.locator("#submit").click()
    expect_status(citizen, "submitted")

    # Office B reviews it remotely; identity is verified electronically, no box to tick.
    clerk = new_page(personas.clerk_b)
    clerk.goto(f"/cases/{case.pk}/")
    clerk.locator("#start-review").click()
    expect_status(clerk, "in_review")
    expect(clerk.locator("#id_verify-identity_checked_in_person")).to_have_count(0)
    clerk.locator("#verify").click()
    expect_status(clerk, "awaiting_payment")
    expect(clerk.locator("#record-counter-payment")).to_have_count(0)  # no counter: no visit

    citizen.goto("/cases/")
    citizen.locator(f"#my-cases a[data-case='{case.pk}']").click()
    pay_through_the_gateway(citizen, 315_000)
    expect_status(citizen, "filed")
    expect(citizen.locator(".tracking-code").first).to_have_text(persian(case.tracking_code_display))
    no_sideways_scroll(citizen)
    citizen.screenshot(path=SCREENSHOTS.format(name="filed-remote"), full_page=True)
    assert download_receipt(citizen).startswith(b"%PDF")

    case.refresh_from_db()
    assert case.status == CaseStatus.FILED and case.identity_method == "adapter"
    assert not CaseEvent.objects.filter(case=case).exclude(on_behalf_of=None).exists()
