"""Helpers for feedback tests: served visits, filed requests, and survey links read from the outbox."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

from django.utils import timezone

from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case, CaseEvent
from tanzim.feedback.choices import InvitationSource
from tanzim.feedback.models import SurveyInvitation
from tanzim.feedback.services import invitations_for_event
from tanzim.notify.models import Message
from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment, Slot

_codes = itertools.count(1)
TOKEN_IN_LINK = re.compile(r"/feedback/s/([A-Za-z0-9_-]{32})/")
ALL_FIVES = {"access": 5, "courtesy": 5, "clarity": 5, "timeliness": 5, "fairness": 5, "overall": 5}


def serve_visit(office, citizen, service, *, when=None) -> Appointment:
    """An appointment that was served ``when`` (default: just now)."""
    when = when or timezone.now()
    start = when - timedelta(minutes=20)
    n = next(_codes)
    slot = Slot.objects.create(
        office=office,
        start=start + timedelta(seconds=n),
        end=start + timedelta(minutes=15),
        capacity=1,
        bookable=1,
        booked=1,
    )
    return Appointment.objects.create(
        reference=f"T{n:09d}",
        office=office,
        slot=slot,
        start=slot.start,
        end=slot.end,
        service=service,
        citizen=citizen,
        booked_by=citizen,
        status=AppointmentStatus.SERVED,
        checked_in_at=start,
        finished_at=when,
    )


def file_case(office, applicant, service, *, when=None, status=CaseStatus.FILED) -> Case:
    """A request that reached ``status`` ``when``, with the event row the survey reads."""
    when = when or timezone.now()
    n = next(_codes)
    case = Case.objects.create(
        tracking_code=f"{n:016d}",
        service=service,
        channel="in_person",
        office=office,
        applicant=applicant,
        created_by=applicant,
        status=status,
        status_changed_at=when,
        title="درخواست آزمایشی",
    )
    CaseEvent.objects.create(
        case=case, created_at=when, from_status=CaseStatus.PAID, to_status=CaseStatus.FILED, office=office
    )
    if status in (CaseStatus.CLOSED, CaseStatus.REJECTED):
        CaseEvent.objects.create(
            case=case, created_at=when, from_status=CaseStatus.FILED, to_status=status, office=office
        )
    return case


def token_from_outbox(to: str) -> str:
    """The token of the newest survey SMS to this number, as the citizen would read it."""
    message = Message.objects.filter(to=to, template="feedback.survey_invitation").order_by("-pk").first()
    assert message is not None, "no survey SMS in the outbox"
    match = TOKEN_IN_LINK.search(message.body)
    assert match, message.body
    return match[1]


def invite(office, citizen, service, **kwargs) -> tuple[SurveyInvitation, str]:
    """Serve a visit and return the invitation it earned and the token from the SMS."""
    appointment = serve_visit(office, citizen, service, **kwargs)
    created = invitations_for_event(source=InvitationSource.VISIT, source_id=appointment.pk)
    assert len(created) == 1
    return created[0], token_from_outbox(citizen.mobile)
