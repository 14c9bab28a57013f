"""Writes for money: payments and their gateway callbacks, refunds, subsidies, the Kanoon share.

Every write locks the row it changes (or compare-and-sets), posts its money through the
ledger in the same transaction, writes the audit event there too, and tells other apps
about it only after commit (signals, SMS through the outbox).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import (
    MANAGERS,
    can_act_for_office,
    is_kanoon,
    is_office_staff,
    works_at_office,
)
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.catalog.fees import FeeQuote
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.jalali import jalali_month_bounds_utc, jalali_year_month
from tanzim.common.money import format_rials
from tanzim.common.normalize import normalize_text
from tanzim.finance import share as share_math
from tanzim.finance.choices import (
    COUNTER_METHODS,
    AccountPurpose,
    GatewayOutcome,
    PaymentMethod,
    PaymentPart,
    PaymentStatus,
    RefundStatus,
    SettlementStatus,
    Tier,
    TransactionKind,
)
from tanzim.finance.gateways import get_gateway
from tanzim.finance.gateways.base import CallbackData
from tanzim.finance.ledger import (
    Line,
    Posting,
    ensure_accounts,
    ledger_post,
    ledger_post_many,
    ledger_reverse,
    lines_of,
    signed,
)
from tanzim.finance.models import (
    OfficeTier,
    Payment,
    Refund,
    ResolvedDispute,
    SettlementLine,
    SettlementRun,
    SharePolicy,
    Transaction,
)
from tanzim.finance.signals import payment_captured, payment_closed, payment_refunded, settlement_completed
from tanzim.finance.workflows import PAYMENT, REFUND, SETTLEMENT
from tanzim.notify.services import message_enqueue
from tanzim.offices.choices import OfficeStatus

logger = logging.getLogger(__name__)

CLOSED_UNPAID = frozenset({PaymentStatus.FAILED, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED})
# A started session is asked about after this long without a callback.
RECONCILE_AFTER = timedelta(minutes=2)


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
    return office.name_en if language.startswith("en") else office.name_fa


def _notify(payment: Payment, template: str, *, amount: int, dedupe_key: str, **extra: Any) -> None:
    """An SMS to the payer, in their language, through the outbox (same transaction)."""
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
    )


# --- ledger lines of each business event -----------------------------------------------


def _capture_lines(payment: Payment) -> list[Line]:
    """Money in: clearing is debited; the office earns its fee; court fees are owed to the judiciary."""
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


def _refund_lines(payment: Payment, part: str, amount: int) -> list[Line]:
    purpose = AccountPurpose.FEE_REVENUE if part == PaymentPart.OFFICE_FEE else AccountPurpose.COURT_FEES
    key = (payment.office_id, purpose) if part == PaymentPart.OFFICE_FEE else (None, purpose)
    accounts = ensure_accounts({key, (None, AccountPurpose.CLEARING)})
    return [Line(accounts[key], debit=amount), Line(accounts[(None, AccountPurpose.CLEARING)], credit=amount)]


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
        if payment.amount == 0:
            payment = _capture(payment, method=PaymentMethod.FREE, actor=actor)
    return payment


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


# --- gateway callbacks --------------------------------------------------------------------

_CLOSING = {
    GatewayOutcome.FAILED: (PaymentStatus.FAILED, "failed"),
    GatewayOutcome.CANCELLED: (PaymentStatus.CANCELLED, "cancelled_at_gateway"),
    GatewayOutcome.TIMEOUT: (PaymentStatus.EXPIRED, "timeout"),
    GatewayOutcome.REVERSED: (PaymentStatus.FAILED, "reversed"),
}


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
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(uuid=_as_uuid(data.reference)).first()
        problem = _callback_problem(payment, data)
        if problem is None:
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


# --- reconciliation -----------------------------------------------------------------------


@dataclass
class ReconcileReport:
    checked: int = 0
    captured: int = 0
    closed: int = 0
    mismatched: int = 0
    refunds_completed: int = 0
    errors: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)


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


# --- refunds ------------------------------------------------------------------------------


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
            token=payment.gateway_token, amount=refund.amount, key=str(refund.uuid)
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
    if payment.subsidy_transaction_id is None:
        raise ConflictError(_("This payment has no subsidy."), code="no_subsidy")
    return ledger_reverse(transaction=payment.subsidy_transaction, reason=reason, actor=actor)


# --- the Kanoon share -----------------------------------------------------------------------


def _require_kanoon(actor: Any) -> None:
    if actor is not None and not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon's administrators can do this."))


def _settled(year: int, month: int) -> bool:
    return SettlementRun.objects.filter(year=year, month=month, status=SettlementStatus.DONE).exists()


def _clean_adjustments(value: Any) -> dict[str, int]:
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise DomainError(fields={"tier_adjustments_bp": [_("Give a basis-point adjustment per tier.")]})
    clean = {}
    for tier, bp in value.items():
        if tier not in Tier.values or isinstance(bp, bool) or not isinstance(bp, int) or abs(bp) > 10_000:
            raise DomainError(
                fields={"tier_adjustments_bp": [_("Tiers are A to D; adjustments are whole basis points.")]}
            )
        clean[tier] = bp
    return clean


@transaction.atomic
def share_policy_set(
    *,
    valid_from_year: int,
    valid_from_month: int,
    base_rate_bp: int,
    tier_adjustments_bp: Mapping[str, int] | None = None,
    dispute_credit_bp: int = 0,
    dispute_credit_cap_bp: int = 0,
    note: str = "",
    actor: Any = None,
) -> SharePolicy:
    """Set the share policy from a Jalali month on. A settled month's policy cannot change."""
    _require_kanoon(actor)
    share_math.check_month(valid_from_year, valid_from_month)
    for name, value in (
        ("base_rate_bp", base_rate_bp),
        ("dispute_credit_bp", dispute_credit_bp),
        ("dispute_credit_cap_bp", dispute_credit_cap_bp),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
            raise DomainError(fields={name: [_("Enter basis points from 0 to 10000 (100%).")]})
    adjustments = _clean_adjustments(tier_adjustments_bp)
    later_settled = SettlementRun.objects.filter(
        Q(year__gt=valid_from_year) | Q(year=valid_from_year, month__gte=valid_from_month)
    ).exists()
    if later_settled:
        raise ConflictError(
            _("A month from then on is already settled; start the new policy after it."),
            code="period_settled",
        )
    policy, _created = SharePolicy.objects.update_or_create(
        valid_from_year=valid_from_year,
        valid_from_month=valid_from_month,
        defaults={
            "base_rate_bp": base_rate_bp,
            "tier_adjustments_bp": adjustments,
            "dispute_credit_bp": dispute_credit_bp,
            "dispute_credit_cap_bp": dispute_credit_cap_bp,
            "note": normalize_text(note)[:300],
        },
    )
    audit.record(
        action="finance.share_policy.set",
        actor=actor,
        obj=policy,
        data={
            "from": f"{valid_from_year}/{valid_from_month}",
            "base_rate_bp": base_rate_bp,
            "tier_adjustments_bp": adjustments,
            "dispute_credit_bp": dispute_credit_bp,
            "dispute_credit_cap_bp": dispute_credit_cap_bp,
        },
    )
    return policy


@transaction.atomic
def _check_tier_month(year: int, month: int, tiers: Iterable[str]) -> None:
    share_math.check_month(year, month)
    if not set(tiers) <= set(Tier.values):
        raise DomainError(fields={"tier": [_("Tiers are A, B, C and D.")]})
    if _settled(year, month):
        raise ConflictError(_("This month is already settled."), code="period_settled")


def office_tier_set(*, office: Any, year: int, month: int, tier: str, actor: Any = None) -> OfficeTier:
    """One office's tier from a Jalali month on (the share rate follows it), in its audit chain."""
    _check_tier_month(year, month, [tier])
    row, _created = OfficeTier.objects.update_or_create(
        office=office, year=year, month=month, defaults={"tier": tier}
    )
    audit.record(
        action="finance.office_tier.set",
        actor=actor,
        obj=row,
        office=office,
        data={"period": f"{year}/{month}", "tier": tier},
    )
    return row


def office_tiers_set(*, tiers: Mapping[int, str], year: int, month: int, actor: Any = None) -> int:
    """Every ranked office's tier for one month at once (an approved ranking run).

    One upsert and one audit event in the Kanoon's chain listing every tier: the approval is one
    act, and 3,000 single writes with an audit event each took 17 seconds.
    """
    _check_tier_month(year, month, tiers.values())
    rows = [OfficeTier(office_id=pk, year=year, month=month, tier=tier) for pk, tier in sorted(tiers.items())]
    OfficeTier.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["office", "year", "month"],
        update_fields=["tier"],
    )
    audit.record(
        action="finance.office_tier.set_many",
        actor=actor,
        data={"period": f"{year}/{month}", "tiers": {str(pk): tier for pk, tier in sorted(tiers.items())}},
    )
    return len(rows)


