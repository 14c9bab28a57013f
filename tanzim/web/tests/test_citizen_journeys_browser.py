"""Issue 15 in Chromium, at 390 px and on a desktop: sign-up → booking with a review → moving it →
cancelling with a confirmation (listed as cancelled); an SMS link opened signed out → sign-in by
code → the page asked for; a remote request's office page suggesting an office; the receipt only
after payment."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine
from django.test import TestCase
from playwright.sync_api import Page, expect

from tanzim.cases.tests.page_helpers import awaiting_payment_case
from tanzim.catalog.models import Service
from tanzim.common.jalali import TEHRAN
from tanzim.finance import services as finance_services
from tanzim.finance.models import Payment
from tanzim.notify.models import Message
from tanzim.offices.models import City
from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment
from tanzim.scheduling.services import slots_generate
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll
from tanzim.testing.factories import CitizenFactory, OfficeFactory, next_national_code

START = datetime(2026, 12, 19, 8, 10, tzinfo=TEHRAN)  # Saturday morning, 28 Azar 1405
DEVICES = pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def enter_the_code(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/login/otp/verify/$"))
    sms = page.locator(".demo-sms").first
    code = re.search(r"[0-9۰-۹]{6}", sms.inner_text())
    assert code, sms.inner_text()
    page.fill("#id_code", code.group(0))
    page.locator("main form button").click()


@DEVICES
def test_sign_up_book_after_a_review_move_and_cancel_with_a_confirmation(new_page, settings, device):
    settings.SHOW_OUTBOX_IN_UI = True
    with time_machine.travel(START, tick=True):
        office = OfficeFactory(code="THR3001", city=City.objects.get(code="THR-01"), name_fa="دفتر خدمات ونک")
        slots_generate(office=office)
        page = new_page(None, device)

        # --- the landing page offers sign-up; one message that a code was sent
        page.goto("/")
        page.locator("#signup-link").first.click()
        national_code = next_national_code()
        page.fill("#id_national_code", national_code)
        page.fill("#id_mobile", "09123334455")
        page.fill("#id_first_name", "نرگس")
        page.fill("#id_last_name", "رحیمی")
        page.fill("#id_birth_date", "1368/02/10")
        page.locator("main form button").click()
        expect(page.locator("h1")).to_have_text("کد را وارد کنید")
        assert page.locator("body").inner_text().count("کد از طریق پیامک ارسال شده") == 1  # said once
        enter_the_code(page)
        expect(page).to_have_url(re.compile(r"/home/$"))

        # --- a time opens the review; nothing is booked before the confirmation
        page.goto("/appointments/office/THR3001/?service=civil_petition")
        expect_persian_page(page)
        page.locator("section.day").nth(1).locator(".slot-button").first.click()  # a later day
        expect(page.locator("#review-office")).to_contain_text("دفتر خدمات ونک")
        expect(page.locator("#review-fee .money-tomans")).to_contain_text("تومان")
        no_sideways_scroll(page)
        assert not Appointment.objects.exists()
        page.locator("#confirm-booking").click()
        expect(page).to_have_url(re.compile(r"/appointments/\d+/$"))
        first = Appointment.objects.get()

        # --- moving: the new time is reviewed next to the old one
        page.locator("#reschedule-link").click()
        page.locator("section.day").nth(2).locator(".slot-button").first.click()
        expect(page.locator("#review-old")).to_be_visible()
        page.locator("#confirm-booking").click()
        expect(page).to_have_url(re.compile(r"/appointments/\d+/$"))
        moved = Appointment.objects.get(rescheduled_from=first)

        # --- cancelling asks first; "no, keep it" keeps it
        page.locator("#cancel-button").click()
        expect(page.locator("#confirm-cancel")).to_be_visible()
        no_sideways_scroll(page)
        page.locator("#keep-appointment").click()
        moved.refresh_from_db()
        assert moved.status == AppointmentStatus.BOOKED
        page.locator("#cancel-button").click()
        page.fill("#id_reason", "سفر")
        page.locator("#confirm-cancel").click()
        expect(page.locator("#appointment")).to_have_attribute("data-status", "cancelled")

        # --- the list: nothing coming up, both under "cancelled or moved", none under "earlier"
        page.goto("/appointments/")
        expect(page.locator("#upcoming .list-group-item-action")).to_have_count(0)
        expect(page.locator("#cancelled .list-group-item")).to_have_count(2)
        expect(page.locator("#past")).to_have_count(0)
        no_sideways_scroll(page)


@DEVICES
def test_an_sms_link_opened_signed_out_signs_in_by_code_and_lands_on_the_page(new_page, settings, device):
    settings.SHOW_OUTBOX_IN_UI = True
    with time_machine.travel(START, tick=True):
        office = OfficeFactory(code="THR3002", city=City.objects.get(code="THR-01"))
        slots_generate(office=office)
        citizen = CitizenFactory(mobile="+989125556677")
        from tanzim.scheduling.models import Slot
        from tanzim.scheduling.services import appointment_book

        later = datetime(2026, 12, 20, 9, 0, tzinfo=TEHRAN)
        slot = Slot.objects.filter(office=office, start__gte=later).order_by("start").first()
        result = appointment_book(
            actor=citizen,
            citizen=None,
            slot_id=slot.pk,
            service=Service.objects.get(code="civil_petition"),
            office=office,
            idempotency_key="browser-sms-link",
        )
        sms = Message.objects.filter(recipient=citizen, template="scheduling.confirmed").get()
        link = re.search(r"https?://\S+", sms.body)
        assert link, sms.body
        page = new_page(None, device)
        page.goto(link.group(0))
        expect(page).to_have_url(re.compile(r"/login/otp/\?next="))  # the citizen's sign-in, not staff's
        page.fill("#id_national_code", citizen.national_code)
        page.fill("#id_mobile", "09125556677")
        page.locator("main form button").click()
        enter_the_code(page)
        expect(page).to_have_url(re.compile(rf"/appointments/{result.appointment.pk}/$"))
        expect(page.locator("#appointment")).to_be_visible()
        no_sideways_scroll(page)


@DEVICES
def test_a_remote_request_suggests_an_office(new_page, personas, device):
    shiraz = OfficeFactory(code="FAR3001", city=City.objects.get(code="FAR-01"), name_fa="دفتر خدمات زند")
    page = new_page(personas.citizen, device)
    page.goto("/cases/start/formal_notice/remote/?city=FAR-01")
    expect_persian_page(page)
    expect(page.locator("#suggested-office")).to_have_attribute("data-office", shiraz.code)
    expect(page.locator("#suggested-office")).to_contain_text("دفتر خدمات زند")
    expect(page.locator(f"#office-{shiraz.code}")).to_be_checked()
    no_sideways_scroll(page)
    page.locator("#start-draft").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/draft/$"))


@DEVICES
def test_the_receipt_is_offered_only_after_payment(new_page, personas, settings, tmp_path, device):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CASES_FILING_FAILURE_RATE = 0
    petition = Service.objects.get(code="civil_petition")
    case = awaiting_payment_case(personas, petition, channel="in_person")
    page = new_page(personas.citizen, device)
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#pay-online")).to_be_visible()
    expect(page.locator("#amount-due")).to_contain_text("تومان")
    expect(page.locator("#amount-due .money-words")).to_contain_text("ریال")
    expect(page.locator("#receipt")).to_have_count(0)
    no_sideways_scroll(page)
    payment = Payment.objects.get(reference_id=str(case.pk))
    with TestCase.captureOnCommitCallbacks(execute=True):
        finance_services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)
    page.reload()
    expect(page.locator("#receipt")).to_be_visible()
