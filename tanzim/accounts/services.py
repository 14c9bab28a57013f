"""Sign-up, OTP and password sign-in, role assignment.

Answers never reveal whether an account exists: an unknown national code gets the same
reply, the same rate limits and the same delay as a known one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts import twofactor
from tanzim.accounts.choices import FLEXIBLE_ROLES, OFFICE_ROLES, PROVINCE_ROLES, Language, OtpPurpose, Role
from tanzim.accounts.models import ApiToken, OtpChallenge, RoleAssignment, User
from tanzim.accounts.residence import residence_changed
from tanzim.audit import services as audit
from tanzim.common import ratelimit
from tanzim.common.errors import DomainError, NotFoundError, RateLimitedError
from tanzim.common.identifiers import clean_national_code, parse_phone
from tanzim.common.normalize import normalize_text
from tanzim.common.timezones import TEHRAN_NAME, valid_zone_name
from tanzim.notify.services import message_enqueue

if TYPE_CHECKING:
    from tanzim.offices.models import Office, Province

logger = logging.getLogger(__name__)

OTP_WINDOW = 3600
TOKEN_PREFIX_LENGTH = 8
INVALID_CODE = _("The code is wrong or has expired. Request a new code.")
BAD_CREDENTIALS = _("The username or password is wrong.")
LOCKED = _("Too many failed attempts. Try again in %(minutes)s minutes.")
BAD_CREDENTIALS_OR_CODE = _("The username, password or code is wrong.")
DELAYED = _(
    "Too many failed attempts on this account. Wait %(seconds)s seconds, or sign in with your password"
    " and the code from your authenticator app."
)
IP_LIMITED = _("Too many failed sign-ins from your network. Try again in %(minutes)s minutes.")


def _code_hash(challenge_salt: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{challenge_salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(settings.OTP_LENGTH))


def _send_otp(user: User, purpose: str) -> None:
    code = _new_code()
    now = timezone.now()
    challenge = OtpChallenge.objects.create(
        user=user, purpose=purpose, code_hash="", expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS)
    )
    challenge.code_hash = _code_hash(str(challenge.pk), code)
    challenge.save(update_fields=["code_hash"])
    # Older unused codes stop working: only the newest code counts.
    OtpChallenge.objects.filter(user=user, used_at__isnull=True).exclude(pk=challenge.pk).update(used_at=now)
    message_enqueue(
        template="accounts.otp",
        to=user.mobile,
        recipient=user,
        context={"code": code, "minutes": max(1, settings.OTP_TTL_SECONDS // 60)},
    )


# Limits on asking for a sign-in code (docs/abroad.md, "Rate limits behind a carrier's address"):
# a mobile carrier abroad puts thousands of subscribers behind one address (carrier-grade NAT), so
# the address is only a large flood bucket; the target is protected per national code, and one
# browser per device cookie. Every request counts the same whether or not the code has an account.
OTP_DEVICE_REQUESTS_PER_HOUR = 10
OTP_IP_REQUESTS_PER_HOUR = 2000


def _otp_ip_limit() -> int:
    return int(getattr(settings, "OTP_IP_REQUESTS_PER_HOUR", OTP_IP_REQUESTS_PER_HOUR))


def _throttle_otp_request(national_code: str, ip: str | None, device: str | None = None) -> None:
    ratelimit.check("otp-req", national_code, limit=settings.OTP_REQUESTS_PER_HOUR, window=OTP_WINDOW)
    if device:
        ratelimit.check("otp-req-dev", device, limit=OTP_DEVICE_REQUESTS_PER_HOUR, window=OTP_WINDOW)
    if ip:
        ratelimit.check("otp-req-ip", ip, limit=_otp_ip_limit(), window=OTP_WINDOW)
    ratelimit.hit("otp-req", national_code, window=OTP_WINDOW)
    if device:
        ratelimit.hit("otp-req-dev", device, window=OTP_WINDOW)
    if ip:
        ratelimit.hit("otp-req-ip", ip, window=OTP_WINDOW)


@transaction.atomic
def citizen_signup(
    *,
    national_code: str,
    mobile: str,
    first_name: str,
    last_name: str,
    birth_date: date | None = None,
    preferred_language: str = Language.FA,
    resident_abroad: bool = False,
    time_zone: str = TEHRAN_NAME,
    email: str = "",
    ip: str | None = None,
) -> None:
    """Register a citizen (inactive until the SMS code is verified).

    ``time_zone`` is the zone the browser reported (an unknown one is Tehran's).

    If the national code is taken, nothing is created and the account's own mobile is told,
    so the reply cannot be used to discover who has an account.
    """
    code = clean_national_code(national_code)
    phone = parse_phone(mobile)
    first, last = normalize_text(first_name), normalize_text(last_name)
    errors = {}
    if not first:
        errors["first_name"] = [_("This field is required.")]
    if not last:
        errors["last_name"] = [_("This field is required.")]
    if birth_date and birth_date > timezone.localdate():
        errors["birth_date"] = [_("The birth date cannot be in the future.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    _throttle_otp_request(code, ip)
    existing = User.objects.filter(national_code=code).first()
    if existing is not None:
        if existing.is_active and existing.mobile:
            message_enqueue(
                template="accounts.signup_exists",
                to=existing.mobile,
                recipient=existing,
                dedupe_key=f"signup-exists:{existing.pk}:{timezone.localdate()}",
            )
        elif not existing.is_active:
            # A sign-up that was never confirmed: the newest details win.
            existing.mobile, existing.first_name, existing.last_name = phone, first, last
            existing.birth_date, existing.resident_abroad = birth_date, resident_abroad
            existing.preferred_language = preferred_language
            existing.time_zone = time_zone if valid_zone_name(time_zone) else TEHRAN_NAME
            existing.email = (email or "").strip()
            existing.save()
            _send_otp(existing, OtpPurpose.SIGNUP)
        return
    try:
        with transaction.atomic():
            user = User(
                username=code,
                national_code=code,
                mobile=phone,
                first_name=first,
                last_name=last,
                birth_date=birth_date,
                preferred_language=preferred_language,
                resident_abroad=resident_abroad,
                time_zone=time_zone if valid_zone_name(time_zone) else TEHRAN_NAME,
                email=(email or "").strip(),
                is_active=False,
            )
            user.set_unusable_password()
            user.save()
    except IntegrityError:  # a concurrent sign-up with the same code won the race
        return
    RoleAssignment.objects.create(user=user, role=Role.CITIZEN, valid_from=timezone.now())
    audit.record(actor=user, action="accounts.citizen.signed_up", obj=user)
    _send_otp(user, OtpPurpose.SIGNUP)


@transaction.atomic
def profile_update(
    *,
    user: User,
    time_zone: str,
    resident_abroad: bool,
    preferred_language: str | None = None,
    email: str | None = None,
) -> User:
    """A person's own settings: the zone they live in, whether they live abroad, their language and
    the e-mail that gets what an SMS to their country cannot carry."""
    if not valid_zone_name(time_zone):
        raise DomainError(
            _("Choose a time zone such as Europe/Berlin."),
            fields={"time_zone": [_("Choose a time zone such as Europe/Berlin.")]},
        )
    if preferred_language is not None and preferred_language not in Language.values:
        raise DomainError(_("Choose a language."), fields={"preferred_language": [_("Choose a language.")]})
    user = User.objects.select_for_update().get(pk=user.pk)
    before = {"time_zone": user.time_zone, "resident_abroad": user.resident_abroad}
    user.time_zone, user.resident_abroad = time_zone, bool(resident_abroad)
    fields = ["time_zone", "resident_abroad"]
    if preferred_language is not None:
        user.preferred_language = preferred_language
        fields.append("preferred_language")
    if email is not None:
        user.email = email.strip()
        fields.append("email")
    user.save(update_fields=fields)
    after = {"time_zone": user.time_zone, "resident_abroad": user.resident_abroad}
    if after != before:
        audit.record(
            actor=user, action="accounts.profile.updated", obj=user, data={"before": before, "after": after}
        )
    if after["resident_abroad"] != before["resident_abroad"]:
        # In this transaction: the open files' periods move with the profile or not at all.
        residence_changed.send(sender=User, user=user, resident_abroad=user.resident_abroad)
    return user


def zone_from_browser(*, user: User, browser_zone: str | None) -> bool:
    """At sign-in: a person still on the default zone whose browser reports another (valid) one gets
    it, so a resident of Berlin reads Berlin time from the first page. True when it changed."""
    if not browser_zone or not valid_zone_name(browser_zone) or browser_zone == TEHRAN_NAME:
        return False
    changed = User.objects.filter(pk=user.pk, time_zone=TEHRAN_NAME).update(time_zone=browser_zone)
    if changed:
        user.time_zone = browser_zone
    return bool(changed)


@transaction.atomic
def otp_request(*, national_code: str, mobile: str, ip: str | None = None, device: str | None = None) -> None:
    """Send a sign-in code if the national code and mobile match a citizen; silent otherwise.

    ``device``: the browser's device cookie, when it has one (its own bucket; see ``_throttle_otp_request``).
    """
    code = clean_national_code(national_code)
    phone = parse_phone(mobile)
    _throttle_otp_request(code, ip, device)
    user = User.objects.filter(national_code=code, mobile=phone).first()
    if user is None:
        return
    _send_otp(user, OtpPurpose.LOGIN if user.is_active else OtpPurpose.SIGNUP)


def otp_verify(*, national_code: str, code: str) -> User:
    """Check a code; on success the citizen is active and signed in. Raises DomainError otherwise."""
    from tanzim.common.normalize import digits_only

    nc = clean_national_code(national_code)
    entered = digits_only(code or "")
    limit, window = settings.LOGIN_MAX_FAILURES * 2, settings.LOGIN_LOCKOUT_SECONDS
    ratelimit.check(
        "otp-verify", nc, limit=limit, window=window, message=LOCKED % {"minutes": max(1, window // 60)}
    )
    with transaction.atomic():
        challenge = (
            OtpChallenge.objects.select_for_update()
            .filter(user__national_code=nc, used_at__isnull=True, expires_at__gt=timezone.now())
            .select_related("user")
            .order_by("-created_at")
            .first()
        )
        ok = False
        if challenge is not None and challenge.attempts < settings.OTP_MAX_ATTEMPTS:
            challenge.attempts += 1
            ok = hmac.compare_digest(challenge.code_hash, _code_hash(str(challenge.pk), entered))
            if ok:
                challenge.used_at = timezone.now()
            challenge.save(update_fields=["attempts", "used_at"])
        if ok and challenge is not None:
            user = challenge.user
            if not user.is_active:
                user.is_active = True
                user.save(update_fields=["is_active"])
                audit.record(actor=user, action="accounts.citizen.activated", obj=user)
            user.last_login = timezone.now()
            user.save(update_fields=["last_login"])
    if ok and challenge is not None:
        ratelimit.reset("otp-verify", nc)  # Redis after the commit, never inside the transaction
        return challenge.user
    ratelimit.hit("otp-verify", nc, window=window)
    raise DomainError(INVALID_CODE, code="invalid_code")


@dataclass(frozen=True)
class StaffSignIn:
    """A password accepted by ``staff_sign_in`` and what the second step still needs.

    ``second_factor``: ``"verified"`` (a right code came with the password), ``"needed"`` (the
    account has an authenticator: ask for its code before signing in), ``"enrol"`` (required for
    the account's roles and not set up: sign in to the enrolment page only) or ``"none"``.
    """

    user: User
    second_factor: str


def _delay_key(name: str) -> str:
    return f"login-wait:{hashlib.sha256(name.encode()).hexdigest()[:32]}"


def sign_in_wait(username: str) -> int:
    """Seconds the account must wait before its next password-only try (0: none)."""
    name = normalize_text(username).lower()
    until = cache.get(_delay_key(name))
    return max(0, math.ceil(until - time.time())) if until else 0


def _sign_in_failed(name: str, ip: str | None) -> int:
    """Count a failure per account, per address and in total; returns the wait it now imposes."""
    failures = ratelimit.hit("login", name, window=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    if ip:
        ratelimit.hit("login-ip", ip, window=settings.LOGIN_IP_WINDOW_SECONDS)
    total = ratelimit.hit("login-all", "*", window=settings.LOGIN_IP_WINDOW_SECONDS)
    free = settings.LOGIN_MAX_FAILURES if total < settings.LOGIN_GLOBAL_MAX_FAILURES else 1
    if total == settings.LOGIN_GLOBAL_MAX_FAILURES:
        logger.warning("staff sign-in failures reached the global ceiling", extra={"failures": total})
    if failures < free:
        return 0
    wait: int = min(2 ** min(failures - free, 30), int(settings.LOGIN_LOCKOUT_SECONDS))
    cache.set(_delay_key(name), time.time() + wait, timeout=wait + 1)
    if failures == free:
        owner = User.objects.filter(username=name, is_active=True).exclude(mobile="").first()
        if owner is not None:
            with transaction.atomic():
                message_enqueue(template="accounts.slowed", to=owner.mobile, recipient=owner)
    return wait


def _sign_in_succeeded(name: str) -> None:
    ratelimit.reset("login", name)
    cache.delete(_delay_key(name))


def _ip_limit() -> int:
    under_attack = ratelimit.count("login-all", "*") >= settings.LOGIN_GLOBAL_MAX_FAILURES
    return max(1, settings.LOGIN_IP_MAX_FAILURES // 4) if under_attack else settings.LOGIN_IP_MAX_FAILURES


def staff_sign_in(*, username: str, password: str, otp: str = "", ip: str | None = None) -> StaffSignIn:
    """Check a staff password (and, if given, the authenticator code), slowing down guessers.

    - Per address: ``LOGIN_IP_MAX_FAILURES`` failures in ``LOGIN_IP_WINDOW_SECONDS``, then 429
      without looking at the password (password spraying across accounts).
    - Per account: after ``LOGIN_MAX_FAILURES`` failures each further password-only try waits
      2^n seconds (at most ``LOGIN_LOCKOUT_SECONDS``): 429 with ``retry_after``. During the wait
      the password is checked only together with a right authenticator code, which lets the owner
      in and lifts the wait: a stranger's wrong guesses cannot lock the owner out.
    - In total: above ``LOGIN_GLOBAL_MAX_FAILURES`` failures every account waits from its first
      failure and an address gets a quarter of its allowance.

    Unknown usernames are counted and answered exactly as known ones.
    """
    name = normalize_text(username).lower()
    window = settings.LOGIN_IP_WINDOW_SECONDS
    if ip and ratelimit.count("login-ip", ip) >= _ip_limit():
        raise RateLimitedError(
            IP_LIMITED % {"minutes": max(1, window // 60)}, retry_after=window, code="address_limited"
        )
    wait = sign_in_wait(name)
    if wait and not otp:
        raise RateLimitedError(DELAYED % {"seconds": wait}, retry_after=wait, code="sign_in_delayed")
    user = authenticate(None, username=name, password=password or "")
    if not isinstance(user, User):
        _sign_in_failed(name, ip)
        raise DomainError(BAD_CREDENTIALS_OR_CODE if wait else BAD_CREDENTIALS, code="bad_credentials")
    if otp:
        if wait and not twofactor.is_enrolled(user):
            # Only a second factor lifts the wait; without one the owner waits like anyone.
            _sign_in_failed(name, ip)
            raise DomainError(BAD_CREDENTIALS_OR_CODE, code="bad_credentials")
        if twofactor.is_enrolled(user):
            try:
                twofactor.second_factor_verify(user=user, code=otp)
            except DomainError:
                if wait:
                    _sign_in_failed(name, ip)
                    raise DomainError(BAD_CREDENTIALS_OR_CODE, code="bad_credentials") from None
                raise
            _sign_in_succeeded(name)
            return StaffSignIn(user=user, second_factor="verified")
    if twofactor.is_enrolled(user):
        return StaffSignIn(user=user, second_factor="needed")
    _sign_in_succeeded(name)
    return StaffSignIn(user=user, second_factor="enrol" if twofactor.is_required(user) else "none")


def staff_second_step(*, user: User, code: str) -> None:
    """The code after the password: lifts the account's wait once right (raises otherwise)."""
    twofactor.second_factor_verify(user=user, code=code)
    _sign_in_succeeded(normalize_text(user.username).lower())


# --- API tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once, never stored


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, label: str = "") -> IssuedToken:
    """A new token for one sign-in, valid ``API_TOKEN_TTL`` seconds; only its SHA-256 is kept."""
    now = timezone.now()
    for _attempt in range(5):
        key = secrets.token_urlsafe(32)
        fields = {
            "user": user,
            "prefix": key[:TOKEN_PREFIX_LENGTH],
            "key_hash": api_token_hash(key),
            "label": normalize_text(label)[:100],
            "created_at": now,
            "expires_at": now + timedelta(seconds=settings.API_TOKEN_TTL),
        }
        # The prefix is unique in the database: a clash (1 in 2^48) is refused there and drawn
        # again, instead of a lookup before every insert. Inside a caller's transaction the
        # insert has a savepoint, so a clash does not break it.
        try:
            if transaction.get_connection().in_atomic_block:
                with transaction.atomic():
                    token = ApiToken.objects.create(**fields)
            else:
                token = ApiToken.objects.create(**fields)
        except IntegrityError:
            continue
        return IssuedToken(token=token, key=key)
    raise RuntimeError("could not draw an unused token prefix")  # pragma: no cover


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """The owner (or an administrator, through the admin) revokes one token. Others: 404."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (token.user_id != actor.pk and not actor.is_superuser):
        raise NotFoundError()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor, action="accounts.api_token.revoked", obj=token, data={"user": token.user_id}
        )
    return token


def api_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every live token of ``user`` (page sign-out, a role ended, two-factor reset)."""
    now = timezone.now()
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).update(
        revoked_at=now
    )
    if count:
        with transaction.atomic():
            audit.record(
                action="accounts.api_token.revoked_all", obj=user, data={"reason": reason, "count": count}
            )
    return count


