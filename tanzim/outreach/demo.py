"""Demo data for outreach (idempotent): called by ``seed_demo`` after the apps it builds on.

Missions in deprived and border provinces (Sistan and Baluchestan, Kurdistan, South Khorasan,
Ilam) in every state: reimbursed and reported ones in the past, one held last week, one on now
(approved, its field page open to the demo office's staff), and confirmed, assigned, planned and
cancelled ones ahead. Dates are relative to today, so the demo works whenever it is seeded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment
from tanzim.accounts.permissions import COUNTER
from tanzim.audit.workflow import transition
from tanzim.common.identifiers import make_national_code
from tanzim.common.jalali import JalaliMonth, tehran_date
from tanzim.offices.models import City, Office
from tanzim.outreach import services
from tanzim.outreach.choices import MissionStatus
from tanzim.outreach.models import Mission
from tanzim.outreach.workflows import MISSION

S = MissionStatus
ALL = ["sana", "complaint", "petition", "brief", "notice", "advice"]

# (county, place, title, first day relative to today, days, the state to reach, services captured)
PLAN: list[tuple[str, str, str, int, int, str, int]] = [
    ("SBL-05", "روستای جالق، مسجد جامع", "روز خدمت جهادی جالق", -75, 1, S.REIMBURSED, 6),
    ("KRD-04", "روستای ننور، مدرسه", "خدمات سیار مرزی ننور", -45, 2, S.REPORTED, 5),
    ("SKH-04", "روستای شوسف، مسجد", "روز خدمت جهادی شوسف", -6, 1, S.HELD, 4),
    ("SBL-03", "روستای دشتیاری، مسجد", "خدمات سیار دشتیاری", 0, 3, S.APPROVED, 3),
    ("KRD-03", "روستای دزلی، حسینیه", "روز خدمت رایگان دزلی", 7, 1, S.CONFIRMED, 0),
    ("SKH-02", "روستای نیمبلوک، مدرسه", "خدمات سیار نیمبلوک", 14, 2, S.ASSIGNED, 0),
    ("SBL-02", "روستای ادیمی، مسجد", "روز خدمت جهادی ادیمی", 21, 1, S.PLANNED, 0),
    ("ILM-03", "روستای صالح‌آباد، مدرسه", "خدمات سیار صالح‌آباد", 10, 1, S.CANCELLED, 0),
]


def _counter_user(office: Office) -> Any:
    row = (
        RoleAssignment.objects.filter(office=office, role__in=COUNTER, valid_until__isnull=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return row.user if row else None


def _team_office(city: City, offices: list[Office], home: Office | None, use_home: bool) -> Office | None:
    if use_home and home is not None:
        return home
    same = [o for o in offices if o.province_id == city.province_id]
    pool = same or offices
    return min(pool, key=lambda o: (o.latitude - city.latitude) ** 2 + (o.longitude - city.longitude) ** 2)


def _people(seed: int, count: int, day: date) -> list[dict[str, str]]:
    return [
        {
            "client_id": f"demo-{seed}-{n}",
            "kind": ALL[n % len(ALL)],
            "beneficiary_name": f"خدمت‌گیرندهٔ {n + 1}",
            "national_code": make_national_code(f"{(seed * 1000 + n) * 7919 % 1_000_000_000:09d}"),
            "served_on": str(day),
        }
        for n in range(count)
    ]


def _walk(
    mission: Mission, target: str, kanoon: Any, staff: Any, office: Office, captured: int, seed: int
) -> None:
    if target == S.PLANNED:
        return
    if target == S.CANCELLED:
        transition(MISSION, mission, S.CANCELLED, actor=kanoon, reason="پیش‌بینی برف و بسته شدن راه")
        return
    services.team_assign(mission=mission, office=office, actor=kanoon)
    if target == S.ASSIGNED:
        return
    services.team_confirm(mission=mission, actor=staff)
    if target == S.CONFIRMED:
        return
    services.mission_approve(mission=mission, actor=kanoon)
    if captured:
        services.field_sync(mission=mission, actor=staff, items=_people(seed, captured, mission.starts_on))
    if target == S.APPROVED:
        return
    transition(MISSION, mission, S.HELD, actor=staff)
    if target == S.HELD:
        return
    transition(
        MISSION,
        mission,
        S.REPORTED,
        actor=staff,
        changes={
            "people_served": captured + 20,
            "report_note": "خدمات ثنا، شکوائیه و مشاوره در روستا ارائه شد.",
        },
    )
    if target == S.REPORTED:
        return
    if JalaliMonth.of(mission.ends_on).bounds_utc()[1] <= timezone.now():
        services.mission_reimburse(mission=mission, actor=kanoon)


def seed_outreach(*, offices: list[Any], progress: Callable[..., Any] | None = None) -> None:
    """Seed this app's demo data for ``offices``."""
    kanoon_row = (
        RoleAssignment.objects.filter(role=Role.KANOON_ADMIN).select_related("user").order_by("pk").first()
    )
    offices = list(offices)
    if kanoon_row is not None and offices:
        kanoon = kanoon_row.user
        home_row = RoleAssignment.objects.filter(user__username="manager.a", office__isnull=False).first()
        home = home_row.office if home_row else None
        today = tehran_date(timezone.now())
        for seed, (county, place, title, start, days, target, captured) in enumerate(PLAN, start=1):
            if Mission.objects.filter(finance_mission__name=title).exists():
                continue
            city = City.objects.filter(code=county).first()
            if city is None:
                continue
            office = _team_office(city, offices, home, use_home=target == S.APPROVED)
            staff = _counter_user(office) if office else None
            if office is None or staff is None:
                continue
            starts = today + timedelta(days=start)
            with transaction.atomic():
                mission = services.missions.mission_create(
                    actor=kanoon,
                    title=title,
                    county=city,
                    place=place,
                    latitude=round(city.latitude + 0.21, 4),
                    longitude=round(city.longitude + 0.17, 4),
                    starts_on=starts,
                    ends_on=starts + timedelta(days=days - 1),
                    services=ALL,
                    expected_demand=150,
                )
                _walk(mission, target, kanoon, staff, office, captured, seed)
    for _ in offices:
        if progress:
            progress()
