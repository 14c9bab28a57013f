"""Writes for offices and reference data."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path
from typing import Any

from django.db import transaction

from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import City, Counter, Holiday, Licence, Office, Province, WorkingHours
from tanzim.offices.workflows import OFFICE

DATA_DIR = Path(__file__).resolve().parent / "data"

# Saturday–Wednesday 08:00–16:00, Thursday 08:00–12:00; Friday closed.
DEFAULT_HOURS = [(5, 8, 16), (6, 8, 16), (0, 8, 16), (1, 8, 16), (2, 8, 16), (3, 8, 12)]


def _load(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def reference_data_load(*, province_model=Province, city_model=City, holiday_model=Holiday) -> dict[str, int]:
    """Load provinces, cities and the holiday table; idempotent. Models are passed by migrations."""
    counts = {"provinces": 0, "cities": 0, "holidays": 0}
    for item in _load("provinces.json"):
        province, _created = province_model.objects.update_or_create(
            code=item["code"],
            defaults={
                "name_fa": item["name_fa"],
                "name_en": item["name_en"],
                "deprived": item.get("deprived", False),
                "border": item.get("border", False),
            },
        )
        counts["provinces"] += 1
        for city in item["cities"]:
            city_model.objects.update_or_create(
                code=city["code"],
                defaults={
                    "province": province,
                    "name_fa": city["name_fa"],
                    "name_en": city["name_en"],
                    "latitude": city["lat"],
                    "longitude": city["lon"],
                    "is_capital": city.get("is_capital", False),
                    "population": city.get("population", 0),
                },
            )
            counts["cities"] += 1
    for item in _load("holidays.json"):
        # An administrator's edit of an existing date wins over the shipped table.
        _obj, created = holiday_model.objects.get_or_create(
            date=date.fromisoformat(item["date"]),
            defaults={
                "name_fa": item["name_fa"],
                "name_en": item["name_en"],
                "kind": item.get("kind", "solar"),
                "estimated": item.get("estimated", False),
            },
        )
        counts["holidays"] += int(created)
    return counts


@transaction.atomic
def office_create(
    *,
    actor: Any,
    code: str,
    name_fa: str,
    name_en: str,
    city: City,
    address: str,
    latitude: float | None = None,
    longitude: float | None = None,
    phone: str = "",
    counters: int = 3,
    hours: list[tuple[int, int, int]] | None = None,
    licences: list[str] | tuple[str, ...] = (),
    licence_from: date | None = None,
) -> Office:
    """Open an office with its counters, default hours and licences in one step."""
    if Office.objects.filter(code=code).exists():
        raise ConflictError(code="office_code_taken")
    office = Office.objects.create(
        code=code,
        name_fa=name_fa,
        name_en=name_en,
        province=city.province,
        city=city,
        address=address,
        latitude=latitude if latitude is not None else city.latitude,
        longitude=longitude if longitude is not None else city.longitude,
        phone=phone,
        deprived_area=city.province.deprived or city.province.border,
    )
    Counter.objects.bulk_create(
        [Counter(office=office, number=n, label=str(n)) for n in range(1, counters + 1)]
    )
    WorkingHours.objects.bulk_create(
        [
            WorkingHours(office=office, weekday=d, opens=time(o), closes=time(c))
            for d, o, c in hours or DEFAULT_HOURS
        ]
    )
    start = licence_from or date.today()
    Licence.objects.bulk_create(
        [
            Licence(office=office, kind=LicenceKind(k), number=f"{code}-{k[:3].upper()}", valid_from=start)
            for k in licences
        ]
    )
    audit.record(
        actor=actor,
        action="offices.office.created",
        obj=office,
        office=office,
        data={"code": code, "licences": list(licences)},
    )
    return office


@transaction.atomic
def office_set_status(
    *, actor: Any, office: Office, status: str, reason: str, expected_status: str | None = None
) -> Office:
    """Suspend, reopen or close an office; setting the status it already has changes nothing.

    The scheduling app reopens or closes the office's future slots when it hears of the move
    (``transitioned``, after commit).
    """
    current = Office.objects.select_for_update().get(pk=office.pk)
    if expected_status and expected_status != current.status:
        raise ConflictError(code="stale_status")
    if current.status == status:
        return current
    if current.status == OfficeStatus.CLOSED:
        raise ConflictError(code="office_closed")
    return transition(
        OFFICE,
        current,
        status,
        actor=actor,
        expected_status=current.status,
        reason=reason,
        audit_data={"to": status},
    )