@transaction.atomic
def role_assign(
    *,
    actor: User | None,
    user: User,
    role: str,
    office: Office | None = None,
    province: Province | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> RoleAssignment:
    """Give a role with the scope it needs; wrong scopes are refused."""
    role = Role(role)
    if role in OFFICE_ROLES and office is None:
        raise DomainError(_("This role must be scoped to an office."), code="scope_required")
    if role in PROVINCE_ROLES and province is None:
        raise DomainError(_("This role must be scoped to a province."), code="scope_required")
    if role not in OFFICE_ROLES and office is not None:
        raise DomainError(_("This role cannot be scoped to an office."), code="scope_invalid")
    if role not in PROVINCE_ROLES | FLEXIBLE_ROLES and province is not None:
        raise DomainError(_("This role cannot be scoped to a province."), code="scope_invalid")
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        office=office,
        province=province,
        valid_from=valid_from or timezone.now(),
        valid_until=valid_until,
    )
    audit.record(
        actor=actor,
        action="accounts.role.assigned",
        obj=assignment,
        office=office,
        data={"user": user.pk, "role": role, "province": getattr(province, "pk", None)},
    )
    return assignment


@transaction.atomic
def role_end(*, actor: User | None, assignment: RoleAssignment, at: datetime | None = None) -> RoleAssignment:
    """End a role (now, or at ``at`` if earlier is not wanted); the holder's API tokens are revoked.

    Tokens are revoked for any role that ends, also one edited or deleted in the admin
    (``tanzim.accounts.signals``): a token must not outlive the role it was used for.
    """
    end = at or timezone.now()
    if end <= assignment.valid_from:
        end = assignment.valid_from + timedelta(microseconds=1)
    RoleAssignment.objects.filter(pk=assignment.pk).update(valid_until=end)
    assignment.valid_until = end
    audit.record(
        actor=actor,
        action="accounts.role.ended",
        obj=assignment,
        office=assignment.office_id,
        data={"user": assignment.user_id, "role": assignment.role},
    )
    api_tokens_revoke_all(user=assignment.user, reason="role_ended")
    return assignment


