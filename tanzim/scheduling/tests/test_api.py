"""The appointments API: booking with Idempotency-Key, errors in one envelope, and who may do what."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import jdatetime
import pytest
import time_machine
from rest_framework.test import APIClient

from tanzim.common.jalali import TEHRAN
from tanzim.scheduling.choices import AppointmentStatus, TicketStatus
from tanzim.scheduling.models import Appointment, QueueTicket
from tanzim.scheduling.services import appointment_check_in, slots_generate, ticket_issue_walk_in
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db

URL = "/api/v1/appointments/"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _book(client, slot, service, key="booking-key-0001", language="fa", **extra):
    return client.post(
        URL,
        {"slot": slot.pk, "service": service.code, **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_booking_answers_201_with_the_appointment(slotted, service):
    response = _book(client_for(slotted.citizen), slot_at(slotted.office_a, at(1, 9)), service)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"]
    assert body["office"]["code"] == "A0001"
    assert body["start"].startswith("2026-12-20T09:00:00+03:30")
    assert body["start_jalali"] == "1405/09/29 09:00"
    assert body["status"] == "booked"
    assert response["Location"] == f"{URL}{body['id']}/"


def test_a_replay_with_the_same_key_returns_the_same_appointment(slotted, service):
    client = client_for(slotted.citizen)
    slot = slot_at(slotted.office_a, at(1, 9))
    first = _book(client, slot, service)
    again = _book(client, slot, service)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Appointment.objects.count() == 1


def test_the_same_key_with_another_body_is_a_409(slotted, service):
    client = client_for(slotted.citizen)
    _book(client, slot_at(slotted.office_a, at(1, 9)), service)
    response = _book(client, slot_at(slotted.office_a, at(1, 10)), service)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


def test_a_malformed_key_is_a_400(slotted, service):
    response = _book(
        client_for(slotted.citizen), slot_at(slotted.office_a, at(1, 9)), service, key="bad key!"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"


def test_a_taken_slot_is_409_with_the_next_free_times(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    book(slotted.other_citizen, slot, service)
    book(CitizenFactory(), slot, service)
    response = _book(client_for(slotted.citizen), slot, service)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "slot_taken"
    assert set(body) == {"code", "message", "fields", "alternatives"}
    assert [a["start"][:16] for a in body["alternatives"]] == [
        "2026-12-20T09:15",
        "2026-12-20T09:30",
        "2026-12-20T09:45",
    ]
    assert {a["office"] for a in body["alternatives"]} == {slotted.office_a.code}


def test_the_next_free_times_of_a_409_read_three_slots_not_hundreds(slotted, service):
    """A one-unit service's alternatives are the next three free units: read as such, with their
    office named without a query per slot (a 409 is half the answers at peak)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    slot = slot_at(slotted.office_a, at(1, 9))
    book(slotted.other_citizen, slot, service)
    book(CitizenFactory(), slot, service)
    with CaptureQueriesContext(connection) as queries:
        response = _book(client_for(slotted.citizen), slot, service)
    assert response.status_code == 409 and len(response.json()["alternatives"]) == 3
    slot_reads = [q["sql"] for q in queries if 'FROM "scheduling_slot"' in q["sql"] and "LIMIT 3" in q["sql"]]
    assert len(slot_reads) == 1
    assert not [
        q for q in queries if q["sql"].startswith('SELECT "offices_office"') and "LIMIT 21" in q["sql"]
    ]
    # the taken slot itself is read once, by the booking; the answer names its office from that read
    by_id = f'"scheduling_slot"."id" = {slot.pk}'
    taken_reads = [q for q in queries if by_id in q["sql"] and q["sql"].startswith("SELECT")]
    assert len(taken_reads) == 1, [q["sql"] for q in taken_reads]


