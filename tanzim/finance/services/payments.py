"""Payments: opening one at the quote's amounts, sending the payer to the gateway, the counter,
cancelling, and the moves every other module shares (capture, close, finishing an overdue one).

Every move goes through the payment workflow (``finance.workflows.PAYMENT``) while the caller
holds the payment's row lock; its money is posted through the ledger in the same transaction,
and other apps hear of it only after commit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_office_staff, works_at_office
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.catalog.fees import FeeQuote
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.i18n import bilingual
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.money import format_rials
from tanzim.common.normalize import normalize_text
from tanzim.finance.choices import (
    COUNTER_METHODS,
    AccountPurpose,
    GatewayOutcome,
    PaymentMethod,
    PaymentStatus,
    TransactionKind,
)
from tanzim.finance.gateways import get_gateway
from tanzim.finance.ledger import Line, ensure_accounts, ledger_post, lines_of
from tanzim.finance.models import FreeServiceGrant, Payment
from tanzim.finance.services.free import grant_for_payment
from tanzim.finance.signals import payment_captured, payment_closed
from tanzim.finance.workflows import PAYMENT
from tanzim.notify.services import message_enqueue
from tanzim.offices.choices import OfficeStatus

logger = logging.getLogger(__name__)

CLOSED_UNPAID = frozenset({PaymentStatus.FAILED, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED})

# --- small helpers --------------------------------------------------------------------


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _payment_ref(payment: Payment) -> tuple[str, str]:
    """Ledger transactions name a payment by its public reference (uuid), known before it is saved."""
    return ("finance.payment", str(payment.uuid))


def _send_after_commit(signal, **kwargs) -> None:
    """Tell other apps after commit; a failing receiver is logged, never undoes the payment."""

    def send() -> None:
        for receiver, result in signal.send_robust(sender=Payment, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "finance signal receiver %s failed: %s",
                    getattr(receiver, "__qualname__", receiver),
                    type(result).__name__,
                    exc_info=result,
                )

    transaction.on_commit(send)


def _lock(payment: Payment | int) -> Payment:
    found = Payment.objects.select_for_update().filter(pk=_pk(payment)).first()
    if found is None:
        raise NotFoundError()
    return found


def _check_transition(payment: Payment, to: str) -> None:
    if not PAYMENT.can_move(payment.status, to):
        raise ConflictError(
            _("This payment is already %(status)s.") % {"status": payment.get_status_display()},
            code="payment_not_pending",
        )


def _int_amount(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(fields={name: [_("Enter a whole amount in rials.")]})
    if value < 0:
        raise DomainError(fields={name: [_("This cannot be negative.")]})
    return value


def _check_quote(quote: FeeQuote) -> None:
    """A payment is frozen from a quote; a quote that does not add up is refused, not trusted."""
    for name in ("office_fee", "client_office_fee", "subsidy", "court_fee", "client_total"):
        _int_amount(getattr(quote, name), name)
    consistent = (
        quote.client_total == quote.client_office_fee + quote.court_fee
        and quote.client_office_fee <= quote.office_fee
        and (quote.free_service or quote.subsidy == 0)
        and (not quote.free_service or quote.client_office_fee == 0)
        and quote.subsidy <= quote.office_fee
    )
    if not consistent:
        raise DomainError(_("The amounts do not match the fee quote."), code="quote_mismatch")


def _clean_reference(reference_type: str, reference_id: str) -> tuple[str, str]:
    ref_type = normalize_text(str(reference_type or ""))
    ref_id = normalize_text(str(reference_id or ""))
    errors = {}
    if not ref_type or len(ref_type) > 40:
        errors["reference_type"] = [_("Give what this payment is for (up to 40 characters).")]
    if not ref_id or len(ref_id) > 64:
        errors["reference_id"] = [_("Give the reference of what this payment is for (up to 64 characters).")]
    if errors:
        raise DomainError(fields=errors)
    return ref_type, ref_id


def _safe_return_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > 300 or not url_has_allowed_host_and_scheme(url, allowed_hosts=set(settings.ALLOWED_HOSTS)):
        raise DomainError(fields={"return_url": [_("Only an address on this site is allowed.")]})
    return url


def _office_name(office: Any, language: str) -> str:
    return bilingual(office, language=language)


def _notify(
    payment: Payment, template: str, *, amount: int, dedupe_key: str, fresh: bool = False, **extra: Any
) -> None:
    """An SMS to the payer, in their language, through the outbox (same transaction). ``fresh``:
    no message can have this key yet (see ``message_enqueue``'s ``fresh_key``)."""
    payer = payment.payer
    if payer is None or not payer.mobile:
        return
    language = payer.preferred_language or settings.LANGUAGE_CODE
    message_enqueue(
        template=template,
        to=payer.mobile,
        context={
            "amount": format_rials(amount, persian_digits=language == "fa"),
            "office": _office_name(payment.office, language),
            "reference": payment.short_reference,
            **extra,
        },
        language=language,
        recipient=payer,
        dedupe_key=dedupe_key,
        fresh_key=fresh,
    )


# --- ledger lines of each business event -----------------------------------------------


def _capture_lines(payment: Payment) -> list[Line]:
    """Money in: clearing is debited; the office earns its fee; court fees are owed to the judiciary.

    Held money (``credit_purpose``) is credited whole to that account instead: it is not a fee.
    """
    if payment.credit_purpose:
        held = ensure_accounts({(None, AccountPurpose.CLEARING), (None, payment.credit_purpose)})
        return [
            Line(held[(None, AccountPurpose.CLEARING)], debit=payment.amount),
            Line(held[(None, payment.credit_purpose)], credit=payment.amount),
        ]
    accounts = ensure_accounts(
        {
            (payment.office_id, AccountPurpose.FEE_REVENUE),
            (None, AccountPurpose.CLEARING),
            (None, AccountPurpose.COURT_FEES),
        }
    )
    return lines_of(
        Line(accounts[(None, AccountPurpose.CLEARING)], debit=payment.amount) if payment.amount else None,
        Line(accounts[(payment.office_id, AccountPurpose.FEE_REVENUE)], credit=payment.office_fee)
        if payment.office_fee
        else None,
        Line(accounts[(None, AccountPurpose.COURT_FEES)], credit=payment.court_fee)
        if payment.court_fee
        else None,
    )


def _subsidy_lines(office_id: int, amount: int) -> list[Line]:
    """A waived service: the office earns the fee from the Kanoon, which owes it until settlement."""
    accounts = ensure_accounts(
        {
            (office_id, AccountPurpose.KANOON_RECEIVABLE),
            (office_id, AccountPurpose.SUBSIDY_REVENUE),
            (None, AccountPurpose.SUBSIDY_EXPENSE),
            (None, AccountPurpose.SUBSIDIES_PAYABLE),
        }
    )
    return [
        Line(accounts[(office_id, AccountPurpose.KANOON_RECEIVABLE)], debit=amount),
        Line(accounts[(office_id, AccountPurpose.SUBSIDY_REVENUE)], credit=amount),
        Line(accounts[(None, AccountPurpose.SUBSIDY_EXPENSE)], debit=amount),
        Line(accounts[(None, AccountPurpose.SUBSIDIES_PAYABLE)], credit=amount),
    ]


# --- payments -------------------------------------------------------------------------


def _same_terms(payment: Payment, *, office: Any, payer: Any, quote: FeeQuote) -> bool:
    return (
        payment.office_id == office.pk
        and payment.payer_id == _pk(payer)
        and payment.office_fee == quote.client_office_fee
        and payment.court_fee == quote.court_fee
        and payment.subsidy == quote.subsidy
    )


def _pending_for(reference_type: str, reference_id: str) -> Payment | None:
    return (
        Payment.objects.select_for_update()
        .filter(reference_type=reference_type, reference_id=reference_id, status=PaymentStatus.PENDING)
        .first()
    )


def payment_create(
    *,
    office: Any,
    payer: Any,
    quote: FeeQuote,
    reference_type: str,
    reference_id: str,
    idempotency_key: str | None = None,
    actor: Any = None,
    return_url: str = "",
    credit_purpose: str = "",
) -> Payment:
    """Open a payment at the quote's amounts; a free service is captured at once, with its subsidy.

    The same Idempotency-Key from the same payer returns the same payment (409 if the request
    differs), unless that attempt failed, was cancelled or expired: then the key opens a new
    attempt. A second create for a reference that already has a pending payment returns it.
    """
    _check_quote(quote)
    reference_type, reference_id = _clean_reference(reference_type, reference_id)
    return_url = _safe_return_url(return_url)
    if office.status != OfficeStatus.ACTIVE:
        raise DomainError(_("This office is not taking payments."), code="office_inactive")
    if quote.free_service and actor is not None and not works_at_office(actor, office):
        raise PermissionDeniedError(
            _("Only the office's staff can waive the fee for a vulnerable client."), code="waiver_not_allowed"
        )
    owner = payer or actor
    scope = f"user:{owner.pk}" if owner is not None else "system"
    body = {
        "office": office.pk,
        "payer": _pk(payer),
        "reference_type": reference_type,
        "reference_id": reference_id,
        "service": quote.service,
        "channel": quote.channel,
        "office_fee": quote.client_office_fee,
        "court_fee": quote.court_fee,
        "subsidy": quote.subsidy,
        "credit_purpose": credit_purpose,
    }

    def existing_for_key() -> Payment | None:
        if not idempotency_key:
            return None
        found = Payment.objects.filter(idempotency_scope=scope, idempotency_key=idempotency_key).first()
        if found is not None:
            check_replay(stored_fingerprint=found.request_fingerprint, payload=body)
        return found

    def twin_or_conflict(pending: Payment) -> Payment:
        if _same_terms(pending, office=office, payer=payer, quote=quote):
            return pending
        raise ConflictError(
            _("A payment for this is already waiting with other amounts. Finish or cancel it first."),
            code="payment_pending",
        )

    with transaction.atomic():
        now = timezone.now()
        found = existing_for_key()
        if found is not None:
            found = Payment.objects.select_for_update().get(pk=found.pk)
            if found.status == PaymentStatus.PENDING and found.expires_at and found.expires_at <= now:
                _outcome, found = _reconcile_locked(found)
            if found.status not in CLOSED_UNPAID:
                return found
            # That attempt failed, was cancelled or expired: the same key opens a new attempt.
            found.idempotency_key = None
            found.save(update_fields=["idempotency_key", "updated_at"])
        pending = _pending_for(reference_type, reference_id)
        if pending is not None and pending.expires_at and pending.expires_at <= now:
            # An overdue payment is finished first: paid meanwhile (then that is the answer) or closed.
            outcome, pending = _reconcile_locked(pending)
            if outcome == "captured" and _same_terms(pending, office=office, payer=payer, quote=quote):
                return pending
            if pending.status != PaymentStatus.PENDING:
                pending = None
        if pending is not None:
            return twin_or_conflict(pending)
        grant = None
        if quote.free_service:
            # Only a grounded free service within the month's cap is waived and reimbursed.
            grant = grant_for_payment(
                office=office, reference_type=reference_type, reference_id=reference_id, subsidy=quote.subsidy
            )
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    office=office,
                    payer=payer,
                    created_by=actor,
                    reference_type=reference_type,
                    reference_id=reference_id,
                    service_code=quote.service,
                    channel=quote.channel,
                    quote=quote.as_dict(),
                    credit_purpose=credit_purpose,
                    office_fee=quote.client_office_fee,
                    court_fee=quote.court_fee,
                    subsidy=quote.subsidy,
                    amount=quote.client_total,
                    return_url=return_url,
                    idempotency_scope=scope if idempotency_key else "",
                    idempotency_key=idempotency_key or None,
                    request_fingerprint=fingerprint(body),
                    created_at=now,
                    expires_at=now + timedelta(minutes=settings.FINANCE_PAYMENT_TTL_MINUTES),
                )
        except IntegrityError:
            # A twin request (double click, retried POST) won the race: answer with its payment.
            found = existing_for_key()
            if found is not None:
                return found
            pending = _pending_for(reference_type, reference_id)
            if pending is None:
                raise
            return twin_or_conflict(pending)
        audit.record(
            action="finance.payment.created",
            actor=actor or payer,
            on_behalf_of=payer if actor is not None and actor != payer else None,
            obj=payment,
            office=office,
            data={
                "reference": f"{reference_type}:{reference_id}",
                "amount": payment.amount,
                "office_fee": payment.office_fee,
                "court_fee": payment.court_fee,
                "subsidy": payment.subsidy,
            },
        )
        if grant is not None:
            FreeServiceGrant.objects.filter(pk=grant.pk).update(payment=payment)
        if payment.amount == 0:
            payment = _capture(payment, method=PaymentMethod.FREE, actor=actor)
    return payment


