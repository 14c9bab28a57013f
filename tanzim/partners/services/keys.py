"""Partner API keys: shown once, stored as a prefix and a SHA-256 hash; rotated and revoked.

A key is ``tzp_<prefix>_<secret>``. The prefix finds the row; the hash of the whole key must
match (compared in constant time). Rotation issues a new key and lets the old one work for a
grace period so the partner can switch without an outage; revocation stops a key at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit.services import record
from tanzim.common.errors import ConflictError, NotFoundError, PermissionDeniedError
from tanzim.partners.models import ApiKey, Partner

PREFIX = "tzp"
ROTATION_GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the whole key, shown once


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _require_kanoon(actor: Any) -> None:
    if actor is not None and not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon manages partner keys."), code="not_kanoon")


def api_key_issue(*, partner: Partner, actor: Any, label: str = "") -> IssuedKey:
    """A new key for the partner; the returned secret is the only time it is seen."""
    _require_kanoon(actor)
    prefix = secrets.token_hex(4)
    secret = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key = ApiKey.objects.create(partner=partner, label=label[:60], prefix=prefix, hashed=_hash(secret))
        record(
            action="partners.api_key.issued",
            actor=actor,
            obj=key,
            data={"partner": partner.code, "prefix": prefix},
        )
    return IssuedKey(key, secret)


def api_key_rotate(*, key: ApiKey, actor: Any, grace: timedelta = ROTATION_GRACE) -> IssuedKey:
    """Issue a successor; the old key keeps working for ``grace`` (zero: it stops now)."""
    _require_kanoon(actor)
    with transaction.atomic():
        old = ApiKey.objects.select_for_update().get(pk=key.pk)
        if old.revoked_at is not None:
            raise ConflictError(_("A revoked key cannot be rotated."), code="key_revoked")
        issued = api_key_issue(partner=old.partner, actor=actor, label=old.label)
        ends = timezone.now() + grace
        if old.expires_at is None or old.expires_at > ends:
            ApiKey.objects.filter(pk=old.pk).update(expires_at=ends)
        record(action="partners.api_key.rotated", actor=actor, obj=old, data={"successor": issued.key.prefix})
    return issued


def api_key_revoke(*, key: ApiKey, actor: Any) -> ApiKey:
    _require_kanoon(actor)
    with transaction.atomic():
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        record(action="partners.api_key.revoked", actor=actor, obj=key, data={"prefix": key.prefix})
    return ApiKey.objects.get(pk=key.pk)


def api_key_authenticate(secret: str) -> ApiKey:
    """The live key this secret is, or a 404-free refusal (NotFoundError is not used: 401)."""
    parts = (secret or "").split("_")
    if len(parts) < 3 or parts[0] != PREFIX:
        raise NotFoundError(code="bad_key")
    key = ApiKey.objects.select_related("partner").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.hashed, _hash(secret)):
        raise NotFoundError(code="bad_key")
    now = timezone.now()
    if (
        key.revoked_at is not None
        or (key.expires_at is not None and key.expires_at <= now)
        or not key.partner.active
    ):
        raise NotFoundError(code="bad_key")
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