def test_the_service_is_read_once_a_minute_per_process_not_at_every_booking(slotted, service, clock):
    """Every booking names its service: after the first, the lookup is a dictionary read in the
    process (no catalogue query, nothing asked of the shared cache), a minute stale at most."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    office, bob = slotted.office_a, client_for(slotted.other_citizen)
    assert _book(client_for(slotted.citizen), slot_at(office, at(1, 9)), service).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        second = _book(bob, slot_at(office, at(1, 10)), service, "booking-key-0002")
    assert second.status_code == 201
    assert not [q for q in queries if 'FROM "catalog_service"' in q["sql"]]
    assert cache.get(f"scheduling:service:{service.code}") is None

    type(service).objects.filter(pk=service.pk).update(active=False)
    later = _book(bob, slot_at(office, at(1, 11)), service, "booking-key-0003")
    assert later.status_code == 201  # within the minute the process's copy answers
    clock.shift(timedelta(seconds=61))
    refused = _book(bob, slot_at(office, at(1, 12)), service, "booking-key-0004")
    assert (refused.status_code, refused.json()["code"]) == (400, "unknown_service")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"service": "case_followup"}, "slot"),
        ({"slot": "x", "service": "case_followup"}, "slot"),
        ({"slot": 0, "service": "case_followup"}, "slot"),
        ({"slot": 1}, "service"),
        ({"slot": 1, "service": "case_followup", "channel": "teleport"}, "channel"),
    ],
)
def test_bad_booking_input_is_a_400_naming_the_field(slotted, payload, field):
    response = client_for(slotted.citizen).post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_an_unknown_service_and_an_unknown_slot_are_refused(slotted, service):
    client = client_for(slotted.citizen)
    response = client.post(URL, {"slot": 1, "service": "no-such-service"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_service")
    response = client.post(URL, {"slot": 99999999, "service": service.code}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_past_slot_is_a_400(slotted, service, clock):
    slot = slot_at(slotted.office_a, at(1, 9))
    clock.move_to(at(1, 10))
    response = _book(client_for(slotted.citizen), slot, service)
    assert (response.status_code, response.json()["code"]) == (400, "slot_past")


def test_a_foreign_slot_for_the_named_office_is_a_400(slotted, service):
    response = _book(
        client_for(slotted.citizen),
        slot_at(slotted.office_b, at(1, 9)),
        service,
        office=slotted.office_a.code,
    )
    assert (response.status_code, response.json()["code"]) == (400, "slot_office_mismatch")


def test_too_many_bookings_is_a_409(slotted, service, settings):
    settings.SCHEDULING_MAX_ACTIVE_BOOKINGS = 1
    client = client_for(slotted.citizen)
    _book(client, slot_at(slotted.office_a, at(1, 9)), service, key="booking-key-1")
    response = _book(client, slot_at(slotted.office_a, at(1, 10)), service, key="booking-key-2")
    assert (response.status_code, response.json()["code"]) == (409, "too_many_bookings")


def test_anonymous_callers_cannot_book(slotted, service):
    assert _book(client_for(), slot_at(slotted.office_a, at(1, 9)), service).status_code in (401, 403)


def test_a_clerk_books_for_a_citizen_by_national_code_but_not_at_another_office(slotted, service):
    code = slotted.citizen.national_code
    allowed = _book(
        client_for(slotted.clerk_a), slot_at(slotted.office_a, at(1, 9)), service, citizen_national_code=code
    )
    assert allowed.status_code == 201
    denied = _book(
        client_for(slotted.clerk_b),
        slot_at(slotted.office_a, at(1, 10)),
        service,
        citizen_national_code=code,
        key="k-clerk-b-1",
    )
    assert (denied.status_code, denied.json()["code"]) == (403, "not_office_staff")


def test_the_envelope_speaks_the_request_language(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    book(slotted.other_citizen, slot, service)
    book(CitizenFactory(), slot, service)
    client = client_for(slotted.citizen)
    fa = _book(client, slot, service, language="fa")
    en = _book(client, slot, service, key="booking-key-en", language="en")
    assert en.json()["message"] == "This time was just taken by someone else. Choose another time."
    assert fa.json()["message"] != en.json()["message"]
    assert fa.json()["code"] == en.json()["code"] == "slot_taken"


# --- reading, cancelling, moving, checking in -------------------------------------------


@pytest.fixture
def appointment(slotted, service):
    return book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("citizen", 200),
        ("clerk_a", 200),
        ("manager_a", 200),
        ("province_admin_a", 200),
        ("kanoon_admin", 200),
        ("other_citizen", 404),
        ("clerk_b", 404),
        ("mediator_a", 404),
        ("partner", 404),
    ],
)
def test_who_may_read_an_appointment(slotted, appointment, who, status):
    response = client_for(getattr(slotted, who)).get(f"{URL}{appointment.pk}/")
    assert response.status_code == status


def test_the_list_shows_own_appointments_to_a_citizen_and_the_office_to_its_clerk(
    slotted, appointment, service
):
    other = book(slotted.other_citizen, slot_at(slotted.office_b, at(1, 9)), service)
    mine = client_for(slotted.citizen).get(URL).json()
    assert [a["id"] for a in mine] == [appointment.pk]
    office = client_for(slotted.clerk_b).get(URL, {"office": "B0001"}).json()
    assert [a["id"] for a in office] == [other.pk]
    assert client_for(slotted.clerk_b).get(URL, {"office": "A0001"}).json() == []


def test_the_list_takes_a_jalali_day_and_refuses_nonsense(slotted, appointment):
    client = client_for(slotted.clerk_a)
    assert [a["id"] for a in client.get(URL, {"date": "۱۴۰۵/۰۹/۲۹"}).json()] == [appointment.pk]
    assert client.get(URL, {"date": "1405/09/30"}).json() == []
    assert client.get(URL, {"date": "1405/13/01"}).status_code == 400
    assert client.get(URL, {"status": "lost"}).status_code == 400


def test_the_list_uses_a_fixed_number_of_queries(slotted, service, django_assert_max_num_queries):
    for i in range(3):
        book(CitizenFactory(), slot_at(slotted.office_a, at(1, 9 + i)), service)
    client = client_for(slotted.clerk_a)
    client.get(URL, {"office": "A0001"})
    with django_assert_max_num_queries(8):
        assert len(client.get(URL, {"office": "A0001"}).json()) == 3


def test_cancel_by_the_citizen_and_not_by_another(slotted, appointment):
    assert client_for(slotted.other_citizen).post(f"{URL}{appointment.pk}/cancel/", {}).status_code == 404
    response = client_for(slotted.citizen).post(
        f"{URL}{appointment.pk}/cancel/", {"reason": "سفر"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == AppointmentStatus.CANCELLED
    again = client_for(slotted.citizen).post(f"{URL}{appointment.pk}/cancel/", {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "appointment_not_changeable")


def test_reschedule_answers_201_with_the_new_appointment(slotted, appointment):
    new_slot = slot_at(slotted.office_a, at(2, 11))
    response = client_for(slotted.citizen).post(
        f"{URL}{appointment.pk}/reschedule/", {"slot": new_slot.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["rescheduled_from"] == appointment.pk
    assert (
        client_for(slotted.clerk_b)
        .post(f"{URL}{appointment.pk}/reschedule/", {"slot": new_slot.pk})
        .status_code
        == 404
    )


def test_check_in_through_the_api(slotted, appointment, clock):
    client = client_for(slotted.citizen)
    early = client.post(f"{URL}{appointment.pk}/check-in/")
    assert (early.status_code, early.json()["code"]) == (400, "too_early")
    clock.move_to(at(1, 8, 50))
    response = client.post(f"{URL}{appointment.pk}/check-in/")
    assert response.status_code == 200
    assert response.json()["number"] == 1


def test_the_calendar_file_is_served_to_its_owner_only(slotted, appointment):
    response = client_for(slotted.citizen).get(f"{URL}{appointment.pk}/calendar.ics/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"DTSTART:20261220T053000Z" in response.content
    assert client_for(slotted.other_citizen).get(f"{URL}{appointment.pk}/calendar.ics/").status_code == 404


# --- suggestions and availability ------------------------------------------------------


def test_suggestions_offer_the_remote_channel_first_with_the_saving(slotted, service):
    response = client_for().get(f"{URL}suggestions/", {"service": service.code, "city": "THR-01"})
    assert response.status_code == 200
    body = response.json()
    assert [o["channel"] for o in body["offers"]] == ["remote", "semi_in_person"]
    remote = body["offers"][0]
    assert remote["visits"] == 0
    assert remote["saving"] == body["in_person_price"] - remote["price"] > 0
    assert body["options"][0]["office"]["code"] == "A0001"
    assert body["options"][0]["reasons"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"city": "THR-01"}, "invalid"),
        ({"service": "case_followup"}, "location_required"),
        ({"service": "case_followup", "city": "XXX-99"}, "unknown_city"),
        ({"service": "case_followup", "lat": "north", "lon": "51"}, "invalid"),
        ({"service": "case_followup", "lat": "95", "lon": "51"}, "invalid_location"),
        ({"service": "case_followup", "city": "THR-01", "date_from": "1405/02/01"}, "date_in_past"),
        ({"service": "case_followup", "city": "THR-01", "date_from": "1405/99/01"}, "invalid"),
        ({"service": "case_followup", "city": "THR-01", "limit": "500"}, "invalid"),
        ({"service": "nothing", "city": "THR-01"}, "unknown_service"),
    ],
)
def test_bad_suggestion_requests_are_400(slotted, params, code):
    response = client_for().get(f"{URL}suggestions/", params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_availability_lists_free_times_by_day(slotted, service):
    response = client_for().get(
        f"{URL}availability/",
        {"office": "A0001", "service": service.code, "date_from": "2026-12-20", "date_to": "2026-12-20"},
    )
    assert response.status_code == 200
    days = response.json()
    assert [d["day"] for d in days] == ["2026-12-20"]
    assert days[0]["day_jalali"] == "1405/09/29"
    assert len(days[0]["slots"]) == 32
    assert days[0]["holiday_table"] == "estimated"  # the reference table's 1405 lunar dates are estimates
    assert (
        client_for().get(f"{URL}availability/", {"office": "NOPE", "service": service.code}).status_code
        == 404
    )


def test_choosing_the_remote_channel_counts_a_visit_avoided(slotted, service):
    response = client_for(slotted.citizen).post(
        f"{URL}channel-choice/",
        {"service": service.code, "channel": "remote", "office": "A0001"},
        format="json",
    )
    assert (response.status_code, response.json()) == (201, {"visits_saved": 1})
    refused = client_for(slotted.citizen).post(
        f"{URL}channel-choice/", {"service": "sana_registration", "channel": "remote"}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "channel_not_allowed")


# --- the queue --------------------------------------------------------------------------


def test_the_queue_permission_matrix(slotted, clock):
    ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    state = "/api/v1/queues/A0001/"
    for who, expected in [
        ("clerk_a", 200),
        ("manager_a", 200),
        ("clerk_b", 404),
        ("citizen", 404),
        ("kanoon_admin", 404),
    ]:
        assert client_for(getattr(slotted, who)).get(state).status_code == expected, who
    call = "/api/v1/queues/A0001/call-next/"
    denied = client_for(slotted.clerk_b).post(call, {"counter": 1}, format="json")
    assert (denied.status_code, denied.json()["code"]) == (404, "not_found")
    assert QueueTicket.objects.get().status == TicketStatus.WAITING
    called = client_for(slotted.clerk_a).post(call, {"counter": 1}, format="json")
    assert called.status_code == 200
    ticket_id = called.json()["id"]
    assert client_for(slotted.clerk_b).post(f"/api/v1/queue-tickets/{ticket_id}/serve/").status_code == 404
    served = client_for(slotted.clerk_a).post(f"/api/v1/queue-tickets/{ticket_id}/serve/")
    assert (served.status_code, served.json()["status"]) == (200, "served")


def test_calling_an_empty_queue_is_204_and_a_bad_counter_is_400(slotted):
    client = client_for(slotted.clerk_a)
    assert client.post("/api/v1/queues/A0001/call-next/", {"counter": 1}, format="json").status_code == 204
    bad = client.post("/api/v1/queues/A0001/call-next/", {"counter": 42}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "unknown_counter")


def test_walk_in_tickets_through_the_api(slotted, service):
    response = client_for(slotted.clerk_a).post(
        "/api/v1/queues/A0001/tickets/", {"service": service.code}, format="json"
    )
    assert (response.status_code, response.json()["number"]) == (201, 1)
    assert (
        client_for(slotted.clerk_b).post("/api/v1/queues/A0001/tickets/", {}, format="json").status_code
        == 404
    )


def test_the_public_display_shows_numbers_only(slotted, appointment, clock):
    clock.move_to(at(1, 8, 50))
    appointment_check_in(appointment=appointment, actor=slotted.citizen)
    client_for(slotted.clerk_a).post("/api/v1/queues/A0001/call-next/", {"counter": 2}, format="json")
    response = client_for().get("/api/v1/queues/A0001/display/")
    assert response.status_code == 200
    body = response.json()
    assert body["now_serving"][0]["number"] == 1
    assert body["now_serving"][0]["counter"] == 2
    text = response.content.decode()
    assert slotted.citizen.first_name not in text
    assert slotted.citizen.national_code not in text


def test_the_policy_is_for_the_manager_of_the_office(slotted):
    url = "/api/v1/queues/A0001/policy/"
    assert (
        client_for(slotted.clerk_a).patch(url, {"overbooking_enabled": True}, format="json").status_code
        == 403
    )
    response = client_for(slotted.manager_a).patch(
        url, {"overbooking_enabled": True, "show_rate_pct": 70}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["overbooking_enabled"] is True
    bad = client_for(slotted.manager_a).patch(url, {"appointment_share_pct": 0}, format="json")
    assert bad.status_code == 400


def test_flexible_requests_are_created_and_withdrawn_by_their_owner(slotted, service):
    client = client_for(slotted.citizen)
    payload = {
        "service": service.code,
        "latitude": 35.7,
        "longitude": 51.4,
        "earliest": "1405/10/01",
        "latest": "1405/10/05",
    }
    created = client.post(f"{URL}flexible-requests/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert client.post(f"{URL}flexible-requests/", payload, format="json").status_code == 409
    rid = created.json()["id"]
    assert (
        client_for(slotted.other_citizen).post(f"{URL}flexible-requests/{rid}/withdraw/").status_code == 404
    )
    assert client.post(f"{URL}flexible-requests/{rid}/withdraw/").json()["status"] == "withdrawn"
    bad = client.post(f"{URL}flexible-requests/", {**payload, "latitude": 10}, format="json")
    assert bad.status_code == 400


def test_a_move_with_a_stale_expected_status_is_a_409(slotted, appointment, clock):
    client = client_for(slotted.citizen)
    stale = client.post(f"{URL}{appointment.pk}/cancel/", {"expected_status": "checked_in"}, format="json")
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_status")
    unknown = client.post(f"{URL}{appointment.pk}/cancel/", {"expected_status": "lost"}, format="json")
    assert unknown.status_code == 400 and "expected_status" in unknown.json()["fields"]
    ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    clerk = client_for(slotted.clerk_a)
    ticket_id = clerk.post("/api/v1/queues/A0001/call-next/", {"counter": 1}, format="json").json()["id"]
    serve = f"/api/v1/queue-tickets/{ticket_id}/serve/"
    refused = clerk.post(serve, {"expected_status": "waiting"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "stale_status")
    assert clerk.post(serve, {"expected_status": "called"}, format="json").json()["status"] == "served"
    fresh = client.post(f"{URL}{appointment.pk}/cancel/", {"expected_status": "booked"}, format="json")
    assert fresh.json()["status"] == AppointmentStatus.CANCELLED


def test_every_route_ends_with_a_slash_and_the_calendar_link_follows(slotted, appointment):
    from tanzim.scheduling import api_urls

    assert all(str(route.pattern).endswith("/") for route in api_urls.urlpatterns)
    body = client_for(slotted.citizen).get(f"{URL}{appointment.pk}/").json()
    assert body["calendar_url"].endswith(f"{URL}{appointment.pk}/calendar.ics/")
    moved = client_for(slotted.citizen).get(f"{URL}{appointment.pk}/calendar.ics")
    assert (moved.status_code, moved["Location"]) == (308, f"{URL}{appointment.pk}/calendar.ics/")


def test_availability_flags_days_of_a_year_whose_lunar_holidays_are_not_in_the_table(personas, service):
    # Near the end of 1405 the window reaches 1406, whose lunar holidays are not in the table yet:
    # its days say "missing"; 1405's say what the table says of them (estimated dates).
    eve = jdatetime.date(1405, 12, 25).togregorian()
    with time_machine.travel(datetime.combine(eve, time(7), tzinfo=TEHRAN), tick=False):
        slots_generate(office=personas.office_a, days=14)
        response = client_for().get(
            f"{URL}availability/",
            {
                "office": "A0001",
                "service": service.code,
                "date_from": eve.isoformat(),
                "date_to": (eve + timedelta(days=13)).isoformat(),
            },
        )
    tables = {d["day_jalali"][:4]: d["holiday_table"] for d in response.json()}
    assert tables == {"1405": "estimated", "1406": "missing"}