# Accounts a payment may hold money in, and what each is for on the payer's receipt.
HELD_PURPOSES = frozenset(
    {
        AccountPurpose.ENFORCEMENT_HELD,  # a debtor paying towards a judgment
        AccountPurpose.AUCTION_DEPOSITS,  # a bidder's deposit or an auction's balance
        AccountPurpose.GUARANTEES_HELD,  # a new office's guarantee deposit
        AccountPurpose.LOANS_RECEIVABLE,  # a member repaying a welfare loan
    }
)


def payment_create_held(
    *,
    office: Any,
    payer: Any,
    amount: int,
    credit_purpose: str,
    service_code: str,
    reference_type: str,
    reference_id: str,
    idempotency_key: str | None = None,
    actor: Any = None,
    return_url: str = "",
) -> Payment:
    """Open a payment of money that is not a fee: it is held in ``credit_purpose`` when captured.

    It goes through the same gateway, callbacks, counter, idempotency, expiry and refunds as a fee
    payment, through ``office`` (the office that handles it); the fee statements leave it out.
    The app that opened it hears of the capture from ``payment_captured`` (its reference).
    """
    if credit_purpose not in HELD_PURPOSES:
        raise DomainError(_("This account cannot take payments."), code="not_a_held_account")
    amount = _int_amount(amount, "amount")
    if amount <= 0:
        raise DomainError(fields={"amount": [_("Enter a whole amount in rials, more than zero.")]})
    quote = FeeQuote(
        service=normalize_text(service_code)[:40],
        channel="",
        year=0,
        lines=(),
        service_part=amount,
        addons_total=0,
        discount_pct=0,
        discount=0,
        office_fee=amount,
        free_service=False,
        client_office_fee=amount,
        subsidy=0,
        court_fee=0,
        client_total=amount,
    )
    return payment_create(
        office=office,
        payer=payer,
        quote=quote,
        reference_type=reference_type,
        reference_id=reference_id,
        idempotency_key=idempotency_key,
        actor=actor,
        return_url=return_url,
        credit_purpose=credit_purpose,
    )


