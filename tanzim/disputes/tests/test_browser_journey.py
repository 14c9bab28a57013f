"""Issue 15's dispute journey in Persian, in Debian's Chromium, on a phone (390 px) and a desktop:
a مهریه claim five times the peace court's ceiling → the triage is shown with its reason before
anything is saved → opened into mediation → the respondent follows the SMS link (the code is in
it) → the mediator enters the session held yesterday → settlement report → the fee shown before
signing → both sign → the claimant pays with the pay button → the report's PDF lists the session
as held. The browser fixtures are the shared ones (``tanzim/testing/browser.py``).
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect
from pypdf import PdfReader

from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.disputes.choices import DisputeStatus, SessionStatus
from tanzim.disputes.models import Dispute
from tanzim.notify.models import Message
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll, persian
from tanzim.testing.disputes import fill_new_dispute
from tanzim.testing.factories import next_national_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
RESPONDENT_MOBILE = "09350007799"


def stage(page, status: str) -> None:
    expect(page.locator("#dispute-header")).to_have_attribute("data-status", status)


def code_in(text: str, pattern: str) -> str:
    return re.findall(pattern, text.translate(ASCII_DIGITS))[-1]


def press(page, selector: str) -> None:
    """Activate a button from the keyboard (focus, Enter): after a redirect to an anchor the page
    may still be scrolling, and on a touch phone a <select>'s picker may cover the pointer."""
    page.locator(selector).focus()
    page.keyboard.press("Enter")


def top(page, selector: str) -> float:
    """Where an element starts on the page (document coordinates, not the scrolled viewport)."""
    return page.locator(selector).evaluate("e => e.getBoundingClientRect().top + window.scrollY")


def comes_before(page, first: str, second: str) -> bool:
    """Whether ``first`` precedes ``second`` in the page (reading order, whatever sticks on screen)."""
    return page.evaluate(
        "([a, b]) => !!(document.querySelector(a).compareDocumentPosition(document.querySelector(b))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)",
        [first, second],
    )


