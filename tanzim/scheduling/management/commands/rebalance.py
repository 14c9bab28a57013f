"""Assign flexible requests to offices and days at least total cost, and report before/after.

manage.py rebalance                      # pending flexible requests, report only
manage.py rebalance --apply              # ... and book the assignments
manage.py rebalance --generate 50000     # generated requests around cities (report only)
manage.py rebalance --synthetic 50000 --offices 3000   # no database at all
"""

from __future__ import annotations

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tanzim.accounts.models import User
from tanzim.scheduling.services.flexible import batch, instances, rebalance


class Command(BaseCommand):
    help = "Optimal assignment of flexible requests to offices and days (HiGHS), against greedy and nearest."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=5, help="Days ahead to fill, from tomorrow.")
        parser.add_argument(
            "-k", type=int, default=rebalance.DEFAULT_K, help="Nearest eligible offices per request."
        )
        parser.add_argument(
            "--generate", type=int, default=0, help="Generate this many requests around cities."
        )
        parser.add_argument(
            "--synthetic", type=int, default=0, help="A synthetic country with this many requests."
        )
        parser.add_argument("--offices", type=int, default=3000, help="Offices of the synthetic country.")
        parser.add_argument("--seed", type=int, default=1404)
        parser.add_argument(
            "--exact", action="store_true", help="Also prove the gap to the optimum over all offices."
        )
        parser.add_argument("--apply", action="store_true", help="Book the assignments of pending requests.")
        parser.add_argument(
            "--as", dest="operator", default="", help="Username recorded as the operator (--apply)."
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **opts):
        console = Console(quiet=opts["quiet"])
        if opts["apply"] and (opts["generate"] or opts["synthetic"]):
            raise CommandError("--apply books real requests only; it cannot be combined with generated ones.")
        operator = None
        if opts["apply"]:
            operator = User.objects.filter(username=opts["operator"]).first()
            if operator is None:
                raise CommandError("--apply needs --as USERNAME of the operator running the batch.")
        steps = 6 + int(opts["exact"]) + int(opts["apply"])
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("reading", total=steps)
            if opts["synthetic"]:
                data = None
                problem = instances.generate(
                    requests=opts["synthetic"], offices=opts["offices"], days=opts["days"], seed=opts["seed"]
                )
            else:
                data = batch.from_database(days=opts["days"], generate=opts["generate"], seed=opts["seed"])
                problem = data.problem
            progress.advance(task)
            if problem.n_requests == 0:
                console.print("No pending flexible request.")
                return
            if not len(problem.bucket_capacity):
                raise CommandError("No free place in the coming days: generate slots first.")
            progress.update(task, description="nearest office")
            nearest = rebalance.solve_nearest(problem)
            progress.advance(task)
            progress.update(task, description="greedy")
            greedy = rebalance.solve_greedy(problem, k=opts["k"])
            progress.advance(task)
            progress.update(task, description=f"linear programme (HiGHS, k={opts['k']})")
            optimal = rebalance.solve_optimal(problem, k=opts["k"])
            progress.advance(task)
            progress.update(task, description="every office (column generation, proven gap)")
            default = rebalance.solve(problem, radius_km=data.radius_km() if data is not None else None)
            progress.advance(task)
            exact = None
            if opts["exact"]:
                progress.update(task, description="pricing every office (exact optimum)")
                exact = rebalance.exact_optimum(problem, optimal)
                progress.advance(task)
            applied = None
            if opts["apply"] and data is not None:
                progress.update(task, description="booking")
                applied = batch.apply(data, default, actor=operator)
                progress.advance(task)
            progress.update(task, description="report", completed=steps)
        results = [nearest, greedy, optimal, default] + ([exact] if exact else [])
        self._report(console, problem, results, exact or default)
        console.print(
            f"The default solver proves its cost within {default.proven_gap * 100:.4f}% of the optimum "
            f"over every office (lower bound {default.lower_bound:,.0f}); "
            f"{int(default.farther.sum()) if default.farther is not None else 0:,} placed beyond their "
            "nearby offices."
        )
        if applied is not None:
            console.print(
                f"Booked {applied['booked']}, missed (filled meanwhile) {applied['missed']}, "
                f"no place {applied['unassigned']}."
            )

    def _report(self, console, problem, results, reference) -> None:
        capacity = int(problem.bucket_capacity.sum())
        console.print(
            f"{problem.n_requests:,} requests · {problem.n_offices:,} offices · "
            f"{len(problem.bucket_capacity):,} office-days · {capacity:,} free places"
        )
        table = Table(title="Before (nearest office) and after (optimal assignment)")
        for column in (
            "strategy",
            "placed",
            "no place",
            "mean travel km",
            "mean delay days",
            "mean queue min",
            "total cost (min)",
            "gap",
            "seconds",
        ):
            table.add_column(column, justify="right" if column != "strategy" else "left")
        for r in results:
            placed = max(1, r.assigned)
            table.add_row(
                r.name,
                f"{r.assigned:,}",
                f"{r.unassigned:,}",
                f"{r.travel_km / placed:.2f}",
                f"{r.delay_days / placed:.2f}",
                f"{r.queue_minutes / placed:.1f}",
                f"{r.cost:,.0f}",
                f"{rebalance.gap(r, reference) * 100:+.3f}%",
                f"{r.seconds:.2f}",
            )
        console.print(table)
        frac = [r.fractional for r in results if r.fractional]
        console.print(f"Fractional LP values: {sum(frac)} (the transportation LP is integral).")
        if np.isfinite(reference.cost):
            console.print(f"Gap reference: {reference.name}.")