def _capture(
    payment: Payment,
    *,
    method: str,
    gateway_ref: str = "",
    actor: Any = None,
    when: datetime | None = None,
    notify: bool = True,
) -> Payment:
    """Pending → captured, with its ledger transactions. The caller holds the row lock."""
    _check_transition(payment, PaymentStatus.CAPTURED)
    txn = subsidy_txn = None
    if payment.amount:
        txn = ledger_post(
            lines=_capture_lines(payment),
            kind=TransactionKind.PAYMENT,
            memo=f"{payment.short_reference} {payment.service_code}",
            reference=_payment_ref(payment),
            dedupe_key=f"payment:{payment.uuid}:capture",
            actor=actor,
            office=payment.office_id,
            posted_at=when,
        )
    if payment.subsidy:
        subsidy_txn = ledger_post(
            lines=_subsidy_lines(payment.office_id, payment.subsidy),
            kind=TransactionKind.SUBSIDY,
            memo=f"{payment.short_reference} {payment.service_code}",
            reference=_payment_ref(payment),
            dedupe_key=f"payment:{payment.uuid}:subsidy",
            actor=actor,
            office=payment.office_id,
            posted_at=when,
        )
    now = when or timezone.now()
    captured = transition(
        PAYMENT,
        payment,
        PaymentStatus.CAPTURED,
        actor=actor,
        expected_status=PaymentStatus.PENDING,
        on_behalf_of=payment.payer if actor is not None and _pk(actor) != payment.payer_id else None,
        changes={
            "method": method,
            "gateway_ref": gateway_ref[:64],
            "captured_at": now,
            "transaction_id": _pk(txn),
            "subsidy_transaction_id": _pk(subsidy_txn),
        },
        audit_data={
            "amount": payment.amount,
            "office_fee": payment.office_fee,
            "court_fee": payment.court_fee,
            "subsidy": payment.subsidy,
            "method": method,
        },
        now=now,
    )
    if notify and payment.amount:
        _notify(
            payment,
            "finance.payment_captured",
            amount=payment.amount,
            dedupe_key=f"finance.captured:{payment.pk}",
            fresh=True,  # a payment is captured once (pending → captured under its row lock)
        )
    _send_after_commit(payment_captured, payment=captured)
    return captured


