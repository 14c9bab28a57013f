"""Background work for money. Thin: ids in, one service call, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="tanzim.finance.tasks.payments_reconcile")
def payments_reconcile() -> dict[str, int]:
    """Beat, every two minutes: expire stale payments, complete those paid without a callback."""
    from tanzim.finance.services import payments_reconcile as reconcile

    report = reconcile()
    return {
        "checked": report.checked,
        "captured": report.captured,
        "closed": report.closed,
        "mismatched": report.mismatched,
        "refunds_completed": report.refunds_completed,
        "errors": report.errors,
    }


@shared_task(name="tanzim.finance.tasks.execute_refund")
def execute_refund(refund_id: int) -> str:
    """Ask the gateway to return a refund's money; a refusal is retried by reconciliation."""
    from tanzim.common.errors import DomainError
    from tanzim.finance.services import refund_execute

    try:
        return refund_execute(refund_id=refund_id).status
    except DomainError as exc:
        logger.warning("finance: refund %s not returned yet (%s)", refund_id, exc.code)
        return "pending"


@shared_task(name="tanzim.finance.tasks.settle_last_month")
def settle_last_month() -> int | None:
    """Beat, a few times a day: settle the last Jalali month once it has ended (a no-op after that)."""
    from tanzim.finance import share
    from tanzim.finance.selectors import last_ended_month
    from tanzim.finance.services import settlement_run

    last = last_ended_month()
    if share.policy_for(year=last.year, month=last.month) is None:
        logger.info("finance: no share policy for %s; nothing settled", last)
        return None
    return settlement_run(year=last.year, month=last.month, actor=None).pk
