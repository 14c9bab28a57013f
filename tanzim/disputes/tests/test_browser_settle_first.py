"""Settle first in Persian, in Debian's Chromium, on a phone (390 px) and a desktop: a complaint
whose art. 106 year mediation could outrun is refused with "file now and mediate after" and its
last day; one well within its year is diverted and the dispute page states the deadline in
Persian digits. The browser fixtures are the shared ones (``tanzim/testing/browser.py``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from tanzim.cases import services as cases
from tanzim.catalog.models import Service
from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.disputes import rules
from tanzim.testing.cases import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [390, 1280]


def submitted_complaint(personas):
    case = make_draft(personas, Service.objects.get(code="criminal_complaint"))
    cases.case_submit(case=case, actor=personas.citizen)
    return case


def fill(page, *, knowledge) -> None:
    page.select_option("#id_category", "criminal")
    page.fill("#id_respondent_mobile", "09350007788")
    page.select_option("#id_offence_compoundable", "yes")
    page.select_option("#id_offence_grade", "6")
    page.fill("#id_knowledge_date", format_jalali(knowledge, persian_digits=False))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_diversion_page_refuses_a_late_complaint_and_warns_of_the_deadline_in_persian_digits(
    personas, new_page, width
):
    today = tehran_date(timezone.now())
    page = new_page(personas.clerk_a)
    page.set_viewport_size({"width": width, "height": 900})

    late = today - timedelta(days=330)
    case = submitted_complaint(personas)
    page.goto(f"/cases/{case.pk}/")
    page.click("#try-settlement")
    fill(page, knowledge=late)
    page.click("#open-from-case")
    last_day = format_jalali(
        rules.limit_end(late, months=settings.DISPUTES_COMPOUNDABLE_COMPLAINT_MONTHS), long=True
    )
    expect(page.locator("#file-first")).to_be_visible()
    expect(page.locator(".alert-danger")).to_contain_text(last_day)

    recent = today - timedelta(days=30)
    case = submitted_complaint(personas)
    page.goto(f"/disputes/from-case/{case.pk}/")
    fill(page, knowledge=recent)
    page.click("#open-from-case")
    deadline = rules.limit_end(recent, months=settings.DISPUTES_COMPOUNDABLE_COMPLAINT_MONTHS)
    warning = page.locator("#filing-deadline")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(format_jalali(deadline, long=True))
    settle_by = deadline - timedelta(days=settings.DISPUTES_SETTLE_FIRST_MARGIN_DAYS)
    expect(warning).to_contain_text(format_jalali(settle_by, long=True))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
