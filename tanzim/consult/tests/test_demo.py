"""The demo seeds consultations in every state, drafts and counters, and is idempotent."""

from __future__ import annotations

import pytest

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
