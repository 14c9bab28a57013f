"""A simulated payment gateway that behaves like an Iranian PSP, for the demo and the tests.

It keeps its own record of every session (``SimulatedGatewayTransaction``), shows a bank
page where the payer pays, fails or cancels, times out sessions nobody finishes, and sends
the payer back with an HMAC-signed callback. Reconciliation asks it about a session exactly
as it would ask a real provider.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.finance.choices import GatewayOutcome
from tanzim.finance.gateways.base import (
    CallbackData,
    GatewaySession,
    GatewayStatus,
    PaymentGateway,
    parse_signed_callback,
    sign,
)
from tanzim.finance.models import SimulatedGatewayTransaction
from tanzim.finance.workflows import GATEWAY_SESSION

ACTIONS = {
    "pay": GatewayOutcome.PAID,
    "fail": GatewayOutcome.FAILED,
    "cancel": GatewayOutcome.CANCELLED,
}


def _rrn() -> str:
    """A 12-digit retrieval reference number, as Shaparak prints on receipts."""
    return f"{secrets.randbelow(10**12):012d}"


def _status(session: SimulatedGatewayTransaction) -> GatewayStatus:
    return GatewayStatus(status=session.status, amount=session.amount, gateway_ref=session.gateway_ref)


def _move_if_still(
    session: SimulatedGatewayTransaction, new: str, **changes: Any
) -> SimulatedGatewayTransaction:
    """Move the session if its state still allows it; if someone moved it first, re-read it as it is."""
    if GATEWAY_SESSION.can_move(session.status, new):
        try:
            return transition(GATEWAY_SESSION, session, new, expected_status=session.status, changes=changes)
        except ConflictError:
            pass
    session.refresh_from_db()
    return session


def _time_out_if_due(session: SimulatedGatewayTransaction) -> SimulatedGatewayTransaction:
    """An unfinished session past its deadline times out, whoever looks at it first."""
    if session.status == GatewayOutcome.INITIATED and session.expires_at <= timezone.now():
        return _move_if_still(session, GatewayOutcome.TIMEOUT)
    return session


def callback_payload(session: SimulatedGatewayTransaction) -> tuple[dict[str, str], str]:
    """The signed callback the bank sends for a finished session."""
    payload = {
        "reference": session.reference,
        "token": session.token,
        "merchant": session.merchant_code,
        "amount": str(session.amount),
        "status": session.status,
        "gateway_ref": session.gateway_ref,
    }
    return payload, sign(payload, settings.FINANCE_GATEWAY_SECRET)


def bank_session(token: str) -> SimulatedGatewayTransaction:
    session = SimulatedGatewayTransaction.objects.filter(token=str(token)[:64]).first()
    if session is None:
        raise NotFoundError(_("This payment session does not exist."), code="gateway_session_unknown")
    return _time_out_if_due(session)


@transaction.atomic
def bank_decide(*, token: str, action: str) -> tuple[SimulatedGatewayTransaction, dict[str, str], str]:
    """The payer pressed a button on the bank page. Pressing twice gives the same answer."""
    if action not in ACTIONS and action != "return":
        raise DomainError(_("Unknown action."), code="gateway_action")
    session = SimulatedGatewayTransaction.objects.select_for_update().filter(token=str(token)[:64]).first()
    if session is None:
        raise NotFoundError(_("This payment session does not exist."), code="gateway_session_unknown")
    session = _time_out_if_due(session)
    if session.status == GatewayOutcome.INITIATED:
        if action == "return":
            raise ConflictError(_("Choose pay or cancel first."), code="gateway_undecided")
        outcome = ACTIONS[action]
        session = transition(
            GATEWAY_SESSION,
            session,
            outcome,
            expected_status=GatewayOutcome.INITIATED,
            changes={"gateway_ref": _rrn()} if outcome == GatewayOutcome.PAID else None,
        )
    payload, signature = callback_payload(session)
    return session, payload, signature


class SimulatedGateway(PaymentGateway):
    name = "simulated"

    def start(self, *, payment: Any, callback_url: str) -> GatewaySession:
        session = SimulatedGatewayTransaction.objects.create(
            token=secrets.token_urlsafe(24),
            reference=str(payment.uuid),
            merchant_code=payment.office.code,
            merchant_name=payment.office.name_fa,
            amount=payment.amount,
            callback_url=callback_url,
            expires_at=timezone.now() + timedelta(minutes=settings.FINANCE_GATEWAY_SESSION_MINUTES),
        )
        return GatewaySession(token=session.token, redirect_url=self.redirect_url(token=session.token))

    def redirect_url(self, *, token: str) -> str:
        return reverse("finance:gateway", kwargs={"token": token})

    def parse_callback(self, *, payload: Mapping[str, Any], signature: str) -> CallbackData:
        return parse_signed_callback(payload, signature, settings.FINANCE_GATEWAY_SECRET)

    def inquire(self, *, token: str) -> GatewayStatus:
        session = SimulatedGatewayTransaction.objects.filter(token=token).first()
        if session is None:
            raise NotFoundError(_("This payment session does not exist."), code="gateway_session_unknown")
        return _status(_time_out_if_due(session))

    def close(self, *, token: str) -> GatewayStatus:
        session = SimulatedGatewayTransaction.objects.filter(token=token).first()
        if session is None:
            raise NotFoundError(_("This payment session does not exist."), code="gateway_session_unknown")
        session = _time_out_if_due(session)
        return _status(_move_if_still(session, GatewayOutcome.CANCELLED))

    def reverse(self, *, token: str) -> GatewayStatus:
        session = SimulatedGatewayTransaction.objects.filter(token=token).first()
        if session is None:
            raise NotFoundError(_("This payment session does not exist."), code="gateway_session_unknown")
        return _status(_move_if_still(session, GatewayOutcome.REVERSED))

    def refund(self, *, token: str, amount: int, key: str) -> str:
        with transaction.atomic():
            session = SimulatedGatewayTransaction.objects.select_for_update().filter(token=token).first()
            if session is None:
                raise NotFoundError(_("This payment session does not exist."), code="gateway_session_unknown")
            if key in session.refunds:
                return session.refunds[key]["ref"]
            if session.status != GatewayOutcome.PAID or session.refunded_amount + amount > session.amount:
                raise ConflictError(_("The bank refused the refund."), code="gateway_refund_refused")
            ref = _rrn()
            session.refunds = {**session.refunds, key: {"amount": amount, "ref": ref}}
            session.refunded_amount += amount
            session.save(update_fields=["refunds", "refunded_amount"])
            return ref
