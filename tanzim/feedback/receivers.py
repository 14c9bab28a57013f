"""Reacting to lower apps' events: each served visit, filed or closed request and concluded
dispute earns the people served a survey invitation (the system's, never the office's).

Signals arrive after the sender's transaction committed. A failure here must never undo or
break the sender's work, so it is logged (without personal data) and swallowed.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from tanzim.cases.signals import case_closed, case_filed
from tanzim.disputes.signals import dispute_concluded
from tanzim.feedback.choices import InvitationSource
from tanzim.scheduling.signals import appointment_served, ticket_served

logger = logging.getLogger(__name__)


def _invite(source: str, object_id) -> None:
    if object_id is None:
        return
    from tanzim.feedback.tasks import send_survey_invitations

    try:
        send_survey_invitations.delay(source, int(object_id))
    except Exception:
        logger.exception("feedback: could not queue survey invitations for %s #%s", source, object_id)


@receiver(appointment_served, dispatch_uid="feedback-appointment-served")
def on_appointment_served(sender, appointment_id=None, **kwargs):
    _invite(InvitationSource.VISIT, appointment_id)


@receiver(ticket_served, dispatch_uid="feedback-ticket-served")
def on_ticket_served(sender, ticket_id=None, **kwargs):
    # Tickets of appointments are skipped by the service: the appointment's own signal covers them.
    _invite(InvitationSource.WALK_IN, ticket_id)


@receiver(case_filed, dispatch_uid="feedback-case-filed")
def on_case_filed(sender, case=None, **kwargs):
    _invite(InvitationSource.CASE_FILED, getattr(case, "pk", None))


@receiver(case_closed, dispatch_uid="feedback-case-closed")
def on_case_closed(sender, case=None, status=None, **kwargs):
    if status == "cancelled":
        return  # withdrawn by the applicant: there was no service to rate
    _invite(InvitationSource.CASE_CLOSED, getattr(case, "pk", None))


@receiver(dispute_concluded, dispatch_uid="feedback-dispute-concluded")
def on_dispute_concluded(sender, dispute=None, outcome=None, **kwargs):
    if outcome == "withdrawn":
        return  # the claimant dropped it: no service to rate
    if outcome == "referred":
        # Referred to a council, court or prosecutor: the dispute goes on there, and the respondent
        # who declined (or never took part) must not be asked to rate the office that referred it.
        return
    _invite(InvitationSource.DISPUTE, getattr(dispute, "pk", None))
