"""Writes for the catalogue: loading a yearly tariff table."""

from __future__ import annotations

import json
from pathlib import Path

import jdatetime

from tanzim.catalog.choices import ChannelKind

DATA = Path(__file__).resolve().parent / "data" / "tariff_1403.json"


def tariff_load(*, service_model, schedule_model, tariff_model, addon_model, path: Path = DATA) -> int:
    """Load (or refresh) a tariff year from JSON; idempotent. Models are passed so migrations can call it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    year = int(data["year"])
    schedule, _created = schedule_model.objects.update_or_create(
        year=year,
        defaults={
            "effective_from": jdatetime.date(year, 1, 1).togregorian(),
            "extra_party_fee": data["extra_party_fee"],
            "extra_page_fee": data["extra_page_fee"],
        },
    )
    for item in data["services"]:
        channels = set(item["channels"])
        service, _created = service_model.objects.update_or_create(
            code=item["code"],
            defaults={
                "name_fa": item["name_fa"],
                "name_en": item["name_en"],
                "category": item["category"],
                "in_person": ChannelKind.IN_PERSON in channels,
                "semi_in_person": ChannelKind.SEMI_IN_PERSON in channels,
                "remote": ChannelKind.REMOTE in channels,
                "licence_required": item.get("licence_required") or "",
                "duration_minutes": item.get("duration_minutes", 15),
            },
        )
        tariff_model.objects.update_or_create(
            schedule=schedule,
            service=service,
            defaults={
                "base_fee": item["base_fee"],
                "included_parties": item.get("included_parties", 2),
                "included_pages": item.get("included_pages", 2),
                "remote_discount_pct": item.get("remote_discount_pct", 0)
                if ChannelKind.REMOTE in channels
                else 0,
                "semi_discount_pct": item.get("semi_discount_pct", 0)
                if ChannelKind.SEMI_IN_PERSON in channels
                else 0,
            },
        )
    # Early migrations call this with historical models that predate the add-on's unit.
    has_unit = any(f.name == "unit" for f in addon_model._meta.get_fields())
    for item in data.get("addons", []):
        defaults = {"name_fa": item["name_fa"], "name_en": item["name_en"], "fee": item["fee"]}
        if has_unit:
            defaults["unit"] = item.get("unit", "per_request")
        addon_model.objects.update_or_create(schedule=schedule, code=item["code"], defaults=defaults)
    return len(data["services"])