def _close(payment: Payment, to: str, *, reason: str, actor: Any = None) -> Payment:
    """Pending → failed, cancelled or expired. The caller holds the row lock."""
    _check_transition(payment, to)
    closed = transition(
        PAYMENT,
        payment,
        to,
        actor=actor,
        expected_status=PaymentStatus.PENDING,
        reason=reason[:40],
        changes={"failure_reason": reason[:40]},
    )
    _send_after_commit(payment_closed, payment=closed)
    return closed


@transaction.atomic
def payment_start(*, payment: Payment) -> str:
    """Open (or reopen) the gateway session and return where to send the payer. Safe to call twice."""
    payment = _lock(payment)
    if payment.status != PaymentStatus.PENDING:
        raise ConflictError(
            _("This payment is already %(status)s.") % {"status": payment.get_status_display()},
            code="payment_not_pending",
        )
    if payment.expires_at and payment.expires_at <= timezone.now():
        raise ConflictError(_("This payment has expired. Start the payment again."), code="payment_expired")
    gateway = get_gateway()
    if payment.gateway_token and payment.gateway == gateway.name:
        known = gateway.inquire(token=payment.gateway_token)
        if known.status == GatewayOutcome.INITIATED:
            return gateway.redirect_url(token=payment.gateway_token)
        if known.status == GatewayOutcome.PAID and known.amount == payment.amount:
            # The payer paid but the callback never arrived: complete it now.
            _capture(payment, method=PaymentMethod.GATEWAY, gateway_ref=known.gateway_ref)
            return reverse("finance:payment", kwargs={"ref": payment.uuid})
    session = gateway.start(payment=payment, callback_url=reverse("finance:gateway-return"))
    payment.gateway = gateway.name
    payment.gateway_token = session.token
    payment.method = PaymentMethod.GATEWAY
    payment.save(update_fields=["gateway", "gateway_token", "method", "updated_at"])
    audit.record(
        action="finance.payment.started",
        obj=payment,
        office=payment.office_id,
        data={"gateway": gateway.name},
    )
    return session.redirect_url


