"""Thin tasks: ids in, the service re-reads and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from tanzim.inspections import services


@shared_task(ignore_result=True)
def trigger_for_complaint(complaint_id: int, outcome: str | None = None) -> int | None:
    inspection = services.inspection_trigger_for_complaint(complaint_id=complaint_id, outcome=outcome)
    return inspection.pk if inspection else None


@shared_task(ignore_result=True)
def remind_overdue_actions() -> int:
    """Daily: one reminder per overdue corrective action (claimed with a conditional update)."""
    return services.corrective_actions_remind_overdue()


@shared_task(ignore_result=True)
def draw_free_service_samples() -> int:
    """Daily (beat): draw the sample of the month that has ended, so it is drawn on its first night.

    Drawing again adds nothing for an office already sampled that month, so the runs after the
    first, a retry, or two workers at once draw each office's sample once.
    """
    from django.utils import timezone

    from tanzim.common.jalali import JalaliMonth

    return services.free_service_sample_draw(month=JalaliMonth.of(timezone.now()).previous())
