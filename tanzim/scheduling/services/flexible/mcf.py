"""The default rebalancer: an integer min-cost flow per request (OR-Tools), priced over every office.

Every request is a node of its own (no aggregation, so no approximation of anyone's travel)::

    request ──2·travel + queue wait (cap 1)──▶ (office, class) ──delay × days late──▶ (office, day)
    (office, day) ──its free places──▶ sink
    request ──unassigned penalty (cap 1)──▶ sink

Costs are minutes scaled to integers (``SCALE`` units a minute) and the network is solved exactly by
OR-Tools' cost-scaling min-cost flow. Each request starts with the arcs to its ``start`` cheapest
offices *with a free place* in its window (a full office never hides a free one).

Bucket prices (the LP duals of the capacities) are the least ones consistent with that optimum: a
longest-path fixed point ``λ_b = max(0, max over requests r allowed at b of v_r − cost(r, b))`` with
``v_r`` the request's cost plus its bucket's price (the penalty when unplaced), computed in the
same integer units, so it converges (no positive cycle at an optimum). At those prices every
(request, office) pair over **every** eligible office is priced (``rebalance._priced_offices``,
exact); a pair cheaper than the request's ``v_r`` becomes an arc and the flow is solved again. When
none is left the flow is the optimum over all offices. Whatever happens (rounds or time run out),
the Lagrangian at the last prices (``rebalance.lower_bound``) is a proven lower bound, and the gap
reported is the cost against it.

Capacities are never exceeded (they are arc capacities), each request goes to at most one bucket,
only eligible offices in its window are arcs, and the same input gives the same output.
"""

from __future__ import annotations

import time as clock

import numpy as np
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from tanzim.scheduling.services.flexible import rebalance as rb
from tanzim.scheduling.services.flexible.network import office_class_arcs

#: Integer cost units per minute in the flow (rounding error at most 1/SCALE a minute per arc).
SCALE = 100
#: A priced pair must beat the request's current value by this much (minutes) to be added.
TOLERANCE = 3.0 / SCALE
#: At most this many offices are added to one request in one round.
MAX_GROW = 96
#: Up to this many requests the rounds go on to the exact optimum (proven gap 0) by default.
EXACT_UP_TO = 10_000
#: Above it they stop once the cost is proven within this fraction of the optimum (0.01%).
GAP_TARGET = 1e-4
#: Rounds of the longest-path fixed point for the prices (each a pass over the arcs).
MAX_PRICE_PASSES = 20_000


