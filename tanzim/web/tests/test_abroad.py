"""A person living abroad: their time zone at sign-up, at sign-in and in their profile; the pages
that show them times (both zones) and read the times they type; the page on services from abroad."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from tanzim.accounts.models import User
from tanzim.audit.models import AuditEvent
from tanzim.disputes import services as dispute_services
from tanzim.disputes.choices import SessionMode
from tanzim.disputes.models import SessionProposal
from tanzim.testing.accounts import latest_code
from tanzim.testing.disputes import NOW, at, to_mediation
from tanzim.testing.factories import next_national_code

pytestmark = pytest.mark.django_db


def _signup(client, **extra) -> User:
    details = {
        "national_code": next_national_code(),
        "mobile": "+49 (0) 151 2345 6789",  # 21 characters, as people write it
        "first_name": "Sara",
        "last_name": "Rahimi",
        "preferred_language": "en",
        "resident_abroad": "on",
        **extra,
    }
    response = client.post(reverse("web:signup"), details)
    assert response.status_code == 302, response.content.decode()[:2000]
    return User.objects.get(national_code=details["national_code"])


def test_sign_up_keeps_the_zone_the_browser_reported(client):
    user = _signup(client, time_zone="Europe/Berlin", email="sara@example.org")
    assert user.time_zone == "Europe/Berlin" and user.resident_abroad and user.mobile == "+4915123456789"
    assert user.email == "sara@example.org"  # where codes go when an SMS to Germany does not arrive


def test_sign_up_with_a_foreign_number_missing_its_plus_says_how_to_write_it(client):
    details = {
        "national_code": next_national_code(),
        "mobile": "4915123456789",
        "first_name": "Sara",
        "last_name": "Rahimi",
        "preferred_language": "en",
        "email": "sara@example.org",
    }
    response = client.post(reverse("web:signup"), details, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200 and "written with + and its country code" in page
    assert 'value="sara@example.org"' in page and 'value="4915123456789"' in page  # nothing lost
    assert not User.objects.filter(national_code=details["national_code"]).exists()


@pytest.mark.parametrize("reported", ["", "Europe/Atlantis", "'; drop table", "x" * 80])
def test_sign_up_with_no_or_a_bad_zone_is_on_tehran_time(client, reported):
    assert _signup(client, time_zone=reported).time_zone == "Asia/Tehran"


def test_the_sign_up_and_code_pages_carry_the_browser_zone_field(client):
    for name in ("web:signup",):
        page = client.get(reverse(name)).content.decode()
        assert "data-browser-zone" in page and 'type="hidden"' in page


def test_signing_in_from_abroad_sets_the_zone_once(client):
    user = _signup(client)
    assert user.time_zone == "Asia/Tehran"
    response = client.post(
        reverse("web:otp-verify"), {"code": latest_code(user), "browser_zone": "America/Toronto"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "America/Toronto"
    page = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "America/Toronto" in page  # the message says which zone and where to change it


def test_a_zone_chosen_in_the_profile_is_not_overwritten_by_the_browser(client, personas):
    citizen = personas.citizen
    citizen.time_zone = "Asia/Tokyo"
    citizen.save()
    client.post(
        reverse("web:otp-request"), {"national_code": citizen.national_code, "mobile": citizen.mobile}
    )
    client.post(reverse("web:otp-verify"), {"code": latest_code(citizen), "browser_zone": "Europe/Berlin"})
    citizen.refresh_from_db()
    assert citizen.time_zone == "Asia/Tokyo"


def test_the_profile_changes_the_zone_and_audits_it(client, personas):
    client.force_login(personas.citizen)
    page = client.get(reverse("web:profile"))
    assert page.status_code == 200 and 'value="Europe/Berlin"' in page.content.decode()
    response = client.post(
        reverse("web:profile"),
        {"time_zone": "Europe/Berlin", "resident_abroad": "on", "preferred_language": "fa"},
    )
    assert response.status_code == 302
    personas.citizen.refresh_from_db()
    assert personas.citizen.time_zone == "Europe/Berlin" and personas.citizen.resident_abroad
    event = AuditEvent.objects.get(action="accounts.profile.updated")
    assert event.data["after"] == {"time_zone": "Europe/Berlin", "resident_abroad": True}


def test_the_profile_refuses_an_unknown_zone_and_keeps_what_was_chosen(client, personas):
    client.force_login(personas.citizen)
    response = client.post(
        reverse("web:profile"),
        {"time_zone": "Europe/Atlantis", "resident_abroad": "on", "preferred_language": "en"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = response.content.decode()
    assert response.status_code == 200 and "is-invalid" in page
    assert 'name="resident_abroad"' in page and "checked" in page
    personas.citizen.refresh_from_db()
    assert personas.citizen.time_zone == "Asia/Tehran"


def test_the_profile_needs_a_sign_in(client):
    response = client.get(reverse("web:profile"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_page_on_services_from_abroad_reads_in_both_languages(client, personas):
    for language, words in (("en", "power of attorney"), ("fa", "وکالت‌نامه")):
        page = client.get(reverse("web:abroad"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert (words in page and "consul" in page.lower()) or "کنسولگری" in page
    personas.citizen.time_zone = "Europe/Berlin"
    personas.citizen.save()
    client.force_login(personas.citizen)
    with time_machine.travel(datetime(2026, 12, 4, 20, 30, tzinfo=UTC), tick=False):
        page = client.get(reverse("web:abroad"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "21:30 Berlin time (4 Dec 2026) · 1405/09/14 00:00 Tehran time" in page


def test_a_claimant_in_berlin_reads_a_session_in_both_zones_and_staff_read_tehran(client, personas):
    with time_machine.travel(NOW, tick=False):
        dispute = to_mediation(personas)
        # 00:30 on Sunday 15 Azar in Tehran is 22:00 on Saturday in Berlin.
        dispute_services.session_schedule(
            dispute=dispute,
            actor=personas.mediator_a,
            starts_at=at(1, 0, 30),
            mode=SessionMode.VIDEO,
            location="https://meet.example.org/x",
        )
        personas.citizen.time_zone = "Europe/Berlin"
        personas.citizen.save()
        client.force_login(personas.citizen)
        mine = client.get(reverse("disputes:mine"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        detail = client.get(reverse("disputes:detail", args=[dispute.pk]), HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(personas.mediator_a)
        staff = client.get(reverse("disputes:detail", args=[dispute.pk]), HTTP_ACCEPT_LANGUAGE="en")
    both = "1405/09/14 22:00 Berlin time (5 Dec 2026) · 1405/09/15 00:30 Tehran time"
    assert both in mine and both in detail.content.decode()
    assert "1405/09/15 00:30" in staff.content.decode() and "Berlin" not in staff.content.decode()


def test_times_a_party_in_toronto_proposes_are_read_in_toronto(client, personas):
    with time_machine.travel(NOW, tick=False):
        dispute = to_mediation(personas)
        personas.citizen.time_zone = "America/Toronto"
        personas.citizen.save()
        client.force_login(personas.citizen)
        form = client.get(reverse("disputes:detail", args=[dispute.pk]), HTTP_ACCEPT_LANGUAGE="en")
        assert "Your own time (Toronto time)" in form.content.decode()
        # 16:00 on 14 Azar in Toronto is 00:30 on 15 Azar in Tehran: the next Tehran day.
        response = client.post(
            reverse("disputes:proposal-new", args=[dispute.pk]),
            {"day1": "۱۴۰۵/۰۹/۱۴", "time1": "۱۶:۰۰", "note": ""},
        )
        assert response.status_code == 302
        client.force_login(personas.mediator_a)
        staff = client.get(reverse("disputes:detail", args=[dispute.pk]), HTTP_ACCEPT_LANGUAGE="en")
    proposal = SessionProposal.objects.get(dispute=dispute)
    assert [datetime.fromisoformat(t).astimezone(UTC) for t in proposal.times] == [
        datetime(2026, 12, 5, 21, 0, tzinfo=UTC)
    ]
    # The office reads the proposed time on Tehran time, the day it falls on in Tehran.
    assert "1405/09/15 00:30" in staff.content.decode() and "Toronto" not in staff.content.decode()
