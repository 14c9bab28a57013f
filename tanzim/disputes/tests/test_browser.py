"""The dispute journey in Persian, in Debian's Chromium: a clerk opens a مهریه dispute, the
respondent joins with the code from the SMS, the mediator records a settlement with two
instalments, both parties sign with a code texted to them, and the PDF downloads.

Playwright's sync API runs an event loop in this thread, so Django's async-safety guard is
lifted; the live server runs in another thread, so the database is not wrapped in a
transaction and the project's conftest restores the reference data afterwards. People read
their codes off their phones: here, off the demo SMS inbox the embedded system shows, or the
outbox for the claimant sitting at the mediator's desk.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tanzim.common.jalali import format_jalali
from tanzim.disputes.choices import DisputeStatus
from tanzim.disputes.models import Dispute
from tanzim.notify.models import Message
from tanzim.testing.browser import persian
from tanzim.testing.disputes import fill_new_dispute
from tanzim.testing.factories import next_national_code

ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
RESPONDENT_MOBILE = "09350007788"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect_stage(page, status: str) -> None:
    expect(page.locator("#dispute-header")).to_have_attribute("data-status", status)


def sms_code(text: str, pattern: str) -> str:
    return re.findall(pattern, text.translate(ASCII_DIGITS))[-1]


def test_a_mahriyeh_dispute_from_intake_to_a_signed_settlement_pdf(personas, new_page):
    respondent_code = next_national_code()

    # The clerk signs in with a password and opens the dispute at the counter.
    clerk = new_page()
    clerk.goto("/login/")
    clerk.fill("#id_username", "clerk.a")
    clerk.fill("#id_password", "correct-horse-battery")
    clerk.locator("main form button").click()
    expect(clerk).to_have_url(re.compile(r"/home/$"))
    clerk.goto("/disputes/new/")
    expect(clerk.locator("html")).to_have_attribute("dir", "rtl")
    fill_new_dispute(
        clerk,
        claimant=personas.citizen,
        amount="400,000,000",
        summary="مطالبه مهریه به تعداد ۱۱۴ سکه، معادل چهارصد میلیون ریال",
        respondent_mobile=RESPONDENT_MOBILE,
        respondent_code=respondent_code,
    )
    clerk.locator("#preview-triage").click()  # the triage is shown before anything is saved
    expect(clerk.locator("#triage-preview")).to_have_attribute("data-path", "mediation")
    clerk.locator("#open-dispute").click()
    expect_stage(clerk, DisputeStatus.TRIAGED)
    clerk.locator("#invite").click()
    expect_stage(clerk, DisputeStatus.INVITED)
    dispute = Dispute.objects.get()
    detail_url = f"/disputes/{dispute.pk}/"

    # The respondent got an SMS with a join code; no account is needed.
    invitation = Message.objects.get(template="disputes.invitation").body
    join_code = sms_code(invitation, r"\d{4}-\d{4}-\d{4}")
    respondent = new_page()
    respondent.goto("/disputes/join/")
    respondent.fill("#id_code", persian(join_code))
    respondent.fill("#id_national_code", persian(respondent_code))
    respondent.locator("#join-continue").click()
    expect(respondent.locator("#demo-inbox")).to_be_visible()
    otp = sms_code(respondent.locator("#demo-inbox .demo-sms").inner_text(), r"\b\d{6}\b")
    respondent.fill("#id_otp", persian(otp))
    respondent.locator("#join-verify").click()
    expect(respondent).to_have_url(re.compile(re.escape(detail_url) + "$"))
    respondent.locator("#accept").click()
    expect_stage(respondent, DisputeStatus.MEDIATION)

    # The mediator records the settlement: two instalments, then sends it for signing.
    mediator = new_page(personas.mediator_a)
    mediator.goto(detail_url)
    expect(mediator.locator("#mediator")).to_be_visible()
    mediator.locator("#write-settlement").click()
    today = timezone.localdate()
    rows = [
        ("قسط اول مهریه", "150,000,000", today + timedelta(days=30)),
        ("قسط دوم مهریه", "250,000,000", today + timedelta(days=60)),
    ]
    mediator.fill("#id_terms", "زوج مهریه را در دو قسط به زوجه می‌پردازد.")
    for n, (what, amount, due) in enumerate(rows):
        mediator.select_option(f"[name=o{n}-obligor]", "respondent")
        mediator.fill(f"[name=o{n}-description]", what)
        mediator.fill(f"[name=o{n}-amount]", persian(amount))
        mediator.fill(f"[name=o{n}-due_date]", format_jalali(due))
    mediator.locator("#save-and-open").click()
    expect(mediator.locator("#settlement-status")).to_have_attribute("data-status", "signing")
    expect(mediator.locator("#obligation-list tbody tr")).to_have_count(2)

    # The respondent signs on their own phone with the code texted to them.
    respondent.reload()
    respondent.locator("#send-code-respondent").click()
    expect(respondent.locator(".alert-success")).to_be_visible()
    sign_code = sms_code(respondent.locator("#demo-inbox .demo-sms").inner_text(), r"\b\d{6}\b")
    respondent.fill("#code-respondent", persian(sign_code))
    respondent.locator("#sign-respondent-button").click()
    expect(respondent.locator("#signed-respondent")).to_contain_text("✓")

    # The claimant sits at the mediator's desk: the code goes to her phone, she reads it out.
    mediator.reload()
    mediator.locator("#send-code-claimant").click()
    claimant_sms = Message.objects.filter(template="disputes.sign_otp", to=personas.citizen.mobile).latest(
        "created_at"
    )
    mediator.fill("#code-claimant", persian(sms_code(claimant_sms.body, r"\b\d{6}\b")))
    mediator.locator("#sign-claimant-button").click()
    expect_stage(mediator, DisputeStatus.SETTLED)
    expect(mediator.locator("#settlement-status")).to_have_attribute("data-status", "signed")

    # The signed report downloads as a PDF, with the Persian font embedded.
    with respondent.expect_download() as download:
        respondent.reload()
        respondent.locator("#settlement-pdf").click()
    with open(download.value.path(), "rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {
        str(f.get_object()["/BaseFont"])
        for page in reader.pages
        for f in page["/Resources"]["/Font"].values()
    }
    assert any("Vazirmatn" in name for name in fonts)
    assert (
        "گزارش اصلاحی" in reader.pages[0].extract_text()
        or "Settlement report" in reader.pages[0].extract_text()
    )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.SETTLED
    assert dispute.settlements.get().obligations.count() == 2
