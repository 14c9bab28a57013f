"""Two-step sign-in in Chromium, at 390 px and on a desktop: a province administrator sets up the
authenticator from the QR page, keeps the recovery codes, then signs in with password and code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tanzim.accounts.choices import Role
from tanzim.offices.models import Province
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll
from tanzim.testing.factories import UserFactory, give_role
from tanzim.testing.twofactor import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_enrolment_then_sign_in_with_the_second_step(new_page, time_machine, device):
    province = Province.objects.get(code="THR")
    give_role(UserFactory.create(username="province.thr"), Role.PROVINCE_ADMIN, province=province)
    page = new_page(device=device)

    # Password: the role requires two-step sign-in, so the enrolment page comes first.
    page.goto("/login/")
    page.fill("#id_username", "province.thr")
    page.fill("#id_password", PASSWORD)
    page.locator("form[method=post] .btn-primary").click()
    expect(page.locator(".two-factor-qr svg")).to_be_visible()
    expect_persian_page(page)
    no_sideways_scroll(page)
    page.goto("/home/")  # no other page before enrolling
    expect(page.locator(".two-factor-qr svg")).to_be_visible()

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("#id_code", current_code(secret))
    page.locator("form[method=post] .btn-primary").click()
    expect(page.locator(".recovery-code")).to_have_count(10)
    no_sideways_scroll(page)
    page.locator("#recovery-codes + a").click()
    page.wait_for_url("**/home/")

    # Sign out, then in again: password, then the code of a later time step.
    with page.expect_navigation():  # the sign-out button sits in the folded menu on a phone
        page.locator("form[action='/logout/']").evaluate("form => form.submit()")
    time_machine.move_to(timezone.now() + timedelta(seconds=35))
    page.goto("/login/")
    page.fill("#id_username", "province.thr")
    page.fill("#id_password", PASSWORD)
    page.locator("form[method=post] .btn-primary").click()
    expect(page.locator("#id_code")).to_be_visible()
    assert "/login/verify/" in page.url
    expect_persian_page(page)
    no_sideways_scroll(page)
    page.fill("#id_code", current_code(secret))
    page.locator("form[method=post] .btn-primary").click()
    page.wait_for_url("**/home/")
    no_sideways_scroll(page)
