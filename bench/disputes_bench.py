"""Disputes at national scale: 1,000,000 disputes a year across 3,000 offices on PostgreSQL.

Loads a year (1404) of disputes in every stage with their parties and stage events, office
sizes skewed like a real network, and 3,000,000 captured payments (the services the "kept out
of court per 1,000 services" figure divides by), all with ``INSERT … SELECT`` over
``generate_series``. Then it times:

* ``office_figures`` for every office over the year and over one month (what the ranking run
  and the public page read: settlement rate, kept out of court, time to resolution,
  engagement, failure reasons, timeliness);
* ``dispute_metrics`` for one province (the Kanoon's and a province admin's overview);
* the busiest office's board (``board_for``: stage counts and the first page of rows, with its
  parties), p50/p95 over ``--calls`` calls, and its SQL query count;
* the transition service: sequential compare-and-set moves per second (intake → triaged), each
  with its event row and its hash-chained audit event;
* the deadline sweep over 1,000 disputes whose mediation window closed.

Figures and ratios only; nothing here asserts on time.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/disputes_bench.py
    ... bench/disputes_bench.py --scale 0.01     # 10,000 disputes across 30 offices, for a quick look

Use a scratch database: the script migrates it, empties the dispute tables (TRUNCATE … CASCADE)
and replaces its own offices (coded BD…) and their payments before loading.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Outside the embedded default the settings want a secret; a benchmark signs nothing that matters.
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
# Messages and PDFs are queued for the workers, as in production, not run inside the timings.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tanzim.accounts.choices import Role  # noqa: E402
from tanzim.accounts.models import RoleAssignment, User  # noqa: E402
from tanzim.common.jalali import jalali_month_bounds_utc  # noqa: E402
from tanzim.disputes import metrics, selectors, services  # noqa: E402
from tanzim.disputes.choices import DisputeStatus  # noqa: E402
from tanzim.disputes.models import Dispute  # noqa: E402
from tanzim.offices.models import City, Licence, Office  # noqa: E402

OFFICE_PREFIX = "BD"
USERNAME = "bench-disputes-clerk"
OFFICES = 3_000
DISPUTES = 1_000_000
PAYMENTS = 3_000_000
YEAR = 1404


def say(text: str) -> None:
    print(text, flush=True)


def timed(label: str, fn, runs: int = 3):
    times, result = [], None
    for _n in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    say(
        f"  {label}: "
        + ", ".join(f"{t * 1000:.0f} ms" for t in times)
        + f"  (median {statistics.median(times) * 1000:.0f} ms)"
    )
    return result, statistics.median(times)


def clean() -> None:
    """Remove what an earlier run loaded: the dispute tables, the bench payments, the bench offices."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE disputes_dispute CASCADE")
        cursor.execute(
            "DELETE FROM finance_payment WHERE reference_type = 'bench.service' OR office_id IN "
            "(SELECT id FROM offices_office WHERE code LIKE %s)",
            [OFFICE_PREFIX + "%"],
        )
    Office.objects.filter(code__startswith=OFFICE_PREFIX).delete()


def load_offices(n: int) -> list[int]:
    cities = list(City.objects.select_related("province").order_by("code"))
    offices = [
        Office(
            code=f"{OFFICE_PREFIX}{i:06d}",
            name_fa=f"دفتر آزمون {i}",
            name_en=f"Bench office {i}",
            province=cities[i % len(cities)].province,
            city=cities[i % len(cities)],
            address="—",
            latitude=cities[i % len(cities)].latitude,
            longitude=cities[i % len(cities)].longitude,
        )
        for i in range(n)
    ]
    Office.objects.bulk_create(offices, batch_size=1000)
    ids = list(
        Office.objects.filter(code__startswith=OFFICE_PREFIX).order_by("code").values_list("pk", flat=True)
    )
    Licence.objects.bulk_create(
        [Licence(office_id=pk, kind="mediation", valid_from="2024-01-01") for pk in ids], batch_size=2000
    )
    return ids


