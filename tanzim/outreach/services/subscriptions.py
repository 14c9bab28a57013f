"""Citizens who asked for an SMS when a free service day comes to their area.

Consent is double opt-in: asking sends one SMS with a link; the number hears of missions only
after that link is confirmed, and every message carries the same link to stop. Nothing here
logs or audits a phone number: events name the subscription's id and its area only.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.identifiers import parse_phone
from tanzim.common.jalali import format_jalali
from tanzim.notify.services import message_enqueue
from tanzim.offices.models import City, Province
from tanzim.outreach.models import AreaSubscription, Mission

CONSENT = _(
    "I agree that Tanzim sends an SMS to this number when free service days are announced in this "
    "area, until I stop it through the link in any of these messages."
)


def _link(sub: AreaSubscription) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("outreach:subscription") + "?t=" + sub.token


def _area(province: Province, county: City | None) -> str:
    return f"{county.name}، {province.name}" if county else province.name


def subscription_not_found() -> NotFoundError:
    return NotFoundError(_("This link is not valid."), code="subscription_not_found")


def subscription_request(
    *, phone: str, province: Province, county: City | None = None, consent: bool, language: str = ""
) -> AreaSubscription:
    """Record the wish and send the one confirmation SMS (asking again sends nothing more)."""
    errors: dict[str, list[Any]] = {}
    number = ""
    try:
        number = parse_phone(phone)
    except ValidationError as exc:
        errors["phone"] = list(exc.messages)
    if county is not None and county.province_id != province.pk:
        errors["county"] = [_("This county is not in the chosen province.")]
    if consent is not True:
        errors["consent"] = [_("Tick the box to agree to these messages.")]
    if errors:
        raise DomainError(fields=errors, code="subscription_invalid")
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        consent_text = gettext(str(CONSENT))
    with transaction.atomic():
        existing = (
            AreaSubscription.objects.select_for_update()
            .filter(phone=number, province=province, county=county)
            .first()
        )
        if existing is not None:
            if existing.stopped_at is None:
                return existing
            # Asked again after stopping: a fresh consent, confirmed again through a new link.
            existing.stopped_at = None
            existing.confirmed_at = None
            existing.consent_text = consent_text
            existing.language = language
            existing.token = secrets.token_urlsafe(32)
            existing.save(update_fields=["stopped_at", "confirmed_at", "consent_text", "language", "token"])
            sub = existing
        else:
            try:
                with transaction.atomic():
                    sub = AreaSubscription.objects.create(
                        phone=number,
                        province=province,
                        county=county,
                        token=secrets.token_urlsafe(32),
                        language=language,
                        consent_text=consent_text,
                    )
            except IntegrityError:  # a twin request won the race: it sent the SMS
                return AreaSubscription.objects.get(phone=number, province=province, county=county)
        audit.record(
            action="outreach.subscription.requested",
            obj=sub,
            data={"province": province.code, "county": county.code if county else ""},
        )
        message_enqueue(
            template="outreach.subscription_confirm",
            to=number,
            language=language,
            context={"area": _area(province, county), "url": _link(sub)},
            dedupe_key=f"outreach.sub:{sub.pk}:{sub.token[:12]}",
        )
    return sub


def subscription_by_token(token: str) -> AreaSubscription:
    if not isinstance(token, str) or not token or len(token) > 64:
        raise subscription_not_found()
    sub = AreaSubscription.objects.select_related("province", "county").filter(token=token).first()
    if sub is None:
        raise subscription_not_found()
    return sub


def subscription_confirm(*, token: str) -> AreaSubscription:
    with transaction.atomic():
        sub = subscription_by_token(token)
        sub = AreaSubscription.objects.select_for_update().get(pk=sub.pk)
        if sub.stopped_at is not None or sub.confirmed_at is not None:
            return sub
        sub.confirmed_at = timezone.now()
        sub.save(update_fields=["confirmed_at"])
        audit.record(action="outreach.subscription.confirmed", obj=sub)
    return sub


def subscription_stop(*, token: str) -> AreaSubscription:
    """Stop (the link in every message); stopping twice is stopping once."""
    with transaction.atomic():
        sub = subscription_by_token(token)
        sub = AreaSubscription.objects.select_for_update().get(pk=sub.pk)
        if sub.stopped_at is None:
            sub.stopped_at = timezone.now()
            sub.save(update_fields=["stopped_at"])
            audit.record(action="outreach.subscription.stopped", obj=sub)
    return sub


def subscription_stop_by_phone(*, phone: str) -> int:
    """A reply of STOP from a number (for an inbound SMS hook): every area of it stops."""
    try:
        number = parse_phone(phone)
    except ValidationError:
        return 0
    with transaction.atomic():
        subs = list(
            AreaSubscription.objects.select_for_update().filter(phone=number, stopped_at__isnull=True)
        )
        now = timezone.now()
        for sub in subs:
            sub.stopped_at = now
            sub.save(update_fields=["stopped_at"])
            audit.record(action="outreach.subscription.stopped", obj=sub, data={"by": "sms"})
    return len(subs)


def _phone_key(phone: str) -> str:
    return hashlib.sha256(phone.encode()).hexdigest()[:24]


def mission_announce(*, mission: Mission) -> int:
    """One SMS to each confirmed number of the mission's province (or its county), in the caller's
    transaction; the dedupe key (mission, number) makes a second announcement send nothing."""
    subs = AreaSubscription.objects.filter(
        Q(county__isnull=True) | Q(county_id=mission.county_id),
        province_id=mission.province_id,
        confirmed_at__isnull=False,
        stopped_at__isnull=True,
    ).order_by("pk")
    seen: set[str] = set()
    sent = 0
    for sub in subs:
        if sub.phone in seen:
            continue
        seen.add(sub.phone)
        with translation.override(sub.language):
            services = "، ".join(mission.service_labels())
        message_enqueue(
            template="outreach.mission_announced",
            to=sub.phone,
            language=sub.language,
            context={
                "place": mission.place,
                "area": _area(mission.province, mission.county),
                "date": format_jalali(mission.starts_on),
                "services": services,
                "url": _link(sub),
            },
            dedupe_key=f"outreach.announce:{mission.pk}:{_phone_key(sub.phone)}",
        )
        sent += 1
    audit.record(action="outreach.mission.announced", obj=mission, data={"messages": sent})
    return sent
