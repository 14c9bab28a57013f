"""What the disputes services share: the clock, locks and access checks, event rows and audit,
SMS to the parties in their language, the parties' details and the one-time codes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.audit import services as audit
from tanzim.common import ratelimit
from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.common.i18n import bilingual
from tanzim.common.identifiers import clean_national_code, parse_phone
from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.common.money import format_rials
from tanzim.common.normalize import normalize_free_text
from tanzim.disputes import codes, rules, selectors
from tanzim.disputes.choices import OtpPurpose, PartyRole
from tanzim.disputes.models import Dispute, DisputeEvent, Party, PartyOtp, Settlement
from tanzim.disputes.selectors import Access
from tanzim.disputes.signals import dispute_concluded
from tanzim.notify.services import message_enqueue
from tanzim.offices.models import Office

logger = logging.getLogger(__name__)


INVALID_JOIN = _("The code or the national code is wrong, or the invitation has expired.")
INVALID_OTP = _("The code is wrong or has expired. Request a new code.")
JOIN_WINDOW = 3600


def _now() -> datetime:
    return timezone.now()


def _today() -> date:
    return tehran_date(timezone.now())


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _int_or_none(value: Any, name: str, *, positive: bool = False) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(fields={name: [_("Enter a whole amount in rials.")]})
    if value < 0 or (positive and value == 0):
        raise DomainError(fields={name: [_("Enter an amount more than zero.")]})
    if value > 10**15:
        raise DomainError(fields={name: [_("This amount is too large.")]})
    return value


def _text(value: Any, *, limit: int) -> str:
    return normalize_free_text(str(value or ""))[:limit]


def _lock(dispute: Dispute | int) -> Dispute:
    found = Dispute.objects.select_for_update().filter(pk=_pk(dispute)).first()
    if found is None:
        raise selectors._not_found()
    return Dispute.objects.select_related("office", "office__province", "mediator", "case").get(pk=found.pk)


def _require(access: Access, *kinds: str) -> None:
    """Allow when the actor is one of ``kinds``; a stranger gets 404, a known person 403."""
    if not access.any:
        raise selectors._not_found()
    checks = {
        "staff": access.staff,
        "convener": access.convener,
        "mediator": access.mediator,
        "arbitrator": access.arbitrator is not None,
        "party": access.party is not None,
        "claimant": access.role == PartyRole.CLAIMANT,
        "respondent": access.role == PartyRole.RESPONDENT,
        "reader": access.reader,
    }
    if not any(checks[kind] for kind in kinds):
        raise PermissionDeniedError()


def _parties(dispute: Dispute) -> dict[str, Party]:
    return {p.role: p for p in Party.objects.filter(dispute=dispute).select_related("user")}


def _event(
    dispute: Dispute,
    *,
    subject: str,
    to: str,
    frm: str = "",
    actor: Any = None,
    on_behalf_of: Any = None,
    subject_id: int | None = None,
    reason: str = "",
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute,
        subject=subject,
        subject_id=subject_id,
        created_at=now or _now(),
        from_status=frm,
        to_status=to,
        actor=actor,
        on_behalf_of=on_behalf_of,
        office_id=dispute.office_id,
        reason=str(reason)[:300],
        due_at=due_at,
    )


def _audit(
    action: str, *, dispute: Dispute, actor: Any, obj: Any = None, on_behalf_of: Any = None, **data
) -> None:
    audit.record(
        action=f"disputes.{action}",
        actor=actor,
        on_behalf_of=on_behalf_of,
        obj=obj or dispute,
        office=dispute.office_id,
        data={"dispute": dispute.pk, **data},
    )


def _language_of(party: Party) -> str:
    if party.user is not None and party.user.preferred_language:
        return party.user.preferred_language
    return settings.LANGUAGE_CODE


def _office_name(office: Office, language: str) -> str:
    return bilingual(office, language=language)


def _url(name: str, **kwargs: Any) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)


def _sms(
    party: Party,
    template: str,
    *,
    dispute: Dispute,
    dedupe_key: str,
    context: Callable[[str], dict[str, Any]] | None = None,
) -> None:
    """An SMS to a party in their language, through the outbox in the caller's transaction."""
    if not party.mobile:
        return
    language = _language_of(party)
    with translation.override(language):
        values = {
            "reference": dispute.reference_display,
            "office": _office_name(dispute.office, language),
            "url": _url("disputes:detail", pk=dispute.pk),
            **({k: str(v) for k, v in context(language).items()} if context else {}),
        }
    message_enqueue(
        template=template,
        to=party.mobile,
        context=values,
        language=language,
        recipient=party.user,
        dedupe_key=dedupe_key[:120],
    )


def _date_text(day: date | datetime | None, language: str) -> str:
    return format_jalali(day, persian_digits=language == "fa", long=True)


