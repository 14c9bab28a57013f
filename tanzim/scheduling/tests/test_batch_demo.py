"""The rebalancer on the database (flexible requests booked), the demo seed, and the slot command."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tanzim.scheduling.choices import FlexibleRequestStatus
from tanzim.scheduling.models import Appointment, FlexibleRequest, QueueTicket, Slot
from tanzim.scheduling.services import flexible_request_create
from tanzim.scheduling.services.flexible import batch, rebalance
from tanzim.testing.scheduling import at

pytestmark = pytest.mark.django_db


def test_flexible_requests_are_assigned_and_booked(slotted, service, clock):
    day = at(1, 0).date()
    for citizen in (slotted.citizen, slotted.other_citizen):
        flexible_request_create(
            citizen=citizen, service=service, latitude=35.69, longitude=51.39, earliest=day, latest=day
        )
    data = batch.from_database(days=3)
    assert data.problem.n_requests == 2
    result = rebalance.solve_optimal(data.problem, k=3)
    counts = batch.apply(data, result, actor=slotted.kanoon_admin)
    assert counts["booked"] == 2
    assert set(FlexibleRequest.objects.values_list("status", flat=True)) == {FlexibleRequestStatus.ASSIGNED}
    appointments = Appointment.objects.order_by("pk")
    assert {a.office.code for a in appointments} == {"A0001"}
    assert {a.start.date() for a in appointments} == {day}


def test_the_command_applies_as_the_named_operator(slotted, service, clock, capsys):
    flexible_request_create(
        citizen=slotted.citizen,
        service=service,
        latitude=35.69,
        longitude=51.39,
        earliest=at(1, 0).date(),
        latest=at(3, 0).date(),
    )
    call_command("rebalance", apply=True, operator="kanoon", days=3)
    assert "Booked 1" in capsys.readouterr().out
    assert Appointment.objects.count() == 1


def test_the_command_refuses_to_apply_generated_requests(slotted):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rebalance", apply=True, generate=10, operator="kanoon")


def test_the_generate_slots_command_is_idempotent(personas, clock, capsys):
    call_command("generate_slots", days=3)
    count = Slot.objects.count()
    call_command("generate_slots", days=3)
    assert Slot.objects.count() == count > 0
    assert "created 0" in capsys.readouterr().out


def test_the_demo_seed_is_idempotent_and_fills_a_live_queue(personas, clock):
    from tanzim.offices.models import Office
    from tanzim.scheduling.demo import seed_scheduling
    from tanzim.testing.factories import CitizenFactory

    for _ in range(5):
        CitizenFactory()
    clock.move_to(at(0, 11))
    offices = list(Office.objects.select_related("province"))
    first = seed_scheduling(offices=offices)
    second = seed_scheduling(offices=offices)
    assert first["slots"] == second["slots"] > 0
    assert second["slots_created"] == 0
    assert first["bookings"] > 0
    assert Appointment.objects.count() == first["bookings"]
    assert first["tickets"] > 0 and second["tickets"] == 0
    statuses = set(QueueTicket.objects.values_list("status", flat=True))
    assert "served" in statuses


def test_the_nightly_task_books_pending_requests_and_expires_stale_ones(slotted, service, clock):
    from tanzim.scheduling import tasks

    flexible_request_create(
        citizen=slotted.citizen,
        service=service,
        latitude=35.69,
        longitude=51.39,
        earliest=at(1, 0).date(),
        latest=at(2, 0).date(),
    )
    stale = flexible_request_create(
        citizen=slotted.other_citizen,
        service=service,
        latitude=35.69,
        longitude=51.39,
        earliest=at(0, 0).date(),
        latest=at(0, 0).date(),
    )
    counts = tasks.rebalance_flexible_requests()
    assert counts["expired"] == 1 and counts["booked"] == 1
    stale.refresh_from_db()
    assert stale.status == FlexibleRequestStatus.UNASSIGNED
    assert tasks.rebalance_flexible_requests()["booked"] == 0  # rerun: nothing twice
    assert Appointment.objects.count() == 1


def test_a_citizen_asks_for_any_nearby_time_from_the_page(slotted, service, clock):
    from django.test import Client

    client = Client()
    client.force_login(slotted.citizen)
    data = {
        "service": service.code,
        "lat": "35.69",
        "lon": "51.39",
        "date_from": "2026-12-20",
        "date_to": "2026-12-22",
    }
    response = client.post("/appointments/flexible/", data)
    assert response.status_code == 302
    assert FlexibleRequest.objects.get().status == FlexibleRequestStatus.PENDING
    page = client.get("/appointments/").content.decode()
    assert 'id="flexible"' in page
    again = client.post("/appointments/flexible/", data, follow=True)
    assert FlexibleRequest.objects.count() == 1
    assert "alert-danger" in again.content.decode()