def dispute_resolved_record(
    *, office: Any, reference: str, resolved_at: datetime | None = None
) -> ResolvedDispute:
    """Count a dispute the office resolved before court (a share credit). Idempotent per reference."""
    reference = normalize_text(str(reference or ""))[:64]
    if not reference:
        raise DomainError(fields={"reference": [_("Give the dispute's reference.")]})
    row, _created = ResolvedDispute.objects.get_or_create(
        reference=reference, defaults={"office": office, "resolved_at": resolved_at or timezone.now()}
    )
    return row


def _settlement_postings(
    run: SettlementRun, figures: list[share_math.OfficeFigures], actor: Any
) -> list[Posting]:
    office_purposes = (
        AccountPurpose.SHARE_EXPENSE,
        AccountPurpose.KANOON_PAYABLE,
        AccountPurpose.KANOON_RECEIVABLE,
    )
    kanoon_purposes = (
        AccountPurpose.SHARES_RECEIVABLE,
        AccountPurpose.SUBSIDIES_PAYABLE,
        AccountPurpose.SHARE_REVENUE,
    )
    keys = {(f.office_id, p) for f in figures for p in office_purposes} | {(None, p) for p in kanoon_purposes}
    accounts = ensure_accounts(keys)
    kanoon = {p: accounts[(None, p)] for p in kanoon_purposes}
    postings = []
    for f in figures:
        office = {p: accounts[(f.office_id, p)] for p in office_purposes}
        lines = lines_of(
            signed(office[AccountPurpose.SHARE_EXPENSE], f.share),
            signed(office[AccountPurpose.KANOON_PAYABLE], -f.net),
            signed(office[AccountPurpose.KANOON_RECEIVABLE], -f.subsidies),
            signed(kanoon[AccountPurpose.SHARES_RECEIVABLE], f.net),
            signed(kanoon[AccountPurpose.SUBSIDIES_PAYABLE], f.subsidies),
            signed(kanoon[AccountPurpose.SHARE_REVENUE], -f.share),
        )
        if not lines:
            continue
        postings.append(
            Posting(
                lines=lines,
                kind=TransactionKind.SETTLEMENT,
                memo=f"Kanoon settlement {run.year}/{run.month:02d}",
                reference_type="finance.settlementrun",
                reference_id=str(run.pk),
                office_id=f.office_id,
                dedupe_key=f"settlement:{run.year}-{run.month}:{f.office_id}",
                actor_id=_pk(actor),
            )
        )
    return postings


