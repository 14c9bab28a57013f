"""A citizen pays through the simulated bank in Persian; the office's statement then shows it.

Playwright's sync API runs an event loop in this thread, so Django's async-safety guard is
lifted (DJANGO_ALLOW_ASYNC_UNSAFE). The live server runs in another thread, so the database
is not wrapped in a transaction; the project's conftest restores the reference data.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tanzim.finance.choices import PaymentStatus
from tanzim.finance.ledger import ledger_verify
from tanzim.finance.selectors import current_month
from tanzim.testing.browser import open_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_pays_at_the_simulated_bank_and_the_office_statement_shows_it(
    browser, live_server, personas, make_payment
):
    payment = make_payment(court_fee=250_000)
    citizen = open_context(browser, live_server.url, personas.citizen)
    page = citizen.new_page()

    page.goto(f"/finance/payments/{payment.uuid}/")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#payment-amount")).to_have_text("۱٬۰۲۰٬۰۰۰")

    page.click("#pay-online")
    expect(page).to_have_url(re.compile(r"/finance/gateway/[^/]+/$"))
    expect(page.locator("#gateway-merchant")).to_have_text("دفتر الف")
    expect(page.locator("#gateway-amount")).to_contain_text("۱٬۰۲۰٬۰۰۰")

    page.click("#gateway-pay")  # the bank posts the signed callback back to Tanzim
    expect(page).to_have_url(f"{live_server.url}/finance/payments/{payment.uuid}/")
    expect(page.locator("#payment-status .badge")).to_have_class("badge text-bg-success")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    citizen.close()

    clerk = open_context(browser, live_server.url, personas.clerk_a)
    page = clerk.new_page()
    this = current_month()
    page.goto(f"/finance/statements/A0001/{this.year}/{this.month}/")
    expect(page.locator("#st-payments")).to_have_text("۱")
    expect(page.locator("#st-collected")).to_have_text("۱٬۰۲۰٬۰۰۰")
    expect(page.locator("#st-revenue")).to_have_text("۷۷۰٬۰۰۰")
    expect(page.locator("#statement-lines")).to_contain_text(payment.short_reference)
    clerk.close()
    assert ledger_verify().ok
