"""The appointment journey in Persian, in Debian's Chromium.

A citizen gets suggestions, books, receives the confirmation SMS in the outbox and checks in
from the phone; the clerk calls and serves the ticket; the waiting-room screen shows it.
The clock travels (and keeps ticking) so the booked time's check-in window can be reached.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from tanzim.common.jalali import TEHRAN
from tanzim.notify.models import Message
from tanzim.offices.models import City
from tanzim.scheduling.choices import TicketStatus
from tanzim.scheduling.models import Appointment, QueueTicket
from tanzim.scheduling.services import slots_generate
from tanzim.testing.browser import PHONE, open_context
from tanzim.testing.factories import CitizenFactory, OfficeFactory, UserFactory, give_role

START = datetime(2026, 12, 19, 8, 10, tzinfo=TEHRAN)  # Saturday morning, 28 Azar 1405

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_books_checks_in_and_is_served_while_the_screen_shows_the_ticket(browser, live_server):
    with time_machine.travel(START, tick=True) as clock:
        tehran = City.objects.get(code="THR-01")
        office = OfficeFactory(
            code="THR2001", city=tehran, name_fa="دفتر خدمات انقلاب", name_en="Enghelab office"
        )
        far = OfficeFactory(
            code="THR2002", city=tehran, name_fa="دفتر خدمات شهرری", latitude=35.59, longitude=51.43
        )
        slots_generate(office=office)
        slots_generate(office=far)
        citizen = CitizenFactory(first_name="مریم", last_name="کاظمی", mobile="+989121112233")
        clerk = give_role(UserFactory(username="clerk.enghelab"), "clerk", office=office)

        # --- the citizen, on a phone-sized screen, asks for suggestions
        phone = open_context(browser, live_server.url, citizen, PHONE)
        page = phone.new_page()
        page.goto("/appointments/find/")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        page.select_option("#id_service", "civil_petition")
        page.select_option("#id_city", "THR-01")
        page.locator("#find-submit").click()
        expect(page.locator(".offer-card[data-channel='remote']")).to_be_visible()
        expect(page.locator(".offer-card[data-channel='remote']")).to_contain_text("۳۸۵٬۰۰۰")
        first = page.locator(".suggestion").first
        expect(first).to_have_attribute("data-office", "THR2001")
        expect(first.locator(".reasons li")).to_have_count(3)
        page.screenshot(path="/tmp/tanzim-suggestions.png", full_page=True)

        # --- booking: the detail page, the SMS in the outbox with the Jalali date
        first.locator(".book-button").click()
        expect(page.locator("#review-office")).to_contain_text("دفتر خدمات انقلاب")  # a review first
        assert not Appointment.objects.filter(citizen=citizen).exists()
        page.locator("#confirm-booking").click()
        expect(page).to_have_url(re.compile(r"/appointments/\d+/$"))
        appointment = Appointment.objects.get(citizen=citizen)
        expect(page.locator("#reference")).to_have_text(appointment.reference)
        expect(page.locator("#when")).to_contain_text("آذر ۱۴۰۵")
        sms = Message.objects.get(template="scheduling.confirmed", recipient=citizen)
        assert appointment.reference in sms.body and "۲۸ آذر ۱۴۰۵" in sms.body
        page.goto("/inbox/")
        expect(page.locator("main")).to_contain_text(appointment.reference)

        # --- at the office, inside the check-in window, the citizen checks in from the phone
        clock.move_to(appointment.start - timedelta(minutes=5))
        page.goto(f"/appointments/{appointment.pk}/")
        page.locator("#check-in").click()
        expect(page.locator("#ticket-number")).to_have_text("۰۰۱")
        expect(page.locator("#ticket-wait")).to_be_visible()

        # --- the waiting-room screen, public, refreshing itself
        screen = browser.new_context(base_url=live_server.url, locale="fa-IR").new_page()
        screen.goto("/appointments/display/THR2001/")
        expect(screen.locator("#waiting-count")).to_have_text("۱")

        # --- the clerk calls the next ticket at counter 1 and serves it
        desk = open_context(browser, live_server.url, clerk).new_page()
        desk.goto("/appointments/office/THR2001/queue/?counter=1")
        expect(desk.locator("#line tbody tr[data-ticket='1']")).to_be_visible()
        desk.locator("#call-next").click()
        expect(desk.locator("#current-ticket")).to_have_text("۰۰۱")
        expect(screen.locator(".now-serving[data-ticket='1']")).to_contain_text("۰۰۱", timeout=20_000)
        expect(screen.locator(".now-serving[data-ticket='1']")).to_contain_text("۱")
        page.reload()
        expect(page.locator("#ticket-called")).to_contain_text("۱")
        desk.locator("#serve").click()
        expect(desk.locator("#call-next")).to_be_visible()
        expect(screen.locator("#recent")).to_contain_text("۰۰۱", timeout=20_000)
        screen.screenshot(path="/tmp/tanzim-waiting-room.png", full_page=True)

        ticket = QueueTicket.objects.get(office=office)
        assert ticket.status == TicketStatus.SERVED
        appointment.refresh_from_db()
        assert appointment.status == "served"
        assert citizen.last_name not in screen.content()
