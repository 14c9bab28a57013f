"""Every main page (tanzim/testing/pages.py) at 390 px, as the persona who uses it (issue 15, 9):
Persian, right to left, nothing wider than the screen; codes one unwrapped line identical in the
flash banner and the heading; badges at least 12 px."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tanzim.catalog.models import Service
from tanzim.testing.browser import (
    DESKTOP,
    PHONE,
    expect_persian_page,
    no_sideways_scroll,
)
from tanzim.testing.cases import make_draft
from tanzim.testing.pages import main_pages, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Latin digits a reader sees in the page's main text, outside left-to-right runs (codes, phones,
# inputs): a Persian page shows none.
LATIN_DIGITS_SEEN = """() => {
  const walker = document.createTreeWalker(document.getElementById("main"), NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('[dir="ltr"], script, style, .visually-hidden, [hidden], option')) continue;
    if (!el.offsetParent && getComputedStyle(el).position !== "fixed") continue;
    if (/[0-9]/.test(node.textContent)) found.push(node.textContent.trim());
  }
  return found;
}"""


def test_no_main_page_is_wider_than_a_phone(browser, live_server, personas):
    wide, digits = {}, {}
    for item, page in walk(browser, live_server.url, main_pages(personas), PHONE):
        name = item.name
        expect_persian_page(page)
        page.evaluate("document.fonts.ready")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[name] = width
        digits[name] = page.evaluate(LATIN_DIGITS_SEEN)
    for name, seen in digits.items():
        print(f"[390px] {name}: Latin digits seen: {seen or 'none'}")
    assert not wide, f"wider than 390 px: {wide}"
    # an international number's "+49" is written as phones are dialled; any other Latin digit leaked
    leaked = {
        n: [t for t in seen if not re.fullmatch(r"[^0-9]*\+[0-9]+[^0-9]*", t)] for n, seen in digits.items()
    }
    assert not {n: t for n, t in leaked.items() if t}, leaked


def test_badges_are_at_least_12px_even_inside_small_text(new_page, personas):
    page = new_page(personas.citizen, PHONE)
    draft = make_draft(personas, Service.objects.get(code="civil_petition"))
    page.goto(reverse("cases:draft", args=[draft.pk]))
    page.evaluate(
        "document.getElementById('main').insertAdjacentHTML('beforeend',"
        ' \'<p class="small"><span class="badge" id="probe">x</span></p>\')'
    )
    assert page.evaluate("parseFloat(getComputedStyle(document.getElementById('probe')).fontSize)") >= 12


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_tracking_code_is_identical_in_the_banner_and_the_heading_and_never_wraps(
    new_page, personas, device
):
    draft = make_draft(personas, Service.objects.get(code="civil_petition"))
    page = new_page(personas.citizen, device)
    page.goto(reverse("cases:draft", args=[draft.pk]))
    page.fill("#id_claim_text", "مطالبه وجه چک شماره ۱۲۳ و یک نشانی بلند https://example.test/" + "a" * 120)
    page.locator("#submit").click()
    expect(page.locator("#case-header")).to_have_attribute("data-status", "submitted")

    banner = page.locator(".alert .code").first
    heading = page.locator("#case-header .tracking-code").first
    expect(banner).to_be_visible()
    assert banner.inner_text() == heading.inner_text()
    assert banner.inner_text() == draft.tracking_code_display.translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    )
    for code in (banner, heading):
        assert code.evaluate("e => e.getClientRects().length") == 1  # one line box: not wrapped
        assert code.evaluate("e => getComputedStyle(e).direction") == "ltr"
    no_sideways_scroll(page)
    # the copy button is there once the script runs, and copies the ASCII code
    copy = page.locator("#case-header .code-copy").first
    expect(copy).to_be_visible()
    assert copy.get_attribute("data-copy") == draft.tracking_code_display
