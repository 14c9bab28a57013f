"""Money at national scale: 100,000 payments and a monthly settlement for 3,000 offices.

On PostgreSQL, in the last ended Jalali month:

1. a sample of payments goes through the full per-payment service path a citizen takes
   online (``payment_create`` → ``payment_start`` → the simulated bank → the signed callback
   → capture, ledger posting, audit event, SMS in the outbox), with the per-payment time;
2. the rest of the 100,000 are posted through the bulk path (``payments_import``: captured
   payments with their balanced ledger transactions, in batches);
3. the Kanoon's settlement of that month for every office (one GROUP BY, one balanced
   transaction per office in bulk), then the same run again (a no-op);
4. the reads that follow: one office's statement, the Kanoon's overview, the public
   transparency totals, and ``ledger_verify`` over everything.

Figures and ratios only; nothing here asserts on time.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/finance_bench.py
    ... bench/finance_bench.py --scale 0.01     # 1,000 payments across 30 offices, for a quick look

Use a scratch database: the script migrates it and empties the finance tables first (TRUNCATE:
the ledger refuses row deletes); its offices (coded BF…) and users (bench-fin-…) are reused.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")  # the embedded secrets, for a scratch database only

import django

django.setup()

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from tanzim.accounts.choices import Role  # noqa: E402
from tanzim.accounts.models import RoleAssignment, User  # noqa: E402
from tanzim.catalog.fees import FeeQuote, fee_quote  # noqa: E402
from tanzim.catalog.models import Service  # noqa: E402
from tanzim.common.jalali import JalaliMonth, jalali_month_bounds_utc  # noqa: E402
from tanzim.finance import selectors, services  # noqa: E402
from tanzim.finance.choices import FreeServiceGround  # noqa: E402
from tanzim.finance.gateways import simulated  # noqa: E402
from tanzim.finance.ledger import ledger_verify  # noqa: E402
from tanzim.finance.models import FreeServiceGrant, Payment  # noqa: E402
from tanzim.finance.services import ImportRow  # noqa: E402
from tanzim.offices.models import City, Office  # noqa: E402

OFFICE_PREFIX = "BF"
USER_PREFIX = "bench-fin-"
FINANCE_TABLES = [
    "finance_settlementline",
    "finance_settlementrun",
    "finance_refund",
    "finance_payment",
    "finance_entry",
    "finance_transaction",
    "finance_account",
    "finance_simulatedgatewaytransaction",
    "finance_officetier",
    "finance_resolveddispute",
    "finance_sharepolicy",
]
SERVICES = {
    "civil_petition": 0.35,
    "formal_notice": 0.25,
    "criminal_complaint": 0.15,
    "brief": 0.15,
    "request": 0.10,
}


def say(text: str) -> None:
    print(text, flush=True)


def reset() -> None:
    """Empty the money tables; offices and people from an earlier run are reused (the audit trail
    refers to them and is append-only)."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(FINANCE_TABLES)} RESTART IDENTITY CASCADE")


def make_offices(count: int) -> list[Office]:
    cities = list(City.objects.select_related("province").order_by("code"))
    rng = random.Random(3)
    offices = [
        Office(
            code=f"{OFFICE_PREFIX}{n:05d}",
            name_fa=f"دفتر آزمون {n}",
            name_en=f"Bench office {n}",
            province=(city := rng.choice(cities)).province,
            city=city,
            address="بنچمارک",
            latitude=city.latitude,
            longitude=city.longitude,
        )
        for n in range(count)
    ]
    Office.objects.bulk_create(offices, batch_size=1000, ignore_conflicts=True)
    return list(Office.objects.filter(code__in=[o.code for o in offices]).order_by("code"))


def make_people(citizens: int) -> tuple[list[User], User]:
    names = [f"{USER_PREFIX}citizen-{n}" for n in range(citizens)]
    User.objects.bulk_create(
        [
            User(username=name, mobile=f"+98912{n:07d}", first_name="شهروند", last_name=str(n))
            for n, name in enumerate(names)
        ],
        ignore_conflicts=True,
    )
    people = list(User.objects.filter(username__in=names).order_by("username"))
    kanoon, _created = User.objects.get_or_create(username=f"{USER_PREFIX}kanoon")
    RoleAssignment.objects.get_or_create(
        user=kanoon, role=Role.KANOON_ADMIN, defaults={"valid_from": datetime(2020, 1, 1, tzinfo=UTC)}
    )
    return people, kanoon