@transaction.atomic
def payment_record_at_counter(*, payment: Payment, actor: Any, method: str = "pos") -> Payment:
    """A clerk took the money at the counter (card reader or cash): the payment is captured."""
    if method not in COUNTER_METHODS:
        raise DomainError(fields={"method": [_("Choose the card reader or cash.")]})
    payment = _lock(payment)
    if not is_office_staff(actor, payment.office):
        raise PermissionDeniedError(_("Only the office's clerks can take payments at its counter."))
    _check_transition(payment, PaymentStatus.CAPTURED)
    if payment.gateway_token:
        # Close the online session first so the payer cannot pay twice; it may have just been paid.
        final = get_gateway(payment.gateway).close(token=payment.gateway_token)
        if final.status == GatewayOutcome.PAID and final.amount == payment.amount:
            return _capture(payment, method=PaymentMethod.GATEWAY, gateway_ref=final.gateway_ref)
    return _capture(payment, method=method, actor=actor)


@transaction.atomic
def payment_cancel(*, payment: Payment, actor: Any) -> Payment:
    """The payer (or the office) gives up a pending payment; the gateway session is closed."""
    payment = _lock(payment)
    if not ((actor is not None and _pk(actor) == payment.payer_id) or is_office_staff(actor, payment.office)):
        raise NotFoundError()
    _check_transition(payment, PaymentStatus.CANCELLED)
    if payment.gateway_token:
        final = get_gateway(payment.gateway).close(token=payment.gateway_token)
        if final.status == GatewayOutcome.PAID and final.amount == payment.amount:
            return _capture(payment, method=PaymentMethod.GATEWAY, gateway_ref=final.gateway_ref)
    return _close(payment, PaymentStatus.CANCELLED, reason="cancelled", actor=actor)