@transaction.atomic
def citizen_register_at_counter(
    *,
    actor: User,
    national_code: str,
    mobile: str,
    first_name: str,
    last_name: str,
    birth_date: date | None = None,
) -> User:
    """A clerk identifies a walk-in citizen by their ID card: find the account or open one.

    The identity was checked in person, so the account is active at once; the citizen can sign
    in later by OTP with this mobile.
    """
    code = clean_national_code(national_code)
    phone = parse_phone(mobile)
    user = User.objects.filter(national_code=code).first()
    if user is not None:
        return user
    first, last = normalize_text(first_name), normalize_text(last_name)
    if not first or not last:
        raise DomainError(
            _("Please correct the errors below."),
            fields={
                k: [_("This field is required.")]
                for k, v in (("first_name", first), ("last_name", last))
                if not v
            },
        )
    user = User(
        username=code,
        national_code=code,
        mobile=phone,
        first_name=first,
        last_name=last,
        birth_date=birth_date,
    )
    user.set_unusable_password()
    user.save()
    RoleAssignment.objects.create(user=user, role=Role.CITIZEN, valid_from=timezone.now())
    audit.record(actor=actor, on_behalf_of=user, action="accounts.citizen.registered_at_counter", obj=user)
    return user


@transaction.atomic
def citizen_register_by_invitation(
    *, national_code: str, mobile: str, first_name: str, last_name: str, purpose: str
) -> User:
    """Open an active citizen account for a person invited by SMS who proved the mobile by a code.

    Used when a dispute's respondent joins with their join code and the one-time code sent to the
    invited mobile. Refuses a national code that already has an account: that person signs in to it.
    """
    code = clean_national_code(national_code)
    phone = parse_phone(mobile)
    if User.objects.filter(national_code=code).exists():
        raise DomainError(_("An account with this national code already exists."), code="account_exists")
    first, last = normalize_text(first_name), normalize_text(last_name)
    user = User(
        username=code, national_code=code, mobile=phone, first_name=first or "-", last_name=last or "-"
    )
    user.set_unusable_password()
    user.save()
    RoleAssignment.objects.create(user=user, role=Role.CITIZEN, valid_from=timezone.now())
    audit.record(
        actor=user, action="accounts.citizen.registered_by_invitation", obj=user, data={"purpose": purpose}
    )
    return user