def demo_sms(page) -> str:
    return page.locator("#demo-inbox .demo-sms").inner_text()


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_large_mahriyeh_dispute_goes_to_mediation_and_ends_with_a_paid_fee_and_a_held_session(
    personas, new_page, device
):
    respondent_code = next_national_code()

    # The clerk checks the triage before anything is saved: mediation first, and why.
    clerk = new_page(personas.clerk_a, device)
    clerk.goto("/disputes/new/")
    expect_persian_page(clerk)
    fill_new_dispute(
        clerk,
        claimant=personas.citizen,
        amount="5,000,000,000",
        summary="مطالبه مهریه",
        respondent_mobile=RESPONDENT_MOBILE,
        respondent_code=respondent_code,
    )
    clerk.locator("#preview-triage").click()
    preview = clerk.locator("#triage-preview")
    expect(preview).to_have_attribute("data-path", "mediation")
    expect(clerk.locator("#triage-preview-reason")).to_contain_text("۱٬۰۰۰٬۰۰۰٬۰۰۰")
    expect(clerk.locator("#id_claim_amount")).not_to_have_value("")  # nothing typed was lost
    assert not Dispute.objects.exists()
    no_sideways_scroll(clerk)
    clerk.locator("#open-dispute").click()
    stage(clerk, DisputeStatus.TRIAGED)
    expect(clerk.locator("#triage")).to_have_attribute("data-path", "mediation")
    expect(clerk.locator("#triage-reason")).to_contain_text("سقف")
    clerk.locator("#invite").click()
    stage(clerk, DisputeStatus.INVITED)
    dispute = Dispute.objects.get()
    detail_url = f"/disputes/{dispute.pk}/"

    # The respondent follows the link in the SMS: the code is already filled in.
    invitation = Message.objects.get(template="disputes.invitation").body
    link = re.search(r"https?://\S+", invitation).group(0)
    respondent = new_page(device=device)
    respondent.goto(link)
    expect(respondent.locator("#id_code")).to_have_value(code_in(invitation, r"\d{4}-\d{4}-\d{4}"))
    respondent.fill("#id_national_code", persian(respondent_code))
    respondent.locator("#join-continue").click()
    respondent.fill("#id_otp", persian(code_in(demo_sms(respondent), r"\b\d{6}\b")))
    respondent.locator("#join-verify").click()
    expect(respondent).to_have_url(re.compile(re.escape(detail_url) + "$"))
    # The answer follows the claim it answers, before the history and the documents; the demo
    # inbox comes after everything (it never covers the page).
    assert top(respondent, "#accept") < top(respondent, "#timeline")
    assert top(respondent, "#demo-inbox") > top(respondent, "#actions")
    respondent.locator("#accept").click()
    stage(respondent, DisputeStatus.MEDIATION)

    # The mediation began three days ago; the mediator enters yesterday's session afterwards.
    today = tehran_date(timezone.now())
    Dispute.objects.filter(pk=dispute.pk).update(window_started_on=today - timedelta(days=3))
    mediator = new_page(personas.mediator_a, device)
    mediator.goto(detail_url)
    mediator.locator("#past-session summary").click()
    mediator.fill("#id_past-day", format_jalali(today - timedelta(days=1), persian_digits=False))
    mediator.fill("#id_past-start", "10:00")
    mediator.select_option("#id_past-status", "held")
    mediator.select_option("#id_past-result", "agreement")
    mediator.fill("#id_past-notes", "دو طرف در جلسه به توافق رسیدند.")
    # Pressed from the keyboard: on a touch phone Chromium keeps the last <select>'s picker over the page.
    press(mediator, "#past-session-save")
    expect(mediator.locator("#sessions [data-session]")).to_have_count(1)
    expect(mediator.locator("#sessions [data-session]")).to_contain_text("برگزارشده")

    # The settlement report, sent for signing.
    expect(mediator.locator("#write-settlement")).to_be_visible()
    mediator.goto(f"{detail_url}settlement/")
    mediator.fill("#id_terms", "زوج مهریه را به زوجه می‌پردازد.")
    mediator.select_option("[name=o0-obligor]", "respondent")
    mediator.fill("[name=o0-description]", "پرداخت مهریه")
    mediator.fill("[name=o0-amount]", persian("400,000,000"))
    mediator.fill("[name=o0-due_date]", format_jalali(today + timedelta(days=30)))
    press(mediator, "#save-and-open")
    expect(mediator.locator("#settlement-status")).to_have_attribute("data-status", "signing")

    # The claimant sees the fee before she signs; then both sign on their own phones.
    claimant = new_page(personas.citizen, device)
    claimant.goto(detail_url)
    quote = claimant.locator("#resolution-fee-quote")
    expect(quote).to_be_visible()
    expect(quote).to_contain_text("۱٬۵۰۰٬۰۰۰")
    expect(claimant.locator("#pay-fee")).to_have_count(0)
    assert comes_before(claimant, "#resolution-fee-quote", "#sign-claimant")  # the fee, then the act
    for page, role in ((respondent, "respondent"), (claimant, "claimant")):
        page.reload()
        # The signing box follows the report it signs, before the download and the history.
        assert comes_before(page, "#obligation-list", f"#sign-{role}")
        assert comes_before(page, f"#sign-{role}", "#timeline")
        # Pressed as a person does: a tap or a click on the button, at 390 px as on a desktop.
        no_sideways_scroll(page)  # a sentence in a badge (a date that may move) once widened it
        page.locator(f"#send-code-{role}").click()
        expect(page.locator("#demo-inbox .demo-sms")).to_contain_text(re.compile(r"[0-9۰-۹]{6}"))
        page.fill(f"#code-{role}", persian(code_in(demo_sms(page), r"\b\d{6}\b")))
        page.locator(f"#sign-{role}-button").click()
        # The last signature settles the dispute and renders the PDF: give it time on a busy machine.
        expect(page.locator(f"#signed-{role}")).to_contain_text("✓", timeout=60_000)
    stage(claimant, DisputeStatus.SETTLED)

    # The fee is owed: the claimant pays it with the button, through the gateway.
    press(claimant, "#pay-fee")
    expect(claimant).to_have_url(re.compile(r"/finance/gateway/"))
    expect(claimant.locator("#gateway-amount")).to_contain_text("۱٬۵۰۰٬۰۰۰")
    press(claimant, "#gateway-pay")  # the bank posts the signed callback, then back to the dispute
    expect(claimant).to_have_url(re.compile(re.escape(detail_url) + "(#.*)?$"), timeout=30_000)
    expect(claimant.locator("#resolution-fee")).to_have_attribute("data-status", "captured")
    expect(claimant.locator("#pay-fee")).to_have_count(0)
    no_sideways_scroll(claimant)

    # The report lists the session as held (it was not cancelled by the settlement).
    session = dispute.sessions.get()
    assert session.status == SessionStatus.HELD
    with claimant.expect_download() as download:
        press(claimant, "#settlement-pdf")
    with open(download.value.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = unicodedata.normalize("NFKC", " ".join(page.extract_text() for page in reader.pages))
    with translation.override("fa"):
        held, cancelled = str(SessionStatus.HELD.label), str(SessionStatus.CANCELLED.label)
    assert unicodedata.normalize("NFKC", held) in text or "Held" in text
    assert unicodedata.normalize("NFKC", cancelled) not in text
