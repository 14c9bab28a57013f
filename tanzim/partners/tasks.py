"""Thin tasks: ids in, one service each; safe to run twice (a delivery's claim is a compare-and-set)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(name="tanzim.partners.tasks.deliver", ignore_result=True)
def deliver(delivery_id: int) -> str:
    """Try one webhook delivery; a retry is queued with its back-off (the sweep catches the rest)."""
    from tanzim.partners.services.webhooks import delivery_attempt

    attempt = delivery_attempt(delivery_id=delivery_id)
    if attempt.outcome == "retry" and attempt.countdown and not settings.CELERY_TASK_ALWAYS_EAGER:
        deliver.apply_async((delivery_id,), countdown=attempt.countdown)
    return attempt.outcome


@shared_task(name="tanzim.partners.tasks.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """Beat's sweep: every delivery whose time has come (and claims a crashed worker left)."""
    from tanzim.partners.services.webhooks import deliveries_due, delivery_attempt

    ids = deliveries_due()
    for pk in ids:
        delivery_attempt(delivery_id=pk)
    return len(ids)


@shared_task(name="tanzim.partners.tasks.remind_overdue", ignore_result=True)
def remind_overdue() -> int:
    from tanzim.partners.services.referrals import referrals_remind_overdue

    return referrals_remind_overdue()
