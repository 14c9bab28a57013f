"""Thin Celery tasks of the consult app."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="tanzim.consult.tasks.refund_overdue_consultations", ignore_result=True)
def refund_overdue_consultations() -> int:
    """Refund written questions not answered by their deadline (beat: every 15 minutes)."""
    from tanzim.consult.services.consultations import consultation_refund_overdue

    return consultation_refund_overdue()
