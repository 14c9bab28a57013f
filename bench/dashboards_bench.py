"""The dashboards at national scale on PostgreSQL: rollup rebuild, every dashboard page's p95 and
query count, and the Kanoon's finance overview and a year of dispute figures, before and after.

Loads (set-based, ``INSERT … SELECT generate_series``; a second run reuses what is there unless
``--reload``) a Jalali year (1404) for ``--offices`` offices: ``--responses`` survey answers (the
feedback benchmark's generator), ``--requests`` requests in every status and channel, ``--disputes``
disputes in every stage, ``--appointments`` appointments, a captured payment per closed request,
complaints, monthly ledger revenue and subsidies, and today's queue. Then:

1. ``rebuild_rollups`` for the year (seconds, rows) and ``check_rollups`` on one month;
2. each dashboard page (the nation for the year and the month, a province, an office, the office
   manager's home, and the public open-data pages if they exist): p95 and median server time over
   ``--runs`` requests through Django's test client, and the number of queries (for two different
   periods, to show it does not grow with the data);
3. before/after: the finance overview (``finance.selectors.kanoon_overview``) and a year of dispute
   figures (``disputes.metrics.public_figures``) read from the source tables, against the same
   money and dispute indicators read from the rollups for the same month / year.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/dashboards_bench.py
    ... bench/dashboards_bench.py --scale 0.1        # a tenth of every size, for a quick look

Use a scratch database: it is migrated, and the source tables named above are emptied and
refilled. Figures and ratios only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import feedback_bench
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.accounts.twofactor import mark_session
from tanzim.cases.models import Case
from tanzim.common.jalali import jalali_month_bounds_utc, jalali_month_range
from tanzim.dashboards import rollups, selectors
from tanzim.dashboards.models import OfficeDay
from tanzim.offices.models import Office

say = feedback_bench.say
logging.getLogger("tanzim.request").setLevel(logging.WARNING)  # one log line per page request otherwise
YEAR = 1404
USER_PREFIX = "bench-dash-"


def _sql(cursor, text: str, params=None) -> None:
    cursor.execute(text, params or {})


TABLES = ("cases_case", "disputes_dispute", "scheduling_appointment", "finance_payment", "feedback_complaint",
          "finance_entry", "finance_account", "finance_transaction", "scheduling_queueticket",
          "dashboards_officeday", "dashboards_provinceday")  # fmt: skip


def sources_clear() -> None:
    """Empty the tables this bench fills (their rows protect the offices the reload replaces)."""
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"TRUNCATE {table} CASCADE")


def sources_load(office_ids: list[int], *, requests: int, disputes: int, appointments: int) -> None:
    """Requests, payments, disputes, appointments, complaints, ledger revenue and today's queue."""
    start, _x = jalali_month_bounds_utc(YEAR, 1)
    _x, end = jalali_month_bounds_utc(YEAR, 12)
    citizen = User.objects.get_or_create(
        username=f"{USER_PREFIX}citizen", defaults={"national_code": "9900000099"}
    )[0].pk
    params = {"start": start, "end": end, "n": len(office_ids), "citizen": citizen}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM catalog_service ORDER BY id LIMIT 1")
        params["service"] = cursor.fetchone()[0]
        cursor.execute("SET session_replication_role = replica")  # scratch rows: skip FK triggers
        cursor.execute("DROP TABLE IF EXISTS bench_o")
        cursor.execute(
            "CREATE TEMP TABLE bench_o AS SELECT i - 1 AS idx, id, ((i * 7919) %% 1000) / 1000.0 AS q "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, i)",
            [office_ids],
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_o (idx)")
        # Offices of skewed size: a power of a uniform draw picks the office of each row.
        pick = (
            "CROSS JOIN LATERAL (SELECT floor(power(random(), 1.6) * %(n)s)::int AS idx, g AS keep) pick "
            "JOIN bench_o o ON o.idx = pick.idx"
        )
        t = time.perf_counter()
        _sql(cursor, f"""
            INSERT INTO cases_case (tracking_code, service_id, channel, office_id, applicant_id, created_by_id,
                status, status_changed_at, title, claim_text, proceeding, applicant_abroad, free_service,
                originals_confirmed, identity_method, correction_note, outcome_reason, external_ref,
                filing_attempts, created_at, updated_at, fee_snapshot, due_at)
            SELECT 'BD' || lpad(g::text, 12, '0'), %(service)s, ch.channel, o.id, %(citizen)s, %(citizen)s,
                   st.status, c.at + (1 + random() * 29) * interval '1 day', '-', '', 'first_instance', false,
                   random() < 0.03, false, '', '', '', '', 0, c.at, c.at,
                   CASE WHEN ch.channel <> 'in_person' THEN jsonb_build_object('discount', 150000) END,
                   c.at + interval '10 days'
            FROM generate_series(1, {requests}) g
            CROSS JOIN LATERAL (SELECT random() AS r, g AS k) x
            {pick}
            CROSS JOIN LATERAL (SELECT %(start)s + random() * (%(end)s - %(start)s) AS at, g AS k) c
            CROSS JOIN LATERAL (SELECT CASE WHEN x.r < 0.70 THEN 'closed' WHEN x.r < 0.80 THEN 'rejected'
                     WHEN x.r < 0.85 THEN 'cancelled' WHEN x.r < 0.95 THEN 'in_review' ELSE 'submitted' END
                     AS status, g AS k) st
            CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.25 + 0.3 * o.q THEN 'remote'
                     WHEN random() < 0.3 THEN 'semi_in_person' ELSE 'in_person' END AS channel, g AS k) ch
            """, params)  # fmt: skip
        say(f"  {requests:,} requests in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        _sql(cursor, """
            INSERT INTO finance_payment (uuid, reference_type, reference_id, service_code, channel, quote,
                credit_purpose, office_fee, court_fee, subsidy, amount, office_fee_refunded, court_fee_refunded,
                status, method, gateway, gateway_ref, failure_reason, return_url, idempotency_scope,
                request_fingerprint, created_at, updated_at, office_id, captured_at)
            SELECT gen_random_uuid(), 'cases.case', c.id::text, 'petition', c.channel, '{}', '',
                   770000, 0, 0, 770000, 0, 0, 'captured', 'pos', 'simulated', '', '', '', '', '',
                   c.created_at, c.created_at, c.office_id, c.created_at + interval '1 hour'
            FROM cases_case c WHERE c.status IN ('closed', 'in_review')
            """)  # fmt: skip
        say(f"  payments in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        _sql(cursor, f"""
            INSERT INTO disputes_dispute (reference, office_id, origin, category, summary, status, status_changed_at,
                path, triage_note, triage_note_en, referral_target, halves_court_fee, criminal_track,
                window_extensions, invite_attempts, respondent_response, failure_reason, outcome_note,
                filing_limit, file_first, created_by_id, created_at, updated_at, request_fingerprint, eligible,
                concluded_at, due_at)
            SELECT 'BS' || lpad(g::text, 12, '0'), o.id, 'office', 'money_claim', '-', st.status, c.at,
                   'mediation', '', '', '', false, '', 0, 1, '', '', '', '', false, %(citizen)s, c.at, c.at, '',
                   st.eligible,
                   CASE WHEN st.status IN ('settled', 'awarded', 'referred', 'withdrawn', 'closed')
                        THEN c.at + (3 + random() * 40) * interval '1 day' END,
                   CASE WHEN st.status IN ('invited', 'mediation') THEN c.at + interval '14 days' END
            FROM generate_series(1, {disputes}) g
            {pick}
            CROSS JOIN LATERAL (SELECT %(start)s + random() * (%(end)s - %(start)s) AS at, g AS k) c
            CROSS JOIN LATERAL (SELECT random() AS r, g AS k) x
            CROSS JOIN LATERAL (SELECT CASE WHEN x.r < 0.25 + 0.3 * o.q THEN 'settled' WHEN x.r < 0.62 THEN 'awarded'
                     WHEN x.r < 0.75 THEN 'referred' WHEN x.r < 0.80 THEN 'withdrawn' WHEN x.r < 0.90 THEN 'mediation'
                     ELSE 'invited' END AS status,
                     CASE WHEN x.r >= 0.62 AND x.r < 0.66 THEN false ELSE true END AS eligible, g AS k) st
            """, params)  # fmt: skip
        say(f"  {disputes:,} disputes in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        _sql(cursor, f"""
            INSERT INTO scheduling_appointment (reference, office_id, units, start, "end", service_id, channel,
                citizen_id, booked_by_id, status, case_ref, request_fingerprint, late, cancel_reason, created_at,
                updated_at)
            SELECT 'BP' || lpad(g::text, 10, '0'), o.id, 1, s.at, s.at + interval '15 minutes', %(service)s,
                   'video', %(citizen)s, %(citizen)s,
                   CASE WHEN x.r < 0.75 THEN 'served' WHEN x.r < 0.85 THEN 'no_show' WHEN x.r < 0.95 THEN 'cancelled'
                        ELSE 'booked' END, '', '', false, '', s.at - (random() * 12) * interval '1 day',
                   s.at
            FROM generate_series(1, {appointments}) g
            {pick}
            CROSS JOIN LATERAL (SELECT %(start)s + random() * (%(end)s - %(start)s) AS at, g AS k) s
            CROSS JOIN LATERAL (SELECT random() AS r, g AS k) x
            """, params)  # fmt: skip
        say(f"  {appointments:,} appointments in {time.perf_counter() - t:.0f} s")
        _sql(cursor, """
            INSERT INTO feedback_complaint (reference, office_id, complainant_id, category, description,
                about_staff, staff_description, status, status_changed_at, decision_note, request_fingerprint,
                created_at, updated_at, decided_at)
            SELECT 'BK' || o.idx || '-' || g, o.id, %(citizen)s, 'delay', '-', false, '',
                   CASE WHEN random() < 0.4 THEN 'upheld' ELSE 'dismissed' END, c.at, '', '', c.at, c.at,
                   c.at + interval '5 days'
            FROM bench_o o CROSS JOIN generate_series(1, 10) g
            CROSS JOIN LATERAL (SELECT %(start)s + random() * (%(end)s - %(start)s - interval '6 days') AS at,
                                g + o.idx AS k) c
            """, params)  # fmt: skip
        _sql(cursor, "INSERT INTO finance_transaction (posted_at, kind, memo, reference_type, reference_id, "
                     "created_at) VALUES (%(start)s, 'payment', 'bench', '', '', %(start)s)", params)  # fmt: skip
        _sql(cursor, """
            INSERT INTO finance_account (code, kind, owner, purpose, created_at, office_id)
            SELECT 'BA-' || p.purpose || '-' || o.id, 'revenue', 'office', p.purpose, %(start)s, o.id
            FROM bench_o o CROSS JOIN (VALUES ('fee_revenue'), ('subsidy_revenue')) p(purpose)
            """, params)  # fmt: skip
        _sql(cursor, """
            INSERT INTO finance_entry (debit, credit, posted_at, account_id, transaction_id)
            SELECT 0, CASE WHEN a.purpose = 'fee_revenue' THEN 10000000 + (random() * 9000000)::bigint
                           ELSE (random() * 500000)::bigint END,
                   %(start)s + (d.k + random()) * interval '1 day', a.id, (SELECT max(id) FROM finance_transaction)
            FROM finance_account a CROSS JOIN generate_series(0, 364, 7) d(k) WHERE a.code LIKE 'BA-%%'
            """, params)  # fmt: skip
        today = timezone.localdate()
        _sql(cursor, """
            INSERT INTO scheduling_queueticket (office_id, day, number, kind, status, sort_at, joined_at,
                call_count, called_at)
            SELECT o.id, %(today)s, g, 'walk_in',
                   CASE WHEN g <= 20 THEN 'served' WHEN g <= 22 THEN 'called' ELSE 'waiting' END,
                   now(), now() - interval '1 hour', 0, CASE WHEN g <= 22 THEN now() END
            FROM bench_o o CROSS JOIN generate_series(1, 30) g
            """, {**params, "today": today})  # fmt: skip
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in ("cases_case", "disputes_dispute", "scheduling_appointment", "finance_payment",
                      "feedback_complaint", "finance_entry", "scheduling_queueticket"):  # fmt: skip
            cursor.execute(f"ANALYZE {table}")


def users(office: Office) -> dict[str, User]:
    made: dict[str, User] = {}
    for name, role, scope in (
        ("kanoon", Role.KANOON_ADMIN, {}),
        ("province", Role.PROVINCE_ADMIN, {"province": office.province}),
        ("manager", Role.OFFICE_MANAGER, {"office": office}),
    ):
        user, _created = User.objects.get_or_create(
            username=f"{USER_PREFIX}{name}", defaults={"national_code": f"99{len(made):08d}"}
        )
        RoleAssignment.objects.filter(user=user).delete()
        RoleAssignment.objects.create(user=user, role=role, valid_from=timezone.now(), **scope)
        made[name] = user
    return made


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
        session = client.session
        mark_session(session, user)
        session.save()
    return client


def page(label: str, client: Client, url: str, runs: int, prepare=None) -> dict:
    """Server time of ``url``; before each request the cache is emptied, or ``prepare`` runs (what a
    beat task has done before a visitor comes)."""
    seconds, queries = [], 0
    for i in range(runs):
        cache.clear()
        if prepare is not None:
            prepare()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured) if i == 0 else queries
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    say(f"  {label:<52} p95 {1000 * p95:7.0f} ms  median {1000 * statistics.median(seconds):7.0f} ms"
        f"  queries {queries:3d}")  # fmt: skip
    return {"p95": p95, "queries": queries}


def timed(label: str, work, runs: int = 3) -> float:
    seconds = []
    for _ in range(runs):
        cache.clear()
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    say(f"  {label:<60} median {1000 * statistics.median(seconds):8.0f} ms")
    return statistics.median(seconds)


def rebuild_months(months: list[int]) -> None:
    """``rebuild_rollups`` of the given Jalali months of the year, each timed."""
    for m in months:
        lo, nxt = jalali_month_range(YEAR, m)
        started = time.perf_counter()
        rows = rollups.rebuild(lo, nxt - timedelta(days=1))
        say(
            f"  rebuild_rollups, {YEAR}/{m:02d}: {rows:,} office-days in {time.perf_counter() - started:.1f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--offices", type=int, default=3_000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--disputes", type=int, default=1_000_000)
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--appointments", type=int, default=3_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument(
        "--months",
        default="",
        help="rebuild only these Jalali months of the year (e.g. 7) on the loaded data and time the one-month "
        "pages only (a quicker run when the whole year's rebuild does not fit)",
    )
    args = parser.parse_args()
    s = args.scale
    n_offices, n_requests = max(30, int(args.offices * s)), int(args.requests * s)
    n_disputes, n_responses, n_appointments = (
        int(args.disputes * s),
        int(args.responses * s),
        int(args.appointments * s),
    )
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: DATABASE_URL=postgresql://…")
    call_command("migrate", verbosity=0)
    say(f"Sizes: {n_offices:,} offices, {n_requests:,} requests, {n_disputes:,} disputes, "
        f"{n_responses:,} survey responses, {n_appointments:,} appointments (Jalali year {YEAR})")  # fmt: skip
    offices = list(Office.objects.filter(code__startswith=feedback_bench.OFFICE_PREFIX).order_by("code"))
    months = [int(m) for m in args.months.split(",") if m.strip()]
    have = (
        len(offices) == n_offices
        and feedback_bench.loaded([o.pk for o in offices], n_responses)
        and (OfficeDay.objects.exists() or bool(months))
    )
    if months and have and not args.reload:
        say(f"\n1. Rollups: rebuilding Jalali months {months} of {YEAR} only (--months)")
        rebuild_months(months)
    elif args.reload or not have:
        say("\nLoading …")
        started = time.perf_counter()
        sources_clear()
        ids = feedback_bench.offices_load(n_offices)
        feedback_bench.responses_load(ids, n_responses)
        sources_load(ids, requests=n_requests, disputes=n_disputes, appointments=n_appointments)
        say(f"  loaded in {time.perf_counter() - started:.0f} s")
        offices = list(Office.objects.filter(code__startswith=feedback_bench.OFFICE_PREFIX).order_by("code"))
        say("\n1. Rollups")
        if months:
            rebuild_months(months)
        else:
            first = jalali_month_range(YEAR, 1)[0] - timedelta(days=1)
            last = max(jalali_month_range(YEAR, 12)[1] + timedelta(days=45), timezone.localdate())
            started = time.perf_counter()
            rows = rollups.rebuild(first, last)
            say(
                f"  rebuild_rollups, the year (+ margins): {rows:,} office-days in "
                f"{time.perf_counter() - started:.1f} s"
            )
    else:
        say(f"\n1. Rollups: reusing {OfficeDay.objects.count():,} office-days (--reload to rebuild)")
    month_first, month_next = jalali_month_range(YEAR, 7)
    started = time.perf_counter()
    found = rollups.check(month_first, month_next - timedelta(days=1))
    say(f"  check_rollups, one month: {len(found)} disagreements in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    written = rollups.refresh()
    say(
        f"  refresh (nothing changed since the rebuild): {written} office-days in {time.perf_counter() - started:.2f} s"
    )

    office = offices[0]  # the busiest office (the skew favours the first)
    people = users(office)
    year = f"from={YEAR}/01/01&to={YEAR}/12/29"
    month = f"from={YEAR}/07/01&to={YEAR}/07/30"
    say(f"\n2. Pages (server time through the test client, {args.runs} requests each)")
    results = {}
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(DEBUG=False, STORAGES=storages):
        kanoon, province, manager = (client_for(people[k]) for k in ("kanoon", "province", "manager"))
        span = month if months else year
        if not months:
            results["nation, year"] = page("nation, the year", kanoon, f"/dashboards/?{year}", args.runs)
        results["nation, month"] = page("nation, one month", kanoon, f"/dashboards/?{month}&indicator=satisfaction",
                                        args.runs)  # fmt: skip
        service = Case.objects.values_list("service__code", flat=True).first()
        results["nation, service"] = page(f"nation, one month, one service ({service})", kanoon,
                                          f"/dashboards/?{month}&service={service}", args.runs)  # fmt: skip
        results["province"] = page(f"a province ({span})", province,
                                   f"/dashboards/p/{office.province.code}/?{span}", args.runs)  # fmt: skip
        results["office"] = page(
            f"an office ({span})", manager, f"/dashboards/o/{office.code}/?{span}", args.runs
        )
        results["home"] = page("the office manager's home", manager, reverse("web:home"), args.runs)
        public = client_for(None)
        for name, target in (
            ("opendata:network", ()),
            ("opendata:money", ()),
            ("opendata:office", (office.code,)),
        ):
            try:
                url = reverse(name, args=target)
            except NoReverseMatch:
                continue
            results[name] = page(f"public {name}", public, url, args.runs)
    from tanzim.disputes import metrics as dispute_metrics
    from tanzim.finance import selectors as finance

    with override_settings(DEBUG=False, STORAGES=storages):
        results["finance"] = page(f"the Kanoon's finance overview {YEAR}/07 (sources)", kanoon,
                                  reverse("finance:kanoon-month", args=[YEAR, 7]), args.runs)  # fmt: skip
        results["figures"] = page(
            f"public dispute figures, year {YEAR} (after the beat task's count)",
            client_for(None),
            f"{reverse('disputes:figures')}?year={YEAR}",
            args.runs,
            prepare=lambda: dispute_metrics.public_figures(year=YEAR, fresh=True),
        )
    say("\n3. Before / after")

    before_fin = timed(f"finance overview {YEAR}/07 (sources: kanoon_overview)",
                       lambda: finance.kanoon_overview(user=people["kanoon"], year=YEAR, month=7))  # fmt: skip
    after_fin = timed(f"money indicators {YEAR}/07 by office (rollups)",
                      lambda: selectors.indicator_values(["revenue", "subsidies", "kanoon_share"], month_first,
                                                         month_next - timedelta(days=1), by="office"))  # fmt: skip
    before_disp = timed(f"dispute figures, year {YEAR} (sources: public_figures)",
                        lambda: dispute_metrics.public_figures(year=YEAR))  # fmt: skip
    year_first, year_last = (
        jalali_month_range(YEAR, 1)[0],
        jalali_month_range(YEAR, 12)[1] - timedelta(days=1),
    )
    dispute_codes = ["settlement_rate", "kept_out_per_1000", "dispute_days", "dispute_clearance",
                     "dispute_disposition"]  # fmt: skip
    after_disp = timed(
        f"dispute indicators, year {YEAR}, nation + provinces (rollups)",
        lambda: (
            selectors.indicator_values(dispute_codes, year_first, year_last),
            selectors.indicator_values(dispute_codes, year_first, year_last, by="province"),
        ),
    )
    say(f"  ratios: finance {before_fin / after_fin:,.0f}×, disputes year {before_disp / after_disp:,.0f}×")
    worst = max(r["p95"] for r in results.values())
    say(f"\nWorst dashboard p95: {1000 * worst:.0f} ms (target < 300 ms)")
    reset_queries()


if __name__ == "__main__":
    main()
