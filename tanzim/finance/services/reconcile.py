"""Reconciliation: ask the gateway about payments whose callback never came, finish them, and
retry refunds the bank has not returned yet (beat task every two minutes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tanzim.common.errors import DomainError
from tanzim.finance.choices import PaymentStatus, RefundStatus
from tanzim.finance.models import Payment, Refund
from tanzim.finance.services.payments import _reconcile_locked
from tanzim.finance.services.refunds import refund_execute

logger = logging.getLogger(__name__)

# A started session is asked about after this long without a callback.
RECONCILE_AFTER = timedelta(minutes=2)


@dataclass
class ReconcileReport:
    checked: int = 0
    captured: int = 0
    closed: int = 0
    mismatched: int = 0
    refunds_completed: int = 0
    errors: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)


@transaction.atomic
def payment_reconcile(*, payment_id: int) -> str:
    """Ask the gateway about one pending payment and finish it: captured, closed, or still waiting."""
    payment = (
        Payment.objects.select_for_update(skip_locked=True)
        .filter(pk=payment_id, status=PaymentStatus.PENDING)
        .first()
    )
    if payment is None:
        return "skipped"
    outcome, _payment = _reconcile_locked(payment)
    return outcome


def payments_reconcile(*, limit: int = 500) -> ReconcileReport:
    """Expire stale pending payments, complete those the gateway says were paid, finish refunds."""
    report = ReconcileReport()
    now = timezone.now()
    due = (
        Payment.objects.filter(status=PaymentStatus.PENDING)
        .filter(
            Q(expires_at__lte=now) | Q(gateway_token__isnull=False, updated_at__lte=now - RECONCILE_AFTER)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for payment_id in list(due):
        report.checked += 1
        try:
            outcome = payment_reconcile(payment_id=payment_id)
        except Exception:
            logger.exception("finance: reconciling payment %s failed", payment_id)
            report.errors += 1
            continue
        report.outcomes[payment_id] = outcome
        if outcome == "captured":
            report.captured += 1
        elif outcome == "mismatched":
            report.mismatched += 1
        elif outcome in (PaymentStatus.EXPIRED, PaymentStatus.FAILED, PaymentStatus.CANCELLED):
            report.closed += 1
    for refund_id in Refund.objects.filter(status=RefundStatus.PENDING).values_list("pk", flat=True)[:limit]:
        try:
            if refund_execute(refund_id=refund_id).status == RefundStatus.COMPLETED:
                report.refunds_completed += 1
        except DomainError:
            logger.warning("finance: the gateway refused refund %s for now", refund_id)
            report.errors += 1
    return report
