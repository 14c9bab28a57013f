"""Services captured in the field (often offline) and synced: idempotent by the client's id.

Each item is written in a transaction of its own: a sync cut off halfway keeps what it wrote,
and the tablet, which drops an item from its queue only when the server has answered for it,
sends the rest (and the answered ones again, harmlessly) next time. The same id sent again
with the same details is "already recorded"; with other details it is a conflict, shown to
the person in the field, never a silent overwrite.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_office_staff
from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.idempotency import fingerprint
from tanzim.common.identifiers import is_valid_national_code
from tanzim.common.jalali import parse_jalali, tehran_date
from tanzim.common.normalize import normalize_digits, normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.finance.choices import FreeServiceGround
from tanzim.finance.services.free import free_service_grant
from tanzim.offices.models import Office
from tanzim.outreach.choices import MissionStatus, ServiceKind, SyncOutcome
from tanzim.outreach.eligibility import eligibility_check
from tanzim.outreach.models import BeneficiaryDay, FieldService, Mission
from tanzim.outreach.rates import rate_on
from tanzim.outreach.workflows import mission_not_found

CLIENT_ID = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
# A photo of the evidence (a card, a letter, the Kanoon's decision), as the field page sends it:
# a data URL of a JPEG or PNG, compressed on the device; larger ones are refused, item by item.
PHOTO_MAX_BYTES = 1_000_000
PHOTO_URL = re.compile(r"^data:image/(?:jpeg|png);base64,([A-Za-z0-9+/=\s]+)$")
FIELD_GROUNDS = (FreeServiceGround.OUTREACH_MISSION, FreeServiceGround.KANOON_DECISION)
# Services are captured while the mission is on (approved) or just held, until it is reported.
CAPTURING = (MissionStatus.APPROVED, MissionStatus.HELD)
MAX_ITEMS = 200


@dataclass
class ItemResult:
    client_id: str
    outcome: str
    message: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)
    service_id: int | None = None


@dataclass
class BatchCache:
    """What one sync batch reads once instead of per item (the bench's first sync).

    ``services``: rows already recorded under the batch's client ids; ``days``: the office
    that already served each (national code, day) of the batch; ``rates``: normal prices by
    (kind, day). A hint only: the unique constraints stay the guard against a concurrent sync.
    """

    services: dict[str, FieldService] = field(default_factory=dict)
    days: dict[tuple[str, date], int] = field(default_factory=dict)
    rates: dict[tuple[str, date], int] = field(default_factory=dict)

    @classmethod
    def load(cls, items: list[dict[str, Any]]) -> BatchCache:
        ids = [str(item.get("client_id") or "")[:64] for item in items]
        codes = {normalize_digits(str(item.get("national_code") or "")).strip() for item in items}
        cache = cls(services={s.client_id: s for s in FieldService.objects.filter(client_id__in=ids)})
        rows = BeneficiaryDay.objects.filter(national_code__in=codes).values_list(
            "national_code", "served_on", "office_id"
        )
        cache.days = {(code, day): office for code, day, office in rows}
        return cache

    def rate(self, kind: str, day: date) -> int:
        if (kind, day) not in self.rates:
            self.rates[kind, day] = rate_on(kind, day)
        return self.rates[kind, day]


def _claim_day(office: Office, code: str, day: date, cache: BatchCache | None) -> None:
    """Mark the beneficiary served free by this office that day; ConflictError if another office was."""
    known = cache.days.get((code, day)) if cache is not None else None
    if known is None:
        row, _new = BeneficiaryDay.objects.get_or_create(
            national_code=code, served_on=day, defaults={"office": office}
        )
        known = row.office_id
        if cache is not None:
            cache.days[code, day] = known
    if known != office.pk:
        raise ConflictError(
            _("This person was already served free by another office on that day."),
            code="served_by_another_office",
            fields={"national_code": [_("Already served free by another office that day.")]},
        )


def team_office_for(*, mission: Mission, actor: Any) -> Office:
    """The office the actor serves for on this mission (their own, if several are on the team)."""
    for member in mission.team.select_related("office").order_by("pk"):
        if is_office_staff(actor, member.office):
            return member.office
    raise mission_not_found()


def _clean(item: dict[str, Any], mission: Mission) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    kind = str(item.get("kind") or "")
    if kind not in ServiceKind.values or kind not in mission.services:
        errors["kind"] = [_("This mission does not offer that service.")]
    code = normalize_digits(normalize_text(str(item.get("national_code") or ""))).replace(" ", "")
    if not is_valid_national_code(code):
        errors["national_code"] = [_("Enter a valid 10-digit national code.")]
    name = normalize_text(str(item.get("beneficiary_name") or ""))[:120]
    if len(name) < 2:
        errors["beneficiary_name"] = [_("Enter the beneficiary's name.")]
    served = item.get("served_on")
    day = served if isinstance(served, date) else parse_date(str(served or "")) if served else None
    today = tehran_date(timezone.now())
    if day is None:
        errors["served_on"] = [_("Enter the day of the service.")]
    elif day > today or not mission.starts_on <= day <= mission.ends_on:
        errors["served_on"] = [_("The day must fall within the mission's dates, and not in the future.")]
    recorded = item.get("recorded_at")
    when = (
        recorded
        if isinstance(recorded, datetime)
        else parse_datetime(str(recorded or ""))
        if recorded
        else None
    )
    if when is None or timezone.is_naive(when) or when > timezone.now() + timedelta(minutes=10):
        when = timezone.now()
    ground = str(item.get("ground") or FreeServiceGround.OUTREACH_MISSION)
    extra: dict[str, Any] = {}
    if ground not in FIELD_GROUNDS:
        errors["ground"] = [_("In the field a service is free on the mission or on a Kanoon decision.")]
    elif ground == FreeServiceGround.KANOON_DECISION:
        decision_day = _decision_day(item.get("decision_date"))
        extra = {
            "ground": ground,
            "decision_number": normalize_digits(str(item.get("decision_number") or "")).strip()[:20],
            "decision_date": decision_day,
        }
    photo = _photo(item.get("photo"), errors)
    if ground == FreeServiceGround.KANOON_DECISION and photo is None and "photo" not in errors:
        errors["photo"] = [_("Take a photo of the Kanoon's decision.")]
    if errors:
        raise DomainError(
            _("The service's details are not valid."), fields=errors, code="field_service_invalid"
        )
    if photo is not None:
        extra["photo"] = photo
    return {
        "kind": kind,
        "national_code": code,
        "beneficiary_name": name,
        "served_on": day,
        "recorded_at": when,
        **extra,
    }


def _decision_day(value: Any) -> date | None:
    """The decision's date as the page sends it (Jalali, ``1405/08/20``) or as ISO; None if neither."""
    if isinstance(value, date):
        return value
    text = normalize_digits(str(value or "")).strip()[:10]
    try:
        return parse_date(text) or parse_jalali(text)
    except (ValueError, ValidationError):
        return None


def _photo(value: Any, errors: dict[str, list[Any]]) -> bytes | None:
    """The photo's bytes from its data URL; size and shape checked here, content by ``inspect_upload``."""
    if value in (None, ""):
        return None
    text = str(value)
    if len(text) > PHOTO_MAX_BYTES * 4 // 3 + 100:
        errors["photo"] = [_("The photo is larger than 1 MB: take it again (the page makes it smaller).")]
        return None
    found = PHOTO_URL.fullmatch(text)
    try:
        content = base64.b64decode(re.sub(r"\s", "", found.group(1)), validate=True) if found else b""
    except (binascii.Error, ValueError):
        content = b""
    if not content:
        errors["photo"] = [_("The photo is not a JPEG or PNG image.")]
        return None
    if len(content) > PHOTO_MAX_BYTES:
        errors["photo"] = [_("The photo is larger than 1 MB: take it again (the page makes it smaller).")]
        return None
    return content


def _payload(clean: dict[str, Any]) -> dict[str, Any]:
    payload = {k: str(v) for k, v in clean.items() if k not in ("recorded_at", "photo")}
    if "photo" in clean:
        payload["photo"] = hashlib.sha256(clean["photo"]).hexdigest()
    return payload


def _inspected_photo(content: bytes) -> Any:
    """The photo checked as an image (re-encoded: a fake or a PDF is refused), or DomainError."""
    try:
        checked = inspect_upload(ContentFile(content, name="photo"))
    except DomainError as exc:
        raise DomainError(
            _("The photo is not a JPEG or PNG image."),
            fields={"photo": [_("The photo is not a JPEG or PNG image.")]},
            code="field_photo_invalid",
        ) from exc
    if checked.content_type not in ("image/jpeg", "image/png"):
        raise DomainError(
            _("The photo is not a JPEG or PNG image."),
            fields={"photo": [_("The photo is not a JPEG or PNG image.")]},
            code="field_photo_invalid",
        )
    return checked


def field_service_record(
    *, mission: Mission, office: Office, actor: Any, item: dict[str, Any], cache: BatchCache | None = None
) -> ItemResult:
    """Record one captured service: a free-service grant on the mission's ground, counted against the cap."""
    client_id = str(item.get("client_id") or "")
    if not CLIENT_ID.fullmatch(client_id):
        return ItemResult(
            client_id=client_id[:64],
            outcome=SyncOutcome.CONFLICT,
            message=str(_("The service has no valid id; record it again.")),
        )
    if cache is not None:
        existing = cache.services.get(client_id)
    else:
        existing = FieldService.objects.filter(client_id=client_id).first()
    try:
        clean = _clean(item, mission)
    except DomainError as exc:
        if existing is not None:
            return ItemResult(client_id, SyncOutcome.DUPLICATE, service_id=existing.pk)
        return ItemResult(client_id, SyncOutcome.CONFLICT, str(exc.message), _fields(exc))
    digest = fingerprint(_payload(clean))
    photo = clean.pop("photo", None)
    decision = {k: clean.pop(k) for k in ("decision_number", "decision_date") if k in clean}
    ground = clean.pop("ground", FreeServiceGround.OUTREACH_MISSION)
    if existing is not None:
        if existing.fingerprint == digest and existing.mission_id == mission.pk:
            return ItemResult(client_id, SyncOutcome.DUPLICATE, service_id=existing.pk)
        return ItemResult(
            client_id,
            SyncOutcome.CONFLICT,
            str(_("A different service was already recorded under this id.")),
        )
    try:
        checked = _inspected_photo(photo) if photo is not None else None
    except DomainError as exc:
        return ItemResult(client_id, SyncOutcome.CONFLICT, str(exc.message), _fields(exc))
    price = cache.rate if cache is not None else rate_on
    day_key = (clean["national_code"], clean["served_on"])
    try:
        with transaction.atomic():
            _claim_day(office, clean["national_code"], clean["served_on"], cache)
            on_decision = ground == FreeServiceGround.KANOON_DECISION
            grant = free_service_grant(
                office=office,
                ground=ground,
                mission=None if on_decision else mission.finance_mission,
                evidence_number=decision.get("decision_number", ""),
                decision_date=decision.get("decision_date"),
                confirmation_document=(
                    ContentFile(checked.content, name="decision") if on_decision and checked else None
                ),
                reference_type="outreach.fieldservice",
                reference_id=client_id,
                actor=actor,
                served_on=clean["served_on"],
            )
            found = eligibility_check(national_code=clean["national_code"])
            service = FieldService.objects.create(
                mission=mission,
                office=office,
                client_id=client_id,
                fingerprint=digest,
                eligibility=found.ground,
                normal_price=price(clean["kind"], clean["served_on"]),
                grant=grant,
                recorded_by=actor,
                ground=ground,
                **clean,
            )
            if checked is not None:
                service.evidence_type, service.evidence_sha256 = checked.content_type, checked.sha256
                service.evidence.save("photo", ContentFile(checked.content), save=True)
            audit.record(
                action="outreach.field_service.recorded",
                actor=actor,
                obj=service,
                office=office,
                data={
                    "mission": mission.pk,
                    "kind": service.kind,
                    "client_id": client_id,
                    "ground": ground,
                    "photo_sha256": service.evidence_sha256,
                },
            )
    except IntegrityError:
        _forget(cache, day_key)
        again = FieldService.objects.filter(client_id=client_id).first()
        if again is not None:
            return ItemResult(client_id, SyncOutcome.DUPLICATE, service_id=again.pk)
        return ItemResult(
            client_id,
            SyncOutcome.CONFLICT,
            str(_("This person was already served free by another office on that day.")),
        )
    except DomainError as exc:
        _forget(cache, day_key)
        # Another tab sent the same service at the same moment and won: "already recorded".
        again = FieldService.objects.filter(client_id=client_id, fingerprint=digest).first()
        if again is not None:
            return ItemResult(client_id, SyncOutcome.DUPLICATE, service_id=again.pk)
        return ItemResult(client_id, SyncOutcome.CONFLICT, str(exc.message), _fields(exc))
    if cache is not None:
        cache.services[client_id] = service
    return ItemResult(client_id, SyncOutcome.CREATED, service_id=service.pk)


def _forget(cache: BatchCache | None, key: tuple[str, date]) -> None:
    """A rolled-back item may have made the day's row in the cache only: read it again next time."""
    if cache is not None:
        cache.days.pop(key, None)


def _fields(exc: DomainError) -> dict[str, list[str]]:
    return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in (exc.fields or {}).items()}


def field_sync(*, mission: Mission, actor: Any, items: list[dict[str, Any]]) -> list[ItemResult]:
    """Sync a batch from the field page; each item answered (created, already recorded, conflict)."""
    mission = Mission.objects.select_related("finance_mission").get(pk=mission.pk)
    office = team_office_for(mission=mission, actor=actor)
    if len(items) > MAX_ITEMS:
        raise DomainError(
            _("Send at most %(n)s services at a time.") % {"n": MAX_ITEMS}, code="sync_too_large"
        )
    if mission.status not in CAPTURING:
        message = str(
            _("This mission is not taking services now (it must be approved and not yet reported).")
        )
        results = []
        for item in items:
            client_id = str(item.get("client_id") or "")[:64]
            existing = FieldService.objects.filter(client_id=client_id, mission=mission).first()
            results.append(
                ItemResult(client_id, SyncOutcome.DUPLICATE, service_id=existing.pk)
                if existing
                else ItemResult(client_id, SyncOutcome.CONFLICT, message)
            )
        return results
    cache = BatchCache.load(items)
    return [
        field_service_record(mission=mission, office=office, actor=actor, item=item, cache=cache)
        for item in items
    ]
