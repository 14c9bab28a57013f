"""Cases at national scale: 1,000,000 cases across 3,000 offices on PostgreSQL.

Loads offices, one clerk per office, citizens and cases (COPY, realistic status and channel
mix, office sizes skewed like a real network), then times the two hottest reads:

* the office worklist: ``worklist_for`` + serialising the first page (and the HTML page);
* the citizen's case list: ``case_list_for`` + serialising the newest 50.

Each is timed over ``--calls`` calls (p50/p95) at two sizes, a tenth of the cases and all of
them, with the number of SQL queries per call: the counts must not change with the number of
cases. It ends with EXPLAIN ANALYZE of the worklist query for the busiest office. Figures
only; nothing here asserts on time.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/cases_bench.py
    ... bench/cases_bench.py --scale 0.01     # 10,000 cases across 30 offices, for a quick look

Use a scratch database: the script migrates it, and removes its own rows from an earlier run
(offices coded BN…, users named bench-…) before loading.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Outside the embedded default the settings want a secret; a benchmark signs nothing that matters.
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from tanzim.accounts.choices import Role  # noqa: E402
from tanzim.accounts.models import User  # noqa: E402
from tanzim.cases.api import CaseSerializer  # noqa: E402
from tanzim.cases.choices import OFFICE_TURN, CaseStatus  # noqa: E402
from tanzim.cases.selectors import case_list_for, worklist_for  # noqa: E402
from tanzim.cases.tracking import luhn_check_digit  # noqa: E402
from tanzim.catalog.fees import fee_quote  # noqa: E402
from tanzim.catalog.models import Service  # noqa: E402
from tanzim.common.identifiers import make_national_code  # noqa: E402
from tanzim.offices.models import City, Office  # noqa: E402

OFFICE_PREFIX = "BN"
USER_PREFIX = "bench-"
PAGE = 50

# A steady state: most cases are long finished; about a tenth wait for the office.
STATUS_MIX = {
    CaseStatus.CLOSED: 0.46,
    CaseStatus.FILED: 0.22,
    CaseStatus.CANCELLED: 0.05,
    CaseStatus.REJECTED: 0.02,
    CaseStatus.DRAFT: 0.06,
    CaseStatus.SUBMITTED: 0.04,
    CaseStatus.IN_REVIEW: 0.04,
    CaseStatus.NEEDS_CORRECTION: 0.03,
    CaseStatus.RESUBMITTED: 0.01,
    CaseStatus.VERIFIED: 0.005,
    CaseStatus.AWAITING_PAYMENT: 0.06,
    CaseStatus.PAID: 0.005,
}
SERVICE_MIX = {
    "civil_petition": 0.30,
    "formal_notice": 0.20,
    "criminal_complaint": 0.15,
    "request": 0.10,
    "brief": 0.08,
    "lawyer_mandate": 0.06,
    "commercial_paper_protest": 0.06,
    "expert_opinion": 0.05,
}
FINISHED = (CaseStatus.CLOSED, CaseStatus.FILED, CaseStatus.CANCELLED, CaseStatus.REJECTED)
OPEN_MIX = {status: share for status, share in STATUS_MIX.items() if status not in FINISHED}
FINISHED_MIX = {status: share for status, share in STATUS_MIX.items() if status in FINISHED}
CHANNEL_MIX = {"remote": 0.35, "semi_in_person": 0.35, "in_person": 0.30}
CASES_PER_CITIZEN = 3
TITLES = [
    "مطالبه وجه",
    "مطالبه اجاره‌بها",
    "اظهارنامه تخلیه",
    "شکایت کلاهبرداری",
    "لایحه دفاعیه",
    "واخواست چک",
]


def say(text: str = "") -> None:
    print(text, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def weighted(rng: random.Random, mix: dict, k: int) -> list:
    return rng.choices(list(mix), weights=list(mix.values()), k=k)


# --- clean-up and set-up ----------------------------------------------------------------------


def remove_earlier_run() -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM offices_office WHERE code LIKE %s", [OFFICE_PREFIX + "%"])
        if not cur.fetchone():
            return
        say("removing the rows of an earlier run…")
        bench_cases = (
            "SELECT c.id FROM cases_case c JOIN offices_office o ON o.id = c.office_id WHERE o.code LIKE %s"
        )
        for table in ("cases_caseevent", "cases_party", "cases_document"):
            cur.execute(f"DELETE FROM {table} WHERE case_id IN ({bench_cases})", [OFFICE_PREFIX + "%"])
        cur.execute(
            "DELETE FROM cases_case WHERE office_id IN (SELECT id FROM offices_office WHERE code LIKE %s)",
            [OFFICE_PREFIX + "%"],
        )
        cur.execute(
            "DELETE FROM accounts_roleassignment "
            "WHERE user_id IN (SELECT id FROM accounts_user WHERE username LIKE %s)",
            [USER_PREFIX + "%"],
        )
        cur.execute("DELETE FROM django_session")
        cur.execute("DELETE FROM accounts_user WHERE username LIKE %s", [USER_PREFIX + "%"])
        cur.execute("DELETE FROM offices_office WHERE code LIKE %s", [OFFICE_PREFIX + "%"])


def make_offices(count: int, rng: random.Random) -> list[Office]:
    cities = list(City.objects.select_related("province").order_by("code"))
    # Bigger cities get more offices.
    weights = [max(c.population, 50_000) for c in cities]
    now = datetime.now(UTC)
    offices = []
    for i, city in enumerate(rng.choices(cities, weights=weights, k=count), start=1):
        offices.append(
            Office(
                code=f"{OFFICE_PREFIX}{i:05d}",
                name_fa=f"دفتر خدمات الکترونیک قضایی {i}",
                name_en=f"Bench office {i}",
                province=city.province,
                city=city,
                address="خیابان آزمایشی",
                latitude=city.latitude,
                longitude=city.longitude,
                created_at=now,
                updated_at=now,
            )
        )
    return Office.objects.bulk_create(offices, batch_size=1000)


def copy_rows(table: str, columns: list[str], rows) -> int:
    count = 0
    with (
        connection.cursor() as cur,
        cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def make_clerks(offices: list[Office]) -> dict[int, int]:
    """One clerk per office; returns office id → clerk id."""
    now = datetime.now(UTC)
    columns = ["password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff"]
    columns += ["is_active", "date_joined", "mobile", "preferred_language", "resident_abroad"]
    copy_rows(
        "accounts_user",
        columns,
        (
            [
                "!",
                False,
                f"{USER_PREFIX}clerk-{o.code}",
                "کارمند",
                o.code,
                "",
                False,
                True,
                now,
                "",
                "fa",
                False,
            ]
            for o in offices
        ),
    )
    clerks = dict(
        User.objects.filter(username__startswith=f"{USER_PREFIX}clerk-").values_list("username", "pk")
    )
    by_office = {o.pk: clerks[f"{USER_PREFIX}clerk-{o.code}"] for o in offices}
    copy_rows(
        "accounts_roleassignment",
        ["user_id", "role", "office_id", "valid_from", "created_at"],
        ([user_id, Role.CLERK, office_id, now, now] for office_id, user_id in by_office.items()),
    )
    return by_office


def make_citizens(count: int, start: int) -> list[int]:
    now = datetime.now(UTC)
    columns = ["password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff"]
    columns += [
        "is_active",
        "date_joined",
        "national_code",
        "mobile",
        "preferred_language",
        "resident_abroad",
    ]

    def rows():
        for n in range(start, start + count):
            code = make_national_code(f"{(700_000_000 + n) % 10**9:09d}")
            yield ["!", False, f"{USER_PREFIX}{code}", "شهروند", str(n), "", False, True, now, code,
                   f"+98912{n % 10_000_000:07d}", "fa", False]  # fmt: skip

    copy_rows("accounts_user", columns, rows())
    return list(
        User.objects.filter(username__startswith=USER_PREFIX, national_code__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def snapshots() -> dict[tuple[int, str], tuple[str, int]]:
    """A frozen fee quote per (service, channel), as stored on a submitted case."""
    out = {}
    for service in Service.objects.filter(code__in=SERVICE_MIX):
        for channel in service.channels:
            quote = fee_quote(service=service, channel=channel, parties=2, pages=2)
            out[(service.pk, channel)] = (json.dumps(quote.as_dict(), ensure_ascii=False), service.pk)
    return out


def make_cases(
    *,
    count: int,
    status_mix: dict,
    serial_start: int,
    offices: list[Office],
    office_weights: list[float],
    citizens: list[int],
    clerks: dict[int, int],
    rng: random.Random,
) -> int:
    services = {s.code: s for s in Service.objects.filter(code__in=SERVICE_MIX)}
    quotes = snapshots()
    now = datetime.now(UTC)
    columns = [
        "tracking_code", "service_id", "channel", "office_id", "applicant_id", "created_by_id", "status",
        "status_changed_at", "due_at", "title", "claim_text", "claim_amount", "free_service",
        "originals_confirmed", "identity_method", "fee_snapshot", "correction_note", "outcome_reason",
        "external_ref", "filing_attempts", "created_at", "updated_at",
    ]  # fmt: skip
    chosen_offices = rng.choices(offices, weights=office_weights, k=count)
    statuses = weighted(rng, status_mix, count)
    service_codes = weighted(rng, SERVICE_MIX, count)
    channels = weighted(rng, CHANNEL_MIX, count)

    def rows():
        for i in range(count):
            serial = serial_start + i
            body = str(10**14 + serial * 7919 % (9 * 10**14))
            office = chosen_offices[i]
            service = services[service_codes[i]]
            channel = channels[i] if channels[i] in service.channels else service.channels[0]
            status = statuses[i]
            if status in FINISHED:  # two years of history
                created = now - timedelta(seconds=rng.randint(0, 730 * 86400))
                changed = min(now, created + timedelta(seconds=rng.randint(0, 20 * 86400)))
            else:  # open work is recent
                created = now - timedelta(seconds=rng.randint(0, 30 * 86400))
                changed = created + (now - created) * rng.random()
            due = None
            if status in OFFICE_TURN or status in (CaseStatus.NEEDS_CORRECTION, CaseStatus.AWAITING_PAYMENT):
                # Deadlines a few working days after the last move; some of them already past.
                due = changed + timedelta(days=rng.choice((1, 2, 3, 5)))
            applicant = citizens[rng.randrange(len(citizens))]
            in_person = channel == "in_person"
            submitted = status != CaseStatus.DRAFT
            yield [
                body + str(luhn_check_digit(body)),
                service.pk,
                channel,
                office.pk,
                applicant,
                clerks[office.pk] if in_person else applicant,
                status,
                changed,
                due,
                rng.choice(TITLES),
                "متن درخواست برای آزمون کارایی.",
                rng.choice((None, 50_000_000, 120_000_000, 900_000_000)),
                False,
                submitted and not in_person,
                "in_person"
                if status in (CaseStatus.FILED, CaseStatus.CLOSED) and channel != "remote"
                else "",
                quotes[(service.pk, channel)][0] if submitted else None,
                "",
                "",
                f"J{serial:012d}" if status in (CaseStatus.FILED, CaseStatus.CLOSED) else "",
                1 if status in (CaseStatus.FILED, CaseStatus.CLOSED) else 0,
                created,
                changed,
            ]

    return copy_rows("cases_case", columns, rows())


# --- measuring --------------------------------------------------------------------------------


def time_calls(label: str, calls: list, fn) -> dict:
    durations, queries = [], set()
    fn(calls[0])  # warm the caches (plans, the working calendar, the translation catalogue)
    for arg in calls:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            fn(arg)
            durations.append((time.perf_counter() - start) * 1000)
        queries.add(len(captured.captured_queries))
    result = {
        "p50": statistics.median(durations),
        "p95": percentile(durations, 0.95),
        "max": max(durations),
        "queries": sorted(queries),
    }
    say(
        f"  {label:<34} p50 {result['p50']:7.2f} ms   p95 {result['p95']:7.2f} ms   "
        f"max {result['max']:7.2f} ms   queries/call {result['queries']}"
    )
    return result


def worklist_call(clerk: User) -> int:
    rows = CaseSerializer(worklist_for(user=clerk)[:PAGE], many=True).data
    return len(rows)


def citizen_call(citizen: User) -> int:
    cases = case_list_for(user=citizen).filter(applicant=citizen).order_by("-created_at")[:PAGE]
    return len(CaseSerializer(cases, many=True).data)


def page_call(pair) -> int:
    client, url = pair
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(response.content)


def measure(label: str, *, calls: int, offices, office_weights, citizens, rng) -> dict:
    say(f"\n{label}")
    office_sample = rng.choices(offices, weights=office_weights, k=calls)
    clerk_names = [f"{USER_PREFIX}clerk-{o.code}" for o in office_sample]
    clerk_by_name = {u.username: u for u in User.objects.filter(username__in=set(clerk_names))}
    clerks = [clerk_by_name[name] for name in clerk_names]
    citizen_users = list(User.objects.filter(pk__in=rng.sample(citizens, min(calls, len(citizens)))))
    results = {
        "worklist": time_calls("worklist selector + serialiser", clerks, worklist_call),
        "citizen": time_calls("citizen's list + serialiser", citizen_users, citizen_call),
    }
    page_clients = []
    for clerk in clerks[: max(20, calls // 4)]:
        client = Client()
        client.force_login(clerk)
        page_clients.append((client, reverse("cases:worklist")))
    results["page"] = time_calls("worklist HTML page", page_clients, page_call)
    return results


def explain_worklist(offices) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT office_id, count(*) FROM cases_case WHERE status = ANY(%s) "
            "GROUP BY office_id ORDER BY count(*) DESC LIMIT 1",
            [list(OFFICE_TURN)],
        )
        office_id, waiting = cur.fetchone()
    clerk = User.objects.get(username=f"{USER_PREFIX}clerk-{Office.objects.get(pk=office_id).code}")
    say(f"\nEXPLAIN ANALYZE of the worklist of the busiest office ({waiting} cases waiting for it):")
    say(worklist_for(user=clerk)[:PAGE].explain(analyze=True, buffers=True))


def plain_static_files():
    """Pages use {% static %}; outside the embedded default that needs collectstatic otherwise."""
    return override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        DEBUG=False,
    )


def measure_existing(*, calls: int, rng: random.Random) -> None:
    offices = list(Office.objects.filter(code__startswith=OFFICE_PREFIX).order_by("code"))
    if not offices:
        raise SystemExit("No rows of an earlier run here: run once without --measure-only.")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT office_id, count(*) FROM cases_case WHERE status = ANY(%s) GROUP BY office_id",
            [list(OFFICE_TURN)],
        )
        waiting = dict(cur.fetchall())
        cur.execute("SELECT count(*) FROM cases_case")
        (total,) = cur.fetchone()
    citizens = list(
        User.objects.filter(username__startswith=USER_PREFIX, national_code__isnull=False).values_list(
            "pk", flat=True
        )
    )
    with plain_static_files():
        measure(
            f"{total:,} cases already loaded ({calls} calls each)",
            calls=calls,
            offices=offices,
            office_weights=[waiting.get(o.pk, 0) + 1 for o in offices],
            citizens=citizens,
            rng=rng,
        )
    explain_worklist(offices)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 cases and 3,000 offices")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per measurement")
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument(
        "--measure-only", action="store_true", help="time against the rows an earlier run left, load nothing"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run this against PostgreSQL: set DATABASE_URL=postgresql://…")
    if not 0 < args.scale <= 10:
        raise SystemExit("--scale must be in (0, 10]")
    total_cases = round(1_000_000 * args.scale)
    office_count = max(10, round(3_000 * args.scale))
    citizen_count = max(10, total_cases // CASES_PER_CITIZEN)
    rng = random.Random(args.seed)

    say(
        f"database: {settings.DATABASES['default']['NAME']} on PostgreSQL {connection.cursor().connection.info.server_version}"
    )
    if args.measure_only:
        measure_existing(calls=args.calls, rng=rng)
        return
    say(f"target: {total_cases:,} cases, {office_count:,} offices, {citizen_count:,} citizens")
    call_command("migrate", verbosity=0)
    remove_earlier_run()

    started = time.perf_counter()
    with transaction.atomic():
        offices = make_offices(office_count, rng)
        clerks = make_clerks(offices)
        citizens = make_citizens(citizen_count, start=1)
    # Office sizes are skewed (a few very busy offices in big cities, many small ones).
    office_weights = [rng.lognormvariate(0, 0.8) for _ in offices]
    say(f"offices, clerks and citizens loaded in {time.perf_counter() - started:.1f} s")

    # First the open work (a quarter of all cases), then the finished history on top of it: the
    # worklist and a citizen's list should not slow down as history accumulates.
    open_share = sum(OPEN_MIX.values())
    tranches = (
        ("open work only", round(total_cases * open_share), OPEN_MIX),
        ("open work + finished history", total_cases - round(total_cases * open_share), FINISHED_MIX),
    )
    results = {}
    loaded = 0
    for label, size, mix in tranches:
        started = time.perf_counter()
        with transaction.atomic():
            added = make_cases(
                count=size,
                status_mix=mix,
                serial_start=loaded,
                offices=offices,
                office_weights=office_weights,
                citizens=citizens,
                clerks=clerks,
                rng=rng,
            )
        loaded += added
        seconds = time.perf_counter() - started
        with connection.cursor() as cur:
            cur.execute("ANALYZE cases_case")
            cur.execute("ANALYZE accounts_user")
            cur.execute("ANALYZE accounts_roleassignment")
        rate = added / max(seconds, 1e-9)
        say(f"\nloaded {added:,} cases in {seconds:.1f} s ({rate:,.0f} rows/s); {loaded:,} in all")
        with plain_static_files():
            results[loaded] = measure(
                f"{label}: {loaded:,} cases ({args.calls} calls each)",
                calls=args.calls,
                offices=offices,
                office_weights=office_weights,
                citizens=citizens,
                rng=rng,
            )

    small, big = sorted(results)
    say(f"\nfrom {small:,} to {big:,} cases ({big / small:.0f}× the rows):")
    for key, label in (("worklist", "worklist"), ("citizen", "citizen's list"), ("page", "worklist page")):
        a, b = results[small][key], results[big][key]
        same = "unchanged" if max(a["queries"]) == max(b["queries"]) else "CHANGED"
        say(
            f"  {label:<16} p50 ×{b['p50'] / a['p50']:.2f}   p95 ×{b['p95'] / a['p95']:.2f}   "
            f"queries/call {a['queries']} → {b['queries']} (at most {max(b['queries'])}: {same})"
        )
    say("  (an office with an empty worklist skips the page's row query: one query fewer)")
    explain_worklist(offices)


if __name__ == "__main__":
    main()
