"""Thin Celery tasks of the membership app: the daily reminders (beat, config/settings.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="tanzim.membership.tasks.remind_overdue_applications", ignore_result=True)
def remind_overdue_applications() -> int:
    """SMS applicants whose own step of the opening checklist is late (once a week each)."""
    from tanzim.membership.services.steps import applications_remind_overdue

    return applications_remind_overdue()


@shared_task(name="tanzim.membership.tasks.remind_loan_arrears", ignore_result=True)
def remind_loan_arrears() -> int:
    """SMS members with a welfare-loan instalment past due (once a week per instalment)."""
    from tanzim.membership.services.loans import instalments_remind_arrears

    return instalments_remind_arrears()
