"""The previous default rebalancer (now `mcf`): a min-cost flow LP over every office, with a proven gap.

1. **A network instead of a transportation matrix.** A request never picks a day directly: it goes to
   an *office node* of its window class (licence group, first and last day), and the office node
   sends its flow to that office's days. A request–office arc replaces one column per day, so the
   LP has about five times fewer columns; it is still a min-cost flow (totally unimodular, so
   HiGHS's vertex is integral)::

       supply s ──2·travel + queue wait──▶ (office, class) ──delay × days late──▶ (office, day) ≤ free places
       supply s ──unassigned penalty──▶ nowhere

   Its arcs are priced against the duals over *every* eligible office (``rebalance._priced_offices``:
   price bins and k-d trees, exact), neighbourhoods growing only where a farther office is worth
   it. Up to ``TARGET_NODES`` requests this is exact: the optimum, with a proven gap of zero.

2. **Aggregation above that.** Requests of one class in one map cell become one supply node with a
   count (the cell's centroid stands for them; the cell grows until the nodes fit the target). A
   node's flow is shared among its members by a small assignment on their true distances. This is
   an approximation: the centroid's travel is not each member's.

3. **A polish on the real requests.** At the aggregate's prices, the members not clearly at their
   cheapest office are put back into an exact min-cost flow of their own, over every office, against
   what the others left free. The real problem's Lagrangian bound (``rebalance.lower_bound``) at the
   aggregate's prices (and, if better, at the polished ones) is the proven gap reported. After an
   aggregation that bound is loose (prices of an approximate problem): the cost is usually much
   closer to the optimum than the gap proven.

Capacities are never exceeded (rounding only ever leaves a request unplaced), each request gets at
most one bucket, only eligible offices in its window are used (the pricing and the arcs see only
those), and the same input gives the same output (no randomness, stable sorts).
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment, linprog

from tanzim.scheduling.services.flexible import rebalance as rb

#: Aggregate until at most this many supply nodes remain (fewer requests: no aggregation at all).
TARGET_NODES = 10_000
#: HiGHS's method for the network LP: the dual simplex, or the interior point (with crossover, so
#: still a vertex and integral) once there are more than this many arcs per supply node (crowded
#: places, grown neighbourhoods), where it was 2× faster in the benchmark and the simplex 2-4× slower.
IPM_ARCS_PER_NODE = 8


@dataclass
class Flow:
    """A solved network LP: arc flows, request duals and bucket prices."""

    s: np.ndarray  # arc tail: supply node
    o: np.ndarray  # arc head: office
    x: np.ndarray  # arc flow
    node_office: np.ndarray  # per (office, class) node
    node_class: np.ndarray
    y_node: np.ndarray  # per day arc: node, bucket, flow
    y_bucket: np.ndarray
    y: np.ndarray
    unassigned: np.ndarray  # per supply node
    u: np.ndarray  # supply duals
    price: np.ndarray  # per bucket, ≥ 0
    fun: float


def _class_of(problem: rb.Problem) -> tuple[np.ndarray, np.ndarray]:
    return rb._classes(problem)


def office_class_arcs(problem: rb.Problem, s: np.ndarray, o: np.ndarray):
    """The flow's middle layer for the (request s → office o) arcs: one node per (office, window
    class) those arcs reach, and that node's day arcs (every free bucket of its office inside the
    class's window). Returns each node's office and class, each arc's node, and per day arc its
    node, bucket, day and the window's first day."""
    uniq, cls = _class_of(problem)
    ncls = max(1, len(uniq))
    key = o * ncls + cls[s]
    # The keys are small (offices × classes): a table instead of np.unique's sort of every arc.
    present = np.zeros(problem.n_offices * ncls, bool)
    present[key] = True
    nodes = np.flatnonzero(present)
    arc_node = (np.cumsum(present) - 1)[key]
    node_office, node_class = nodes // ncls, nodes % ncls
    starts = problem.office_bucket_start
    lengths = starts[node_office + 1] - starts[node_office]
    rep = np.repeat(np.arange(len(nodes)), lengths)
    bucket = np.repeat(starts[node_office], lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    day = problem.bucket_day[bucket]
    first, last = uniq[node_class[rep], 1], uniq[node_class[rep], 2]
    keep = (day >= first) & (day <= last) & (problem.bucket_capacity[bucket] > 0)
    return node_office, node_class, arc_node, rep[keep], bucket[keep], day[keep], first[keep]


def network_lp(problem: rb.Problem, supply: np.ndarray, s: np.ndarray, o: np.ndarray) -> Flow:
    """The min-cost flow over the arcs (s → office) given, each office node sending to its days."""
    model = problem.model
    n, nb = problem.n_requests, len(problem.bucket_capacity)
    node_office, node_class, arc_node, rep, bucket, day, first = office_class_arcs(problem, s, o)
    na, ny, nn = len(s), len(rep), len(node_office)
    km = rb.haversine(problem.req_lat[s], problem.req_lon[s], problem.off_lat[o], problem.off_lon[o])
    cost = np.concatenate(
        [
            2 * model.travel_minutes(km) + problem.off_wait[o],
            model.delay_minutes_per_day * (day - first),
            np.full(n, rb.UNASSIGNED_PENALTY),
        ]
    )
    cols = na + ny + n
    # Rows: supply (n), conservation at office nodes (nn); inequality rows: buckets (nb).
    eq_rows = np.concatenate([s, n + arc_node, n + rep, np.arange(n)])
    eq_cols = np.concatenate([np.arange(na), np.arange(na), na + np.arange(ny), na + ny + np.arange(n)])
    eq_vals = np.concatenate([np.ones(na), np.ones(na), -np.ones(ny), np.ones(n)])
    a_eq = sparse.csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(n + nn, cols))
    a_ub = sparse.csr_matrix((np.ones(ny), (bucket, na + np.arange(ny))), shape=(nb, cols))
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=problem.bucket_capacity.astype(float),
        A_eq=a_eq,
        b_eq=np.concatenate([supply.astype(float), np.zeros(nn)]),
        bounds=(0, None),
        method="highs-ipm" if na > IPM_ARCS_PER_NODE * n else "highs-ds",
    )
    if res.status != 0:
        raise RuntimeError(f"HiGHS could not solve the assignment: {res.message}")
    return Flow(
        s=s,
        o=o,
        x=res.x[:na],
        node_office=node_office,
        node_class=node_class,
        y_node=rep,
        y_bucket=bucket,
        y=res.x[na : na + ny],
        unassigned=res.x[na + ny :],
        u=np.asarray(res.eqlin.marginals[:n]),
        price=np.maximum(0.0, -np.asarray(res.ineqlin.marginals)),
        fun=float(res.fun),
    )