def _send_concluded(dispute: Dispute, outcome: str) -> None:
    """Tell higher apps after commit; a failing receiver is logged, never undoes the outcome."""

    def send() -> None:
        for receiver, result in dispute_concluded.send_robust(
            sender=Dispute, dispute=dispute, outcome=outcome
        ):
            if isinstance(result, Exception):
                logger.error(
                    "disputes signal receiver %s failed: %s",
                    getattr(receiver, "__qualname__", receiver),
                    type(result).__name__,
                    exc_info=result,
                )

    transaction.on_commit(send)


@dataclass(frozen=True)
class PartyInput:
    """A party as typed at intake. The claimant needs an account (to sign); the respondent not yet."""

    name: str = ""
    mobile: str = ""
    national_code: str = ""
    resident_abroad: bool = False
    user: User | None = None

    @classmethod
    def of(cls, value: PartyInput | Mapping[str, Any] | None) -> PartyInput:
        if isinstance(value, PartyInput):
            return value
        value = dict(value or {})
        return cls(**{k: v for k, v in value.items() if k in cls.__dataclass_fields__})


def _clean_party(data: PartyInput, prefix: str, *, require_mobile: bool) -> dict[str, Any]:
    errors: dict[str, list] = {}
    clean = {
        "name": _text(data.name, limit=200),
        "national_code": "",
        "mobile": "",
        "resident_abroad": bool(data.resident_abroad),
    }
    if data.user is not None:
        clean["name"] = clean["name"] or data.user.get_full_name() or data.user.username
        clean["national_code"] = data.user.national_code or ""
        clean["mobile"] = data.user.mobile or ""
        clean["resident_abroad"] = data.user.resident_abroad
    if not clean["name"]:
        errors[f"{prefix}.name"] = [_("This field is required.")]
    if data.national_code and not clean["national_code"]:
        try:
            clean["national_code"] = clean_national_code(data.national_code)
        except ValidationError as exc:
            errors[f"{prefix}.national_code"] = list(exc.messages)
    if data.mobile and not clean["mobile"]:
        try:
            clean["mobile"] = parse_phone(data.mobile)
        except ValidationError as exc:
            errors[f"{prefix}.mobile"] = list(exc.messages)
    elif require_mobile and not clean["mobile"]:
        errors[f"{prefix}.mobile"] = [_("A mobile number is needed to send the codes.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    return clean


def _send_otp(
    party: Party, purpose: str, *, settlement: Settlement | None = None, dispute: Dispute
) -> PartyOtp:
    now = _now()
    scope_key = f"{party.pk}:{purpose}"
    ratelimit.check(
        "dispute-otp",
        scope_key,
        limit=settings.OTP_REQUESTS_PER_HOUR,
        window=JOIN_WINDOW,
        message=_("Too many codes were requested. Please wait and try again later."),
    )
    ratelimit.hit("dispute-otp", scope_key, window=JOIN_WINDOW)
    PartyOtp.objects.filter(party=party, purpose=purpose, used_at__isnull=True).update(used_at=now)
    otp = PartyOtp.objects.create(
        party=party,
        purpose=purpose,
        settlement=settlement,
        code_hash="",
        expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
    )
    code = codes.new_otp()
    otp.code_hash = codes.otp_hash(otp.pk, code)
    otp.save(update_fields=["code_hash"])
    minutes = max(1, settings.OTP_TTL_SECONDS // 60)
    if purpose == OtpPurpose.JOIN:
        _sms(
            party,
            "disputes.join_otp",
            dispute=dispute,
            dedupe_key=f"dispute-otp:{otp.pk}",
            context=lambda language: {"code": code, "minutes": minutes},
        )
    else:
        obligations = list(settlement.obligations.all()) if settlement else []
        _sms(
            party,
            "disputes.sign_otp",
            dispute=dispute,
            dedupe_key=f"dispute-otp:{otp.pk}",
            context=lambda language: {
                "code": code,
                "minutes": minutes,
                "count": len(obligations),
                "total": format_rials(
                    sum(o.amount or 0 for o in obligations), persian_digits=language == "fa"
                ),
            },
        )
    return otp


def _check_otp(
    party: Party, purpose: str, entered: str, *, settlement: Settlement | None = None
) -> PartyOtp | None:
    """The newest live code of this purpose, if ``entered`` matches; counts the attempt either way."""
    otps = PartyOtp.objects.select_for_update().filter(
        party=party, purpose=purpose, used_at__isnull=True, expires_at__gt=_now()
    )
    if settlement is not None:
        otps = otps.filter(settlement=settlement)
    otp = otps.order_by("-created_at", "-pk").first()
    if otp is None or otp.attempts >= settings.OTP_MAX_ATTEMPTS:
        return None
    otp.attempts += 1
    ok = codes.otp_matches(otp.pk, otp.code_hash, entered)
    if ok:
        otp.used_at = _now()
    otp.save(update_fields=["attempts", "used_at"])
    return otp if ok else None


def _window_end(start: date, *, criminal_track: str) -> date:
    return rules.mediation_window(criminal_track=criminal_track).rule.due(start, rules.calendar())


def _idle_due(now: datetime) -> datetime:
    return rules.end_of_day(tehran_date(now) + timedelta(days=settings.DISPUTES_FAILED_IDLE_DAYS))
