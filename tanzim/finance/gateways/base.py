"""The payment gateway adapter interface. Iranian PSPs (Shaparak members) sit behind it.

A provider opens a payment session for an amount, sends the payer's browser (or its own
server) back with a signed callback, and answers inquiries about a session later. Tanzim
never trusts a callback it cannot verify, and asks the provider again when in doubt.
"""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import DomainError
from tanzim.common.normalize import normalize_digits

# The fields a callback carries and signs, in the order they are signed.
SIGNED_FIELDS = ("reference", "token", "merchant", "amount", "status", "gateway_ref")


@dataclass(frozen=True)
class GatewaySession:
    token: str
    redirect_url: str


@dataclass(frozen=True)
class CallbackData:
    reference: str  # our payment's uuid
    token: str  # the provider's session token
    merchant: str  # the office code the session was opened for
    amount: int
    status: str  # a GatewayOutcome value
    gateway_ref: str  # the provider's reference (RRN) for a paid session


@dataclass(frozen=True)
class GatewayStatus:
    status: str  # a GatewayOutcome value
    amount: int
    gateway_ref: str = ""


def canonical_message(payload: Mapping[str, Any]) -> bytes:
    return "\n".join(f"{name}={payload.get(name, '')}" for name in SIGNED_FIELDS).encode("utf-8")


def sign(payload: Mapping[str, Any], secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), canonical_message(payload), hashlib.sha256).hexdigest()


def signature_valid(payload: Mapping[str, Any], signature: str, secret: str) -> bool:
    if not isinstance(signature, str) or not signature:
        return False
    # Bytes, not str: compare_digest refuses str with non-ASCII characters (a forged header).
    return hmac.compare_digest(sign(payload, secret).encode(), signature.strip().lower().encode("utf-8"))


class InvalidCallback(DomainError):
    """A callback we refuse: forged, malformed, or about another payment."""

    code = "invalid_callback"
    default_message = _("This payment callback is not valid.")


def parse_signed_callback(payload: Mapping[str, Any], signature: str, secret: str) -> CallbackData:
    """Verify the HMAC and read the fields; any doubt is a refusal."""
    if not isinstance(payload, Mapping):
        raise InvalidCallback()
    clean = {name: str(payload.get(name, ""))[:100] for name in SIGNED_FIELDS}
    if not signature_valid(clean, signature, secret):
        raise InvalidCallback(_("The callback's signature is not valid."), code="invalid_signature")
    amount_text = normalize_digits(clean["amount"])
    if not amount_text.isdigit():
        raise InvalidCallback(fields={"amount": [_("Enter a whole amount in rials.")]})
    if not clean["reference"] or not clean["token"] or not clean["status"]:
        raise InvalidCallback()
    return CallbackData(
        reference=clean["reference"],
        token=clean["token"],
        merchant=clean["merchant"],
        amount=int(amount_text),
        status=clean["status"],
        gateway_ref=clean["gateway_ref"],
    )


class PaymentGateway(ABC):
    """What Tanzim needs from a payment service provider."""

    name: str = ""

    @abstractmethod
    def start(self, *, payment: Any, callback_url: str) -> GatewaySession:
        """Open a session for the payment's amount; the payer is sent to ``redirect_url``."""

    @abstractmethod
    def redirect_url(self, *, token: str) -> str:
        """Where to send the payer to continue an open session."""

    @abstractmethod
    def parse_callback(self, *, payload: Mapping[str, Any], signature: str) -> CallbackData:
        """Verify and read a callback; raise InvalidCallback when it cannot be trusted."""

    @abstractmethod
    def inquire(self, *, token: str) -> GatewayStatus:
        """The provider's current view of a session (for reconciliation)."""

    @abstractmethod
    def close(self, *, token: str) -> GatewayStatus:
        """Stop a session taking money. Returns its final state: PAID if it was paid meanwhile."""

    @abstractmethod
    def reverse(self, *, token: str) -> GatewayStatus:
        """Give a paid session's whole amount back (a payment we cannot accept)."""

    @abstractmethod
    def refund(self, *, token: str, amount: int, key: str) -> str:
        """Return part of a paid amount; idempotent per ``key``. Returns the provider's reference."""