def quotes() -> dict[tuple[str, int], FeeQuote]:
    """A handful of realistic quotes (service × court fee), priced once by the fee engine."""
    result = {}
    for code in SERVICES:
        service = Service.objects.get(code=code)
        for court_fee in (0, 650_000, 2_000_000):
            result[(code, court_fee)] = fee_quote(service=service, channel="in_person", court_fee=court_fee)
    return result


def service_path(*, offices, citizens, priced, start, end, sample: int, rng: random.Random) -> list[float]:
    """Pay ``sample`` payments online, one by one, the way a citizen does; returns seconds per payment."""
    span = (end - start).total_seconds()
    times = []
    codes, weights = list(SERVICES), list(SERVICES.values())
    with time_machine.travel(start + timedelta(seconds=span * 0.5), tick=True):
        for n in range(sample):
            office = offices[n % len(offices)]
            quote = priced[(rng.choices(codes, weights)[0], rng.choice([0, 0, 650_000, 2_000_000]))]
            t0 = time.perf_counter()
            payment = services.payment_create(
                office=office,
                payer=citizens[n % len(citizens)],
                quote=quote,
                reference_type="bench.online",
                reference_id=str(n),
                idempotency_key=f"bench-{n:08d}",
            )
            url = services.payment_start(payment=payment)
            _session, payload, signature = simulated.bank_decide(
                token=url.rstrip("/").split("/")[-1], action="pay"
            )
            services.payment_handle_callback(payload=payload, signature=signature)
            times.append(time.perf_counter() - t0)
    return times


def bulk_path(*, offices, citizens, priced, start, end, total: int, batch: int, kanoon, rng: random.Random):
    span = (end - start).total_seconds() * 0.98
    codes, weights = list(SERVICES), list(SERVICES.values())
    weights_by_office = [rng.paretovariate(1.5) for _ in offices]  # a few busy offices, many quiet ones
    chosen = rng.choices(offices, weights_by_office, k=total)
    rows = []
    for n, office in enumerate(chosen):
        free = rng.random() < 0.03
        quote = priced[
            (rng.choices(codes, weights)[0], 0 if free else rng.choice([0, 0, 650_000, 2_000_000]))
        ]
        rows.append(
            ImportRow(
                office_id=office.pk,
                payer_id=citizens[n % len(citizens)].pk,
                reference_type="bench.import",
                reference_id=str(n),
                service_code=quote.service,
                channel=quote.channel,
                office_fee=0 if free else quote.client_office_fee,
                court_fee=quote.court_fee,
                subsidy=quote.office_fee if free else 0,
                captured_at=start + timedelta(seconds=rng.random() * span),
                method="pos" if n % 3 else "gateway",
            )
        )
    # Each free service has its recorded ground (a Relief Committee card), as an office records it.
    FreeServiceGrant.objects.bulk_create(
        [
            FreeServiceGrant(
                office_id=r.office_id,
                ground=FreeServiceGround.RELIEF_COMMITTEE,
                evidence_number="12345678",
                document="bench/confirmation.pdf",  # the scanned confirmation (no file in a bench)
                document_type="application/pdf",
                document_sha256=hashlib.sha256(b"bench confirmation").hexdigest(),
                month=JalaliMonth.of(r.captured_at).key,
                reference_type=r.reference_type,
                reference_id=r.reference_id,
                granted_by=kanoon,
                granted_at=r.captured_at,
            )
            for r in rows
            if r.subsidy
        ],
        batch_size=batch,
    )
    timings = []
    for first in range(0, len(rows), batch * 5):
        t0 = time.perf_counter()
        services.payments_import(rows=rows[first : first + batch * 5], actor=kanoon, batch_size=batch)
        timings.append((min(batch * 5, len(rows) - first), time.perf_counter() - t0))
    return timings


