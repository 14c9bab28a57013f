"""Issue 15: a booking is reviewed before it is made, a cancel is confirmed, a cancelled
appointment is listed as cancelled (not past), and "do it remotely" leads to the request."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


def client_for(user=None, language="fa") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def test_choosing_a_time_shows_a_review_and_books_nothing_until_confirmed(slotted, service):
    client = client_for(slotted.citizen)
    slot = slot_at(slotted.office_a, at(1, 9))
    data = {"slot": slot.pk, "service": service.code, "key": "0123456789abcdef"}
    review = client.post(reverse("scheduling:book"), data)
    html = review.content.decode()
    assert review.status_code == 200
    assert 'id="confirm-booking"' in html and 'name="confirm" value="1"' in html
    assert slotted.office_a.name in html and "۲۹ آذر ۱۴۰۵" in html
    assert 'class="money-tomans' in html and "ریال" in html  # the fee, explained, before the act
    assert not Appointment.objects.exists()
    done = client.post(reverse("scheduling:book"), {**data, "confirm": "1"})
    appointment = Appointment.objects.get()
    assert done["Location"] == reverse("scheduling:detail", args=[appointment.pk])


def test_a_signed_out_visitor_is_sent_to_the_code_sign_in_and_back_to_the_times(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    response = client_for().post(
        reverse("scheduling:book"), {"slot": slot.pk, "service": service.code, "key": "0123456789abcdef"}
    )
    assert response["Location"].startswith(reverse("web:otp-request") + "?next=")
    assert "%2Fappointments%2Foffice%2FA0001%2F" in response["Location"]


def test_moving_shows_the_new_and_the_old_time_before_it_moves(slotted, service):
    appointment = book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)
    client = client_for(slotted.citizen)
    url = reverse("scheduling:reschedule", args=[appointment.pk])
    review = client.post(url, {"slot": slot_at(slotted.office_a, at(2, 9)).pk})
    html = review.content.decode()
    assert review.status_code == 200 and 'id="review-old"' in html and "۲۹ آذر ۱۴۰۵" in html
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_cancel_asks_for_confirmation_first(slotted, service):
    appointment = book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)
    client = client_for(slotted.citizen)
    detail = client.get(reverse("scheduling:detail", args=[appointment.pk])).content.decode()
    assert f'href="{reverse("scheduling:cancel", args=[appointment.pk])}"' in detail
    confirm = client.get(reverse("scheduling:cancel", args=[appointment.pk]))
    assert confirm.status_code == 200 and 'id="confirm-cancel"' in confirm.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    client.post(reverse("scheduling:cancel", args=[appointment.pk]), {"reason": ""})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    # Another citizen's confirmation page is a 404 like any of their appointment pages.
    other = client_for(slotted.other_citizen).get(reverse("scheduling:cancel", args=[appointment.pk]))
    assert other.status_code == 404


def test_a_cancelled_future_appointment_is_listed_as_cancelled_not_past(slotted, service):
    kept = book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)
    dropped = book(slotted.citizen, slot_at(slotted.office_a, at(2, 9)), service)
    client = client_for(slotted.citizen)
    client.post(reverse("scheduling:cancel", args=[dropped.pk]), {"reason": ""})
    response = client.get(reverse("scheduling:mine"))
    assert [a.pk for a in response.context["upcoming"]] == [kept.pk]
    assert [a.pk for a in response.context["cancelled"]] == [dropped.pk]
    assert response.context["past"] == []
    assert 'id="cancelled"' in response.content.decode()


def test_doing_it_remotely_goes_on_to_the_office_choice_of_the_request(slotted, service):
    response = client_for(slotted.citizen).post(
        reverse("scheduling:choose-channel"),
        {"service": service.code, "channel": "remote", "office": "A0001", "lat": "35.7", "lon": "51.4"},
    )
    assert (
        response["Location"] == reverse("cases:office", args=[service.code, "remote"]) + "?lat=35.7&lon=51.4"
    )
