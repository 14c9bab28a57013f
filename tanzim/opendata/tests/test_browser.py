"""The public figures in Persian, in Debian's Chromium, on a phone and a desktop: the network's
figures show, and the CSV and XLSX downloads open with the right columns."""

from __future__ import annotations

import csv
import io

import openpyxl  # type: ignore[import-untyped]
import pytest
from playwright.sync_api import expect

from tanzim.opendata import selectors
from tanzim.opendata.tests.helpers import elsewhere, first_day, offices_in, put
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIGURES = {
    "requests_in": 120,
    "requests_in_person": 60,
    "requests_semi": 30,
    "requests_remote": 30,
    "visits_avoided": 40,
    "services": 100,
    "fees_collected": 5_000_000,
}


def _download(page, fmt: str) -> bytes:
    with page.expect_download() as info:
        page.locator(f'#downloads-title ~ p a[data-format="{fmt}"]').click()
    with open(info.value.path(), "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_public_page_shows_the_figures_and_downloads_them(new_page, personas, device):
    month = selectors.months()[-1]
    for office in offices_in("THR-01", 2, "T"):
        put(office, first_day(month), **FIGURES)
    elsewhere(month, **FIGURES)
    page = new_page(device=device)
    page.goto("/")
    page.locator("footer a", has_text="داده‌های باز").click()
    expect_persian_page(page)
    expect(page.locator("h1")).to_be_visible()
    # The nation's in-person share: 60 of 120 in each of 32 offices — 50٪.
    expect(page.locator('#headline [data-key="in_person_share"]')).to_have_text("۵۰٫۰٪")
    expect(page.locator("#network-chart svg")).to_be_visible()
    expect(page.locator("#network-table tbody tr").first).to_contain_text("۳٬۸۴۰")
    no_sideways_scroll(page)

    text = _download(page, "CSV").decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:5] == ["month", "province", "province_name_fa", "province_name_en", "requests_in"]
    assert header[-1] == "suppressed"

    book = openpyxl.load_workbook(io.BytesIO(_download(page, "XLSX")), read_only=True)
    rows = list(book["network"].iter_rows(values_only=True))
    assert list(rows[0]) == header
    assert rows[1][4] == 3840  # the nation's requests this month

    page.locator("nav a", has_text="پول").first.click()
    expect(page.locator("#money-table")).to_be_visible()
    no_sideways_scroll(page)