def timed(label: str, fn, repeat: int = 1):
    results = []
    value = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        results.append(time.perf_counter() - t0)
    say(
        f"  {label:<44} {statistics.median(results) * 1000:9.1f} ms"
        + (f"  (median of {repeat})" if repeat > 1 else "")
    )
    return value, statistics.median(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 payments and 3,000 offices")
    parser.add_argument("--sample", type=int, default=None, help="payments through the per-payment path")
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at a scratch PostgreSQL database.")
    total = max(100, int(100_000 * args.scale))
    office_count = max(10, int(3_000 * args.scale))
    sample = args.sample if args.sample is not None else max(50, min(500, total // 50))
    rng = random.Random(1404)

    say(f"Migrating and clearing the scratch database ({connection.settings_dict['NAME']})…")
    call_command("migrate", verbosity=0)
    reset()
    offices = make_offices(office_count)
    citizens, kanoon = make_people(500)
    services.share_policy_set(
        valid_from_year=1400,
        valid_from_month=1,
        base_rate_bp=1000,
        tier_adjustments_bp={"A": -300, "B": -100, "C": 0, "D": 200},
        dispute_credit_bp=25,
        dispute_credit_cap_bp=200,
    )
    for office in offices[::4]:
        services.office_tier_set(office=office, year=1300, month=1, tier=rng.choice("ABCD"))
    last = selectors.last_ended_month()
    year, month = last.year, last.month
    start, end = jalali_month_bounds_utc(year, month)
    priced = quotes()
    say(f"{total:,} payments across {office_count:,} offices in {year}/{month:02d}\n")

    say(f"1. Per-payment service path (online: create → bank → callback → capture), {sample:,} payments")
    per_payment = service_path(
        offices=offices, citizens=citizens, priced=priced, start=start, end=end, sample=sample, rng=rng
    )
    spent = sum(per_payment)
    say(
        f"  {sample:,} payments in {spent:.1f} s: {sample / spent:,.0f} payments/s; "
        f"p50 {statistics.median(per_payment) * 1000:.1f} ms, "
        f"p95 {statistics.quantiles(per_payment, n=20)[18] * 1000:.1f} ms per payment"
    )

    bulk_total = total - sample
    say(f"\n2. Bulk path (payments_import, batches of {args.batch:,}), {bulk_total:,} payments")
    t0 = time.perf_counter()
    bulk_path(
        offices=offices,
        citizens=citizens,
        priced=priced,
        start=start,
        end=end,
        total=bulk_total,
        batch=args.batch,
        kanoon=kanoon,
        rng=rng,
    )
    bulk_seconds = time.perf_counter() - t0
    say(f"  {bulk_total:,} payments in {bulk_seconds:.1f} s: {bulk_total / bulk_seconds:,.0f} payments/s")
    say(
        f"  bulk vs per-payment: {(bulk_total / bulk_seconds) / (sample / spent):.0f}× faster; "
        f"all {total:,} through the service path would take ≈ {total * spent / sample / 60:.1f} min"
    )
    captured = Payment.objects.filter(status="captured").count()
    say(f"  captured payments now: {captured:,}")
    with connection.cursor() as cursor:  # what autovacuum would have done after a day's load
        cursor.execute("ANALYZE")

    say(f"\n3. Monthly settlement of {year}/{month:02d}")
    run, first = timed(
        "settlement_run (every office)", lambda: services.settlement_run(year=year, month=month, actor=kanoon)
    )
    say(
        f"  {run.offices:,} offices settled: revenue {run.revenue:,} rials, share {run.share:,}, "
        f"subsidies {run.subsidies:,}, net {run.net:,}; {run.offices / first:,.0f} offices/s"
    )
    _again, second = timed(
        "settlement_run again (a no-op)",
        lambda: services.settlement_run(year=year, month=month, actor=kanoon),
    )
    say(f"  re-run / first run: {second / first:.3f}")

    say("\n4. Reads")
    busiest = (
        Payment.objects.filter(status="captured")
        .values("office_id")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None, "the bench captured no payment"
    office = Office.objects.get(pk=busiest["office_id"])
    timed(
        f"office_statement (busiest office, {busiest['n']:,} payments)",
        lambda: selectors.office_statement(user=kanoon, office=office, year=year, month=month),
        repeat=5,
    )
    timed(
        "kanoon_overview (every office)",
        lambda: selectors.kanoon_overview(user=kanoon, year=year, month=month),
        repeat=3,
    )
    from django.core.cache import cache

    def transparency():
        cache.clear()
        return selectors.transparency_totals(year=year, month=month)

    timed("transparency_totals (uncached)", transparency, repeat=3)
    report, _spent = timed("ledger_verify (everything)", ledger_verify)
    say(
        f"  ledger: {report.transactions:,} transactions, {report.entries:,} entries, "
        f"debits = credits = {report.total_debits:,} rials; problems: {len(report.problems)}"
    )


if __name__ == "__main__":
    main()
