"""The public ranking and an office's explanation, in Persian, in Debian's Chromium.

The shared harness (``tanzim/testing/browser.py``): the live server runs in another thread, so
the database is not wrapped in a transaction and the project's conftest restores the reference
data afterwards. The data is for the last ended month of the real clock.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tanzim.ranking import periods
from tanzim.ranking.tests.helpers import approved_run
from tanzim.testing.browser import expect_persian_page
from tanzim.testing.ranking import answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = "/tmp/tanzim-ranking-{name}.png"


@pytest.fixture
def ranked(personas):
    month = periods.last_ended_month()
    answer(personas.office_a, overall=5, n=50, period=month.first)
    answer(personas.office_b, overall=3, n=6, period=month.first)  # published, still too few
    approved_run(personas, period=month.code)
    return personas


def test_anyone_reads_the_public_ranking_with_charts_and_a_province_filter(new_page, ranked):
    page = new_page()
    page.goto("/ranking/")
    expect_persian_page(page)

    table = page.locator("#ranking-table")
    expect(table.locator("tr[data-office='A0001']")).to_contain_text(ranked.office_a.name_fa)
    expect(table.locator("tr[data-office='B0001']")).to_contain_text("دادهٔ ناکافی")
    expect(page.locator("#histogram svg rect")).to_have_count(20)
    expect(page.locator("#trend svg polyline").first).to_be_attached()

    page.select_option("#id_province", ranked.office_b.province.code)
    page.locator("#ranking-filter button").click()
    expect(page).to_have_url(re.compile(r"province="))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tr[data-office='B0001']")).to_be_visible()

    with page.expect_download() as info:
        page.locator("#csv-link").click()
    with open(info.value.path(), encoding="utf-8-sig") as handle:
        assert "B0001" in handle.read()
    page.screenshot(path=SCREENSHOTS.format(name="public"), full_page=True)


def test_the_manager_reads_their_office_explanation_and_no_other(new_page, ranked):
    page = new_page(user=ranked.manager_a)
    page.goto("/ranking/offices/A0001/")
    expect_persian_page(page)

    expect(page).to_have_url(re.compile(r"/ranking/runs/\d+/offices/A0001/$"))
    expect(page.locator("h1")).to_contain_text("رتبه")
    expect(page.locator("#indicators tbody tr")).to_have_count(7)
    expect(page.locator("#indicators tr[data-indicator='satisfaction']")).to_contain_text("۵٫۰۰")
    expect(page.locator("#tier")).to_have_text(re.compile(r"^[ABCD]$"))
    page.screenshot(path=SCREENSHOTS.format(name="explain"), full_page=True)

    other = page.goto(page.url.replace("A0001", "B0001"))
    assert other.status == 404


@pytest.mark.parametrize("width", [390, 1280])
def test_the_public_ranking_shows_the_effective_weights_and_links_the_method(new_page, ranked, width):
    """Surveys only in this network: the page shows satisfaction's 40% policy weight carried at 100%,
    warns of the drift, and links the method page, on a phone and on a desktop."""
    page = new_page()
    page.set_viewport_size({"width": width, "height": 844})
    page.goto("/ranking/")
    expect_persian_page(page)

    row = page.locator("#weights-table tr[data-indicator='satisfaction']")
    row.scroll_into_view_if_needed()
    expect(row).to_be_visible()
    expect(row).to_contain_text("۴۰٫۰")
    expect(row.locator(".effective")).to_contain_text("۱۰۰٫۰")
    expect(page.locator("#weights-table tr[data-indicator='inspection']")).to_contain_text(
        "بدون داده در شبکه"
    )
    expect(page.locator("#weight-drift-warning")).to_be_visible()
    expect(page.locator("#weight-drift-warning")).to_contain_text("۲")
    page.screenshot(path=SCREENSHOTS.format(name=f"weights-{width}"), full_page=True)

    link = page.locator("#method-link")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/ranking/method/$"))
    expect(page.locator("#method h1")).to_contain_text("رتبه‌بندی دفترها")
    expect(page.locator("#method table").first).to_be_visible()
    if width == 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.screenshot(path=SCREENSHOTS.format(name=f"method-{width}"), full_page=True)
