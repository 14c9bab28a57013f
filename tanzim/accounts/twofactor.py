"""Two-factor sign-in for staff: TOTP (RFC 6238) codes from an authenticator app, recovery codes.

- The shared secret is encrypted at rest (Fernet, ``TWO_FACTOR_KEYS`` newest first, or a key
  derived from ``SECRET_KEY``), shown only while the person enrols, and never logged.
- A code is accepted for the current 30-second step and one step either side (clock drift), and
  only for a step later than the last one accepted, so the same code cannot be used twice.
- Ten single-use recovery codes are given at enrolment; only their keyed hashes are stored.
- Failures are limited per account (``TWO_FACTOR_MAX_FAILURES`` per ``TWO_FACTOR_WINDOW_SECONDS``).
  Someone who has the password can use that allowance up, so a recovery code is still accepted
  once the six-digit codes are refused: the owner always has a way in. Its own allowance is
  larger (``RECOVERY_MAX_FAILURES``; ten random characters are not guessed in a few hundred tries).
- Required for the roles in ``TWO_FACTOR_REQUIRED_ROLES`` (Kanoon, province, inspector) and for
  superusers; optional for other staff.

The session gate (``session_gate``) says what a signed-in session still owes: nothing, the
second step (``verify``) or the enrolment (``enrol``); the page middleware and the API's session
authentication both ask it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import STAFF_ROLES
from tanzim.accounts.models import RecoveryCode, TotpDevice, User
from tanzim.accounts.selectors import scope_for
from tanzim.audit import services as audit
from tanzim.common import ratelimit
from tanzim.common.errors import DomainError
from tanzim.common.normalize import digits_only

STEP = 30
DIGITS = 6
DRIFT = 1  # steps accepted either side of the current one
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_LENGTH = 10
SESSION_KEY = "two_factor_passed"
CHECKED_KEY = "two_factor_checked"
RECHECK_SECONDS = 300

WRONG_CODE = _("The code is wrong or has already been used.")
TOO_MANY = _("Too many wrong codes. Try again in %(minutes)s minutes.")
TOO_MANY_USE_RECOVERY = _(
    "Too many wrong codes. Try again in %(minutes)s minutes, or use one of your recovery codes."
)
NOT_ENROLLED = _("Two-step sign-in is not set up for this account.")
RECOVERY_MAX_FAILURES = 20


# --- the secret at rest ---------------------------------------------------------------------


def derived_key(secret_key: str) -> str:
    """The key used while ``TWO_FACTOR_KEYS`` is empty (list it last when adding keys)."""
    derived = hashlib.sha256(f"tanzim.two-factor:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(derived).decode()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys or (derived_key(secret_key),)])


def _cipher() -> MultiFernet:
    return _fernet(tuple(settings.TWO_FACTOR_KEYS), settings.SECRET_KEY)


def seal(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _cipher().decrypt(sealed.encode()).decode()
    except InvalidToken as exc:  # a key was dropped before every secret was re-encrypted
        raise DomainError(NOT_ENROLLED, code="two_factor_unreadable") from exc


def reseal_all() -> int:
    """Re-encrypt every secret with the newest key (after adding one to ``TWO_FACTOR_KEYS``)."""
    count = 0
    for device in TotpDevice.objects.all():
        device.secret = _cipher().rotate(device.secret.encode()).decode()
        device.save(update_fields=["secret"])
        count += 1
    return count


# --- TOTP (RFC 6238 over RFC 4226) ----------------------------------------------------------


def new_secret() -> str:
    """160 random bits in base32 (what authenticator apps read), without padding."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def hotp(secret: str, counter: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def step_at(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP)


