"""The field page offline: ten services recorded without a connection, synced twice, exactly ten exist."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from tanzim.finance.choices import FreeServiceGround
from tanzim.outreach import services
from tanzim.outreach.models import AreaSubscription, FieldService
from tanzim.testing import outreach as h
from tanzim.testing.axe import axe_violations, blocking, describe
from tanzim.testing.browser import PHONE, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def frozen():
    """The live server runs on the real clock; the mission is planned for today."""


def test_the_field_page_records_offline_and_syncs_once(personas, new_page):
    mission = h.approved(personas)
    page = new_page(personas.clerk_a, PHONE)
    page.goto(f"/outreach/missions/{mission.pk}/field/")
    expect(page.locator("h1")).to_have_text("صفحهٔ کار میدانی")
    no_sideways_scroll(page)
    page.context.set_offline(True)
    for n in range(10):
        page.select_option("#f-kind", "sana")
        page.fill("#f-name", f"بهره‌مند {n}")
        page.fill("#f-code", h.national_code(n))
        page.click("#f-add")
    expect(page.locator("#f-pending")).to_have_text("10")
    assert FieldService.objects.count() == 0
    page.context.set_offline(False)
    page.click("#f-sync")
    expect(page.locator("#f-pending")).to_have_text("0")
    page.click("#f-sync")
    expect(page.locator("#f-done")).to_have_text("10")
    assert FieldService.objects.filter(mission=mission).count() == 10
    assert page.locator("#f-conflicts li").count() == 0
    # A conflict is shown, not swallowed: the same person served by office B the same day.
    mission_b = h.approved(personas, offices=(personas.office_b,))
    services.field_sync(
        mission=mission_b, actor=personas.clerk_b, items=[h.item(99, code=h.national_code(99))]
    )
    page.fill("#f-name", "تکراری")
    page.fill("#f-code", h.national_code(99))
    page.click("#f-add")
    expect(page.locator("#f-conflicts li")).to_have_count(1)
    expect(page.locator("#f-pending")).to_have_text("0")


def test_a_photo_and_a_kanoon_decision_are_captured_offline_and_synced(personas, new_page, tmp_path):
    mission = h.approved(personas)
    picture = tmp_path / "card.png"
    Image.new("RGB", (2400, 1800), (40, 140, 90)).save(picture, "PNG")  # shrunk on the device
    page = new_page(personas.clerk_a, PHONE)
    page.goto(f"/outreach/missions/{mission.pk}/field/")
    expect(page.locator("#f-decision-number")).to_be_hidden()
    page.context.set_offline(True)
    # With its photo, on the mission.
    page.fill("#f-name", "بهره‌مند با عکس")
    page.fill("#f-code", h.national_code(1))
    page.set_input_files("#f-photo", str(picture))
    page.click("#f-add")
    expect(page.locator("#f-pending")).to_have_text("1")
    # On a Kanoon decision: refused on the device without its photo, queued with it.
    page.select_option("#f-ground", "kanoon_decision")
    page.fill("#f-name", "بهره‌مند تصمیم کانون")
    page.fill("#f-code", h.national_code(2))
    page.fill("#f-decision-number", "1405/217")
    page.fill("#f-decision-date", "1405/08/20")
    page.click("#f-add")
    expect(page.locator("#f-status")).to_contain_text("عکس")
    expect(page.locator("#f-pending")).to_have_text("1")
    page.set_input_files("#f-photo", str(picture))
    page.click("#f-add")
    expect(page.locator("#f-pending")).to_have_text("2")
    assert FieldService.objects.count() == 0
    page.context.set_offline(False)
    page.click("#f-sync")
    expect(page.locator("#f-pending")).to_have_text("0")
    page.click("#f-sync")
    expect(page.locator("#f-done")).to_have_text("2")
    assert page.locator("#f-conflicts li").count() == 0
    on_mission, on_decision = FieldService.objects.order_by("pk")
    assert on_mission.ground == FreeServiceGround.OUTREACH_MISSION
    assert on_mission.evidence_type == "image/jpeg"
    assert on_decision.ground == FreeServiceGround.KANOON_DECISION
    assert on_decision.grant.evidence_number == "1405/217 1405/08/20"
    assert on_decision.grant.document_sha256


def test_the_outreach_pages_pass_axe_and_fit_a_phone(personas, new_page):
    mission = h.approved(personas, starts_in=1)
    staff = new_page(personas.manager_a, PHONE)
    for url in (
        f"/outreach/missions/{mission.pk}/field/",
        f"/outreach/missions/{mission.pk}/",
        "/outreach/coverage/",
    ):
        staff.goto(url)
        found = blocking(axe_violations(staff))
        assert not found, describe(found)
        no_sideways_scroll(staff)
    public = new_page(None, PHONE)
    public.goto("/outreach/?province=SBL")
    expect(public.locator(f"[data-mission='{mission.pk}']")).to_be_visible()
    assert not blocking(axe_violations(public))
    no_sideways_scroll(public)
    # The SMS sign-up on the same page, then its link's page.
    public.fill("#id_phone", "09121234567")
    public.select_option("#id_province", "SBL")
    public.check("#id_consent")
    public.locator("#id_consent").evaluate("e => e.form.requestSubmit()")
    expect(public.locator(".alert-success, .alert-info").first).to_be_visible()
    sub = AreaSubscription.objects.get()
    public.goto(f"/outreach/sms/?t={sub.token}")
    expect(public.locator("[data-state='waiting']")).to_be_visible()
    assert not blocking(axe_violations(public))
    no_sideways_scroll(public)
    public.click("button[value='confirm']")
    expect(public.locator("[data-state='active']")).to_be_visible()