def load_rows(office_ids: list[int], disputes: int, payments: int, clerk: User) -> None:
    start, _unused = jalali_month_bounds_utc(YEAR, 1)
    _unused, end = jalali_month_bounds_utc(YEAR, 12)
    seconds = int((end - start).total_seconds())
    lo, n = min(office_ids), len(office_ids)
    with connection.cursor() as cursor:
        # Office sizes skewed like a real network: the square of a uniform draw.
        say(f"  disputes: {disputes:,}")
        cursor.execute(
            """
            INSERT INTO disputes_dispute (
                reference, office_id, origin, category, claim_amount, summary, status, status_changed_at,
                due_at, eligible, path, triage_note, referral_target, halves_court_fee, criminal_track,
                window_extensions, invite_attempts, respondent_response, responded_at, failure_reason,
                outcome_note, concluded_at, created_by_id, created_at, updated_at, request_fingerprint
            )
            SELECT
                'B' || lpad(g::text, 9, '0'),
                %(lo)s + floor(power(random(), 2) * %(n)s)::int,
                'office',
                (ARRAY['mahriyeh','nafaqeh','jahiziyeh','money_claim','cheque','lease','neighbours','criminal'])
                    [1 + floor(random() * 8)::int],
                (50 + floor(random() * 900))::bigint * 1000000,
                '', s.status, s.created + s.took,
                CASE WHEN s.status IN ('invited','mediation','failed','arbitration')
                     THEN s.created + s.took + interval '20 days' END,
                s.status <> 'referred' OR random() > 0.1,
                'mediation', '', 'peace_court', true, '', 0, 1,
                CASE WHEN s.status IN ('intake','triaged') THEN ''
                     WHEN s.status = 'invited' THEN ''
                     WHEN s.r < 0.05 THEN 'not_contactable'
                     WHEN s.status IN ('referred','failed') AND s.r < 0.2 THEN 'declined'
                     ELSE 'accepted' END,
                CASE WHEN s.status NOT IN ('intake','triaged','invited') THEN s.created + interval '4 days' END,
                CASE WHEN s.status IN ('failed','closed','referred') THEN
                         (ARRAY['no_agreement','no_show','respondent_declined','not_contactable','window_expired'])
                         [1 + floor(random() * 5)::int]
                     WHEN s.status = 'withdrawn' THEN 'party_withdrew' ELSE '' END,
                '',
                CASE WHEN s.status IN ('settled','awarded','referred','withdrawn','closed')
                     THEN s.created + s.took END,
                %(clerk)s, s.created, s.created + s.took, ''
            FROM generate_series(1, %(count)s) AS g
            CROSS JOIN LATERAL (
                SELECT
                    %(start)s::timestamptz + (random() * %(seconds)s) * interval '1 second' AS created,
                    (3 + random() * 60) * interval '1 day' AS took,
                    random() AS r,
                    CASE WHEN x < 0.36 THEN 'settled' WHEN x < 0.40 THEN 'awarded' WHEN x < 0.62 THEN 'referred'
                         WHEN x < 0.68 THEN 'withdrawn' WHEN x < 0.78 THEN 'closed' WHEN x < 0.82 THEN 'failed'
                         WHEN x < 0.90 THEN 'mediation' WHEN x < 0.93 THEN 'arbitration' WHEN x < 0.96 THEN 'invited'
                         WHEN x < 0.98 THEN 'triaged' ELSE 'intake' END AS status
                FROM (SELECT random() + g * 0 AS x) AS pick
            ) AS s
            """,
            {"lo": lo, "n": n, "clerk": clerk.pk, "count": disputes, "start": start, "seconds": seconds},
        )
        say(f"  parties: {2 * disputes:,}")
        cursor.execute(
            """
            INSERT INTO disputes_party (dispute_id, role, name, national_code, mobile, resident_abroad)
            SELECT d.id, r.role, r.role || ' ' || d.id, '', '+98935' || lpad((d.id % 10000000)::text, 7, '0'), false
            FROM disputes_dispute d CROSS JOIN (VALUES ('claimant'), ('respondent')) AS r(role)
            """
        )
        say(f"  events: {3 * disputes:,}")
        cursor.execute(
            """
            INSERT INTO disputes_disputeevent (
                dispute_id, subject, created_at, from_status, to_status, office_id, reason, due_at
            )
            SELECT d.id, 'dispute', d.created_at, '', 'intake', d.office_id, '', NULL FROM disputes_dispute d
            UNION ALL
            SELECT d.id, 'dispute', d.created_at + interval '1 hour', 'triaged', 'invited', d.office_id, '',
                   d.created_at + interval '5 days' FROM disputes_dispute d WHERE d.status NOT IN ('intake','triaged')
            UNION ALL
            SELECT d.id, 'dispute', d.status_changed_at, 'mediation', d.status, d.office_id, '',
                   NULL FROM disputes_dispute d WHERE d.concluded_at IS NOT NULL
            """
        )
        say(f"  payments (services delivered): {payments:,}")
        cursor.execute(
            """
            INSERT INTO finance_payment (
                uuid, office_id, reference_type, reference_id, service_code, channel, quote, office_fee,
                court_fee, subsidy, amount, office_fee_refunded, court_fee_refunded, status, method, gateway,
                gateway_ref, failure_reason, return_url, idempotency_scope, request_fingerprint, created_at,
                updated_at, captured_at
            )
            SELECT gen_random_uuid(), %(lo)s + floor(power(random(), 2) * %(n)s)::int, 'bench.service', g::text,
                   'case_followup', 'in_person', '{}', 75000, 0, 0, 75000, 0, 0, 'captured', 'cash', '', '', '',
                   '', '', '', t, t, t
            FROM generate_series(1, %(count)s) AS g,
                 LATERAL (SELECT %(start)s::timestamptz + (random() * %(seconds)s) * interval '1 second' + g * interval '0'
                          AS t) AS at
            """,
            {"lo": lo, "n": n, "count": payments, "start": start, "seconds": seconds},
        )
        cursor.execute("ANALYZE disputes_dispute; ANALYZE disputes_party; ANALYZE disputes_disputeevent;")
        cursor.execute("ANALYZE finance_payment")


