"""The rebalancer on the instance classes of issue 25, against an exact reference it computes itself.

For each class (benchmark-like, uneven capacity, one city over capacity, capacity beyond the 10th
nearest office, capacity equal to demand) and size, it prints each solver's cost, the gap it proves
(its own lower bound), its gap to the reference, time and unplaced count:

- ``solve``: the default (``mcf.solve``: an integer min-cost flow request → office → day per
  request, OR-Tools, priced over every office; exact up to 10,000 requests, stops at a proven
  0.05% above, starting from an aggregate of the requests where the first flow leaves many out);
  its CPU time is split into set-up, warm start, the flows, the prices, the pricing and the bound,
  and printed beside the wall time (the machine is shared: ``uptime`` is printed with the table).
  It uses both cores (the pricing in two threads; at scale the warm start in a forked child beside
  the first flow, whose wall seconds waited for are printed as "warm start waited (wall)"): its "CPU
  s" counts every thread and the child, and may exceed its wall seconds;
- ``network`` (``--network``): the previous default, the same network as an LP in HiGHS with
  requests aggregated by map cell above 10,000, then polished;
- ``columns`` (``--columns``): the one before, column generation on the transportation matrix;
- ``k=10 LP``: the old neighbourhood of the 10 nearest offices, full or not;
- reference: every (request, office, day) a request may take, built at once, with no pricing and no
  neighbourhood — an independent exact solution. By default (``--reference flow``) one integer min-cost
  flow request → (office, day) → sink over all of them (OR-Tools, costs rounded to 1/100 minute: its
  optimum is exact to 0.005 minutes a request, and its lower bound says so); ``--reference lp``
  the same problem as an LP in HiGHS (exact in floating point, far slower: on a slow machine it did not
  finish 5,000 × 300 uneven in 15 minutes). It has requests × offices × days columns, so it runs only
  where that fits (``--reference-limit``, default 20 million). Above that, ``--exact`` runs the default to
  a proven gap of 0 as the reference (the same solver, not an independent one: say so when quoting it).

Figures only; nothing here asserts on time. ``uptime`` (the load average) is printed with the table.

    .venv/bin/python bench/rebalance_bench.py                         # 5,000 × 300
    .venv/bin/python bench/rebalance_bench.py --sizes 50000x3000      # national scale
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from tanzim.scheduling.services.flexible import instances, mcf, network, rebalance  # noqa: E402

console = Console(width=170)


def full_lp(problem: rebalance.Problem) -> rebalance.Result:
    """Every (request, office, day) column at once, solved by HiGHS: the exact reference."""
    started = time.perf_counter()
    m = problem.n_offices
    every = np.tile(np.arange(m), (problem.n_requests, 1))
    km = rebalance.haversine(
        problem.req_lat[:, None], problem.req_lon[:, None], problem.off_lat[every], problem.off_lon[every]
    )
    every = np.where(problem.eligible[problem.req_group][:, :m], every, -1)
    req, bucket, cost = rebalance._columns(problem, every, km)
    res = rebalance._solve_lp(problem, req, bucket, cost)
    result = rebalance._result_from_lp(problem, "reference (full LP)", req, bucket, res, started, len(req))
    result.lower_bound = float(res.fun)
    return result


def full_flow(problem: rebalance.Problem) -> rebalance.Result:
    """Every (request, bucket) pair the request may take as an arc of one min-cost flow (OR-Tools),
    built here from the problem alone: request → bucket (its cost) → sink (the bucket's places), and
    request → sink at the unassigned penalty. Costs in hundredths of a minute, so the lower bound is the
    flow's optimum less 0.005 minutes a request (the most the rounding can hide of any assignment)."""
    started = time.perf_counter()
    n, nb = problem.n_requests, len(problem.bucket_capacity)
    req = np.repeat(np.arange(n), nb)
    bucket = np.tile(np.arange(nb), n)
    keep = rebalance._in_window(problem, req, bucket)
    req, bucket = req[keep], bucket[keep]
    cost = np.rint(rebalance._cost_of(problem, req, bucket) * 100).astype(np.int64)
    sink = n + nb
    costs = np.concatenate(
        [cost, np.zeros(nb, np.int64), np.full(n, round(rebalance.UNASSIGNED_PENALTY * 100))]
    )
    supply = np.zeros(sink + 1, np.int64)
    supply[:n], supply[sink] = 1, -n
    f = mcf._min_cost_flow(  # the solver's own call of OR-Tools, over arcs built here
        np.concatenate([req, n + np.arange(nb), np.arange(n)]).astype(np.int32),
        np.concatenate([n + bucket, np.full(nb, sink), np.full(n, sink)]).astype(np.int32),
        np.concatenate(
            [np.ones(len(req), np.int64), np.maximum(problem.bucket_capacity, 0), np.ones(n, np.int64)]
        ),
        costs,
        supply,
    )
    used = f[: len(req)] > 0
    chosen = np.full(n, -1, np.int64)
    chosen[req[used]] = bucket[used]
    result = rebalance.evaluate(
        problem, "reference (full min-cost flow)", chosen, time.perf_counter() - started
    )
    result.lower_bound = int(f @ costs) / 100 - 0.005 * n
    result.columns = len(req)
    return result


def cpu_seconds() -> float:
    """This process's CPU seconds (every thread) and those of its children it has reaped (the warm
    start computed ahead in a forked child: ``flexible/ahead.py``)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(solver, problem: rebalance.Problem, **options) -> rebalance.Result:
    cpu = cpu_seconds()
    result = solver(problem, **options)
    result.extra["cpu"] = cpu_seconds() - cpu
    return result


def run(kind: str, requests: int, offices: int, limit: int, options: argparse.Namespace) -> list[tuple]:
    problem = instances.generate_class(kind, requests=requests, offices=offices)
    rows = []
    default = timed(rebalance.solve, problem, max_seconds=options.max_seconds)
    timings = default.extra.get("timings", {})
    default.name = (
        "solve (CPU s: " + ", ".join(f"{part} {sec:.1f}" for part, sec in timings.items() if sec) + ")"
    )
    results = [default]
    if options.network:
        results.append(timed(network.solve, problem))
        results[-1].name = "network (previous default)"
    if options.columns:
        results.append(timed(rebalance.solve_columns, problem))
        results[-1].name = "columns (the one before)"
    if not options.no_k10:
        results.append(timed(rebalance.solve_optimal, problem, k=10))
        results[-1].lower_bound = float("nan")
    reference = None
    if requests * offices * 5 <= limit:
        reference = timed(full_flow if options.reference == "flow" else full_lp, problem)
        results.append(reference)
    elif options.exact:
        reference = timed(rebalance.solve, problem, gap_target=0.0)
        reference.name = "exact: the default to gap 0 (same solver)"
        results.append(reference)
    best = reference.cost if reference else default.lower_bound
    for r in results:
        rows.append(
            (
                kind,
                f"{requests:,} × {offices:,}",
                r.name,
                r.cost,
                r.proven_gap,
                (r.cost - best) / best if best else 0.0,
                r.seconds,
                r.extra.get("cpu", float("nan")),
                r.unassigned,
                getattr(r, "iterations", 0),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="5000x300", help="Comma-separated REQUESTSxOFFICES.")
    parser.add_argument("--classes", default=",".join(instances.INSTANCE_CLASSES))
    parser.add_argument("--reference-limit", type=int, default=20_000_000)
    parser.add_argument(
        "--reference",
        choices=("flow", "lp"),
        default="flow",
        help="The exact reference: one min-cost flow or HiGHS.",
    )
    parser.add_argument("--network", action="store_true", help="Also run the previous default (slow).")
    parser.add_argument("--columns", action="store_true", help="Also run the one before (slower).")
    parser.add_argument("--exact", action="store_true", help="Above the limit: the default to gap 0.")
    parser.add_argument("--no-k10", action="store_true", help="Leave out the k = 10 LP.")
    parser.add_argument(
        "--max-seconds", type=float, default=900.0, help="The default's time limit (as in production)."
    )
    args = parser.parse_args()
    started = uptime()
    table = Table(title=f"Rebalancer, issue 25 (load average at start {os.getloadavg()[0]:.1f})")
    for column in (
        "class",
        "size",
        "solver",
        "cost (min)",
        "proven gap",
        "gap to ref.",
        "seconds",
        "CPU s",
        "unplaced",
        "rounds",
    ):
        table.add_column(column, justify="left" if column in ("class", "size", "solver") else "right")
    for size in args.sizes.split(","):
        requests, offices = (int(x) for x in size.lower().split("x"))
        for kind in args.classes.split(","):
            for row in run(kind, requests, offices, args.reference_limit, args):
                gap = "—" if not np.isfinite(row[4]) else f"{row[4] * 100:.4f}%"
                table.add_row(
                    row[0], row[1], row[2], f"{row[3]:,.0f}", gap, f"{row[5] * 100:+.4f}%",
                    f"{row[6]:.2f}", f"{row[7]:.2f}", f"{row[8]:,}", str(row[9]),
                )  # fmt: skip
                console.print(f"{row[0]} {row[1]} {row[2]}: done", style="dim")
    console.print(table)
    console.print(f"uptime at the start: {started}")
    console.print(f"uptime at the end:   {uptime()} ({os.cpu_count()} cores)")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


if __name__ == "__main__":
    main()
