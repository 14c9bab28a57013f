"""``Idempotency-Key`` support for creating requests (payments, bookings).

The key is stored on the created row itself (unique per actor), together with a fingerprint
of the request body: a replay returns the same row, a reuse with a different body is a 409.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from tanzim.common.errors import ConflictError, DomainError

HEADER = "Idempotency-Key"
_VALID = re.compile(r"^[A-Za-z0-9_\-:.]{8,64}$")


def key_from_request(request: HttpRequest | Request, *, required: bool = False) -> str | None:
    key: str | None = request.headers.get(HEADER)
    if not key:
        if required:
            raise DomainError(_("The Idempotency-Key header is required."), code="idempotency_key_required")
        return None
    if not _VALID.match(key):
        raise DomainError(
            _("The Idempotency-Key must be 8 to 64 letters, digits or - _ : ."),
            code="idempotency_key_invalid",
        )
    return key


def fingerprint(payload: object) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_replay(*, stored_fingerprint: str, payload: object) -> None:
    """Raise 409 when a key is reused for a different request."""
    if stored_fingerprint != fingerprint(payload):
        raise ConflictError(
            _("This Idempotency-Key was already used for a different request."), code="idempotency_key_reused"
        )