class Network:
    """The arcs of the flow for one set of (request, office) pairs, built with integer costs."""

    def __init__(self, problem: rb.Problem, s: np.ndarray, o: np.ndarray) -> None:
        self.problem = problem
        model = problem.model
        n = problem.n_requests
        node_office, _class, arc_node, rep, bucket, day, first = office_class_arcs(problem, s, o)
        km = rb.haversine(problem.req_lat[s], problem.req_lon[s], problem.off_lat[o], problem.off_lon[o])
        self.s, self.o = s, o
        self.arc_node = arc_node.reshape(-1)
        self.c1 = np.rint((2 * model.travel_minutes(km) + problem.off_wait[o]) * SCALE).astype(np.int64)
        self.day_node, self.day_bucket = rep, bucket
        self.c2 = np.rint(model.delay_minutes_per_day * (day - first) * SCALE).astype(np.int64)
        self.n_nodes = len(node_office)
        self.penalty = round(rb.UNASSIGNED_PENALTY * SCALE)
        self.n = n

    def solve(self) -> tuple[np.ndarray, np.ndarray]:
        """The optimal flow: per request its bucket (−1 unplaced), and its arc (−1 unplaced)."""
        problem, n, nn = self.problem, self.n, self.n_nodes
        nb = len(problem.bucket_capacity)
        na, ny = len(self.s), len(self.day_node)
        sink = n + nn + nb
        tails = np.concatenate([self.s, n + self.day_node, n + nn + np.arange(nb), np.arange(n)])
        heads = np.concatenate(
            [n + self.arc_node, n + nn + self.day_bucket, np.full(nb, sink), np.full(n, sink)]
        )
        caps = np.concatenate(
            [
                np.ones(na, np.int64),
                problem.bucket_capacity[self.day_bucket],
                np.maximum(problem.bucket_capacity, 0),
                np.ones(n, np.int64),
            ]
        )
        costs = np.concatenate([self.c1, self.c2, np.zeros(nb, np.int64), np.full(n, self.penalty)])
        flow = min_cost_flow.SimpleMinCostFlow()
        arcs = flow.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64)
        )
        supply = np.zeros(sink + 1, np.int64)
        supply[:n] = 1
        supply[sink] = -n
        flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supply)
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"the min-cost flow could not be solved (status {status})")
        f = flow.flows(arcs)
        x, y = f[:na], f[na : na + ny]
        # Each (office, class) node hands its day flows to the requests that reached it, in turn
        # (the delay of a day is the same for every request of the class, so any order is optimal).
        used = np.flatnonzero(x > 0)
        used = used[np.argsort(self.arc_node[used], kind="stable")]
        slot_node = np.repeat(self.day_node, y)
        slot_bucket = np.repeat(self.day_bucket, y)
        srt = np.argsort(slot_node, kind="stable")
        slot_node, slot_bucket = slot_node[srt], slot_bucket[srt]
        if not np.array_equal(slot_node, self.arc_node[used]):  # pragma: no cover - flow conservation
            raise RuntimeError("the flow does not conserve at an office node")
        chosen = np.full(n, -1, np.int64)
        arc_of = np.full(n, -1, np.int64)
        chosen[self.s[used]] = slot_bucket
        arc_of[self.s[used]] = used
        return chosen, arc_of

    def prices(self, chosen: np.ndarray, arc_of: np.ndarray, deadline: float | None) -> np.ndarray:
        """The least bucket prices (integer units) consistent with this optimal flow."""
        nb = len(self.problem.bucket_capacity)
        if not len(self.s) or not len(self.day_node):  # no arc at all: nothing to price
            return np.zeros(nb, np.int64)
        placed = chosen >= 0
        base = np.full(self.n, self.penalty, np.int64)
        # A placed request's own cost: its office arc and the day arc of (its node, its bucket).
        pair = self.day_node * nb + self.day_bucket
        order = np.argsort(pair)
        want = self.arc_node[np.maximum(arc_of, 0)] * nb + np.maximum(chosen, 0)
        at = order[np.minimum(np.searchsorted(pair[order], want), len(order) - 1)]
        own = np.where(placed, self.c1[np.maximum(arc_of, 0)] + self.c2[at], 0)
        lam = np.zeros(nb, np.int64)
        for _ in range(MAX_PRICE_PASSES):
            v = np.where(placed, own + lam[np.maximum(chosen, 0)], base)
            w = np.full(self.n_nodes, np.iinfo(np.int64).min // 4, np.int64)
            np.maximum.at(w, self.arc_node, v[self.s] - self.c1)
            new = np.zeros(nb, np.int64)
            np.maximum.at(new, self.day_bucket, w[self.day_node] - self.c2)
            new = np.maximum(new, lam)
            if np.array_equal(new, lam) or (deadline is not None and clock.perf_counter() > deadline):
                break
            lam = new
        return lam


def _worth_adding(
    problem: rb.Problem,
    price: np.ndarray,
    current: np.ndarray,
    values: np.ndarray,
    offices: np.ndarray,
    grow: int,
    radius_km: np.ndarray | None,
) -> np.ndarray:
    """(request × n_offices + office) for the offices cheaper than the request's value now.

    Where every one of the ``grow`` cheapest offices is cheaper (a crowded place: the free ones
    are farther), the request is priced again four times deeper, up to ``MAX_GROW`` offices a round,
    so a neighbourhood grows to the free places in a few rounds instead of many.
    """
    keys = []
    rows = np.arange(problem.n_requests)
    m = grow
    while True:
        cheaper = (values < current[rows, None] - TOLERANCE) & (offices >= 0)
        r, c = np.nonzero(cheaper)
        keys.append(rows[r] * problem.n_offices + offices[r, c])
        deeper = cheaper[:, -1]
        if m >= MAX_GROW or not deeper.any():
            return np.concatenate(keys)
        rows = rows[deeper]
        m = min(MAX_GROW, 4 * m)
        sub = problem.with_requests(rows)
        values, offices = rb._priced_offices(sub, price, m, None if radius_km is None else radius_km[rows])


def solve(
    problem: rb.Problem,
    *,
    start: int = 4,
    grow: int = 6,
    max_rounds: int = 60,
    radius_km: np.ndarray | None = None,
    max_seconds: float | None = None,
    gap_target: float | None = None,
    **_ignored: object,
) -> rb.Result:
    """The optimum over every eligible office, or within ``gap_target`` of it (proven).

    ``gap_target`` (default: 0 up to ``EXACT_UP_TO`` requests, ``GAP_TARGET`` above) stops the
    rounds once the cost is proven that close to the optimum; ``max_seconds`` and ``max_rounds``
    stop them too, the assignment still feasible and its gap proven.
    """
    started = clock.perf_counter()
    deadline = None if max_seconds is None else started + max_seconds
    if gap_target is None:
        gap_target = 0.0 if problem.n_requests <= EXACT_UP_TO else GAP_TARGET
    nb = len(problem.bucket_capacity)
    capacity = np.maximum(problem.bucket_capacity, 0)
    timings = {"flow": 0.0, "prices": 0.0, "pricing": 0.0}
    _v, first = rb._priced_offices(problem, np.zeros(nb), start, radius_km)
    rows, cols = np.nonzero(first >= 0)
    pairs = np.unique(rows * problem.n_offices + first[rows, cols])
    timings["set-up"] = clock.perf_counter() - started
    rounds, pending, bound, history = 0, False, -np.inf, []
    chosen = np.full(problem.n_requests, -1, np.int64)
    while True:
        rounds += 1
        mark = clock.perf_counter()
        net = Network(problem, pairs // problem.n_offices, pairs % problem.n_offices)
        chosen, arc_of = net.solve()
        timings["flow"] += clock.perf_counter() - mark
        mark = clock.perf_counter()
        price = net.prices(chosen, arc_of, deadline) / SCALE
        timings["prices"] += clock.perf_counter() - mark
        mark = clock.perf_counter()
        placed = chosen >= 0
        current = np.full(problem.n_requests, rb.UNASSIGNED_PENALTY)
        current[placed] = rb._cost_of(problem, np.flatnonzero(placed), chosen[placed]) + price[chosen[placed]]
        values, offices = rb._priced_offices(problem, price, grow, radius_km)
        # The Lagrangian at these prices (rebalance.lower_bound), from the same pricing.
        here = float(np.minimum(rb.UNASSIGNED_PENALTY, values[:, 0]).sum() - np.sum(capacity * price))
        bound = max(bound, here)
        cost = rb.evaluate(problem, "", chosen, 0.0).cost
        history.append((cost, bound))
        new = _worth_adding(problem, price, current, values, offices, grow, radius_km)
        new = np.setdiff1d(new, pairs)
        timings["pricing"] += clock.perf_counter() - mark
        pending = bool(len(new))
        close = bound > 0 and (cost - bound) / bound <= gap_target
        out_of_time = deadline is not None and clock.perf_counter() > deadline
        if not pending or close or rounds >= max_rounds or out_of_time:
            break
        pairs = np.union1d(pairs, new)
    mark = clock.perf_counter()
    result = rb.evaluate(problem, "optimal (all offices)", chosen, 0.0)
    if pending and not close:  # stopped early: with no capacity at all is a bound too
        bound = max(bound, rb.lower_bound(problem, np.zeros(nb), radius_km))
    timings["bound"] = clock.perf_counter() - mark
    result.lower_bound = min(result.cost, bound)
    result.iterations = rounds
    result.columns = len(pairs)
    result.farther = rb.placed_farther(problem, chosen)
    result.seconds = clock.perf_counter() - started
    result.extra.update(timings=timings, nodes=problem.n_requests, pending=pending, history=history)
    return result
