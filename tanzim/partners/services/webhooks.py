"""Events to partners' webhooks, signed; events from partners, verified.

Outbound: each event is a ``Delivery`` row written in the caller's transaction (nothing is lost if
the process dies), sent after commit, signed with HMAC-SHA256 over ``"<timestamp>.<body>"`` with the
partner's secret. The event id travels as the ``Idempotency-Key`` so a receiver that sees it twice
(a retry after a lost answer) can drop the second. A non-2xx answer or a timeout is retried with
exponential back-off (``retry_countdown``); after ``ATTEMPTS`` it is a dead letter an operator may
replay, which sends the same event once more.

Inbound: the same signature over the same string; a timestamp more than five minutes away from
now is refused, and so is an event id the partner already sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit.services import record
from tanzim.audit.workflow import bulk_transition, transition
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.taskqueues import retry_countdown
from tanzim.partners.choices import DeliveryStatus
from tanzim.partners.models import Delivery, InboundEvent, Partner, Referral
from tanzim.partners.workflows import DELIVERY

ATTEMPTS = 6
FIRST_WAIT = 30
MAX_WAIT = 3600
TIMEOUT_SECONDS = 10
TOLERANCE = timedelta(minutes=5)
STALE_CLAIM = timedelta(minutes=5)
SIGNATURE_HEADER = "X-Tanzim-Signature"
TIMESTAMP_HEADER = "X-Tanzim-Timestamp"
EVENT_HEADER = "X-Tanzim-Event-Id"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _body(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def _referral_view(referral: Referral) -> dict[str, Any]:
    return {
        "reference": referral.reference,
        "status": referral.status,
        "kind": referral.kind.code,
        "branch": referral.branch_id,
        "partner_reference": referral.partner_reference,
        "ack_due_at": referral.ack_due_at.isoformat() if referral.ack_due_at else None,
        "outcome_due_at": referral.outcome_due_at.isoformat() if referral.outcome_due_at else None,
    }


def event_enqueue(
    *, partner: Partner, event_type: str, referral: Referral | None = None, data: dict[str, Any] | None = None
) -> Delivery | None:
    """Write the event for the partner's webhook in the caller's transaction (none: no webhook)."""
    if not partner.webhook_url or not partner.webhook_secret:
        return None
    event_id = uuid.uuid4().hex
    payload = {
        "id": event_id,
        "type": event_type,
        "created_at": timezone.now().isoformat(),
        "referral": _referral_view(referral) if referral is not None else None,
        "data": data or {},
    }
    delivery = Delivery.objects.create(
        partner=partner,
        referral=referral,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        next_attempt_at=timezone.now(),
    )
    _queue_after_commit(delivery.pk)
    return delivery


def _queue_after_commit(pk: int, countdown: int | None = None) -> None:
    def queue() -> None:
        from tanzim.partners.tasks import deliver

        if countdown:
            deliver.apply_async((pk,), countdown=countdown)
        else:
            deliver.delay(pk)

    transaction.on_commit(queue)


@dataclass(frozen=True)
class Attempt:
    outcome: str  # "delivered", "retry", "dead", "skipped"
    countdown: int | None = None


def _post(partner: Partner, delivery: Delivery, now: datetime) -> tuple[int | None, str]:
    body = _body(delivery)
    timestamp = int(now.timestamp())
    if not partner.webhook_url.startswith(("https://", "http://")):
        return None, "not an http(s) address"
    request = urllib.request.Request(  # noqa: S310 - an http(s) address the Kanoon configured
        partner.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Tanzim-Webhooks/1",
            EVENT_HEADER: delivery.event_id,
            "Idempotency-Key": delivery.event_id,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(partner.webhook_secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - the partner's URL
            return answer.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return None, type(exc).__name__ + ": " + str(getattr(exc, "reason", exc))[:200]


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> Attempt:
    """Claim one due delivery, post it, record the answer; safe to run twice (the claim is a CAS)."""
    now = now or timezone.now()
    claimed = bulk_transition(
        DELIVERY,
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now),
        DeliveryStatus.SENDING,
        now=now,
    )
    if not claimed:
        return Attempt("skipped")
    delivery = Delivery.objects.select_related("partner").get(pk=delivery_id)
    code, error = _post(delivery.partner, delivery, now)
    attempts = delivery.attempts + 1
    if code is not None and 200 <= code < 300:
        transition(
            DELIVERY,
            delivery,
            DeliveryStatus.DELIVERED,
            expected_status=DeliveryStatus.SENDING,
            changes={"attempts": attempts, "last_status_code": code, "last_error": ""},
            now=now,
        )
        return Attempt("delivered")
    if attempts >= ATTEMPTS:
        transition(
            DELIVERY,
            delivery,
            DeliveryStatus.DEAD,
            expected_status=DeliveryStatus.SENDING,
            changes={"attempts": attempts, "last_status_code": code, "last_error": error[:300]},
            now=now,
        )
        return Attempt("dead")
    # Doubling from 30 s up to an hour; a wait past what a queued task may hold (the broker's
    # visibility timeout) is left to the ``deliver_due`` sweep.
    wait = min(MAX_WAIT, FIRST_WAIT * 2 ** (attempts - 1))
    countdown = retry_countdown(attempts - 1, first=FIRST_WAIT)
    transition(
        DELIVERY,
        delivery,
        DeliveryStatus.PENDING,
        expected_status=DeliveryStatus.SENDING,
        changes={
            "attempts": attempts,
            "last_status_code": code,
            "last_error": error[:300],
            "next_attempt_at": now + timedelta(seconds=wait),
        },
        now=now,
    )
    return Attempt("retry", countdown if countdown == wait else None)


def deliveries_due(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """The deliveries to try now: due pending ones, and claims a crashed worker left behind."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    bulk_transition(DELIVERY, stale, DeliveryStatus.PENDING, changes={"next_attempt_at": now}, now=now)
    rows = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    return list(rows.values_list("pk", flat=True)[:limit])