def settlement_run(*, year: int, month: int, actor: Any) -> SettlementRun:
    """Settle a finished Jalali month with every office: share due, subsidies owed, the net.

    One balanced ledger transaction per office (deduplicated per office and month), so
    running it again changes nothing. ``actor=None`` is the scheduled run.
    """
    share_math.check_month(year, month)
    _require_kanoon(actor)
    _start, end = jalali_month_bounds_utc(year, month)
    if end > timezone.now():
        raise ConflictError(
            _("%(year)s/%(month)s has not ended yet.") % {"year": year, "month": month},
            code="month_not_ended",
        )
    with transaction.atomic():
        run = SettlementRun.objects.select_for_update().filter(year=year, month=month).first()
        if run is not None and run.status == SettlementStatus.DONE:
            return run
        policy = share_math.require_policy(year=year, month=month)
        if run is None:
            try:
                with transaction.atomic():
                    run = SettlementRun.objects.create(year=year, month=month, policy=policy, actor=actor)
            except IntegrityError:
                run = SettlementRun.objects.select_for_update().get(year=year, month=month)
                if run.status == SettlementStatus.DONE:
                    return run
        figures = share_math.month_figures(year=year, month=month, policy=policy)
        postings = _settlement_postings(run, figures, actor)
        ledger_post_many(postings)
        by_key = dict(
            Transaction.objects.filter(dedupe_key__in=[p.dedupe_key for p in postings]).values_list(
                "dedupe_key", "pk"
            )
        )
        done = set(SettlementLine.objects.filter(run=run).values_list("office_id", flat=True))
        SettlementLine.objects.bulk_create(
            [
                SettlementLine(
                    run=run,
                    office_id=f.office_id,
                    revenue=f.revenue,
                    tier=f.tier,
                    disputes_resolved=f.disputes_resolved,
                    rate_bp=f.rate_bp,
                    share=f.share,
                    subsidies=f.subsidies,
                    net=f.net,
                    transaction_id=by_key.get(f"settlement:{year}-{month}:{f.office_id}"),
                )
                for f in figures
                if f.office_id not in done
            ],
            batch_size=2000,
        )
        totals = {
            "offices": len(figures),
            "revenue": sum(f.revenue for f in figures),
            "share": sum(f.share for f in figures),
            "subsidies": sum(f.subsidies for f in figures),
            "net": sum(f.net for f in figures),
        }
        run = transition(
            SETTLEMENT,
            run,
            SettlementStatus.DONE,
            actor=actor,
            expected_status=SettlementStatus.RUNNING,
            changes={"policy_id": policy.pk, **totals},
            audit_data={"period": f"{year}/{month}", **totals},
        )
        transaction.on_commit(lambda: settlement_completed.send_robust(sender=SettlementRun, run=run))
    return run


