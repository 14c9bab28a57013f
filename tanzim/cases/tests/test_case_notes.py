"""A line another app writes on a case's history (a partner body's news): shown, status unchanged."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tanzim.audit.models import AuditEvent
from tanzim.cases import selectors, services
from tanzim.catalog.models import Service
from tanzim.testing.cases import make_draft

pytestmark = pytest.mark.django_db


def test_a_note_without_a_person_shows_on_the_timeline_and_keeps_the_status(client, personas):
    case = make_draft(personas, Service.objects.get(code="civil_petition"))
    event = services.case_note_add(case=case, text="Outcome from the council: settled")
    assert event.from_status == event.to_status == case.status
    assert AuditEvent.objects.filter(action="cases.case.noted", object_id=str(case.pk)).exists()
    client.force_login(personas.clerk_a)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Outcome from the council: settled" in page


def test_a_note_is_not_a_new_stay_in_the_status(personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        case = make_draft(personas, Service.objects.get(code="civil_petition"))
    before = selectors.time_in_status(user=personas.kanoon_admin)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        services.case_note_add(case=case, text="news")
    assert selectors.time_in_status(user=personas.kanoon_admin) == before