def totp(secret: str, at: float | None = None) -> str:
    return hotp(secret, step_at(at))


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step whose code is ``code`` (current one first, then its neighbours), or None."""
    now = step_at(at)
    for step in (now, now - DRIFT, now + DRIFT):
        if hmac.compare_digest(hotp(secret, step), code):
            return step
    return None


def provisioning_uri(user: User, secret: str) -> str:
    issuer = settings.TWO_FACTOR_ISSUER
    label = quote(f"{issuer}:{user.username}")
    query = urlencode({"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP})
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """The provisioning address as an inline SVG QR code, drawn on the server."""
    import segno

    code = segno.make(uri, error="m")
    svg: str = code.svg_inline(scale=4, border=2, dark="#000", light="#fff", title=str(_("QR code")))
    return svg


# --- who needs it, what a session owes --------------------------------------------------------


def device_for(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def is_enrolled(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def may_enrol(user: Any) -> bool:
    """Staff (any staff role, or the admin's staff flag) may set up two-step sign-in."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or scope_for(user).roles & STAFF_ROLES)


def is_required(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return scope_for(user).has(*settings.TWO_FACTOR_REQUIRED_ROLES)


def session_gate(session: Any, user: Any) -> str:
    """``"ok"``, ``"verify"`` (enrolled, second step not taken) or ``"enrol"`` (required, not set up).

    A session that owes nothing without having taken the step (a citizen, optional staff) is
    remembered for ``RECHECK_SECONDS``, so such a page view costs no query.
    """
    if not getattr(user, "is_authenticated", False) or session.get(SESSION_KEY) == user.pk:
        return "ok"
    checked = session.get(CHECKED_KEY)
    if isinstance(checked, list) and checked[:1] == [user.pk] and time.time() - checked[1] < RECHECK_SECONDS:
        return "ok"
    if is_enrolled(user):
        return "verify"
    if is_required(user):
        return "enrol"
    session[CHECKED_KEY] = [user.pk, time.time()]
    return "ok"


def mark_session(session: Any, user: User) -> None:
    """Record in the session that ``user`` passed the second step (or owes none)."""
    session[SESSION_KEY] = user.pk


# --- enrolment --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    secret: str  # shown to the person only while enrolling
    uri: str
    svg: str


def enrolment_start(*, user: User) -> Enrolment:
    """The pending secret (made once, kept until confirmed) with its QR code; refused if enrolled."""
    if is_enrolled(user):
        raise DomainError(_("Two-step sign-in is already set up."), code="already_enrolled")
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        secret = new_secret()
        TotpDevice.objects.create(user=user, secret=seal(secret))
    else:
        secret = unseal(device.secret)
    uri = provisioning_uri(user, secret)
    return Enrolment(secret=secret, uri=uri, svg=qr_svg(uri))


def _normalise(code: str) -> str:
    return digits_only(code or "")


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _j in range(RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(user, c)) for c in codes
    )
    return codes


def _recovery_hash(user: User, code: str) -> str:
    cleaned = "".join(ch for ch in code.lower() if ch in RECOVERY_ALPHABET)
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"recovery:{user.pk}:{cleaned}".encode(), hashlib.sha256).hexdigest()


