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
    """Adapter for an HTTP SMS gateway: a JSON POST ``{"to", "text"}`` with a bearer token.

    What Tanzim requires of the provider (docs/operations.md, "SMS provider"):

    - ``Idempotency-Key`` header: the message's UUID, the same on every attempt. A worker that dies
      after the gateway accepted a message but before it recorded the answer leaves the message
      "being sent"; the sweep sends it again with the same key, and the provider must answer with
      the first attempt's result instead of sending a second SMS.
    - a 2xx answer with JSON, ``{"id": "<provider's reference>"}``, once the message is accepted;
      anything else (an error status, no answer within the timeout, not JSON) is retried later.
    """

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float | None = None):
        self.url = url or settings.SMS_GATEWAY_URL
        self.token = token or settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout if timeout is not None else float(settings.SMS_GATEWAY_TIMEOUT_SECONDS)

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
