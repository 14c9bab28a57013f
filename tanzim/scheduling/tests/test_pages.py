"""Pages: citizens find, book, cancel, move and check in; office staff run the day and the queue."""

from __future__ import annotations

import re
from datetime import datetime, time

import jdatetime
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tanzim.common.jalali import TEHRAN
from tanzim.notify.models import Message
from tanzim.scheduling.choices import AppointmentStatus, TicketStatus
from tanzim.scheduling.models import Appointment, QueueTicket
from tanzim.scheduling.services import appointment_check_in, slots_generate, ticket_issue_walk_in
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


def client_for(user=None, language="fa") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def appointment(slotted, service):
    return book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)


@pytest.mark.parametrize(("language", "direction"), [("fa", "rtl"), ("en", "ltr")])
def test_the_find_page_works_in_both_directions(slotted, service, language, direction):
    response = client_for(language=language).get(
        reverse("scheduling:find"), {"service": service.code, "city": "THR-01"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'dir="{direction}"' in html
    assert 'data-channel="remote"' in html
    assert 'data-office="A0001"' in html


def test_the_find_page_explains_a_missing_location(slotted, service):
    response = client_for().get(reverse("scheduling:find"), {"service": service.code})
    assert response.status_code == 200
    assert "find-error" in response.content.decode() or "alert-danger" in response.content.decode()


def test_htmx_gets_only_the_results(slotted, service):
    response = client_for().get(
        reverse("scheduling:find"), {"service": service.code, "city": "THR-01"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in response.content.decode()
    assert "suggestion" in response.content.decode()


def test_booking_from_the_page_is_safe_against_a_double_click(slotted, service):
    client = client_for(slotted.citizen)
    slot = slot_at(slotted.office_a, at(1, 9))
    data = {"slot": slot.pk, "service": service.code, "key": "0123456789abcdef", "confirm": "1"}
    first = client.post(reverse("scheduling:book"), data)
    second = client.post(reverse("scheduling:book"), data)
    appointment = Appointment.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("scheduling:detail", args=[appointment.pk])
    assert Message.objects.filter(template="scheduling.confirmed").count() == 1


def test_an_anonymous_visitor_is_asked_to_sign_in_before_booking(slotted, service):
    response = client_for().post(
        reverse("scheduling:book"), {"slot": 1, "service": service.code, "key": "0123456789"}
    )
    assert response.status_code == 302
    assert reverse("web:otp-request") in response["Location"]
    assert not Appointment.objects.exists()


def test_a_taken_time_sends_the_citizen_back_to_the_office_times_with_a_message(slotted, service):
    from tanzim.testing.factories import CitizenFactory

    slot = slot_at(slotted.office_a, at(1, 9))
    book(slotted.other_citizen, slot, service)
    book(CitizenFactory(), slot, service)
    client = client_for(slotted.citizen, language="en")
    response = client.post(
        reverse("scheduling:book"),
        {"slot": slot.pk, "service": service.code, "key": "0123456789abcdef", "confirm": "1"},
        follow=True,
    )
    html = response.content.decode()
    assert "just taken by someone else" in html
    assert "slot-button" in html


def test_the_office_times_page_lists_free_times(slotted, service):
    response = client_for().get(reverse("scheduling:office-times", args=["A0001"]), {"service": service.code})
    assert response.status_code == 200
    assert len(re.findall(r'class="btn btn-outline-primary slot-button"', response.content.decode())) > 100
    assert client_for().get(reverse("scheduling:office-times", args=["NOPE"])).status_code == 404


def test_the_citizen_sees_cancels_and_moves_an_appointment(slotted, appointment):
    client = client_for(slotted.citizen)
    page = client.get(reverse("scheduling:detail", args=[appointment.pk])).content.decode()
    assert appointment.reference in page
    assert "۲۹ آذر ۱۴۰۵" in page
    moved = client.post(
        reverse("scheduling:reschedule", args=[appointment.pk]),
        {"slot": slot_at(slotted.office_a, at(2, 9)).pk, "confirm": "1"},
    )
    new = Appointment.objects.get(rescheduled_from=appointment)
    assert moved["Location"] == reverse("scheduling:detail", args=[new.pk])
    client.post(reverse("scheduling:cancel", args=[new.pk]), {"reason": "سفر"})
    new.refresh_from_db()
    assert new.status == AppointmentStatus.CANCELLED


def test_another_citizen_gets_404_on_every_appointment_page(slotted, appointment):
    client = client_for(slotted.other_citizen)
    for name in ("detail", "ticket-status", "ics", "reschedule"):
        assert client.get(reverse(f"scheduling:{name}", args=[appointment.pk])).status_code == 404, name
    assert client.post(reverse("scheduling:cancel", args=[appointment.pk])).status_code == 404
    assert client.post(reverse("scheduling:check-in", args=[appointment.pk])).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_the_citizen_checks_in_from_the_phone_and_sees_the_ticket(slotted, appointment, clock):
    clock.move_to(at(1, 8, 50))
    client = client_for(slotted.citizen)
    client.post(reverse("scheduling:check-in", args=[appointment.pk]))
    page = client.get(reverse("scheduling:detail", args=[appointment.pk])).content.decode()
    assert 'id="ticket-number"' in page
    assert "۰۰۱" in page
    partial = client.get(reverse("scheduling:ticket-status", args=[appointment.pk])).content.decode()
    assert "ticket-wait" in partial


def test_my_appointments_lists_upcoming_ones(slotted, appointment):
    page = client_for(slotted.citizen).get(reverse("scheduling:mine")).content.decode()
    assert appointment.service.name in page
    assert client_for().get(reverse("scheduling:mine")).status_code == 302


def test_the_ics_download_from_the_page(slotted, appointment):
    response = client_for(slotted.citizen).get(reverse("scheduling:ics", args=[appointment.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert f"tanzim-appointment-{appointment.reference}.ics" in response["Content-Disposition"]


@pytest.mark.parametrize("name", ["office-day", "queue"])
def test_office_pages_are_for_the_staff_of_that_office_and_a_404_to_anyone_else(slotted, appointment, name):
    url = reverse(f"scheduling:{name}", args=["A0001"])
    assert client_for(slotted.clerk_a).get(url).status_code == 200
    assert client_for(slotted.manager_a).get(url).status_code == 200
    assert client_for(slotted.clerk_b).get(url).status_code == 404
    assert client_for(slotted.citizen).get(url).status_code == 404
    assert client_for().get(url).status_code == 302


def test_the_day_view_shows_the_bookings_and_the_counters(slotted, appointment):
    html = (
        client_for(slotted.clerk_a, language="en")
        .get(reverse("scheduling:office-day", args=["A0001"]), {"date": "2026-12-20"})
        .content.decode()
    )
    assert appointment.reference in html
    assert "Counter 3" in html
    assert 'dir="ltr"' in html


def test_the_clerk_calls_serves_and_marks_no_show_from_the_queue_page(slotted, clock):
    ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    client = client_for(slotted.clerk_a)
    counter = slotted.office_a.counters.get(number=1)
    client.post(reverse("scheduling:queue-call", args=["A0001"]), {"counter": counter.pk})
    first = QueueTicket.objects.get(number=1)
    assert first.status == TicketStatus.CALLED
    page = client.get(reverse("scheduling:queue", args=["A0001"])).content.decode()
    assert 'id="current-ticket"' in page
    client.post(reverse("scheduling:ticket-action", args=[first.pk, "serve"]))
    client.post(reverse("scheduling:queue-call", args=["A0001"]), {"counter": counter.pk})
    second = QueueTicket.objects.get(number=2)
    client.post(reverse("scheduling:ticket-action", args=[second.pk, "no-show"]))
    statuses = dict(QueueTicket.objects.values_list("number", "status"))
    assert statuses == {1: TicketStatus.SERVED, 2: TicketStatus.NO_SHOW}


def test_a_clerk_of_another_office_cannot_act_on_its_tickets_from_the_pages(slotted, clock):
    ticket = ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    response = client_for(slotted.clerk_b).post(
        reverse("scheduling:ticket-action", args=[ticket.pk, "leave"])
    )
    assert response.status_code == 404
    denied = client_for(slotted.clerk_b).post(
        reverse("scheduling:queue-call", args=["A0001"]), {"counter": slotted.office_a.counters.first().pk}
    )
    assert denied.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING


def test_the_waiting_room_display_is_public_and_shows_no_names(slotted, appointment, clock):
    clock.move_to(at(1, 8, 50))
    appointment_check_in(appointment=appointment, actor=slotted.citizen)
    client_for(slotted.clerk_a).post(
        reverse("scheduling:queue-call", args=["A0001"]),
        {"counter": slotted.office_a.counters.get(number=2).pk},
    )
    page = client_for().get(reverse("scheduling:display", args=["A0001"])).content.decode()
    assert 'hx-trigger="every 5s"' in page
    assert 'data-ticket="1"' in page
    assert slotted.citizen.last_name not in page
    partial = (
        client_for()
        .get(reverse("scheduling:display", args=["A0001"]), HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "<html" not in partial and "now-serving" in partial


def test_the_manager_sets_the_booking_policy_and_a_clerk_cannot(slotted):
    data = {"appointment_share_pct": 100, "overbooking_risk_pct": 5, "show_rate_pct": ""}
    response = client_for(slotted.clerk_a).post(reverse("scheduling:office-policy", args=["A0001"]), data)
    assert response.status_code == 403
    client_for(slotted.manager_a).post(reverse("scheduling:office-policy", args=["A0001"]), data)
    assert slot_at(slotted.office_a, at(1, 9)).capacity == 3


def test_the_metrics_page_for_the_kanoon_and_not_for_a_citizen(slotted):
    assert client_for(slotted.kanoon_admin).get(reverse("scheduling:metrics")).status_code == 200
    assert client_for(slotted.manager_a).get(reverse("scheduling:metrics")).status_code == 200
    assert client_for(slotted.citizen).get(reverse("scheduling:metrics")).status_code == 403


def test_choosing_remote_from_the_page_counts_a_visit_avoided(slotted, service):
    from tanzim.scheduling.models import VisitAvoided

    client_for(slotted.citizen).post(
        reverse("scheduling:choose-channel"),
        {"service": service.code, "channel": "remote", "office": "A0001"},
    )
    assert VisitAvoided.objects.get().visits_saved == 1


def test_a_refused_cancel_comes_back_to_the_page_as_a_message_next_to_its_field(slotted, appointment, clock):
    clock.move_to(at(1, 8))  # inside the cut-off: the office may still cancel, with a reason
    client = client_for(slotted.clerk_a, language="en")
    page = client.post(reverse("scheduling:cancel", args=[appointment.pk]), {"reason": ""}, follow=True)
    assert "Reason: This field is required." in page.content.decode()
    refused = client_for(slotted.citizen, language="en").post(
        reverse("scheduling:cancel", args=[appointment.pk]), {}, follow=True
    )
    assert "can be cancelled up to 120 minutes before" in refused.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_another_areas_figures_are_a_403_as_over_the_api(slotted):
    url = reverse("scheduling:metrics")
    assert client_for(slotted.manager_a).get(url, {"level": "office", "code": "B0001"}).status_code == 403
    assert client_for(slotted.manager_a).get(url, {"level": "office", "code": "A0001"}).status_code == 200


def test_the_office_times_page_says_when_the_week_reaches_a_year_without_confirmed_holidays(
    personas, service
):
    # 1405's lunar holidays are estimates in the reference table, 1406's are not there at all
    # (Nowruz closes 1405/12/29 to 1406/01/04 regardless, so the second week opens on 01/05).
    eve = jdatetime.date(1405, 12, 25).togregorian()
    after_nowruz = jdatetime.date(1406, 1, 5).togregorian()
    url = reverse("scheduling:office-times", args=["A0001"])
    with time_machine.travel(datetime.combine(eve, time(7), tzinfo=TEHRAN), tick=False):
        slots_generate(office=personas.office_a, days=20)
        this_week = client_for().get(url, {"service": service.code}).content.decode()
        in_1406 = client_for().get(url, {"service": service.code, "from": after_nowruz.isoformat()})
        english = client_for(language="en").get(
            url, {"service": service.code, "from": after_nowruz.isoformat()}
        )
    assert "تعطیلات رسمی ۱۴۰۵ هنوز قطعی نشده" in this_week
    assert "تعطیلات رسمی ۱۴۰۶ هنوز قطعی نشده" in in_1406.content.decode()
    assert "The official holidays of 1406 are not confirmed yet" in english.content.decode()