def delivery_replay(*, delivery: Delivery, actor: Any) -> Delivery:
    """An operator sends a dead letter once more (the same event id: the receiver can drop a copy)."""
    if not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon replays dead letters."), code="not_kanoon")
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        moved = transition(
            DELIVERY,
            current,
            DeliveryStatus.PENDING,
            actor=actor,
            expected_status=DeliveryStatus.DEAD,
            changes={"attempts": 0, "replays": current.replays + 1, "next_attempt_at": timezone.now()},
        )
        record(
            action="partners.delivery.replayed",
            actor=actor,
            obj=moved,
            data={"event_id": moved.event_id, "partner": current.partner_id},
        )
        _queue_after_commit(moved.pk)
    return moved


# --- inbound ------------------------------------------------------------------------------------


def inbound_verify(
    *,
    partner: Partner,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    event_id: str,
    event_type: str,
    now: datetime | None = None,
) -> InboundEvent:
    """Check an event a partner sent: its signature, its age, and that its id is new."""
    now = now or timezone.now()
    if not partner.webhook_secret:
        raise PermissionDeniedError(_("This partner has no signing secret."), code="no_secret")
    try:
        sent = int(str(timestamp or "").strip())
    except ValueError:
        raise PermissionDeniedError(
            _("The timestamp is missing or not a number."), code="bad_timestamp"
        ) from None
    expected = sign(partner.webhook_secret, sent, body)
    if not signature or not hmac.compare_digest(expected, signature.strip()):
        raise PermissionDeniedError(_("The signature does not match the body."), code="bad_signature")
    if abs(now.timestamp() - sent) > TOLERANCE.total_seconds():
        raise PermissionDeniedError(
            _("The timestamp is more than five minutes away from now."), code="stale_timestamp"
        )
    if not event_id or len(event_id) > 64:
        raise DomainError(
            fields={"id": [_("Give the event an id of up to 64 characters.")]}, code="bad_event_id"
        )
    try:
        with transaction.atomic():
            return InboundEvent.objects.create(partner=partner, event_id=event_id, event_type=event_type[:40])
    except IntegrityError as exc:
        raise ConflictError(_("This event was already received."), code="replayed_event") from exc
