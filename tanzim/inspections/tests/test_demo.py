"""The demo data: surveys, complaints and inspections fill the pages, and a second run adds nothing."""

from __future__ import annotations

import pytest

from tanzim.feedback.demo import seed_feedback
from tanzim.feedback.models import Complaint, SurveyInvitation, SurveyResponse
from tanzim.inspections.demo import seed_inspections
from tanzim.inspections.models import CorrectiveAction, Inspection, ViolationReferral
from tanzim.notify.models import Message
from tanzim.testing.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def counts():
    return (
        SurveyResponse.objects.count(),
        SurveyInvitation.objects.count(),
        Complaint.objects.count(),
        Inspection.objects.count(),
        CorrectiveAction.objects.count(),
        ViolationReferral.objects.count(),
    )


def test_the_demo_fills_the_pages_and_a_second_run_adds_nothing(personas):
    offices = [
        personas.office_a,
        personas.office_b,
        *(OfficeFactory(city=personas.office_a.city) for _ in range(14)),
    ]
    ticks = []

    seed_feedback(offices=offices, progress=lambda: ticks.append(1))
    seed_inspections(offices=offices, progress=lambda: ticks.append(1))
    first = counts()
    seed_feedback(offices=offices)
    seed_inspections(offices=offices)

    assert counts() == first and len(ticks) == 2 * len(offices)
    responses, invitations, complaints, inspections, _actions, _referrals = first
    assert responses > 50 and invitations == 1 and complaints >= 7 and inspections >= 3
    assert set(Complaint.objects.values_list("status", flat=True)) >= {
        "received",
        "acknowledged",
        "investigating",
        "upheld",
        "partly_upheld",
        "dismissed",
        "withdrawn",
    }
    assert Message.objects.filter(
        template="feedback.survey_invitation", recipient__roles__role="citizen"
    ).exists()
    assert Inspection.objects.filter(
        office=personas.office_a, status="planned", inspector=personas.inspector
    ).exists()
    assert Inspection.objects.filter(
        office=personas.office_a, status="completed", score__isnull=False
    ).exists()
