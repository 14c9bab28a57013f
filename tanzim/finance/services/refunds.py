"""Refunds (part or all of the office fee or the court fee) and cancelled subsidies."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import MANAGERS, can_act_for_office, is_kanoon, is_office_staff
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.normalize import normalize_text
from tanzim.finance.choices import (
    AccountPurpose,
    PaymentMethod,
    PaymentPart,
    PaymentStatus,
    RefundStatus,
    TransactionKind,
)
from tanzim.finance.gateways import get_gateway
from tanzim.finance.ledger import Line, ensure_accounts, ledger_post, ledger_reverse
from tanzim.finance.models import Payment, Refund, Transaction
from tanzim.finance.services.payments import _lock, _notify, _payment_ref, _send_after_commit
from tanzim.finance.signals import payment_refunded
from tanzim.finance.workflows import REFUND


def _refund_lines(payment: Payment, part: str, amount: int) -> list[Line]:
    if payment.credit_purpose:  # held money goes back out of the account that held it
        held = ensure_accounts({(None, payment.credit_purpose), (None, AccountPurpose.CLEARING)})
        return [
            Line(held[(None, payment.credit_purpose)], debit=amount),
            Line(held[(None, AccountPurpose.CLEARING)], credit=amount),
        ]
    purpose = AccountPurpose.FEE_REVENUE if part == PaymentPart.OFFICE_FEE else AccountPurpose.COURT_FEES
    key = (payment.office_id, purpose) if part == PaymentPart.OFFICE_FEE else (None, purpose)
    accounts = ensure_accounts({key, (None, AccountPurpose.CLEARING)})
    return [Line(accounts[key], debit=amount), Line(accounts[(None, AccountPurpose.CLEARING)], credit=amount)]


@transaction.atomic
def refund_create(*, payment: Payment, amount: int, part: str, reason: str, actor: Any) -> Refund:
    """Give back part or all of the office fee or the court fee; never more than is left of it.

    ``actor=None`` is a system refund (e.g. the court fee halved by a settlement); a person
    must be staff of the payment's office or the Kanoon.
    """
    if part not in PaymentPart.values:
        raise DomainError(fields={"part": [_("Choose the office fee or the court fee.")]})
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(fields={"amount": [_("Enter a whole amount in rials, more than zero.")]})
    reason = normalize_text(str(reason or ""))[:300]
    if not reason:
        raise DomainError(fields={"reason": [_("Give a reason for the refund.")]})
    payment = _lock(payment)
    if actor is not None and not (is_office_staff(actor, payment.office) or is_kanoon(actor)):
        raise PermissionDeniedError(_("Only the office's staff or the Kanoon can refund a payment."))
    if payment.status != PaymentStatus.CAPTURED:
        raise ConflictError(_("Only a paid payment can be refunded."), code="payment_not_captured")
    remaining = payment.refundable[part]
    if amount > remaining:
        raise DomainError(
            _("At most %(remaining)s rials of this can be refunded.") % {"remaining": remaining},
            code="refund_exceeds_paid",
            fields={"amount": [_("At most %(remaining)s rials.") % {"remaining": remaining}]},
        )
    refund_uuid = uuid.uuid4()
    txn = ledger_post(
        lines=_refund_lines(payment, part, amount),
        kind=TransactionKind.REFUND,
        memo=f"{payment.short_reference} {part}: {reason}",
        reference=_payment_ref(payment),
        dedupe_key=f"refund:{refund_uuid}",
        actor=actor,
        office=payment.office_id,
    )
    online = payment.method == PaymentMethod.GATEWAY and bool(payment.gateway_token)
    refund = Refund.objects.create(
        uuid=refund_uuid,
        payment=payment,
        part=part,
        amount=amount,
        reason=reason,
        actor=actor,
        transaction=txn,
        status=RefundStatus.PENDING if online else RefundStatus.COMPLETED,
        completed_at=None if online else timezone.now(),
    )
    field_name = f"{part}_refunded"
    setattr(payment, field_name, getattr(payment, field_name) + amount)
    payment.save(update_fields=[field_name, "updated_at"])
    audit.record(
        action="finance.refund.created",
        actor=actor,
        obj=refund,
        office=payment.office_id,
        data={"payment": payment.pk, "part": part, "amount": amount, "reason": reason[:200]},
    )
    _notify(
        payment,
        "finance.payment_refunded",
        amount=amount,
        dedupe_key=f"finance.refund:{refund.uuid}",
        reason=reason[:80],
    )
    if online:
        from tanzim.finance.tasks import execute_refund

        transaction.on_commit(lambda: execute_refund.delay(refund.pk))
    _send_after_commit(payment_refunded, payment=payment, refund=refund)
    return refund


def refund_execute(*, refund_id: int) -> Refund:
    """Ask the gateway to return a pending refund's money; idempotent per refund."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment").filter(pk=refund_id).first()
        if refund is None:
            raise NotFoundError()
        if refund.status != RefundStatus.PENDING:
            return refund
        payment = refund.payment
        ref = get_gateway(payment.gateway).refund(
            token=payment.gateway_token or "", amount=refund.amount, key=str(refund.uuid)
        )
        refund = transition(
            REFUND,
            refund,
            RefundStatus.COMPLETED,
            expected_status=RefundStatus.PENDING,
            changes={"gateway_ref": ref[:64]},
        )
    return refund


@transaction.atomic
def payment_subsidy_cancel(*, payment: Payment, reason: str, actor: Any) -> Transaction:
    """A waived service was not delivered after all: the Kanoon no longer owes its subsidy."""
    payment = _lock(payment)
    if actor is not None and not can_act_for_office(actor, payment.office, *MANAGERS):
        raise PermissionDeniedError(_("Only the office manager or the Kanoon can cancel a subsidy."))
    subsidy = payment.subsidy_transaction
    if subsidy is None:
        raise ConflictError(_("This payment has no subsidy."), code="no_subsidy")
    return ledger_reverse(transaction=subsidy, reason=reason, actor=actor)
