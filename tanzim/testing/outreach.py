"""Helpers for outreach tests: a mission walked to the state a test needs, and captured services."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from tanzim.common.identifiers import make_national_code
from tanzim.common.jalali import tehran_date
from tanzim.offices.models import City
from tanzim.outreach import services
from tanzim.outreach.models import Mission

ALL_SERVICES = ["sana", "complaint", "petition", "brief", "notice", "advice"]


def national_code(n: int) -> str:
    return make_national_code(f"{100000000 + n * 7919:09d}"[-9:])


def plan(
    planner: Any, *, county: str = "SBL-05", starts_in: int = 3, days: int = 1, key: str | None = None
) -> Mission:
    today = tehran_date(timezone.now())
    city = City.objects.get(code=county)
    return services.mission_plan(
        actor=planner,
        title="روز خدمت جهادی",
        county=city,
        place="روستای کوهک",
        latitude=city.latitude + 0.3,
        longitude=city.longitude + 0.3,
        starts_on=today + timedelta(days=starts_in),
        ends_on=today + timedelta(days=starts_in + days - 1),
        services=ALL_SERVICES,
        expected_demand=120,
        idempotency_key=key,
    )


def approved(
    personas: Any, *, offices: tuple[Any, ...] | None = None, starts_in: int = 0, days: int = 1
) -> Mission:
    """A mission planned by the Kanoon, its team (office A by default) confirmed, approved."""
    kanoon = personas.kanoon_admin
    mission = plan(kanoon, starts_in=starts_in, days=days)
    offices = offices or (personas.office_a,)
    confirmers = {personas.office_a.pk: personas.manager_a, personas.office_b.pk: personas.clerk_b}
    for office in offices:
        services.team_assign(mission=mission, office=office, actor=kanoon)
    for office in offices:
        services.team_confirm(mission=mission, actor=confirmers[office.pk])
    return services.mission_approve(mission=mission, actor=kanoon)


def item(
    n: int, *, day: date | None = None, kind: str = "sana", code: str | None = None, cid: str | None = None
):
    return {
        "client_id": cid or f"svc-{uuid.uuid4().hex}",
        "kind": kind,
        "beneficiary_name": f"بهره‌مند {n}",
        "national_code": code or national_code(n),
        "served_on": str(day or tehran_date(timezone.now())),
        "recorded_at": timezone.now().isoformat(),
    }
