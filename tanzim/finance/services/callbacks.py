"""Gateway callbacks: verify, check they are about this payment and amount, then capture or close.

A replayed or duplicated callback changes nothing (and is logged); a forged, mismatched or late
one is refused. Many copies arriving at once capture the payment exactly once (the row lock).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.finance.choices import GatewayOutcome, PaymentMethod, PaymentStatus
from tanzim.finance.gateways import get_gateway
from tanzim.finance.gateways.base import CallbackData
from tanzim.finance.models import Payment
from tanzim.finance.services.payments import _CLOSING, _capture, _close

logger = logging.getLogger(__name__)


def _refuse(reason: str, *, payment: Payment | None = None, data: dict | None = None) -> None:
    """Log a refused callback in its own transaction, so the record survives the refusal."""
    logger.warning("finance: refused a payment callback (%s)", reason)
    with transaction.atomic():
        audit.record(
            action="finance.payment.callback_refused",
            obj=payment,
            office=payment.office_id if payment is not None else None,
            data={"reason": reason, **(data or {})},
        )


def _is_replay(payment: Payment, data: CallbackData) -> bool:
    if payment.status == PaymentStatus.CAPTURED:
        return data.status == GatewayOutcome.PAID and data.gateway_ref == payment.gateway_ref
    if data.status in _CLOSING:
        return _CLOSING[data.status][0] == payment.status or payment.status in (
            PaymentStatus.EXPIRED,
            PaymentStatus.CANCELLED,
            PaymentStatus.FAILED,
        )
    return False


def _callback_problem(payment: Payment | None, data: CallbackData) -> DomainError | None:
    if payment is None:
        return NotFoundError(_("No payment has this reference."), code="unknown_payment")
    if data.token != payment.gateway_token or data.merchant != payment.office.code:
        return DomainError(_("This callback belongs to another payment session."), code="reference_mismatch")
    if data.amount != payment.amount:
        return DomainError(
            _("The amount paid does not match this payment."),
            code="amount_mismatch",
            fields={"amount": [_("Expected %(amount)s rials.") % {"amount": payment.amount}]},
        )
    if data.status not in _CLOSING and data.status != GatewayOutcome.PAID:
        return DomainError(_("The gateway sent an unknown status."), code="invalid_callback")
    return None


def _late_callback(payment: Payment, data: CallbackData, gateway: Any) -> ConflictError:
    """A callback for a payment that was already closed another way. Money taken late goes back."""
    reversed_money = False
    if data.status == GatewayOutcome.PAID:
        reversed_money = gateway.reverse(token=data.token).status == GatewayOutcome.REVERSED
    audit.record(
        action="finance.payment.callback_late",
        obj=payment,
        office=payment.office_id,
        data={"status": data.status, "payment_status": payment.status, "reversed": reversed_money},
    )
    logger.warning("finance: late callback for payment %s refused", payment.pk)
    status = payment.get_status_display()
    if data.status == GatewayOutcome.PAID:
        message = _("This payment is already %(status)s; the bank has been asked to return the money.")
    else:
        message = _("This payment is already %(status)s.")
    return ConflictError(message % {"status": status}, code="callback_late")


def callback_signed(*, payload: Mapping[str, Any], signature: str) -> bool:
    """Does the callback carry the gateway's valid signature? Checked before any rate limit, so a
    flood of forgeries (all from one address behind a proxy) never holds up the bank's own."""
    try:
        get_gateway().parse_callback(payload=payload, signature=signature)
    except DomainError:
        return False
    return True


def payment_handle_callback(*, payload: Mapping[str, Any], signature: str) -> Payment:
    """Act on a gateway callback: verify, check it is about this payment and amount, then capture.

    A replayed or duplicated callback changes nothing (and is logged); a forged, mismatched
    or late one is refused. Many copies arriving at once capture the payment exactly once.
    """
    gateway = get_gateway()
    try:
        data = gateway.parse_callback(payload=payload, signature=signature)
    except DomainError as exc:
        claimed = str(payload.get("reference", ""))[:64] if isinstance(payload, Mapping) else ""
        _refuse(exc.code, data={"reference": claimed})
        raise
    late: ConflictError | None = None
    reference = _as_uuid(data.reference)
    with transaction.atomic():
        # The office (the merchant check) and the payer (the SMS) come with the locked row.
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("office", "payer")
            .filter(uuid=reference)
            .first()
            if reference
            else None
        )
        problem = _callback_problem(payment, data)
        if problem is None and payment is not None:
            if payment.status == PaymentStatus.PENDING:
                if data.status == GatewayOutcome.PAID:
                    return _capture(payment, method=PaymentMethod.GATEWAY, gateway_ref=data.gateway_ref)
                to, reason = _CLOSING[data.status]
                return _close(payment, to, reason=reason)
            if _is_replay(payment, data):
                audit.record(
                    action="finance.payment.callback_replayed",
                    obj=payment,
                    office=payment.office_id,
                    data={"status": data.status, "payment_status": payment.status},
                )
                logger.info("finance: replayed callback for payment %s ignored", payment.pk)
                return payment
            late = _late_callback(payment, data, gateway)
    if late is not None:
        raise late
    assert problem is not None  # a callback without a problem was answered above
    _refuse(
        problem.code,
        payment=payment,
        data={"reference": data.reference[:64], "status": data.status[:20], "amount": data.amount},
    )
    raise problem


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
