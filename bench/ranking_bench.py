"""The office ranking at national scale: a full quarter for 3,000 offices on PostgreSQL.

Loads (once; reused on a second run) a year of 10,000,000 survey responses with the feedback
benchmark's generator, then for the ranked quarter (Dey–Esfand 1404): disputes concluded with
their events (settlement rate, kept out of court, timeliness), captured payments (services),
filed requests (services for the complaint rate), decided complaints, one completed inspection
per office and each office's fee and subsidy revenue in the ledger. Then it runs the ranking
(1,000 Monte-Carlo draws) and prints the time of each stage: collecting each indicator through
the other apps' metrics, shrinking and normalising, ranking, the Monte Carlo, storing every
input and output, approving (tiers into finance, audited), and reproducing the run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/ranking_bench.py
    ... bench/ranking_bench.py --scale 0.1      # 300 offices, 1,000,000 responses

Use a scratch database: it is migrated, its survey tables emptied and refilled, and the bench
rows of the other apps replaced. Figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import feedback_bench
from django.core.management import call_command
from django.db import connection

from tanzim.ranking import method as ranking_method
from tanzim.ranking import periods, services
from tanzim.ranking import policy as policy_rules
from tanzim.ranking.models import IndicatorValue, RankingResult, RankingRun

PERIOD = "1404-Q4"
say = feedback_bench.say


def _sql(text: str, params: Mapping[str, Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(text, params or {})


def others_load(office_ids: list[int], scale: float) -> None:
    """Disputes, events, payments, filed requests, complaints, inspections and ledger revenue."""
    period = periods.parse(PERIOD)
    start, end = feedback_bench.periods.bounds_utc(period.first, period.last)
    n = len(office_ids)
    per_office_disputes = 12
    per_office_services = max(50, int(400 * scale * 10) // 10)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # scratch rows: skip FK triggers
        for table in (
            "disputes_disputeevent",
            "disputes_dispute",
            "finance_entry",
            "finance_account",
            "finance_transaction",
            "finance_payment",
            "cases_caseevent",
            "feedback_complaint",
            "inspections_inspection",
            "finance_officetier",
        ):
            cursor.execute(f"TRUNCATE {table} CASCADE")
        cursor.execute("DROP TABLE IF EXISTS bench_o")
        cursor.execute(
            "CREATE TEMP TABLE bench_o AS SELECT i - 1 AS idx, id, ((i * 7919) %% 1000) / 1000.0 AS q "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, i)",
            [office_ids],
        )
        params: dict[str, Any] = {"start": start, "end": end, "days": (end - start).days}
        cursor.execute(
            f"""
            INSERT INTO disputes_dispute (reference, origin, category, summary, status, status_changed_at, path,
                triage_note, referral_target, halves_court_fee, criminal_track, window_extensions, invite_attempts,
                respondent_response, failure_reason, outcome_note, created_at, updated_at, request_fingerprint,
                created_by_id, office_id, eligible, concluded_at, claim_amount)
            SELECT 'BR' || o.idx || '-' || g, 'office', 'money_claim', '-',
                   CASE WHEN random() < 0.25 + 0.45 * o.q THEN 'settled'
                        WHEN random() < 0.1 THEN 'awarded' ELSE 'referred' END,
                   %(start)s + random() * (%(end)s - %(start)s), 'mediation', '', '', false, '', 0, 1, '', '', '',
                   %(start)s + random() * interval '20 days', %(start)s, '', 1, o.id, true,
                   %(start)s + interval '30 days' + random() * (%(end)s - %(start)s - interval '30 days'), 0
            FROM bench_o o CROSS JOIN generate_series(1, {per_office_disputes}) g
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO disputes_disputeevent (subject, created_at, from_status, to_status, reason, dispute_id,
                                               office_id, due_at)
            SELECT 'dispute', d.created_at + s.k * interval '5 days', 'invited', 'mediation', '', d.id, d.office_id,
                   d.created_at + s.k * interval '5 days' + (3 + 6 * random()) * interval '1 day'
            FROM disputes_dispute d CROSS JOIN (VALUES (1), (2)) s(k)
            """
        )
        cursor.execute(
            """
            INSERT INTO disputes_disputeevent (subject, created_at, from_status, to_status, reason, dispute_id,
                                               office_id)
            SELECT 'dispute', d.concluded_at, 'mediation', d.status, '', d.id, d.office_id FROM disputes_dispute d
            """
        )
        cursor.execute(
            f"""
            INSERT INTO finance_payment (uuid, reference_type, reference_id, service_code, channel, quote,
                office_fee, court_fee, subsidy, amount, office_fee_refunded, court_fee_refunded, status, method,
                gateway, gateway_ref, failure_reason, return_url, idempotency_scope, request_fingerprint,
                created_at, updated_at, office_id, captured_at)
            SELECT gen_random_uuid(), 'cases.case', o.idx || '-' || g, 'petition', 'in_person', '{{}}',
                   770000, 0, 0, 770000, 0, 0, 'captured', 'pos', 'simulated', '', '', '', '', '',
                   %(start)s, %(start)s, o.id, %(start)s + random() * (%(end)s - %(start)s)
            FROM bench_o o CROSS JOIN generate_series(1, {per_office_services}) g
            """,
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO cases_caseevent (created_at, from_status, to_status, reason, case_id, office_id)
            SELECT %(start)s + random() * (%(end)s - %(start)s), 'paid', 'filed', '', 1, o.id
            FROM bench_o o CROSS JOIN generate_series(1, {per_office_services}) g
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO feedback_complaint (reference, category, description, about_staff, staff_description,
                status, status_changed_at, decision_note, request_fingerprint, created_at, updated_at,
                complainant_id, office_id, decided_at)
            SELECT 'BC' || o.idx || '-' || g, 'delay', '-', false, '',
                   CASE WHEN random() < 0.6 THEN 'upheld' WHEN random() < 0.5 THEN 'partly_upheld' ELSE 'dismissed' END,
                   %(start)s, '', '', %(start)s, %(start)s, 1, o.id, %(start)s + random() * (%(end)s - %(start)s)
            FROM bench_o o CROSS JOIN LATERAL generate_series(1, (1 + (1 - o.q) * 4)::int) g
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO inspections_inspection (kind, status, priority, reasons, complaint_refs, created_at,
                critical_failures, summary, updated_at, checklist_id, office_id, score, completed_at)
            SELECT 'periodic', 'completed', 0, '[]', '[]', %(start)s, 0, '', %(start)s,
                   (SELECT id FROM inspections_checklist ORDER BY id LIMIT 1), o.id, 50 + 50 * o.q,
                   %(start)s - (o.idx %% 400) * interval '1 day'
            FROM bench_o o
            """,
            params,
        )
        cursor.execute(
            "INSERT INTO finance_transaction (posted_at, kind, memo, reference_type, reference_id, created_at) "
            "VALUES (%(start)s, 'payment', 'bench', '', '', %(start)s)",
            params,
        )
        cursor.execute(
            """
            INSERT INTO finance_account (code, kind, owner, purpose, created_at, office_id)
            SELECT 'BA-' || p.purpose || '-' || o.id, 'revenue', 'office', p.purpose, %(start)s, o.id
            FROM bench_o o CROSS JOIN (VALUES ('fee_revenue'), ('subsidy_revenue')) p(purpose)
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO finance_entry (debit, credit, posted_at, account_id, transaction_id)
            SELECT 0, CASE WHEN a.purpose = 'fee_revenue' THEN 300000000 ELSE 1 + (random() * 20000000)::bigint END,
                   %(start)s + (m.k * 30 + 3) * interval '1 day', a.id, (SELECT max(id) FROM finance_transaction)
            FROM finance_account a CROSS JOIN (VALUES (0), (1), (2)) m(k) WHERE a.code LIKE 'BA-%%'
            """,
            params,
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in ("disputes_dispute", "disputes_disputeevent", "finance_payment", "cases_caseevent"):
            cursor.execute(f"ANALYZE {table}")
    say(
        f"  loaded {n * per_office_disputes:,} disputes (x3 events), {n * per_office_services:,} payments and "
        f"filed requests, complaints, {n:,} inspections and the quarter's ledger revenue"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0: 3,000 offices and 10,000,000 responses"
    )
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at a scratch PostgreSQL database.")
    offices = max(10, int(feedback_bench.OFFICES * args.scale))
    responses = max(10_000, int(feedback_bench.RESPONSES * args.scale))
    say(f"ranking benchmark: {offices:,} offices, {responses:,} survey responses, {args.draws:,} draws")
    call_command("migrate", verbosity=0)
    existing = feedback_bench.Office.objects.filter(code__startswith=feedback_bench.OFFICE_PREFIX)
    ids = list(existing.order_by("code").values_list("pk", flat=True))
    if args.reload or len(ids) != offices or not feedback_bench.loaded(ids, responses):
        started = time.perf_counter()
        # Every bench row that refers to the old bench offices goes first (a scratch database).
        _sql(
            "TRUNCATE ranking_indicatorvalue, ranking_rankingresult, ranking_rankingrunevent, ranking_rankingrun, "
            "disputes_disputeevent, disputes_dispute, finance_entry, finance_account, finance_transaction, "
            "finance_payment, finance_officetier, cases_caseevent, feedback_complaint, inspections_inspection, "
            "audit_auditevent, audit_auditstream CASCADE"
        )
        ids = feedback_bench.offices_load(offices)
        feedback_bench.responses_load(ids, responses)
        say(f"  surveys loaded in {time.perf_counter() - started:.1f} s")
    # Only the bench offices take part (a scratch database may hold others).
    feedback_bench.Office.objects.exclude(pk__in=ids).update(status="closed")
    started = time.perf_counter()
    others_load(ids, args.scale)
    say(f"  other indicators loaded in {time.perf_counter() - started:.1f} s")

    RankingRun.objects.filter(period_kind="quarter").delete()
    policy = services.policy_current()
    if policy.mc_draws != args.draws:
        values = policy_rules.defaults() | {"mc_draws": args.draws, "note": "benchmark"}
        policy = services.policy_create(actor=None, **values)

    stages: dict[str, float] = {}
    last = [time.perf_counter()]

    def tick(stage: str, _pct: int = 0) -> None:
        """Each progress report closes a stage: the time since the previous one is that stage's."""
        now = time.perf_counter()
        stages[stage] = stages.get(stage, 0.0) + now - last[0]
        last[0] = now

    total = time.perf_counter()
    run = services.run_request(actor=None, period=PERIOD)
    tick("request")
    run = services.run_execute(run_id=run.pk, progress=tick)
    tick("finish")
    if run.status != "finished":
        raise SystemExit(f"run failed: {run.error}")
    run_seconds = time.perf_counter() - total
    started = time.perf_counter()
    services.run_approve(run=run, actor=None)
    approve = time.perf_counter() - started
    started = time.perf_counter()
    again = services.run_reproduce(run=run)
    reproduce = time.perf_counter() - started

    # The pure method alone, three times, on the stored inputs (figures without the database).
    inputs = services.stored_inputs(run)
    method = policy_rules.to_method(run.policy)
    pure = []
    for _ in range(3):
        started = time.perf_counter()
        ranking_method.rank(inputs, method, seed=run.seed)
        pure.append(time.perf_counter() - started)

    say("")
    say(
        f"run {run.pk}: {run.ranked_count:,} of {run.office_count:,} offices ranked, {run.policy.mc_draws:,} draws"
    )
    labels = {
        "request": "request (checks, policy, queue)",
        "surveys": "claim + surveys: feedback.survey_metrics",
        "disputes": "disputes: disputes.office_figures (+ timeliness)",
        "complaints": "complaints: feedback.complaint_metrics",
        "inspections and money": "inspections + ledger revenue",
        "shrink": "build inputs + shrink",
        "normalise": "normalise (3 methods)",
        "rank": "aggregate + rank (national, provincial)",
        "monte_carlo": "Monte Carlo",
        "explain": "tiers + what would move each office",
        "store": "previous period + store results and indicator values",
        "finish": "parameters, digests, finished",
    }
    for key, seconds in stages.items():
        say(f"  {labels.get(key, key):<52} {seconds:8.3f} s")
    say(f"  {'whole run':<52} {run_seconds:8.3f} s")
    say(f"  {'approve (tiers into finance, audited)':<52} {approve:8.3f} s")
    say(f"  {'reproduce from stored inputs':<52} {reproduce:8.3f} s   identical: {again.identical}")
    say(f"  {'pure method on stored inputs (median of 3)':<52} {statistics.median(pure):8.3f} s")
    say(
        f"  rows stored: {RankingResult.objects.filter(run=run).count():,} results, "
        f"{IndicatorValue.objects.filter(run=run).count():,} indicator values"
    )
    shares = run.parameters.get("variance_share", {})
    say("  variance share vs weight: " + ", ".join(
        f"{p['key']} {100 * shares.get(p['key'], 0):.0f}%/{100 * p['weight']:.0f}%" for p in run.parameters["indicators"]
    ))  # fmt: skip


if __name__ == "__main__":
    main()
