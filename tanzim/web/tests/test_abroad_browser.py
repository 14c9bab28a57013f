"""A resident of Germany (Europe/Berlin browser, de-DE, a +49 number) on a desktop and a resident of
Canada (America/Toronto, en-CA, a +1 number) on a phone: sign up, the code, the zone taken from the
browser, then the mahriyeh dispute's video session read in their own time and in Tehran time."""

from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import expect

from tanzim.accounts.models import User
from tanzim.disputes import services as dispute_services
from tanzim.disputes.choices import SessionMode
from tanzim.testing.accounts import latest_code
from tanzim.testing.browser import DESKTOP, PHONE, TIMEOUT_MS, no_sideways_scroll
from tanzim.testing.disputes import NOW, at, to_mediation
from tanzim.testing.factories import next_national_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESIDENTS = [
    # zone, browser locale, mobile as typed, device, the session in their time, and in Tehran's. A German
    # browser gets the Persian site (the default); a Canadian English one gets the English site.
    (
        "Europe/Berlin",
        "de-DE",
        "+49 (0) 151 2345 6789",
        DESKTOP,
        "۲۲:۰۰ به وقت برلین",
        "۱۴۰۵/۰۹/۱۵ ۰۰:۳۰ به وقت تهران",
    ),
    (
        "America/Toronto",
        "en-CA",
        "+1 (416) 555-0199",
        PHONE,
        "16:00 Toronto time (5 Dec 2026)",
        "1405/09/15 00:30 Tehran time",
    ),
]


@pytest.mark.parametrize(
    ("zone", "locale", "mobile", "device", "local_time", "tehran_time"),
    RESIDENTS,
    ids=["berlin-desktop", "toronto-phone"],
)
def test_a_resident_abroad_signs_up_and_reads_the_session_in_both_zones(
    browser, live_server, time_machine, personas, zone, locale, mobile, device, local_time, tehran_time
):
    time_machine.move_to(NOW, tick=False)
    context = browser.new_context(base_url=live_server.url, locale=locale, timezone_id=zone, **device)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    national_code = next_national_code()

    page.goto("/signup/")
    page.fill("#id_national_code", national_code)
    page.fill("#id_mobile", mobile)
    page.fill("#id_first_name", "Sara")
    page.fill("#id_last_name", "Rahimi")
    page.fill("#id_email", "sara@example.org")
    page.check("#id_resident_abroad")
    no_sideways_scroll(page)
    page.locator("form[method=post] button.btn-primary").click()
    page.wait_for_url("**/login/otp/verify/")
    user = User.objects.get(national_code=national_code)
    assert user.time_zone == zone  # the browser's zone, sent by the sign-up form
    assert user.mobile.startswith(("+49", "+1"))

    page.fill("#id_code", latest_code(user))
    page.locator("form[method=post] button.btn-primary").click()
    page.wait_for_url("**/home/")

    # The office opens her mahriyeh dispute; the mediator books a video session at 00:30 on Sunday in
    # Tehran, which is Saturday evening in Berlin and Saturday afternoon in Toronto.
    dispute = to_mediation(dataclasses.replace(personas, citizen=user))
    dispute_services.session_schedule(
        dispute=dispute,
        actor=personas.mediator_a,
        starts_at=at(1, 0, 30),
        mode=SessionMode.VIDEO,
        location="https://meet.example.org/room",
    )
    page.goto("/disputes/mine/")
    sessions = page.locator("main")
    expect(sessions).to_contain_text(local_time)
    expect(sessions).to_contain_text(tehran_time)
    no_sideways_scroll(page)

    page.goto(f"/disputes/{dispute.pk}/")
    expect(page.locator("main")).to_contain_text(local_time)
    no_sideways_scroll(page)

    page.goto("/account/profile/")
    expect(page.locator("#id_time_zone")).to_have_value(zone)
    no_sideways_scroll(page)
    context.close()