def enrolment_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the pending secret with a first code; returns the ten recovery codes (shown once)."""
    entered = _normalise(code)
    _check_limit(user)
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
        if device is None:
            raise DomainError(NOT_ENROLLED, code="not_enrolling")
        step = matching_step(unseal(device.secret), entered) if len(entered) == DIGITS else None
        if step is not None:
            device.confirmed_at = timezone.now()
            device.last_step = step
            device.save(update_fields=["confirmed_at", "last_step"])
            codes = _new_recovery_codes(user)
            audit.record(actor=user, action="accounts.two_factor.enrolled", obj=user)
            ratelimit.reset("2fa", str(user.pk))
            return codes
    _failed(user, kind="enrolment")
    raise DomainError(WRONG_CODE, code="invalid_code", fields={"code": [WRONG_CODE]})


def recovery_codes_renew(*, user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    if not is_enrolled(user):
        raise DomainError(NOT_ENROLLED, code="not_enrolled")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit.record(actor=user, action="accounts.two_factor.recovery_codes_renewed", obj=user)
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- the second step --------------------------------------------------------------------------


def _check_limit(
    user: User, *, scope: str = "2fa", limit: int | None = None, message: Any = TOO_MANY
) -> None:
    window = settings.TWO_FACTOR_WINDOW_SECONDS
    ratelimit.check(
        scope,
        str(user.pk),
        limit=limit or settings.TWO_FACTOR_MAX_FAILURES,
        window=window,
        message=message % {"minutes": max(1, window // 60)},
    )


def _failed(user: User, *, kind: str, scope: str = "2fa") -> None:
    ratelimit.hit(scope, str(user.pk), window=settings.TWO_FACTOR_WINDOW_SECONDS)
    # Its own transaction: the refusal that follows must not roll the audit event back.
    with transaction.atomic():
        audit.record(actor=user, action="accounts.two_factor.failed", obj=user, data={"step": kind})


def code_accept(*, user: User, code: str) -> bool:
    """Accept a TOTP code (once per time step) or an unused recovery code; False if neither."""
    entered = (code or "").strip()
    digits = _normalise(entered)
    if len(digits) == DIGITS and len(digits) == len(entered.replace(" ", "")):
        device = device_for(user)
        if device is None:
            return False
        step = matching_step(unseal(device.secret), digits)
        if step is None:
            return False
        # Compare-and-set: of two requests with the same code, only one moves last_step.
        return bool(TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step))
    if not is_enrolled(user):
        return False
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_recovery_hash(user, entered), used_at__isnull=True
    ).update(used_at=timezone.now())
    if used:
        with transaction.atomic():
            audit.record(
                actor=user,
                action="accounts.two_factor.recovery_code_used",
                obj=user,
                data={"left": recovery_codes_left(user)},
            )
    return bool(used)


def _is_recovery_code(code: str) -> bool:
    """Shaped like a recovery code (ten characters of its alphabet, dashes and spaces aside)."""
    return len([ch for ch in (code or "").lower() if ch in RECOVERY_ALPHABET]) == RECOVERY_LENGTH


def second_factor_verify(*, user: User, code: str) -> None:
    """The second step: raises (400 ``invalid_code``, 429 after too many) unless the code is right.

    Six-digit codes and recovery codes have separate allowances, so a stranger with the password who
    used up the first cannot keep the owner out: the owner's recovery code still works.
    """
    if _is_recovery_code(code):
        _check_limit(user, scope="2fa-recovery", limit=RECOVERY_MAX_FAILURES)
        kind, scope = "recovery", "2fa-recovery"
    else:
        _check_limit(user, message=TOO_MANY_USE_RECOVERY)
        kind, scope = "sign-in", "2fa"
    if code_accept(user=user, code=code):
        ratelimit.reset("2fa", str(user.pk))
        return
    _failed(user, kind=kind, scope=scope)
    raise DomainError(WRONG_CODE, code="invalid_code", fields={"otp": [WRONG_CODE]})


@transaction.atomic
def two_factor_reset(*, actor: User | None, user: User) -> None:
    """An administrator removes a staff member's authenticator and recovery codes (lost phone).

    The person sets it up again at their next sign-in (required roles cannot reach any staff page
    before). Their API tokens are revoked too.
    """
    from tanzim.accounts.services import api_tokens_revoke_all

    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    api_tokens_revoke_all(user=user, reason="two_factor_reset")
    audit.record(actor=actor, action="accounts.two_factor.reset", obj=user, data={"user": user.pk})


__all__ = [
    "Enrolment",
    "code_accept",
    "device_for",
    "enrolment_confirm",
    "enrolment_start",
    "is_enrolled",
    "is_required",
    "mark_session",
    "may_enrol",
    "recovery_codes_left",
    "recovery_codes_renew",
    "second_factor_verify",
    "session_gate",
    "totp",
    "two_factor_reset",
]
