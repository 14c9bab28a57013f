"""The main pages pass axe-core's WCAG 2.2 AA checks in Chromium, at 390 px and on a desktop:
no critical and no serious violation (colour contrast, names of controls and landmarks,
labels, valid ARIA references, focusable scrolling regions).

axe runs with its icon-ligature heuristic off, so that it checks Persian text at all
(tanzim/testing/axe.py says why). Run with ``-s`` to see every violation found, by impact.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanzim.catalog.models import Service
from tanzim.testing.axe import axe_violations, blocking, by_impact, describe
from tanzim.testing.browser import DESKTOP, PHONE, open_context
from tanzim.testing.cases import make_draft
from tanzim.testing.pages import main_pages, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"390px": PHONE, "desktop": DESKTOP}


@pytest.fixture
def pages(personas):
    """(name, path, user) of each main page, with the data each shows."""
    return main_pages(personas)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_main_pages_have_no_critical_or_serious_accessibility_violation(
    browser, live_server, pages, viewport
):
    found: dict[str, list] = {}
    for item, page in walk(browser, live_server.url, pages, VIEWPORTS[viewport]):
        name = item.name
        page.evaluate("document.fonts.ready")
        found[name] = axe_violations(page)

    for name, violations in found.items():
        print(f"[{viewport}] {name}: {by_impact(violations) or 'none'}")
        if violations:
            print(describe(violations))
    failing = {name: blocking(v) for name, v in found.items() if blocking(v)}
    assert not failing, "\n".join(f"{name}:\n{describe(v)}" for name, v in failing.items())


def test_axe_checks_the_contrast_of_every_persian_word_with_its_icon_ligature_guess_off(browser):
    """axe's own heuristic takes single joined Persian words for an icon font's ligatures and
    skips their contrast (it reported one of these five pale words); the helper turns it off."""
    context = browser.new_context(locale="fa-IR")
    page = context.new_page()
    words = ["بیشتر", "پیشخوان", "سنجش", "تنظیم", "هیچ"]
    paragraphs = "".join(f'<p style="color:#bbb;background:#fff">{word}</p>' for word in words)
    page.set_content(
        '<!doctype html><html lang="fa" dir="rtl"><head><title>آزمون</title></head>'
        f"<body><main>{paragraphs}</main></body></html>"
    )
    violations = axe_violations(page)
    context.close()
    contrast = [v for v in violations if v["id"] == "color-contrast"]
    assert contrast and len(contrast[0]["nodes"]) == len(words)


def test_a_table_that_scrolls_sideways_at_390px_is_a_named_focusable_region(browser, live_server, personas):
    petition = Service.objects.get(code="civil_petition")
    draft = make_draft(personas, petition)
    context = open_context(browser, live_server.url, personas.citizen, PHONE)
    page = context.new_page()
    page.goto(reverse("cases:draft", args=[draft.pk]))
    regions = page.locator(".table-responsive[role=region][tabindex='0']")
    assert regions.count() >= 1
    for i in range(regions.count()):
        assert regions.nth(i).get_attribute("aria-label")
    page.set_viewport_size(DESKTOP["viewport"])
    page.wait_for_function(
        "!document.querySelector('#parties').closest('.table-responsive').hasAttribute('tabindex')"
    )
    context.close()
