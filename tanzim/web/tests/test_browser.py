"""A citizen's journey in Persian, in Debian's Chromium: find an office, then sign in by SMS code.

Playwright's sync API runs an event loop in this thread, so Django's async-safety guard is
lifted for the test (DJANGO_ALLOW_ASYNC_UNSAFE). The live server runs in another thread, so
the test database is not wrapped in a transaction; the project's conftest restores the
reference data afterwards.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tanzim.offices.choices import LicenceKind
from tanzim.offices.models import City
from tanzim.testing.browser import PHONE, no_sideways_scroll, persian
from tanzim.testing.factories import CitizenFactory, OfficeFactory

SCREENSHOT = "/tmp/tanzim-home.png"
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, new_page):
    return new_page()


@pytest.fixture
def offices(db):
    tehran = City.objects.get(code="THR-01")
    isfahan = City.objects.get(province__code="ISF", is_capital=True)
    return [
        OfficeFactory(
            code="THR1001", city=tehran, name_fa="دفتر خدمات مشاوره تهران", setup=[LicenceKind.CONSULTATION]
        ),
        OfficeFactory(
            code="THR1002", city=tehran, name_fa="دفتر خدمات میدان انقلاب", setup=[LicenceKind.MEDIATION]
        ),
        OfficeFactory(
            code="ISF1001", city=isfahan, name_fa="دفتر خدمات نقش جهان", setup=[LicenceKind.CONSULTATION]
        ),
    ]


def test_the_directory_filters_in_place_on_a_phone(new_page, offices):
    """At 390 px: a province, then a service chosen as soon as the province's results show."""
    page = new_page(device=PHONE)
    page.goto("/offices/")
    expect(page.locator(".office-card")).to_have_count(3)

    page.select_option("#id_province", "THR")
    expect(page.locator(".office-card")).to_have_count(2)
    page.select_option("#id_service", "consultation")

    card = page.locator(".office-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("دفتر خدمات مشاوره تهران")
    expect(page.locator("#result-count")).to_contain_text(persian(1))
    expect(page).to_have_url(re.compile(r"province=THR.*service=consultation"))
    no_sideways_scroll(page)


def test_a_citizen_finds_an_office_and_signs_in_by_sms_code(page, offices):
    citizen = CitizenFactory(first_name="مریم", last_name="کاظمی", mobile="+989121112233")

    # --- the directory, in Persian and right to left, with our own stylesheets and font
    page.goto("/offices/")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".office-card")).to_have_count(3)
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "Vazirmatn" in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px Vazirmatn', 'دفتر')")

    # --- choosing a province and a service updates the results in place (htmx)
    page.select_option("#id_province", "THR")
    expect(page.locator(".office-card")).to_have_count(2)
    expect(page.locator("#id_city option[value='THR-01']")).to_have_count(1)
    page.select_option("#id_service", "consultation")
    expect(page.locator(".office-card")).to_have_count(1)
    card = page.locator(".office-card")
    expect(card).to_have_attribute("data-code", "THR1001")
    expect(card).to_contain_text("دفتر خدمات مشاوره تهران")
    expect(card).to_contain_text("۱۰۰۱")
    expect(page).to_have_url(re.compile(r"province=THR.*service=consultation"))
    expect(page.locator("#result-count")).to_contain_text("۱")
    page.screenshot(path="/tmp/tanzim-directory.png", full_page=True)

    # --- sign in by SMS code, typing the national code in Persian digits
    page.goto("/login/otp/")
    page.fill("#id_national_code", citizen.national_code.translate(PERSIAN_DIGITS))
    page.fill("#id_mobile", "۰۹۱۲۱۱۱۲۲۳۳")
    page.locator("main form button").click()
    expect(page).to_have_url(re.compile(r"/login/otp/verify/$"))
    sms = page.locator(".demo-sms")
    expect(sms).to_have_count(1)
    code = re.search(r"[0-9۰-۹]{6}", sms.inner_text())
    assert code, sms.inner_text()
    page.fill("#id_code", code.group(0))
    page.locator("main form button").click()

    expect(page).to_have_url(re.compile(r"/home/$"))
    expect(page.locator("h1")).to_contain_text("مریم کاظمی")
    expect(page.locator("main")).to_contain_text(citizen.national_code.translate(PERSIAN_DIGITS))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # Right to left: the label of each detail sits right of its value, on the same line.
    label = page.locator("main dl dt").nth(1).bounding_box()  # the mobile number
    value = page.locator("main dl dd").nth(1).bounding_box()
    assert value["x"] + value["width"] <= label["x"] + 1
    assert abs(value["y"] - label["y"]) < label["height"] / 2
    page.evaluate("document.fonts.ready")
    page.screenshot(path=SCREENSHOT, full_page=True)
