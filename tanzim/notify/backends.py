"""Delivery backends. Each raises DeliveryError on a failure worth retrying."""

from __future__ import annotations

import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from tanzim.common.identifiers import mask_phone

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    pass


class OutboxOnlyBackend:
    """Embedded default: the message stays in the outbox, shown in the UI; nothing leaves."""

    def send_sms(self, *, to: str, body: str, idempotency_key: str) -> str:
        return f"outbox:{idempotency_key}"


class ConsoleBackend:
    def send_sms(self, *, to: str, body: str, idempotency_key: str) -> str:
        # The body may hold an OTP: only its length and a masked number reach the log.
        log.info("SMS to %s (%d chars) key=%s", mask_phone(to), len(body), idempotency_key)
        return f"console:{idempotency_key}"


class HttpSmsGateway:
    """Adapter for an HTTP SMS gateway: JSON POST with a bearer token.

    The message's UUID travels as ``Idempotency-Key`` so a gateway that honours it never
    sends twice when a worker retries after a crash.
    """

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 10.0):
        self.url = url or settings.SMS_GATEWAY_URL
        self.token = token or settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout

    def send_sms(self, *, to: str, body: str, idempotency_key: str) -> str:
        request = urllib.request.Request(  # noqa: S310 - URL is operator configuration
            self.url,
            data=json.dumps({"to": to, "text": body}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": idempotency_key,
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read() or b"{}")
        except Exception as exc:  # network errors, 5xx, bad JSON: all retried
            raise DeliveryError(type(exc).__name__) from exc
        return str(payload.get("id", ""))


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def send_email(*, to: str, subject: str, body: str) -> str:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception as exc:
        raise DeliveryError(type(exc).__name__) from exc
    return "email"