# --- bulk import ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    """One already-captured payment from another system (a legacy register, a PSP's daily file)."""

    office_id: int
    reference_type: str
    reference_id: str
    service_code: str
    channel: str
    office_fee: int
    court_fee: int
    captured_at: datetime
    subsidy: int = 0
    payer_id: int | None = None
    method: str = PaymentMethod.IMPORT
    gateway_ref: str = ""


def _check_import_row(row: ImportRow, now: datetime) -> None:
    for name in ("office_fee", "court_fee", "subsidy"):
        _int_amount(getattr(row, name), name)
    if row.captured_at > now:
        raise DomainError(_("A payment cannot be imported with a date in the future."), code="import_future")
    if row.method not in PaymentMethod.values:
        raise DomainError(fields={"method": [_("Unknown payment method.")]})
    _clean_reference(row.reference_type, row.reference_id)


@transaction.atomic
def payments_import(*, rows: list[ImportRow], actor: Any = None, batch_size: int = 2000) -> int:
    """Record many captured payments with their ledger postings in bulk; returns how many were new.

    Idempotent per reference (an imported reference is skipped the second time). Months the
    Kanoon has already settled are refused: their figures are final.
    """
    _require_kanoon(actor)
    now = timezone.now()
    for row in rows:
        _check_import_row(row, now)
    months = {jalali_year_month(row.captured_at) for row in rows}
    for year, month in months:
        if _settled(year, month):
            raise ConflictError(
                _("%(year)s/%(month)s is already settled; import into an open month.")
                % {"year": year, "month": month},
                code="ledger_period_closed",
            )
    created = 0
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        keys = {(r.reference_type, r.reference_id) for r in chunk}
        done = set(
            Payment.objects.filter(
                status=PaymentStatus.CAPTURED,
                reference_type__in={k[0] for k in keys},
                reference_id__in={k[1] for k in keys},
            ).values_list("reference_type", "reference_id")
        )
        fresh = [r for r in chunk if (r.reference_type, r.reference_id) not in done]
        if not fresh:
            continue
        payments = [
            Payment(
                uuid=uuid.uuid4(),
                office_id=r.office_id,
                payer_id=r.payer_id,
                created_by_id=_pk(actor),
                reference_type=r.reference_type,
                reference_id=r.reference_id,
                service_code=r.service_code,
                channel=r.channel,
                office_fee=r.office_fee,
                court_fee=r.court_fee,
                subsidy=r.subsidy,
                amount=r.office_fee + r.court_fee,
                status=PaymentStatus.CAPTURED,
                method=r.method,
                gateway_ref=r.gateway_ref[:64],
                created_at=r.captured_at,
                captured_at=r.captured_at,
            )
            for r in fresh
        ]
        accounts = ensure_accounts(
            {(p.office_id, AccountPurpose.FEE_REVENUE) for p in payments}
            | {(p.office_id, AccountPurpose.KANOON_RECEIVABLE) for p in payments if p.subsidy}
            | {(p.office_id, AccountPurpose.SUBSIDY_REVENUE) for p in payments if p.subsidy}
            | {(None, p) for p in (AccountPurpose.CLEARING, AccountPurpose.COURT_FEES)}
            | {(None, p) for p in (AccountPurpose.SUBSIDY_EXPENSE, AccountPurpose.SUBSIDIES_PAYABLE)}
        )
        postings: list[Posting] = []
        for p in payments:
            ref_type, ref_id = _payment_ref(p)
            common = {
                "memo": f"{p.short_reference} {p.service_code} (imported)",
                "reference_type": ref_type,
                "reference_id": ref_id,
                "office_id": p.office_id,
                "actor_id": _pk(actor),
                "posted_at": p.captured_at,
            }
            if p.amount:
                lines = lines_of(
                    Line(accounts[(None, AccountPurpose.CLEARING)], debit=p.amount),
                    Line(accounts[(p.office_id, AccountPurpose.FEE_REVENUE)], credit=p.office_fee)
                    if p.office_fee
                    else None,
                    Line(accounts[(None, AccountPurpose.COURT_FEES)], credit=p.court_fee)
                    if p.court_fee
                    else None,
                )
                postings.append(
                    Posting(
                        lines=lines,
                        kind=TransactionKind.PAYMENT,
                        dedupe_key=f"payment:{p.uuid}:capture",
                        **common,
                    )
                )
            if p.subsidy:
                postings.append(
                    Posting(
                        lines=[
                            Line(accounts[(p.office_id, AccountPurpose.KANOON_RECEIVABLE)], debit=p.subsidy),
                            Line(accounts[(p.office_id, AccountPurpose.SUBSIDY_REVENUE)], credit=p.subsidy),
                            Line(accounts[(None, AccountPurpose.SUBSIDY_EXPENSE)], debit=p.subsidy),
                            Line(accounts[(None, AccountPurpose.SUBSIDIES_PAYABLE)], credit=p.subsidy),
                        ],
                        kind=TransactionKind.SUBSIDY,
                        dedupe_key=f"payment:{p.uuid}:subsidy",
                        **common,
                    )
                )
        # The ledger first, then the payments pointing at their transactions: no second pass.
        txns = {t.dedupe_key: t.pk for t in ledger_post_many(postings, batch_size=batch_size)}
        for p in payments:
            p.transaction_id = txns.get(f"payment:{p.uuid}:capture")
            p.subsidy_transaction_id = txns.get(f"payment:{p.uuid}:subsidy")
        Payment.objects.bulk_create(payments, batch_size=batch_size)
        created += len(payments)
    audit.record(
        action="finance.payments.imported",
        actor=actor,
        data={"rows": len(rows), "created": created, "months": sorted(f"{y}/{m}" for y, m in months)},
    )
    return created
