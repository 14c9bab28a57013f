"""Survey metrics at national scale: 10,000,000 responses for 3,000 offices on PostgreSQL.

Loads a year of anonymous survey responses (twelve Jalali months, office sizes skewed like a
real network, each office with its own level of satisfaction) with ``INSERT … SELECT`` over
``generate_series``, counts the invitations behind them, then times the reads the ranking and
the results pages make:

* ``survey_metrics`` for every office over the whole year: one GROUP BY pass over every
  response (count, sum and count per item, number satisfied), then the means, shares,
  Bayesian-shrunk scores and Wilson bounds in Python;
* the same for one month, and for one province's offices over the year;
* one office's month-by-month figures (its results page);

each three times (figures: every run and the median), then EXPLAIN ANALYZE of the year's
GROUP BY. Figures and ratios only; nothing here asserts on time.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/feedback_bench.py
    ... bench/feedback_bench.py --scale 0.01     # 100,000 responses across 30 offices, for a quick look

Use a scratch database: the script migrates it, empties the survey response and invitation
count tables (TRUNCATE) and replaces its own offices (coded BQ…). A second run with the same
sizes reuses the loaded rows unless ``--reload`` is given.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Outside the embedded default the settings want a secret; a benchmark signs nothing that matters.
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402

from tanzim.common.jalali import jalali_month_range  # noqa: E402
from tanzim.feedback import metrics, periods  # noqa: E402
from tanzim.feedback.models import Questionnaire, SurveyTally  # noqa: E402
from tanzim.offices.models import City, Office  # noqa: E402

OFFICE_PREFIX = "BQ"
OFFICES = 3_000
RESPONSES = 10_000_000
CHUNK = 1_000_000
RUNS = 3
LAST_PERIOD = 140412  # the twelve months of 1404
INDEXES = {
    "response_office_period": "(office_id, period)",
    "response_period_office": "(period, office_id)",
}


def say(text: str) -> None:
    print(text, flush=True)


def timed(label: str, work, runs: int = RUNS):
    """Run ``work`` ``runs`` times from a cold cache; print every run and the median."""
    seconds, result = [], None
    for _ in range(runs):
        cache.clear()
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    shown = ", ".join(f"{s:.3f}" for s in seconds)
    say(f"  {label:<60} median {statistics.median(seconds):8.3f} s   (runs: {shown})")
    return result, statistics.median(seconds)


def offices_load(n: int) -> list[int]:
    """Replace the bench offices with ``n`` new ones spread over the provincial capitals."""
    with connection.cursor() as cursor:
        # Responses protect their office: empty the survey tables first (a scratch database).
        cursor.execute("TRUNCATE feedback_surveyresponse, feedback_surveytally")
    with transaction.atomic():
        Office.objects.filter(code__startswith=OFFICE_PREFIX).delete()
        capitals = list(City.objects.filter(is_capital=True).select_related("province").order_by("code"))
        Office.objects.bulk_create(
            [
                Office(
                    code=f"{OFFICE_PREFIX}{i:05d}",
                    name_fa=f"دفتر آزمون {i}",
                    name_en=f"Bench office {i}",
                    province=capitals[i % len(capitals)].province,
                    city=capitals[i % len(capitals)],
                    address="—",
                    latitude=capitals[i % len(capitals)].latitude,
                    longitude=capitals[i % len(capitals)].longitude,
                )
                for i in range(n)
            ],
            batch_size=1000,
        )
    return list(
        Office.objects.filter(code__startswith=OFFICE_PREFIX).order_by("code").values_list("pk", flat=True)
    )


def responses_load(office_ids: list[int], total: int) -> None:
    """``total`` responses over twelve months with INSERT … SELECT generate_series, in chunks."""
    months = periods.months_between(periods.shift(LAST_PERIOD, -11), LAST_PERIOD)
    starts = [jalali_month_range(*periods.split(p))[0].isoformat() for p in months]
    questionnaire = Questionnaire.objects.get(version=1).pk
    item = "LEAST(5, GREATEST(1, round(r.base + {shift} + (random() - 0.5) * 2.4)))::smallint"
    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("DROP TABLE IF EXISTS bench_office")
        cursor.execute("CREATE TEMP TABLE bench_office (idx int PRIMARY KEY, id bigint, quality float8)")
        # Each office's own level: most are good, a tail is poor (a hash, so reruns agree).
        cursor.execute(
            "INSERT INTO bench_office SELECT i - 1, id, ((i * 7919) %% 1000) / 1000.0 "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, i)",
            [office_ids],
        )
        n, done = len(office_ids), 0
        # The rows are made from the office table itself, so the per-row foreign-key triggers
        # (a key-share lock on a handful of hot office rows, ten million times) are skipped.
        cursor.execute("SET session_replication_role = replica")
        started = time.perf_counter()
        while done < total:
            size = min(CHUNK, total - done)
            cursor.execute(
                f"""
                INSERT INTO feedback_surveyresponse
                    (office_id, period, questionnaire_id, source, language, answered_on,
                     access, courtesy, clarity, timeliness, fairness, overall, comment)
                SELECT o.id, (%(months)s::int[])[m.month], %(q)s, 'visit', 'fa',
                       (%(starts)s::date[])[m.month] + (random() * 27)::int,
                       CASE WHEN random() < 0.15 THEN NULL ELSE {item.format(shift="0.2")} END,
                       {item.format(shift="0.3")},
                       {item.format(shift="0")},
                       CASE WHEN random() < 0.05 THEN NULL ELSE {item.format(shift="-0.4")} END,
                       {item.format(shift="0.1")},
                       {item.format(shift="0")},
                       CASE WHEN random() < 0.02 THEN 'نظر آزمایشی' ELSE '' END
                FROM generate_series(%(first)s, %(last)s) AS g
                CROSS JOIN LATERAL (
                    SELECT floor(power(random(), 1.6) * %(n)s)::int AS idx, g AS keep
                ) pick
                JOIN bench_office o ON o.idx = pick.idx
                CROSS JOIN LATERAL (SELECT 2.9 + 1.8 * o.quality AS base, g AS keep) r
                -- answers arrive month after month, so each month's rows sit together on disk
                CROSS JOIN LATERAL (SELECT 1 + ((g - 1) * 12) / %(total)s AS month) m
                """,
                {
                    "total": total,
                    "months": months,
                    "starts": starts,
                    "q": questionnaire,
                    "first": done + 1,
                    "last": done + size,
                    "n": n,
                },
            )
            done += size
            rate = done / (time.perf_counter() - started)
            say(f"  loaded {done:>12,} responses  ({rate:,.0f} rows/s)")
        cursor.execute("SET session_replication_role = DEFAULT")
        say("  building the (office, period) and (period, office) indexes …")
        for name, columns in INDEXES.items():
            cursor.execute(f"CREATE INDEX {name} ON feedback_surveyresponse {columns}")
        # The tallies: invitations behind the answers (a 30-70% response rate), answers, overall sums.
        cursor.execute(
            """
            INSERT INTO feedback_surveytally (office_id, period, sent, answered, overall_sum)
            SELECT r.office_id, r.period, ceil(count(*) / (0.3 + 0.4 * o.quality))::int,
                   count(*), sum(r.overall)
            FROM feedback_surveyresponse r JOIN bench_office o ON o.id = r.office_id
            GROUP BY r.office_id, r.period, o.quality
            """
        )
        cursor.execute("ANALYZE feedback_surveyresponse")
        cursor.execute("ANALYZE feedback_surveytally")


def loaded(office_ids: list[int], total: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM feedback_surveyresponse")
        rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(DISTINCT office_id) FROM feedback_surveytally")
        offices = cursor.fetchone()[0]
    return rows == total and offices == len(office_ids)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply the offices and responses (0.01 for a quick look)"
    )
    parser.add_argument(
        "--reload", action="store_true", help="reload the responses even if they are already there"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at a scratch PostgreSQL database.")
    n_offices = max(10, round(OFFICES * args.scale))
    n_responses = max(1000, round(RESPONSES * args.scale))
    version = connection.cursor().connection.info.server_version
    say(f"PostgreSQL {version}; {n_offices:,} offices, {n_responses:,} responses")
    call_command("migrate", verbosity=0)

    office_ids = list(
        Office.objects.filter(code__startswith=OFFICE_PREFIX).order_by("code").values_list("pk", flat=True)
    )
    if args.reload or len(office_ids) != n_offices or not loaded(office_ids, n_responses):
        say("loading …")
        started = time.perf_counter()
        office_ids = offices_load(n_offices)
        responses_load(office_ids, n_responses)
        say(f"  load took {time.perf_counter() - started:,.1f} s")
    else:
        say("reusing the responses already loaded (--reload to load again)")

    first, last = periods.shift(LAST_PERIOD, -11), LAST_PERIOD
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    say(f"\ntimings (cold cache each run; {os.cpu_count()} CPUs, load average {load}):")
    year, year_s = timed(
        "survey_metrics, every office, 12 months",
        lambda: metrics.survey_metrics(period_from=first, period_to=last),
    )
    month, month_s = timed(
        "survey_metrics, every office, 1 month", lambda: metrics.survey_metrics(period_from=last)
    )
    province_ids = list(
        Office.objects.filter(
            pk__in=office_ids, province=Office.objects.get(pk=office_ids[0]).province
        ).values_list("pk", flat=True)
    )
    _p, province_s = timed(
        f"survey_metrics, one province ({len(province_ids)} offices), 12 months",
        lambda: metrics.survey_metrics(period_from=first, period_to=last, office_ids=province_ids),
    )
    sizes = dict(
        SurveyTally.objects.filter(office_id__in=office_ids)
        .values_list("office_id")
        .annotate(n=Sum("answered"))
        .order_by()
    )
    by_size = sorted(office_ids, key=lambda pk: sizes.get(pk, 0))
    typical, busiest = by_size[len(by_size) // 2], by_size[-1]
    _o, office_s = timed(
        f"one office's page, 12 months (typical: {sizes.get(typical, 0):,} answers)",
        lambda: metrics.survey_metrics_by_period(office_id=typical, period_from=first, period_to=last),
    )
    timed(
        f"one office's page, 12 months (busiest: {sizes.get(busiest, 0):,} answers)",
        lambda: metrics.survey_metrics_by_period(office_id=busiest, period_from=first, period_to=last),
    )

    rows = sum(m.responses for m in year.offices.values())
    shrunk = [m.shrunk_score for m in year.offices.values() if m.shrunk_score is not None]
    small = sum(1 for m in year.offices.values() if m.below_minimum_sample)
    say("\nfigures:")
    say(f"  offices with metrics: {len(year.offices):,}   responses counted: {rows:,}")
    say(f"  network mean on the overall item: {year.network_mean:.3f}")
    month_rows = sum(m.responses for m in month.offices.values())
    say(f"  shrunk scores {min(shrunk):.2f} to {max(shrunk):.2f}; {small:,} offices below the ±5% sample")
    say(f"  throughput: year {rows / year_s:,.0f} responses/s, month {month_rows / month_s:,.0f} responses/s")
    say(
        f"  ratios: year ÷ month {year_s / month_s:.1f}×, year ÷ one province {year_s / province_s:.1f}×, "
        f"year ÷ one office's page {year_s / office_s:,.0f}×"
    )

    # The very query survey_metrics runs for the year, as the ORM writes it.
    grouped = (
        metrics._responses(first, last, None).values("office_id").annotate(**metrics._aggregates()).order_by()
    )
    plan = grouped.explain(analyze=True, buffers=True).splitlines()
    say("\nEXPLAIN ANALYZE of the year's GROUP BY (first lines):")
    for line in plan[:12]:
        say("  " + line)
    for line in plan[-3:]:
        say("  " + line)


if __name__ == "__main__":
    main()
