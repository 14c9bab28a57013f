"""The calendar file's link and description: the configured site, the citizen's sign-in by code
(which brings them back to the appointment), and one digit style per language."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from tanzim.scheduling.ics import appointment_ics, appointment_link
from tanzim.testing.disputes import last_otp
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db

SITE = "https://tanzim.example.ir"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE + "/"
    settings.SCHEDULING_CHECKIN_EARLY_MINUTES = 15


@pytest.fixture
def appointment(slotted, service):
    return book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)


def _event(text: str):
    return next(c for c in Calendar.from_ical(text).walk() if c.name == "VEVENT")


def test_the_event_links_to_the_configured_site_through_the_citizens_sign_in(appointment):
    url = str(_event(appointment_ics(appointment))["URL"])
    assert url == appointment_link(appointment)
    parsed = urlparse(url)
    assert f"{parsed.scheme}://{parsed.netloc}" == SITE and "127.0.0.1" not in url
    assert parsed.path == reverse("web:otp-request")  # the citizen's sign-in by code, not the staff's
    assert parse_qs(parsed.query)["next"] == [reverse("scheduling:detail", args=[appointment.pk])]


def test_the_description_writes_its_number_in_persian_digits_in_persian_and_latin_in_english(appointment):
    with translation.override("fa"):
        persian = str(_event(appointment_ics(appointment))["DESCRIPTION"])
    with translation.override("en"):
        english = str(_event(appointment_ics(appointment))["DESCRIPTION"])
    assert "۱۵" in persian and "15" not in persian
    assert "15 minutes" in english and "۱۵" not in english
    assert appointment.reference in persian and appointment.reference in english


def test_a_citizen_without_a_session_signs_in_by_code_and_lands_on_the_appointment(
    client, slotted, appointment
):
    link = urlparse(appointment_link(appointment))
    entry = f"{link.path}?{link.query}"
    assert client.get(entry).status_code == 200
    citizen = slotted.citizen
    response = client.post(entry, {"national_code": citizen.national_code, "mobile": citizen.mobile})
    assert response.status_code == 302 and response["Location"] == reverse("web:otp-verify")
    response = client.post(reverse("web:otp-verify"), {"code": last_otp(citizen.mobile)})
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:detail", args=[appointment.pk])
    assert client.get(response["Location"]).status_code == 200


def test_a_signed_in_citizen_following_the_link_goes_straight_to_the_appointment(
    client, slotted, appointment
):
    client.force_login(slotted.citizen)
    link = urlparse(appointment_link(appointment))
    response = client.get(f"{link.path}?{link.query}")
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:detail", args=[appointment.pk])


def test_a_next_address_on_another_site_is_ignored_after_sign_in(client, slotted):
    citizen = slotted.citizen
    entry = reverse("web:otp-request") + "?next=https://evil.example.com/"
    client.post(entry, {"national_code": citizen.national_code, "mobile": citizen.mobile})
    response = client.post(reverse("web:otp-verify"), {"code": last_otp(citizen.mobile)})
    assert response.status_code == 302 and response["Location"] == "/home/"
