"""A flexible request placed farther than the nearby offices, in Debian's Chromium (phone and desktop).

The citizen's "My appointments" page says why (the nearby offices are full in the dates) and offers
to cancel and wait for a nearby time; taking it leaves a request kept to the nearby offices.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
import time_machine
from playwright.sync_api import expect

from tanzim.catalog.models import Service
from tanzim.common.jalali import TEHRAN
from tanzim.offices.models import City
from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment, FlexibleRequest
from tanzim.scheduling.services import flexible_request_create, slots_generate
from tanzim.scheduling.services.flexible import batch, rebalance
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll
from tanzim.testing.factories import CitizenFactory, OfficeFactory

START = datetime(2026, 12, 19, 8, 10, tzinfo=TEHRAN)  # Saturday morning, 28 Azar 1405

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["390px", "desktop"])
def test_a_citizen_placed_farther_sees_why_and_chooses_to_wait_for_a_nearby_time(new_page, device):
    with time_machine.travel(START, tick=True):
        office = OfficeFactory(code="THR3001", city=City.objects.get(code="THR-01"), name_fa="دفتر خدمات ری")
        slots_generate(office=office)
        citizen = CitizenFactory(first_name="زهرا", last_name="احمدی", mobile="+989121110000")
        service = Service.objects.get(code="civil_petition")
        day = START.date()
        flexible_request_create(
            citizen=citizen,
            service=service,
            latitude=35.69,
            longitude=51.39,
            earliest=day,
            latest=day.replace(day=22),
        )
        data = batch.from_database(days=3)
        result = rebalance.solve(data.problem)
        result.farther = np.ones(data.problem.n_requests, dtype=bool)  # the nearer offices were full
        assert batch.apply(data, result, actor=None)["booked"] == 1

        page = new_page(citizen, device)
        page.goto("/appointments/")
        expect_persian_page(page)
        note = page.locator(".farther-note")
        expect(note).to_be_visible()
        expect(note).to_contain_text("دفترهای نزدیک شما در تاریخ‌های انتخابی‌تان جای خالی ندارند")
        no_sideways_scroll(page)
        note.get_by_role("button", name="لغو کن و منتظر نوبتی نزدیک‌تر می‌مانم").click()
        expect(page.locator(".alert-success")).to_contain_text("در دفترهای نزدیک برایتان نوبت می‌جوییم")
        expect(page.locator("#flexible")).to_contain_text("فقط دفترهای نزدیک")
        expect(page.locator(".farther-note")).to_have_count(0)
        assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
        assert FlexibleRequest.objects.filter(nearby_only=True).count() == 1
