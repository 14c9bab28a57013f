"""The quality loop in Persian on a phone, in Debian's Chromium: a citizen answers the survey from
the SMS link, an inspector completes the checklist, and the office's manager sees the result.

Playwright's sync API runs an event loop in this thread, so Django's async-safety guard is
lifted (DJANGO_ALLOW_ASYNC_UNSAFE). The live server runs in another thread, so the database is
not wrapped in a transaction; the project's conftest restores the reference data afterwards.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tanzim.feedback.models import SurveyResponse
from tanzim.inspections import services
from tanzim.inspections.choices import InspectionKind
from tanzim.notify.models import Message
from tanzim.scheduling.signals import appointment_served
from tanzim.testing.browser import PHONE, open_context
from tanzim.testing.feedback import serve_visit
from tanzim.testing.twofactor import current_code, enrol

PASSWORD = "correct-horse-battery"  # the factories' password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, authenticator: str | None = None) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button").click()
    if authenticator:  # the inspector's role requires two-step sign-in: the code of the next step
        page.fill("#id_code", current_code(authenticator, offset=1))
        page.locator("main form button").click()
    expect(page).to_have_url(re.compile(r"/home/$"))


def test_the_survey_the_inspection_and_the_result_on_a_phone(browser, live_server, personas, tmp_path):
    # --- a visit is served: the system sends the survey link by SMS (through the outbox)
    from tanzim.catalog.models import Service

    visit = serve_visit(personas.office_a, personas.citizen, Service.objects.get(code="case_followup"))
    appointment_served.send(sender=None, appointment_id=visit.pk)
    sms = Message.objects.get(template="feedback.survey_invitation")
    link = re.search(r"https?://\S+/feedback/s/[A-Za-z0-9_-]{32}/", sms.body)
    assert link, sms.body

    # --- the citizen opens the link on a phone: Persian, right to left, one screen, big targets
    citizen = open_context(browser, live_server.url, device=PHONE)
    page = citizen.new_page()
    page.goto(link.group(0))
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".survey-item")).to_have_count(6)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    target = page.locator("label[for='overall-5']").bounding_box()
    assert target["height"] >= 44 and target["width"] >= 44  # thumb-sized
    page.screenshot(path="/tmp/tanzim-survey-form.png", full_page=True)
    clicks = 0
    for dimension, score in (
        ("access", 4),
        ("courtesy", 5),
        ("clarity", 4),
        ("timeliness", 3),
        ("fairness", 5),
        ("overall", 4),
    ):
        page.locator(f"label[for='{dimension}-{score}']").click()
        clicks += 1
    page.locator("#survey-submit").click()
    clicks += 1
    expect(page.locator("#survey-state")).to_have_attribute("data-state", "thanks")
    assert clicks == 7  # six taps and a button: well under a minute
    response = SurveyResponse.objects.get()
    assert (response.access, response.timeliness, response.overall) == (4, 3, 4)
    page.goto(link.group(0))
    expect(page.locator("#survey-state")).to_have_attribute("data-state", "answered")
    page.screenshot(path="/tmp/tanzim-survey.png", full_page=True)
    citizen.close()

    # --- an inspector fills in the checklist on the phone and completes it
    inspection = services.inspection_schedule(
        actor=personas.kanoon_admin, office=personas.office_a, kind=InspectionKind.PERIODIC
    )
    evidence = tmp_path / "evidence.png"
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (20, 120, 60)).save(buffer, format="PNG")
    evidence.write_bytes(buffer.getvalue())
    inspector = open_context(browser, live_server.url, device=PHONE)
    page = inspector.new_page()
    secret, _recovery_codes = enrol(personas.inspector)
    sign_in(page, "inspector", authenticator=secret)
    page.goto(f"/inspections/{inspection.pk}/")
    page.locator("#start-inspection").click()
    expect(page).to_have_url(re.compile(rf"/inspections/{inspection.pk}/perform/$"))
    items = list(inspection.checklist.items.all())
    expect(page.locator(".check-item")).to_have_count(len(items))
    for item in items:
        page.locator(f"label[for='r{item.pk}-compliant']").click()
        if item.evidence_required:
            page.set_input_files(f"#evidence-{item.pk}", str(evidence))
    page.fill("#id_note", "دفتر منظم و پاکیزه بود.")
    page.screenshot(path="/tmp/tanzim-checklist.png")
    page.locator("#complete-inspection").click()
    expect(page).to_have_url(re.compile(rf"/inspections/{inspection.pk}/$"))
    expect(page.locator("#inspection-score")).to_contain_text("۱۰۰")
    inspector.close()

    # --- the office's manager sees the result on their phone
    manager = open_context(browser, live_server.url, device=PHONE)
    page = manager.new_page()
    sign_in(page, "manager.a")
    page.goto("/inspections/")
    row = page.locator(f"[data-inspection='{inspection.pk}']")
    expect(row).to_contain_text("۱۰۰")
    row.click()
    expect(page.locator("#inspection-score")).to_contain_text("۱۰۰")
    expect(page.locator("main")).to_contain_text("دفتر منظم و پاکیزه بود.")
    page.goto("/feedback/results/")
    expect(page).to_have_url(re.compile(r"/feedback/results/A0001/"))
    # One answer is never shown on its own (docs/privacy.md): no figure, and no name with it.
    expect(page.locator("#not-enough-total")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(personas.citizen.first_name)
    page.screenshot(path="/tmp/tanzim-results.png", full_page=True)
    manager.close()
