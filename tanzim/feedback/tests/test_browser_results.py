"""The office's survey results and the complaint form in Debian's Chromium, in Persian, at 390 px
and on a desktop: published figures only, "not enough answers yet" where fewer than five answered,
comments without times, no complaint reference; the complaint form's protection from retaliation.

The harness (``browser``, ``new_page``) is the one every app shares, in ``tanzim/testing/browser.py``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tanzim.feedback.services import complaint_file, survey_answer, survey_results_publish
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.feedback import invite

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWERS = {"access": 4, "courtesy": 4, "clarity": 4, "timeliness": 4, "fairness": None, "overall": 4}


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["390px", "desktop"])
def test_the_manager_reads_published_figures_and_not_enough_answers_yet_where_fewer_than_five(
    new_page, personas, service, device
):
    for _ in range(5):
        _invitation, token = invite(personas.office_a, CitizenFactory(), service)
        survey_answer(token=token, answers=ANSWERS, comment="برخورد کارمندان محترمانه بود")
    survey_results_publish()
    _invitation, token = invite(personas.office_a, CitizenFactory(), service)
    survey_answer(token=token, answers={**ANSWERS, "overall": 1}, comment="پاسخ تازه‌ای که منتشر نشده")
    complaint = complaint_file(
        complainant=personas.citizen,
        office=personas.office_a,
        category="delay",
        description="درخواست من دو هفته بدون پاسخ در دفتر ماند.",
    )

    page = new_page(personas.manager_a, device)
    page.goto("/feedback/results/A0001/")

    expect_persian_page(page)
    expect(page.locator("#overall-mean")).to_have_text("۴٫۰۰")  # the published five, not the sixth
    expect(page.locator("#total-answers")).to_have_text("۵")
    expect(page.locator("#anonymity-note")).to_contain_text("۵")
    expect(page.locator("#published-on")).to_be_visible()
    expect(page.locator("#items .not-enough")).to_have_count(1)  # fairness: nobody answered it
    expect(page.locator("#months .not-enough").first).to_have_text("هنوز پاسخ کافی نیست")
    expect(page.locator("#comment-list .comment-card")).to_have_count(5)
    content = page.content()
    assert "پاسخ تازه‌ای که منتشر نشده" not in content and complaint.reference not in content
    no_sideways_scroll(page)


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["390px", "desktop"])
def test_the_complaint_form_says_how_the_complainant_is_protected(new_page, personas, device):
    page = new_page(personas.citizen, device)
    page.goto("/feedback/complaints/new/")

    expect_persian_page(page)
    protection = page.locator("#retaliation")
    expect(protection).to_be_visible()
    expect(protection).to_contain_text("کانون")
    expect(protection).to_contain_text("بدرفتاری با شما به سبب شکایتتان")
    no_sideways_scroll(page)
