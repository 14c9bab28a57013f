"""Past the session, as a resident abroad would go: send a passport → the office approves → sign the
settlement; then a relative in Iran pays through the shared link. At 390 px in English and on a
desktop in Persian."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date

import pytest
from PIL import Image
from playwright.sync_api import expect

from tanzim.accounts.choices import IdentityStatus
from tanzim.accounts.models import IdentityCheck
from tanzim.catalog.fees import fee_quote
from tanzim.catalog.models import Service
from tanzim.disputes import services as dispute_services
from tanzim.finance import services as finance_services
from tanzim.finance.choices import PaymentStatus
from tanzim.notify.models import Message
from tanzim.testing.browser import DESKTOP, PHONE, TIMEOUT_MS, no_sideways_scroll, persian, session_cookie
from tanzim.testing.disputes import NOW, to_mediation, two_instalments

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser, live_server, user, device, locale, zone):
    context = browser.new_context(base_url=live_server.url, locale=locale, timezone_id=zone, **device)
    context.set_default_timeout(TIMEOUT_MS)
    if user is not None:
        context.add_cookies([session_cookie(user, live_server.url)])
    return context


@pytest.mark.parametrize(
    ("device", "locale", "zone", "sent", "digits"),
    [
        (PHONE, "en-CA", "America/Toronto", "The office will check it", str),
        (DESKTOP, "fa-IR", "Europe/Berlin", "دفتر آن را بررسی می‌کند", persian),
    ],
    ids=["toronto-phone-en", "berlin-desktop-fa"],
)
def test_passport_then_approval_then_signing_then_a_relative_pays(
    browser, live_server, time_machine, personas, tmp_path, device, locale, zone, sent, digits
):
    time_machine.move_to(NOW, tick=False)
    user = personas.citizen
    user.resident_abroad, user.time_zone = True, zone
    user.preferred_language = "en" if locale.startswith("en") else "fa"
    user.save()
    dispute = to_mediation(dataclasses.replace(personas, citizen=user))
    settlement = dispute_services.settlement_draft(
        dispute=dispute,
        actor=personas.mediator_a,
        terms="",
        obligations=two_instalments(date(2027, 1, 5), date(2027, 2, 4)),
    )
    dispute_services.settlement_open(settlement=settlement, actor=personas.mediator_a)

    context = _context(browser, live_server, user, device, locale, zone)
    page = context.new_page()
    # Before the check: asking for the signing code is refused, with the way to the identity page.
    page.goto(f"/disputes/{dispute.pk}/")
    page.locator("#send-code-claimant").click()
    expect(page.locator("main")).to_contain_text("/account/identity/")

    picture = tmp_path / "passport.png"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (210, 190, 170)).save(buffer, "PNG")
    picture.write_bytes(buffer.getvalue())
    page.goto("/account/identity/")
    no_sideways_scroll(page)
    page.check("#method-document")
    page.set_input_files("#id_document", str(picture))
    page.select_option("#id_office", str(personas.office_a.pk))
    page.locator("form[method=post] button.btn-primary").click()
    expect(page.locator("#identity-status")).to_contain_text(sent)
    no_sideways_scroll(page)

    clerk_context = _context(browser, live_server, personas.clerk_a, DESKTOP, "fa-IR", "Asia/Tehran")
    clerk = clerk_context.new_page()
    clerk.goto("/desk/identity/")
    clerk.locator("main a[href*='/desk/identity/']").first.click()
    clerk.locator("button[value=approve]").click()
    clerk.wait_for_url("**/desk/identity/")
    assert IdentityCheck.objects.get().status == IdentityStatus.APPROVED

    page.goto(f"/disputes/{dispute.pk}/")
    page.locator("#send-code-claimant").click()
    party = dispute.parties.get(role="claimant")
    sms = Message.objects.filter(template="disputes.sign_otp", to=party.mobile).latest("created_at")
    code = re.search(r"\b(\d{6})\b", sms.body.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))).group(1)
    page.fill("#code-claimant", digits(code))
    page.locator("#sign-claimant-button").click()
    expect(page.locator("#signed-claimant")).to_contain_text("✓", timeout=60_000)
    no_sideways_scroll(page)

    # A payment she cannot make with a foreign card: she shares the link; her brother pays it.
    payment = finance_services.payment_create(
        office=personas.office_a,
        payer=user,
        quote=fee_quote(service=Service.objects.get(code="civil_petition"), channel="in_person"),
        reference_type="tests.thing",
        reference_id="abroad-1",
    )
    page.goto(f"/finance/payments/{payment.uuid}/share/")
    link = page.locator("#shared-link").input_value()
    no_sideways_scroll(page)

    relative_context = _context(browser, live_server, None, PHONE, "fa-IR", "Asia/Tehran")
    relative = relative_context.new_page()
    relative.goto(link)
    no_sideways_scroll(relative)
    relative.fill("#id_payer_name", "رضا رحیمی")
    relative.locator("#shared-pay").click()
    relative.locator("#gateway-pay").click()
    expect(relative.locator("#shared-paid")).to_be_visible()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED

    page.goto(f"/finance/payments/{payment.uuid}/share/")  # the owner sees it paid
    expect(page.locator("#shared-paid")).to_be_visible()
    for ctx in (context, clerk_context, relative_context):
        ctx.close()
