"""The demo: applicants at every step, an office opened with slots, loans; idempotent."""

from __future__ import annotations

import pytest

from tanzim.membership.choices import Step
from tanzim.membership.demo import seed_membership
from tanzim.membership.models import Application, Instalment, LoanApplication, Place
from tanzim.offices.models import Office
from tanzim.scheduling.models import Slot
from tanzim.testing.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def test_the_demo_has_applicants_at_every_step_and_runs_twice(personas):
    offices = [personas.office_a, personas.office_b, *OfficeFactory.create_batch(6)]
    seed_membership(offices=offices)
    steps = set(Application.objects.values_list("status", flat=True))
    assert steps == set(Step.values)
    opened = Application.objects.get(status=Step.OPENED)
    assert Office.objects.filter(pk=opened.office_id).exists()
    assert Slot.objects.filter(office_id=opened.office_id).exists()
    assert Application.objects.exclude(returned_reason="").exists()
    assert Place.objects.filter(seats=1, taken=0).exists()  # a last place left to race for
    assert LoanApplication.objects.filter(status="disbursed").exists()
    assert Instalment.objects.filter(paid_at__isnull=False).exists()
    count = Application.objects.count()
    seed_membership(offices=offices)
    assert Application.objects.count() == count
