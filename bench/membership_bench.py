"""New offices: importing the 1,200 admitted applicants, and the pipeline page at that size.

Imports one CSV of ``--applicants`` rows (every row checked, an account and a checklist each,
all in one transaction) and reports the time it took. Then spreads the applicants over the
steps through the workflow engine (``bulk_transition``, some moved "weeks ago" so the page has
people stuck), and times ``--calls`` requests of the pipeline page (the Kanoon's view of the
whole country and a province administrator's) and of the CSV export: p50 / p95 and queries per
call. The target is a pipeline page under 300 ms at p95. Figures only; nothing asserts on time.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/membership_bench.py

Use a scratch database: the script migrates it; each run imports fresh national codes.
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
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from tanzim.accounts.choices import Role  # noqa: E402
from tanzim.accounts.models import RoleAssignment, User  # noqa: E402
from tanzim.accounts.twofactor import mark_session  # noqa: E402
from tanzim.audit.workflow import bulk_transition  # noqa: E402
from tanzim.common.identifiers import make_national_code  # noqa: E402
from tanzim.membership.choices import Step  # noqa: E402
from tanzim.membership.models import Application, Place  # noqa: E402
from tanzim.membership.services import exam_import  # noqa: E402
from tanzim.membership.workflows import APPLICATION  # noqa: E402
from tanzim.offices.models import City, Province  # noqa: E402

HEADER = "national_code,first_name,last_name,mobile,province,rank"


def say(text: str = "") -> None:
    print(text, flush=True)


def staff(username: str, role: str, province: Province | None = None) -> User:
    user, _created = User.objects.get_or_create(
        username=username, defaults={"first_name": "b", "last_name": "b"}
    )
    if not RoleAssignment.objects.filter(user=user, role=role).exists():
        RoleAssignment.objects.create(user=user, role=role, province=province, valid_from=timezone.now())
    return user


def exam_csv(n: int, rng: random.Random) -> bytes:
    provinces = list(Province.objects.values_list("code", flat=True))
    start = rng.randrange(100_000_000, 800_000_000)
    lines = [HEADER]
    serial = start
    for i in range(n):
        while True:
            serial += 1
            code = make_national_code(f"{serial:09d}")
            if len(set(code)) > 1:
                break
        lines.append(
            f"{code},نام{i},خانواده{i},0912{rng.randrange(10**7):07d},{rng.choice(provinces)},{i + 1}"
        )
    return ("\n".join(lines) + "\n").encode()


def spread(batch_id: int, rng: random.Random) -> None:
    """Move the imported applicants along, through the engine, so every step has people."""
    rows = Application.objects.filter(exam_import_id=batch_id)
    now = timezone.now()
    places = {}
    for province in Province.objects.all():
        city = City.objects.filter(province=province).order_by("-is_capital", "code").first()
        if city is not None:
            places[province.pk] = Place.objects.get_or_create(
                city=city, defaults={"province": province, "seats": 200}
            )[0]
    total = rows.count()
    plan = [
        (Step.PLACE, int(total * 0.8), 30),
        (Step.PREMISES, int(total * 0.6), 20),
        (Step.EQUIPMENT, int(total * 0.4), 15),
        (Step.TRAINING, int(total * 0.3), 10),
        (Step.GUARANTEE, int(total * 0.2), 5),
        (Step.LICENCE, int(total * 0.1), 1),
    ]
    for step, count, days_ago in plan:
        when = now - timedelta(days=days_ago + rng.randrange(5))
        if step == Step.PREMISES:
            for province_id, place in places.items():
                share = rows.filter(province_id=province_id, status=Step.PLACE)
                bulk_transition(
                    APPLICATION,
                    share,
                    step,
                    changes={"place": place},
                    limit=max(1, share.count() * 3 // 4),
                    now=when,
                )
        else:
            bulk_transition(APPLICATION, rows, step, limit=count, now=when)


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
        f"{label:<44} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
        f"queries {min(queries)}–{max(queries)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=1200)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--no-import", action="store_true", help="time the pages over what is already there")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    kanoon = staff("bench-membership-kanoon", Role.KANOON_ADMIN)
    tehran = Province.objects.get(code="THR")
    province_admin = staff("bench-membership-province", Role.PROVINCE_ADMIN, tehran)
    say(f"database: {connection.vendor}; applicants: {args.applicants}")
    if not args.no_import:
        content = exam_csv(args.applicants, rng)
        start = time.perf_counter()
        batch = exam_import(actor=kanoon, content=content, file_name="membership-bench.csv", exam_year=1404)
        say(
            f"import of {batch.rows} applicants (checked, accounts, checklists): {time.perf_counter() - start:.1f} s"
        )
        start = time.perf_counter()
        spread(batch.pk, rng)
        say(f"spread over the steps through the engine: {time.perf_counter() - start:.1f} s")
    say(f"applicants in the database: {Application.objects.count()}")
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
    ):
        for label, user, name in (
            ("pipeline page, the Kanoon (whole country)", kanoon, "membership:pipeline"),
            ("pipeline page, Tehran's administrator", province_admin, "membership:pipeline"),
            ("pipeline CSV export, the Kanoon", kanoon, "membership:pipeline_csv"),
        ):
            client = Client()
            client.force_login(user)
            session = client.session
            mark_session(session, user)  # the staff roles' second sign-in step, as a real sign-in takes it
            session.save()
            time_calls(label, client, reverse(name), args.calls)
    say("target: the pipeline page under 300 ms at p95")


if __name__ == "__main__":
    main()
