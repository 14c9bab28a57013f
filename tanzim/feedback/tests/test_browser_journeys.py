"""Issue 15's last two journeys in Debian's Chromium, at 390 px and on a desktop, in Persian: the
survey from the SMS link with one answer missing, and a complaint sent first empty, then whole.
What is asserted is what the person sees: the error summary takes the focus and names what is
missing, nothing typed or chosen is lost, the reference is shown once sent, no sideways scroll.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tanzim.feedback.models import Complaint, SurveyResponse
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.feedback import invite

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES = pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["390px", "desktop"])


@DEVICES
def test_a_survey_with_a_missing_answer_keeps_every_choice_and_the_comment(
    new_page, personas, service, device
):
    _invitation, token = invite(personas.office_a, CitizenFactory(), service)
    page = new_page(None, device)
    page.goto(reverse("feedback:survey", args=[token]))
    expect_persian_page(page)

    for dimension, answer in [("access", 5), ("courtesy", 4), ("clarity", 5), ("timeliness", 3)]:
        page.click(f"label[for='{dimension}-{answer}']")
    page.click("label[for='fairness-na']")
    page.fill("#id_comment", "کارمند با حوصله توضیح داد")  # "overall" left unanswered
    page.click("#survey-submit")

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href]")).to_have_count(1)
    expect(page.locator("#item-overall")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#courtesy-4")).to_be_checked()
    expect(page.locator("#fairness-na")).to_be_checked()
    expect(page.locator("#id_comment")).to_have_value("کارمند با حوصله توضیح داد")
    assert not SurveyResponse.objects.exists()
    no_sideways_scroll(page)

    page.click("label[for='overall-4']")
    page.click("#survey-submit")

    expect(page.locator("[data-state='thanks']")).to_be_visible()
    response = SurveyResponse.objects.get()
    assert response.comment == "کارمند با حوصله توضیح داد"
    no_sideways_scroll(page)


@DEVICES
def test_a_complaint_sent_empty_then_whole_loses_nothing_and_shows_its_reference(new_page, personas, device):
    page = new_page(personas.citizen, device)
    page.goto(reverse("feedback:complaint-new"))
    expect_persian_page(page)

    page.fill("#id_staff_description", "کارمند باجه ۲")
    page.click("#complaint-submit")  # no office, no category, no description

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(page.locator("#id_description")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_staff_description")).to_have_value("کارمند باجه ۲")
    assert not Complaint.objects.exists()
    no_sideways_scroll(page)

    page.fill("#id_office_code", personas.office_a.code)
    page.select_option("#id_category", index=1)
    page.fill("#id_description", "درخواست من دو هفته بی‌پاسخ ماند.")
    page.click("#complaint-submit")

    complaint = Complaint.objects.get()
    # A code a person copies is shown in one digit style everywhere ({% code %}).
    expect(page.locator("h1 bdi.code")).to_have_text(complaint.reference)
    assert complaint.office == personas.office_a
    no_sideways_scroll(page)
