"""Enforcement pilot at national scale: ``--files`` files (default 100,000) across ``--offices`` pilot
offices (default 300); p50 / p95 of the files board (the Kanoon, a province's court officer, one
office's clerk) and of the metrics page, and queries per call. Figures only; nothing asserts on time.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/enforcement_bench.py

Use a scratch database: the script migrates it and adds rows each run (written in bulk, in the
states a year of the pilot leaves them in).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from tanzim.accounts.choices import Role  # noqa: E402
from tanzim.accounts.models import RoleAssignment, User  # noqa: E402
from tanzim.accounts.twofactor import mark_session  # noqa: E402
from tanzim.enforcement.choices import (  # noqa: E402
    FileStatus,
    JudgmentState,
    Outcome,
    PartyRole,
    Performer,
    ScheduleStatus,
    Step,
    TaskStatus,
)
from tanzim.enforcement.models import (  # noqa: E402
    EnforcementFile,
    FileParty,
    Schedule,
    ScheduleLine,
    Task,
)
from tanzim.offices.models import City, Office  # noqa: E402

STATES = [
    (FileStatus.REQUESTED, 3),
    (FileStatus.WRIT_ISSUED, 4),
    (FileStatus.SERVED, 10),
    (FileStatus.ENFORCING, 25),
    (FileStatus.INSTALMENTS, 10),
    (FileStatus.DISTRIBUTING, 3),
    (FileStatus.CLOSED, 45),
]
OUTCOMES = [
    Outcome.PAID_IN_FULL,
    Outcome.PAID_IN_FULL,
    Outcome.PAID_BY_INSTALMENTS,
    Outcome.SETTLED,
    Outcome.INSOLVENCY,
    Outcome.RETURNED,
]


def say(text: str = "") -> None:
    print(text, flush=True)


def staff(username: str, role: str, office: Office | None = None) -> User:
    user, _ = User.objects.get_or_create(username=username)
    RoleAssignment.objects.get_or_create(
        user=user, role=role, office=office, defaults={"valid_from": timezone.now() - timedelta(days=1)}
    )
    return user


def pilot_offices(n: int, rng: random.Random) -> list[Office]:
    have = list(Office.objects.order_by("pk")[:n])
    cities = list(City.objects.select_related("province"))
    new = []
    for i in range(len(have), n):
        city = rng.choice(cities)
        new.append(
            Office(
                code=f"EB{i:05d}",
                name_fa=f"دفتر آزمایشی {i}",
                name_en=f"Pilot office {i}",
                province=city.province,
                city=city,
                address="—",
                latitude=city.latitude,
                longitude=city.longitude,
            )
        )
    Office.objects.bulk_create(new, ignore_conflicts=True)
    return list(Office.objects.order_by("pk")[:n])


def make_files(n: int, offices: list[Office], rng: random.Random) -> None:
    now = timezone.now()
    run = int(time.time())
    weights = [w for _s, w in STATES]
    batch = 5000
    for start in range(0, n, batch):
        files = []
        for i in range(start, min(n, start + batch)):
            office = rng.choice(offices)
            status = rng.choices([s for s, _w in STATES], weights)[0]
            created = now - timedelta(days=rng.uniform(1, 365))
            writ = created + timedelta(days=rng.uniform(2, 20)) if status != FileStatus.REQUESTED else None
            first = (
                writ + timedelta(days=rng.expovariate(1 / 40))
                if writ and status not in (FileStatus.WRIT_ISSUED, FileStatus.SERVED)
                else None
            )
            closed = (
                (first or writ or created) + timedelta(days=rng.expovariate(1 / 90))
                if status == FileStatus.CLOSED
                else None
            )
            files.append(
                EnforcementFile(
                    number=f"EB-{run}-{i}",
                    office=office,
                    province_id=office.province_id,
                    court="دادگاه",
                    branch="1",
                    judgment_number=str(i),
                    judgment_date=(created - timedelta(days=60)).date(),
                    judgment_state=JudgmentState.FINAL,
                    judgment_served_on=(created - timedelta(days=30)).date(),
                    amount=rng.randrange(10, 5000) * 1_000_000,
                    status=status,
                    outcome=rng.choice(OUTCOMES) if status == FileStatus.CLOSED else "",
                    writ_issued_at=writ,
                    first_payment_at=first,
                    closed_at=closed,
                    status_changed_at=closed or writ,
                )
            )
        EnforcementFile.objects.bulk_create(files, batch_size=batch)
        saved = list(EnforcementFile.objects.filter(number__in=[f.number for f in files]))
        parties = [
            FileParty(
                file=f,
                role=PartyRole.CREDITOR,
                name="بستانکار",
                claim=f.amount,
                priority_class=rng.randint(1, 3),
            )
            for f in saved
        ]
        parties += [FileParty(file=f, role=PartyRole.DEBTOR, name="بدهکار") for f in saved]
        FileParty.objects.bulk_create(parties, batch_size=batch)
        tasks = [
            Task(
                file=f,
                step=rng.choice(Step.values),
                performer=rng.choice([Performer.OFFICE, Performer.OFFICE, Performer.COURT]),
                status=TaskStatus.DONE,
                payload={},
            )
            for f in saved
            if f.writ_issued_at
        ]
        Task.objects.bulk_create(tasks, batch_size=batch)
        paid = [f for f in saved if f.first_payment_at]
        schedules = Schedule.objects.bulk_create(
            [
                Schedule(
                    file=f,
                    status=ScheduleStatus.PAID,
                    collected=f.amount,
                    fee=f.amount // 20,
                    fee_rate_bp=500,
                    surplus=0,
                )
                for f in paid
            ],
            batch_size=batch,
        )
        creditors = {p.file_id: p for p in FileParty.objects.filter(file__in=paid, role=PartyRole.CREDITOR)}
        ScheduleLine.objects.bulk_create(
            [
                ScheduleLine(
                    schedule=s,
                    party=creditors[s.file_id],
                    priority_class=1,
                    claim=s.collected,
                    amount=s.collected * rng.randint(40, 100) // 100,
                )
                for s in schedules
            ],
            batch_size=batch,
        )
        say(f"  {min(n, start + batch):>7} files")


def time_calls(label: str, client: Client, url: str, calls: int) -> None:
    client.get(url)  # warm
    times, queries = [], []
    for _ in range(calls):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries.append(len(ctx.captured_queries))
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    say(
        f"{label:<46} p50 {statistics.median(times):8.1f} ms   p95 {p95:8.1f} ms   queries {min(queries)}–{max(queries)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--offices", type=int, default=300)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    offices = pilot_offices(args.offices, rng)
    say(f"database: {connection.vendor}; files: {args.files}; pilot offices: {len(offices)}")
    start = time.perf_counter()
    make_files(args.files, offices, rng)
    say(
        f"written in {time.perf_counter() - start:.1f} s; files in the database: {EnforcementFile.objects.count()}"
    )
    kanoon = staff("bench-enf-kanoon", Role.KANOON_ADMIN)
    clerk = staff("bench-enf-clerk", Role.CLERK, offices[0])
    officer, _ = User.objects.get_or_create(username="bench-enf-officer")
    RoleAssignment.objects.get_or_create(  # the court officer is a province-scoped role
        user=officer,
        role=Role.COURT_OFFICER,
        province_id=offices[0].province_id,
        defaults={"valid_from": timezone.now() - timedelta(days=1)},
    )
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
    ):
        for label, user, url in (
            ("board, the Kanoon (whole country)", kanoon, "/enforcement/"),
            ("board, a province's court officer", officer, "/enforcement/"),
            ("board, one pilot office's clerk", clerk, "/enforcement/"),
            ("board, the Kanoon, enforcing files only", kanoon, "/enforcement/?status=enforcing"),
            ("metrics, the Kanoon (every province)", kanoon, "/enforcement/metrics/"),
            ("metrics, a province's court officer", officer, "/enforcement/metrics/"),
        ):
            client = Client()
            client.force_login(user)
            session = client.session
            mark_session(session, user)  # the second sign-in step, as a real sign-in takes it
            session.save()
            time_calls(label, client, url, args.calls)


if __name__ == "__main__":
    main()
