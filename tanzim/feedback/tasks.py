"""Thin tasks: ids in, the service re-reads everything and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from tanzim.feedback.services import invitations_for_event, survey_results_publish


@shared_task(ignore_result=True)
def send_survey_invitations(source: str, object_id: int) -> int:
    """Invite the people served by one event; a second run finds the invitations made and sends none."""
    return len(invitations_for_event(source=source, source_id=object_id))


@shared_task(ignore_result=True)
def publish_survey_results() -> int:
    """Nightly: publish to each office the months that gathered a batch of new answers (docs/privacy.md)."""
    return survey_results_publish()