def column_generation(
    problem: rb.Problem,
    supply: np.ndarray,
    radius_km: np.ndarray | None,
    *,
    start: int,
    grow: int,
    max_rounds: int,
    tol: float,
    deadline: float | None,
    extra: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[Flow, int, bool]:
    """Solve the network LP over every eligible office by pricing (arcs = request × office).

    Returns the last flow, the rounds and whether it stopped with arcs still worth adding.
    """
    nb = len(problem.bucket_capacity)
    _v, first = rb._priced_offices(problem, np.zeros(nb), start, radius_km)
    rows, cols = np.nonzero(first >= 0)
    s, o = rows, first[rows, cols]
    if extra is not None:
        s, o = np.concatenate([s, extra[0]]), np.concatenate([o, extra[1]])
    pairs = np.unique(s * problem.n_offices + o)
    s, o = pairs // problem.n_offices, pairs % problem.n_offices
    rounds, pending = 0, False
    while True:
        rounds += 1
        flow = network_lp(problem, supply, s, o)
        values, offices = rb._priced_offices(problem, flow.price, grow, radius_km)
        r, c = np.nonzero((values < flow.u[:, None] - tol) & (offices >= 0))
        new = r * problem.n_offices + offices[r, c]
        new = np.setdiff1d(new, s * problem.n_offices + o)
        pending = bool(len(new))
        if not pending or rounds >= max_rounds or (deadline is not None and clock.perf_counter() > deadline):
            return flow, rounds, pending
        s = np.concatenate([s, new // problem.n_offices])
        o = np.concatenate([o, new % problem.n_offices])


@dataclass
class Aggregate:
    problem: rb.Problem  # one "request" per supply node, at its members' centroid
    supply: np.ndarray
    member_node: np.ndarray  # per real request: its supply node
    radius_km: np.ndarray | None
    exact: bool  # every node is a single request (no approximation at all)


def aggregate(problem: rb.Problem, radius_km: np.ndarray | None, target: int = TARGET_NODES) -> Aggregate:
    """Requests of one class in one map cell become one supply node (cell size grows to the target).

    A request kept to its own neighbourhood (a finite radius) stays a node of its own.
    """
    n = problem.n_requests
    _uniq, cls = _class_of(problem)
    alone = np.zeros(n, bool) if radius_km is None else np.isfinite(radius_km)
    if n <= target:
        keys = np.arange(n)
    else:
        cell = 0.01  # degrees (about a kilometre), doubled until the nodes fit the target
        while True:
            gy = np.floor(problem.req_lat / cell).astype(np.int64)
            gx = np.floor(problem.req_lon / cell).astype(np.int64)
            keys = (cls * 100_000 + (gy - gy.min())) * 100_000 + (gx - gx.min())
            keys = np.where(alone, -1 - np.arange(n), keys)
            if len(np.unique(keys)) <= target or cell > 5:
                break
            cell *= 1.5
    nodes, member_node = np.unique(keys, return_inverse=True)
    member_node = member_node.reshape(-1)
    m = len(nodes)
    supply = np.bincount(member_node, minlength=m)
    exact = m == n
    if exact:
        return Aggregate(problem, supply, member_node, radius_km, True)
    # The centroid on the sphere: the mean unit vector.
    vec = rb._unit_vectors(problem.req_lat, problem.req_lon)
    mean = np.column_stack([np.bincount(member_node, vec[:, i], minlength=m) for i in range(3)])
    lat = np.degrees(np.arctan2(mean[:, 2], np.hypot(mean[:, 0], mean[:, 1])))
    lon = np.degrees(np.arctan2(mean[:, 1], mean[:, 0]))
    head = np.zeros(m, dtype=np.int64)
    head[member_node[::-1]] = np.arange(n)[::-1]  # a member of each node (class and radius are shared)
    radius = None
    if radius_km is not None:
        radius = radius_km[head]
    agg = problem.with_requests(head, req_lat=lat, req_lon=lon)
    return Aggregate(agg, supply, member_node, radius, False)


def _ranks(keys: np.ndarray) -> np.ndarray:
    """Per element of a sorted array: its position among the equal keys before it."""
    if not len(keys):
        return np.zeros(0, np.int64)
    head = np.r_[True, keys[1:] != keys[:-1]]
    start = np.maximum.accumulate(np.where(head, np.arange(len(keys)), 0))
    return np.arange(len(keys)) - start


def disaggregate(problem: rb.Problem, agg: Aggregate, flow: Flow) -> np.ndarray:
    """A bucket per real request (−1: unplaced) that carries out the aggregate's flow exactly.

    Within a node split between offices (or partly unplaced), its members are matched to the
    offices by their true travel (a small assignment); then each office node hands its days out.
    Rounding can only leave a request unplaced, never overfill a bucket.
    """
    n = problem.n_requests
    model = problem.model
    x = np.rint(flow.x).astype(np.int64)
    office_of = np.full(n, -1, dtype=np.int64)
    order = np.argsort(agg.member_node, kind="stable")
    bounds = np.searchsorted(agg.member_node[order], np.arange(len(agg.supply) + 1))
    pos = x > 0
    arc_s, arc_o, arc_x = flow.s[pos], flow.o[pos], x[pos]
    srt = np.lexsort((arc_o, arc_s))
    arc_s, arc_o, arc_x = arc_s[srt], arc_o[srt], arc_x[srt]
    arcs_per_node = np.bincount(arc_s, minlength=len(agg.supply))
    placed = np.bincount(arc_s, arc_x, minlength=len(agg.supply)).astype(np.int64)
    simple = (arcs_per_node == 1) & (placed >= agg.supply)
    # Nodes wholly sent to one office: every member goes there.
    first_arc = np.searchsorted(arc_s, np.arange(len(agg.supply)))
    members_simple = simple[agg.member_node]
    office_of[members_simple] = arc_o[first_arc[agg.member_node[members_simple]]]
    for node in np.flatnonzero(~simple & (arcs_per_node > 0)):
        members = order[bounds[node] : bounds[node + 1]]
        lo, hi = first_arc[node], first_arc[node] + arcs_per_node[node]
        slots = np.repeat(arc_o[lo:hi], arc_x[lo:hi])[: len(members)]
        km = rb.haversine(
            problem.req_lat[members, None],
            problem.req_lon[members, None],
            problem.off_lat[slots][None, :],
            problem.off_lon[slots][None, :],
        )
        row, col = linear_sum_assignment(2 * model.travel_minutes(km))
        office_of[members[row]] = slots[col]
    # Days: the members of one (office, class) node take that node's day flows in turn.
    uniq, cls = _class_of(problem)
    ncls = max(1, len(uniq))
    y = np.rint(flow.y).astype(np.int64)
    node_key = flow.node_office * ncls + flow.node_class
    slot_key = np.repeat(node_key[flow.y_node], np.maximum(y, 0))
    slot_bucket = np.repeat(flow.y_bucket, np.maximum(y, 0))
    srt = np.argsort(slot_key, kind="stable")
    slot_key, slot_bucket = slot_key[srt], slot_bucket[srt]
    who = np.flatnonzero(office_of >= 0)
    member_key = office_of[who] * ncls + cls[who]
    srt = np.argsort(member_key, kind="stable")
    who, member_key = who[srt], member_key[srt]
    big = np.int64(n + len(slot_key) + 1)
    slot_code = slot_key * big + _ranks(slot_key)
    member_code = member_key * big + _ranks(member_key)
    at = np.searchsorted(slot_code, member_code)
    hit = (at < len(slot_code)) & (slot_code[np.minimum(at, len(slot_code) - 1)] == member_code)
    chosen = np.full(n, -1, dtype=np.int64)
    chosen[who[hit]] = slot_bucket[at[hit]]
    # A guard, never expected to act: no bucket above its capacity.
    used = np.bincount(chosen[chosen >= 0], minlength=len(problem.bucket_capacity))
    for b in np.flatnonzero(used > problem.bucket_capacity):
        extra = np.flatnonzero(chosen == b)[problem.bucket_capacity[b] :]
        chosen[extra] = -1
    return chosen


def polish(
    problem: rb.Problem,
    chosen: np.ndarray,
    price: np.ndarray,
    radius_km: np.ndarray | None,
    *,
    grow: int,
    tol: float,
    deadline: float | None,
    margin: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Re-solve, exactly, the real requests the aggregate may have placed wrongly.

    At the aggregate's prices, a request is *settled* when it sits at its cheapest office by more
    than ``margin`` minutes; the others (second office nearly as good, placed elsewhere, unplaced
    with a place worth taking) form a min-cost flow of their own over every office, against the
    places the settled ones left. Returns the new assignment and bucket prices (the sub-flow's where
    it had free places, the aggregate's where the settled requests filled a bucket).
    """
    n, nb = problem.n_requests, len(problem.bucket_capacity)
    values, offices = rb._priced_offices(problem, price, 2, radius_km)
    placed = chosen >= 0
    office = np.where(placed, problem.bucket_office[np.maximum(chosen, 0)], -1)
    current = np.full(n, rb.UNASSIGNED_PENALTY)
    current[placed] = rb._cost_of(problem, np.flatnonzero(placed), chosen[placed]) + price[chosen[placed]]
    best = np.minimum(values[:, 0], rb.UNASSIGNED_PENALTY)
    with np.errstate(invalid="ignore"):  # no office at all: inf − inf, never "settled" by a margin
        clear = values[:, 1] - values[:, 0] > margin
    settled = (office == offices[:, 0]) & (current <= best + tol) & clear
    settled |= ~placed & (best >= rb.UNASSIGNED_PENALTY - tol)
    loose = np.flatnonzero(~settled)
    if not len(loose):
        return chosen, price
    residual = problem.bucket_capacity - np.bincount(chosen[settled & placed], minlength=nb)
    sub = problem.with_requests(loose, bucket_capacity=residual)
    sub_radius = None if radius_km is None else radius_km[loose]
    # Start from where they are and their two cheapest offices at the aggregate's prices.
    start_s = np.concatenate([np.arange(len(loose)), np.arange(len(loose)), np.arange(len(loose))])
    start_o = np.concatenate([office[loose], offices[loose, 0], offices[loose, 1]])
    keep = start_o >= 0
    flow, _rounds, _pending = column_generation(
        sub,
        np.ones(len(loose), dtype=np.int64),
        sub_radius,
        start=1,
        grow=grow,
        max_rounds=40,
        tol=tol,
        deadline=deadline,
        extra=(start_s[keep], start_o[keep]),
    )
    one = Aggregate(sub, np.ones(len(loose), dtype=np.int64), np.arange(len(loose)), sub_radius, True)
    again = disaggregate(sub, one, flow)
    out = chosen.copy()
    out[loose] = again
    if rb.evaluate(problem, "", out, 0).cost > rb.evaluate(problem, "", chosen, 0).cost:
        return chosen, price  # never worse than the disaggregated flow
    return out, np.where(residual > 0, flow.price, price)


def solve(
    problem: rb.Problem,
    *,
    start: int = 4,
    grow: int = 4,
    max_rounds: int = 40,
    radius_km: np.ndarray | None = None,
    tol: float = 1e-7,
    max_seconds: float | None = None,
    target: int = TARGET_NODES,
) -> rb.Result:
    """Aggregate, solve the min-cost flow over every office by pricing, disaggregate, prove the gap."""
    started = clock.perf_counter()
    deadline = None if max_seconds is None else started + max_seconds
    timings: dict[str, float] = {}
    agg = aggregate(problem, radius_km, target)
    timings["set-up"] = clock.perf_counter() - started
    flow, rounds, pending = column_generation(
        agg.problem,
        agg.supply,
        agg.radius_km,
        start=start,
        grow=grow,
        max_rounds=max_rounds,
        tol=tol,
        deadline=deadline,
    )
    timings["flow"] = clock.perf_counter() - started - timings["set-up"]
    mark = clock.perf_counter()
    chosen = disaggregate(problem, agg, flow)
    price = flow.price
    timings["disaggregate"] = clock.perf_counter() - mark
    if not agg.exact and not pending:
        mark = clock.perf_counter()
        chosen, price = polish(problem, chosen, flow.price, radius_km, grow=grow, tol=tol, deadline=deadline)
        timings["polish"] = clock.perf_counter() - mark
    mark = clock.perf_counter()
    result = rb.evaluate(problem, "optimal (all offices)", chosen, 0.0)
    bound = rb.lower_bound(problem, flow.price, radius_km)
    if price is not flow.price:
        bound = max(bound, rb.lower_bound(problem, price, radius_km))
    if pending:  # stopped early: with no capacity at all is a bound too
        bound = max(bound, rb.lower_bound(problem, np.zeros(len(flow.price)), radius_km))
    timings["bound"] = clock.perf_counter() - mark
    result.lower_bound = min(result.cost, bound)
    result.iterations = rounds
    result.columns = len(flow.s)
    result.farther = rb.placed_farther(problem, chosen)
    result.seconds = clock.perf_counter() - started
    result.extra.update(timings=timings, nodes=len(agg.supply), lp_objective=flow.fun)
    return result
