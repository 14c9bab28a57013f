"""Outreach: how long a field sync takes, fresh and replayed, and how long the coverage page's figures take.

Migrates a scratch database, makes a mission with one office on its team, then times
``field_sync`` of ``--batches`` batches of ``--size`` services (p50/p95 per batch, and per
service), the same batches replayed (every item answered "already recorded"), and
``coverage()`` once the services exist. Figures only; nothing here asserts on time.

    createdb -h 127.0.0.1 -U postgres tz_outreach_bench
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_outreach_bench .venv/bin/python bench/outreach_bench.py

Use a scratch database: the script migrates it and adds its own rows (office BO…, users bench-outreach-…).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from tanzim.accounts.choices import Role  # noqa: E402
from tanzim.accounts.models import RoleAssignment, User  # noqa: E402
from tanzim.common.identifiers import make_national_code  # noqa: E402
from tanzim.common.jalali import tehran_date  # noqa: E402
from tanzim.offices.models import City, Office  # noqa: E402
from tanzim.outreach import services  # noqa: E402
from tanzim.outreach.coverage import coverage  # noqa: E402


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def user(name: str, role: str, office: Office | None = None) -> User:
    person, _ = User.objects.get_or_create(username=name)
    RoleAssignment.objects.get_or_create(
        user=person, role=role, office=office, defaults={"valid_from": timezone.now()}
    )
    return person


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=50)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    city = City.objects.get(code="SBL-05")
    tag = uuid.uuid4().hex[:6].upper()
    office = Office.objects.create(
        code=f"BO{tag}",
        name_fa="دفتر محک",
        name_en="Bench office",
        province=city.province,
        city=city,
        address="-",
        latitude=city.latitude,
        longitude=city.longitude,
    )
    kanoon = user(f"bench-outreach-kanoon-{tag}", Role.KANOON_ADMIN)
    clerk = user(f"bench-outreach-clerk-{tag}", Role.CLERK, office)
    from django.conf import settings

    settings.FINANCE_FREE_SERVICE_CAP_COUNT = None
    today = tehran_date(timezone.now())
    mission = services.missions.mission_create(
        actor=kanoon,
        title=f"bench {tag}",
        county=city,
        place="bench",
        latitude=city.latitude,
        longitude=city.longitude,
        starts_on=today,
        ends_on=today,
        services=["sana"],
        expected_demand=0,
    )
    services.team_assign(mission=mission, office=office, actor=kanoon)
    services.team_confirm(mission=mission, actor=clerk)
    services.mission_approve(mission=mission, actor=kanoon)
    seed = int(tag, 16) % 100_000
    batches = [
        [
            {
                "client_id": f"bench-{tag}-{b}-{n}",
                "kind": "sana",
                "beneficiary_name": "محک",
                "national_code": make_national_code(f"{(seed * 100_000 + b * 1000 + n) % 1_000_000_000:09d}"),
                "served_on": str(today),
            }
            for n in range(args.size)
        ]
        for b in range(args.batches)
    ]
    for label in ("fresh", "replayed"):
        times = []
        for batch in batches:
            started = time.perf_counter()
            services.field_sync(mission=mission, actor=clerk, items=batch)
            times.append(time.perf_counter() - started)
        per = [t / args.size * 1000 for t in times]
        print(
            f"sync {label}: {args.batches} batches of {args.size}: batch p50 {statistics.median(times) * 1000:.0f} ms, "
            f"p95 {p95(times) * 1000:.0f} ms; per service p50 {statistics.median(per):.1f} ms"
        )
    started = time.perf_counter()
    rows = coverage()
    print(f"coverage: {len(rows)} provinces in {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