@transaction.atomic
def citizens_register_bulk(*, actor: User, people: list[dict[str, str]], reason: str = "") -> dict[str, User]:
    """Open many active citizen accounts at once (an import): ``{national_code: user}`` for everyone.

    Each person is ``{"national_code", "mobile", "first_name", "last_name"}``, checked by identity
    elsewhere (``citizen_register_at_counter``'s rule). Those who already have an account keep it.
    One query finds the existing codes, one ``bulk_create`` opens the accounts and one their
    citizen role; one audit event records the batch with the new accounts' ids. All or nothing:
    a bad row raises ``DomainError`` naming every problem and nothing is created.
    """
    cleaned: list[tuple[str, str, str, str]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, person in enumerate(people, start=1):
        try:
            code = clean_national_code(person.get("national_code", ""))
            phone = parse_phone(person.get("mobile", ""))
        except ValidationError:
            errors.append(str(_("Person %(n)s: the national code or mobile is not valid.") % {"n": number}))
            continue
        first, last = (
            normalize_text(person.get("first_name", "")),
            normalize_text(person.get("last_name", "")),
        )
        if not first or not last or code in seen:
            errors.append(
                str(_("Person %(n)s: the name is missing or the person is listed twice.") % {"n": number})
            )
            continue
        seen.add(code)
        cleaned.append((code, phone, first, last))
    if errors:
        raise DomainError(
            _("Please correct the errors below."), fields={"people": errors}, code="bulk_invalid"
        )
    found = {u.national_code or "": u for u in User.objects.filter(national_code__in=list(seen))}
    fresh = []
    for code, phone, first, last in cleaned:
        if code in found:
            continue
        user = User(username=code, national_code=code, mobile=phone, first_name=first, last_name=last)
        user.set_unusable_password()
        fresh.append(user)
    created = User.objects.bulk_create(fresh, batch_size=500)
    now = timezone.now()
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=Role.CITIZEN, valid_from=now) for user in created], batch_size=500
    )
    if created:
        audit.record(
            actor=actor,
            action="accounts.citizens.registered_in_bulk",
            data={"count": len(created), "users": [u.pk for u in created], "reason": reason[:100]},
        )
    found.update({user.national_code or "": user for user in created})
    return found