def board_timings(clerk: User, office_id: int, calls: int) -> tuple[list[float], int]:
    times = []
    queries = 0
    for _n in range(calls):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            board = selectors.board_for(user=clerk, office_id=office_id)
            rows = list(board.rows[:50])
            for dispute in rows:
                list(dispute.parties.all())
        times.append(time.perf_counter() - start)
        queries = len(captured.captured_queries)
    return times, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every size (0.01 for a quick look)"
    )
    parser.add_argument("--calls", type=int, default=30, help="board calls to time")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a scratch PostgreSQL database.")
    offices = max(10, int(OFFICES * args.scale))
    disputes = max(1000, int(DISPUTES * args.scale))
    payments = max(3000, int(PAYMENTS * args.scale))
    say(
        f"Disputes benchmark: {disputes:,} disputes, {offices:,} offices, {payments:,} services (scale {args.scale})"
    )
    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    with transaction.atomic():
        clean()
        office_ids = load_offices(offices)
        clerk, _created = User.objects.get_or_create(username=USERNAME)
        RoleAssignment.objects.filter(user=clerk).delete()
        busiest = office_ids[0]  # the skew puts the most disputes on the first office
        RoleAssignment.objects.create(
            user=clerk, role=Role.CLERK, office_id=busiest, valid_from=timezone.now()
        )
        load_rows(office_ids, disputes, payments, clerk)
    say(f"Loaded in {time.perf_counter() - started:.1f} s")
    busiest_count = Dispute.objects.filter(office_id=busiest).count()
    say(f"Busiest office: {busiest_count:,} disputes in the year")

    say("Figures (office_figures → per office, rolled up by the callers)")
    year_start, _u = jalali_month_bounds_utc(YEAR, 1)
    _u, year_end = jalali_month_bounds_utc(YEAR, 12)
    per_office, year_time = timed(
        "whole year, every office", lambda: metrics.office_figures(start=year_start, end=year_end), runs=3
    )
    month_start, month_end = jalali_month_bounds_utc(YEAR, 7)
    _r, month_time = timed(
        "one month, every office", lambda: metrics.office_figures(start=month_start, end=month_end)
    )
    nation = metrics.Figures()
    for figures in per_office.values():
        nation.add(figures)
    say(
        f"  nation: settlement rate {nation.settlement_rate:.3f}, kept out per 1,000 services "
        f"{nation.kept_out_per_1000:.1f}, median days {nation.median_days:.1f}, engagement {nation.engagement_rate:.3f}"
    )
    say(f"  year ÷ month: {year_time / month_time:.1f}×")
    province_id = Office.objects.get(pk=busiest).province_id
    kanoon, _c = User.objects.get_or_create(username="bench-disputes-kanoon", defaults={"is_superuser": True})
    timed(
        "one province (dispute_metrics as the Kanoon)",
        lambda: metrics.dispute_metrics(user=kanoon, start=year_start, end=year_end, province_id=province_id),
    )

    say("Board of the busiest office (counts by stage + first 50 rows with parties)")
    times, queries = board_timings(clerk, busiest, args.calls)
    say(
        f"  p50 {statistics.median(times) * 1000:.1f} ms, p95 {sorted(times)[int(0.95 * len(times)) - 1] * 1000:.1f} ms,"
        f" {queries} queries per call"
    )

    say("Transition service (compare-and-set + event row + audit event), sequential")
    intake = list(
        Dispute.objects.filter(status=DisputeStatus.INTAKE, office_id=busiest).values_list("pk", flat=True)[
            :300
        ]
    )
    start = time.perf_counter()
    for pk in intake:
        services.dispute_transition(
            dispute=Dispute(pk=pk),
            to=DisputeStatus.TRIAGED,
            actor=clerk,
            expected_status=DisputeStatus.INTAKE,
        )
    elapsed = time.perf_counter() - start
    say(f"  {len(intake)} moves in {elapsed:.2f} s: {len(intake) / elapsed:.0f} moves/s")

    say("Deadline sweep: 1,000 mediations whose window closed")
    later = timezone.now() + timedelta(days=30)
    Dispute.objects.filter(status__in=[DisputeStatus.INVITED, DisputeStatus.FAILED]).update(due_at=later)
    due = list(Dispute.objects.filter(status=DisputeStatus.MEDIATION).values_list("pk", flat=True)[:1000])
    yesterday = timezone.localdate() - timedelta(days=1)
    Dispute.objects.filter(pk__in=due).update(
        window_started_on=yesterday - timedelta(days=90), window_ends_on=yesterday
    )
    start = time.perf_counter()
    outcome = services.deadlines_sweep()
    elapsed = time.perf_counter() - start
    say(f"  {outcome} in {elapsed:.2f} s: {len(due) / elapsed:.0f} disputes/s")


if __name__ == "__main__":
    main()