# --- the gateway's answer about a pending payment ----------------------------------------

# What a gateway's final answer means for a pending payment: (status, reason).
_CLOSING: dict[str, tuple[str, str]] = {
    GatewayOutcome.FAILED: (PaymentStatus.FAILED, "failed"),
    GatewayOutcome.CANCELLED: (PaymentStatus.CANCELLED, "cancelled_at_gateway"),
    GatewayOutcome.TIMEOUT: (PaymentStatus.EXPIRED, "timeout"),
    GatewayOutcome.REVERSED: (PaymentStatus.FAILED, "reversed"),
}


def _reconcile_locked(payment: Payment) -> tuple[str, Payment]:
    """Ask the gateway about a pending payment (locked by the caller) and finish it if it can be.

    Returns the outcome and the payment as it is afterwards.
    """
    now = timezone.now()
    overdue = payment.expires_at is not None and payment.expires_at <= now
    if payment.gateway_token:
        gateway = get_gateway(payment.gateway)
        status = gateway.inquire(token=payment.gateway_token)
        if status.status == GatewayOutcome.INITIATED and overdue:
            status = gateway.close(token=payment.gateway_token)
        if status.status == GatewayOutcome.PAID:
            if status.amount != payment.amount:
                audit.record(
                    action="finance.payment.reconcile_mismatch",
                    obj=payment,
                    office=payment.office_id,
                    data={"gateway_amount": status.amount, "amount": payment.amount},
                )
                logger.error(
                    "finance: gateway amount differs for payment %s; left for an operator", payment.pk
                )
                return "mismatched", payment
            payment = _capture(payment, method=PaymentMethod.GATEWAY, gateway_ref=status.gateway_ref)
            audit.record(action="finance.payment.reconciled", obj=payment, office=payment.office_id, data={})
            return "captured", payment
        if status.status in _CLOSING:
            to, reason = _CLOSING[status.status]
            if overdue and to != PaymentStatus.FAILED:
                to, reason = PaymentStatus.EXPIRED, "expired"
            return to, _close(payment, to, reason=reason)
        return "pending", payment
    if overdue:
        return PaymentStatus.EXPIRED, _close(payment, PaymentStatus.EXPIRED, reason="expired")
    return "pending", payment
