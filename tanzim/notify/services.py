"""Writing to the outbox and delivering from it."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from tanzim.audit.workflow import bulk_transition, transition
from tanzim.common.errors import ConflictError
from tanzim.notify.backends import DeliveryError, send_email, sms_backend
from tanzim.notify.choices import Channel, MessageStatus
from tanzim.notify.messages import TEMPLATES
from tanzim.notify.models import Message, SmsRoute
from tanzim.notify.workflows import MESSAGE


def stale_claim() -> timedelta:
    """A claim older than this belongs to a worker that died mid-send; the sweep takes it over.

    NOTIFY_STALE_CLAIM_SECONDS (60 s), at least twice the gateway's timeout: a send in progress is
    never taken over. The take-over sends with the message's own Idempotency-Key, so a provider
    that had accepted the first attempt does not send the SMS twice.
    """
    return timedelta(seconds=settings.NOTIFY_STALE_CLAIM_SECONDS)


def render(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    subject, body = TEMPLATES[template]
    with translation.override(language):
        return str(subject), str(body) % context


def message_enqueue(
    *,
    template: str,
    to: str,
    context: dict[str, Any] | None = None,
    channel: str = Channel.SMS,
    language: str | None = None,
    recipient: Any = None,
    dedupe_key: str | None = None,
    fresh_key: bool = False,
) -> Message:
    """Write a message in the caller's transaction; it is sent only if that transaction commits.

    A ``dedupe_key`` makes enqueueing idempotent: the same key never yields two messages.
    ``fresh_key``: the caller knows no message can have this key yet (it names an object made in
    this very transaction), so the message is one INSERT, with no lookup and no savepoint; a
    clash would fail the caller's transaction, as any broken guarantee should.
    """
    if dedupe_key and not fresh_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    language = language or getattr(recipient, "preferred_language", None) or settings.LANGUAGE_CODE
    subject, body = render(template, context or {}, language)
    fields = {
        "channel": channel,
        "recipient": recipient,
        "to": to,
        "template": template,
        "language": language,
        "subject": subject,
        "body": body,
        "dedupe_key": dedupe_key,
        "next_attempt_at": timezone.now(),
    }
    if fresh_key:
        message = Message.objects.create(**fields)
    else:
        try:
            # A savepoint: a concurrent twin must not break the caller's transaction.
            with transaction.atomic():
                message = Message.objects.create(**fields)
        except IntegrityError:
            if not dedupe_key:
                raise
            return Message.objects.get(dedupe_key=dedupe_key)
    from tanzim.notify.tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.delay(message.pk))
    return message


def _claimable(now) -> Q:
    """Due and waiting, or claimed by a worker that has not finished for too long (crashed)."""
    return Q(status=MessageStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=MessageStatus.SENDING, claimed_at__lt=now - stale_claim()
    )


def _claim(message_id: int) -> bool:
    """Take a message for sending; only one worker can win (the engine's claim, SKIP LOCKED)."""
    now = timezone.now()
    rows = Message.objects.filter(_claimable(now), pk=message_id)
    return bool(bulk_transition(MESSAGE, rows, MessageStatus.SENDING, now=now))


def _finish(message: Message, new: str, **changes: Any) -> None:
    """Record how a claimed send ended; a message that is no longer being sent is left as it is."""
    with contextlib.suppress(ConflictError):
        transition(MESSAGE, message, new, expected_status=MessageStatus.SENDING, changes=changes)


def message_deliver(*, message_id: int) -> str:
    """Send one message; safe to call twice. Returns the message's status afterwards."""
    if not _claim(message_id):
        return Message.objects.filter(pk=message_id).values_list("status", flat=True).first() or "missing"
    message = Message.objects.select_related("recipient").get(pk=message_id)
    route = route_for(message.to) if message.channel == Channel.SMS else None
    if route is not None and not route.sms_enabled:
        # SMS do not reach this country: the person reads it in their e-mail, or not at all.
        sent = _email_instead(message, route)
        _finish(
            message,
            MessageStatus.FAILED,
            attempts=message.attempts,
            last_error=f"no SMS route to +{route.calling_code}"
            + ("; sent by e-mail" if sent else "; no e-mail"),
        )
        return MessageStatus.FAILED
    try:
        if message.channel == Channel.EMAIL:
            ref = send_email(to=message.to, subject=message.subject, body=message.body)
        else:
            backend = import_string(route.backend)() if route is not None and route.backend else sms_backend()
            ref = backend.send_sms(to=message.to, body=message.body, idempotency_key=str(message.uuid))
    except DeliveryError as exc:
        attempts = message.attempts + 1
        failed = attempts >= settings.NOTIFY_MAX_ATTEMPTS
        _finish(
            message,
            MessageStatus.FAILED if failed else MessageStatus.PENDING,
            attempts=attempts,
            next_attempt_at=timezone.now() + timedelta(seconds=min(3600, 15 * 2**attempts)),
            last_error=str(exc)[:300],
        )
        if failed and message.channel == Channel.SMS:
            _email_instead(message, route)
        return MessageStatus.FAILED if failed else MessageStatus.PENDING
    _finish(message, MessageStatus.SENT, attempts=message.attempts + 1, provider_ref=ref[:100])
    return MessageStatus.SENT


def route_for(to: str) -> SmsRoute | None:
    """The SMS route of a number's country (``+49…`` → the row for 49), or None for the default."""
    try:
        number = phonenumbers.parse(to, None)
    except phonenumbers.NumberParseException:
        return None
    if not number.country_code:
        return None
    return SmsRoute.objects.filter(calling_code=number.country_code).first()


def _email_instead(message: Message, route: SmsRoute | None) -> bool:
    """An SMS that cannot be delivered goes, once, to the recipient's e-mail (when they gave one
    and the country's route allows it). True when an e-mail was queued."""
    recipient = message.recipient
    email = getattr(recipient, "email", "") or ""
    if not email or (route is not None and not route.email_fallback):
        return False
    with transaction.atomic():
        copy, created = Message.objects.get_or_create(
            dedupe_key=f"email-fallback:{message.uuid}",
            defaults={
                "channel": Channel.EMAIL,
                "recipient": recipient,
                "to": email,
                "template": message.template,
                "language": message.language,
                "subject": message.subject or _fallback_subject(message.language),
                "body": message.body,
                "next_attempt_at": timezone.now(),
            },
        )
    if created:
        from tanzim.notify.tasks import deliver_message

        transaction.on_commit(lambda: deliver_message.delay(copy.pk))
    return True


def _fallback_subject(language: str) -> str:
    with translation.override(language):
        return str(_("A message from Tanzim (your SMS could not be delivered)"))


def due_message_ids(limit: int = 500) -> list[int]:
    due = Message.objects.filter(_claimable(timezone.now()))
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
