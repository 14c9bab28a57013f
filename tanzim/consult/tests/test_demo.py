"""The demo seeds consultations in every state, drafts and counters, and is idempotent."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.consult.choices import ConsultationStatus
from tanzim.consult.demo import seed_consult
from tanzim.consult.models import Consultation, DraftRun, StepStat, Tree

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_and_runs_twice(personas, client):
    seed_consult(offices=[personas.office_a])
    seed_consult(offices=[personas.office_a])
    assert set(Consultation.objects.values_list("status", flat=True)) == set(ConsultationStatus.values)
    assert Consultation.objects.count() == 7
    assert DraftRun.objects.filter(user=personas.citizen).count() == 2
    assert StepStat.objects.filter(version=Tree.objects.get(slug="bounced-cheque").published).exists()
    client.force_login(personas.consultant_a)
    desk = client.get("/consult/consultations/desk/").content.decode()
    assert 'id="inbox"' in desk and "C" in desk


def test_the_demo_seeded_just_before_the_consultants_morning_window_still_cancels_its_call(personas):
    """At 08:30 on a Saturday the first free call times (09:00 on) are within the citizen's cut-off
    for cancelling; the demo's cancelled call takes a later time (it failed seeded at that hour)."""
    today = tehran_date(timezone.now())
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    with time_machine.travel(datetime.combine(saturday, time(8, 30), tzinfo=TEHRAN), tick=True):
        seed_consult(offices=[personas.office_a])
        assert Consultation.objects.filter(status=ConsultationStatus.CANCELLED).count() == 1


def test_the_demo_books_its_calls_for_citizens_with_room_for_them(personas):
    """The scheduling stage may have given the demo citizen the most upcoming appointments
    allowed; the calls (appointments too) then go to other citizens, and the drafts stay theirs."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from tanzim.catalog.models import Service
    from tanzim.scheduling.choices import AppointmentStatus
    from tanzim.testing.feedback import serve_visit

    for day in range(settings.SCHEDULING_MAX_ACTIVE_BOOKINGS):
        visit = serve_visit(
            personas.office_a,
            personas.citizen,
            Service.objects.first(),
            when=timezone.now() + timedelta(days=day + 2),
        )
        visit.status = AppointmentStatus.BOOKED
        visit.save(update_fields=["status"])
    seed_consult(offices=[personas.office_a])
    assert set(Consultation.objects.values_list("status", flat=True)) == set(ConsultationStatus.values)
    assert not Consultation.objects.filter(citizen=personas.citizen).exists()
    assert DraftRun.objects.filter(user=personas.citizen).count() == 2
