"""Races on PostgreSQL: complaints about one office arriving at once open a single inspection."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tanzim.feedback.services import complaint_file
from tanzim.inspections.models import Inspection
from tanzim.inspections.services import inspection_trigger_for_complaint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_complaint_triggers_racing_for_one_office_open_one_inspection(personas, settings):
    settings.INSPECTIONS_COMPLAINT_TRIGGER_COUNT = 1
    settings.FEEDBACK_COMPLAINTS_PER_CITIZEN_PER_DAY = 50
    complaints = [
        complaint_file(
            complainant=personas.citizen,
            office=personas.office_a,
            category="delay",
            description=f"تأخیر بسیار طولانی در رسیدگی، مورد {n}",
        )
        for n in range(6)
    ]
    Inspection.objects.all().delete()  # the signals already opened one; race from scratch
    barrier = threading.Barrier(6)
    errors = []

    def trigger(complaint):
        try:
            barrier.wait()
            inspection_trigger_for_complaint(complaint_id=complaint.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=trigger, args=(c,)) for c in complaints]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert Inspection.objects.filter(office=personas.office_a).count() == 1
