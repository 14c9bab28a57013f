"""Batch rebalancing of flexible requests: a transportation problem solved with HiGHS.

Each request (a citizen who can go to any nearby office on any day in a window) is sent
to one *bucket*, the free places of one office on one day. The cost of a pairing is in
minutes of the citizen's time, like the suggestion engine::

    cost(r, b) = 2 × travel_minutes(distance(r, office(b)))
               + delay_minutes_per_day × (day(b) − earliest(r))
               + queue_wait(office(b))

    minimise Σ cost·x   subject to   Σ_b x[r, b] + unassigned[r] = 1   for every request
                                     Σ_r x[r, b] ≤ free places of b    for every bucket

An unassigned request costs ``UNASSIGNED_PENALTY``. Each request only sees the buckets of
its k nearest eligible (licensed, active) offices, which keeps the LP small; the
constraint matrix is totally unimodular, so HiGHS's basic optimum is already integral.

The default solver is ``solve``, which hands over to ``mcf.solve``: the same problem as an integer
min-cost flow (request → office → day, one node per request) solved by OR-Tools and priced over
every office. ``network.solve`` (that network as an LP in HiGHS, aggregated by map cell at national
scale) came before it, and ``solve_columns`` below before that: column generation over *every*
eligible office. Each request starts with the buckets of its nearest offices **that have a free
place** in its window (a full office never hides a free one); after each LP the full problem is
priced against the duals, exactly and without building it (offices binned by price, a k-d tree per
bin, bounds that prove no farther office can be cheaper), and the neighbourhood grows only where a
farther bucket is worth it. The same pricing gives a lower bound on the optimum over all offices
(the Lagrangian of the LP at the final duals), so every run reports the gap it proves, not only its
cost.

``exact_optimum`` proves how much the k-nearest restriction costs: it prices out every
(request, office, day) column of the full problem against the restricted LP's duals and
adds the ones with a negative reduced cost until none is left (column generation). The
result is the optimum over all offices, without ever building the full matrix.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0
UNASSIGNED_PENALTY = 10_000.0  # minutes: worse than any real pairing
DEFAULT_K = 10


@dataclass(frozen=True)
class CostModel:
    delay_minutes_per_day: float = 20.0
    city_speed_kmh: float = 20.0
    road_speed_kmh: float = 60.0
    city_km: float = 10.0

    def travel_minutes(self, km: np.ndarray) -> np.ndarray:
        near = np.minimum(km, self.city_km)
        far = np.maximum(0.0, km - self.city_km)
        return near / self.city_speed_kmh * 60 + far / self.road_speed_kmh * 60


@dataclass
class Problem:
    """Requests, offices and buckets as arrays (index-based; ids are kept alongside).

    ``eligible[g, o]`` says whether office o may serve requests of group g (group = the
    licence a service needs; group 0 needs none). Buckets are (office, day) with a
    capacity; ``req_first_day``/``req_last_day`` bound the days a request accepts.
    """

    req_lat: np.ndarray
    req_lon: np.ndarray
    req_group: np.ndarray
    req_first_day: np.ndarray
    req_last_day: np.ndarray
    off_lat: np.ndarray
    off_lon: np.ndarray
    off_wait: np.ndarray
    eligible: np.ndarray
    bucket_office: np.ndarray
    bucket_day: np.ndarray
    bucket_capacity: np.ndarray
    model: CostModel = field(default_factory=CostModel)

    @property
    def n_requests(self) -> int:
        return len(self.req_lat)

    def with_requests(self, index: np.ndarray, **changes: Any) -> Problem:
        """The same offices and buckets with the requests at ``index`` (``changes`` override fields)."""
        fields = {
            name: getattr(self, name)[index]
            for name in ("req_lat", "req_lon", "req_group", "req_first_day", "req_last_day")
        }
        return replace(self, **{**fields, **changes})

    @property
    def n_offices(self) -> int:
        return len(self.off_lat)

    def __post_init__(self) -> None:
        order = np.lexsort((self.bucket_day, self.bucket_office))
        self.bucket_office = np.asarray(self.bucket_office, dtype=np.int64)[order]
        self.bucket_day = np.asarray(self.bucket_day, dtype=np.int64)[order]
        self.bucket_capacity = np.asarray(self.bucket_capacity, dtype=np.int64)[order]
        self.bucket_order = order
        m = self.n_offices
        counts = np.bincount(self.bucket_office, minlength=m)
        self.office_bucket_start = np.concatenate([[0], np.cumsum(counts)])


@dataclass
class Result:
    name: str
    bucket: np.ndarray  # per request: bucket index (in the problem's sorted order) or -1
    cost: float
    seconds: float
    travel_km: float = 0.0
    delay_days: float = 0.0
    queue_minutes: float = 0.0
    assigned: int = 0
    unassigned: int = 0
    fractional: int = 0
    columns: int = 0
    iterations: int = 0
    extra: dict = field(default_factory=dict)
    lower_bound: float = float("nan")  # proven: no assignment over all offices costs less
    farther: np.ndarray | None = None  # per request: placed beyond its usual neighbourhood

    @property
    def proven_gap(self) -> float:
        """(cost − lower bound) / lower bound: how far from the optimum this run can be at most."""
        if not np.isfinite(self.lower_bound):
            return float("nan")
        if self.lower_bound <= 0:
            return float("inf") if self.cost > 0 else 0.0
        return max(0.0, (self.cost - self.lower_bound) / self.lower_bound)


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lmb = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)])


def haversine(lat1, lon1, lat2, lon2) -> np.ndarray:
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def nearest_offices(problem: Problem, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each request, its k nearest eligible offices (−1 padded) and their distances in km."""
    from tanzim.scheduling.services.flexible.dense import THREADS  # (it imports this module)

    n = problem.n_requests
    chosen = np.full((n, k), -1, dtype=np.int64)
    km = np.full((n, k), np.inf)
    points = _unit_vectors(problem.off_lat, problem.off_lon)
    req_points = _unit_vectors(problem.req_lat, problem.req_lon)
    for group in np.unique(problem.req_group):
        offices = np.flatnonzero(problem.eligible[group])
        rows = np.flatnonzero(problem.req_group == group)
        if not len(offices) or not len(rows):
            continue
        kk = min(k, len(offices))
        chord, idx = cKDTree(points[offices]).query(req_points[rows], k=kk, workers=THREADS)
        chosen[rows, :kk] = offices[idx.reshape(len(rows), kk)]
        km[rows, :kk] = _chord_km(chord.reshape(len(rows), kk))  # (the tree's distances are chords)
    return chosen, km


def _columns(problem: Problem, offices: np.ndarray, km: np.ndarray):
    """Every (request, bucket) pair allowed by the k nearest offices and the day windows."""
    model = problem.model
    rows, buckets, costs = [], [], []
    starts = problem.office_bucket_start
    for j in range(offices.shape[1]):
        office = offices[:, j]
        valid = office >= 0
        if not valid.any():
            continue
        req = np.flatnonzero(valid)
        off = office[valid]
        travel = 2 * model.travel_minutes(km[valid, j])
        lengths = starts[off + 1] - starts[off]
        if not lengths.sum():
            continue
        rep_req = np.repeat(req, lengths)
        rep_travel = np.repeat(travel, lengths)
        first = np.repeat(starts[off], lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        bucket = first + offsets
        day = problem.bucket_day[bucket]
        inside = (day >= problem.req_first_day[rep_req]) & (day <= problem.req_last_day[rep_req])
        rep_req, bucket, day, rep_travel = rep_req[inside], bucket[inside], day[inside], rep_travel[inside]
        cost = (
            rep_travel
            + model.delay_minutes_per_day * (day - problem.req_first_day[rep_req])
            + problem.off_wait[problem.bucket_office[bucket]]
        )
        rows.append(rep_req)
        buckets.append(bucket)
        costs.append(cost)
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(rows), np.concatenate(buckets), np.concatenate(costs)


def _solve_component(c, req, bucket, capacity, n, nb, method="highs-ds"):
    ncol = len(req)
    cost = np.concatenate([c, np.full(n, UNASSIGNED_PENALTY)])
    eq = sparse.csr_matrix(
        (np.ones(ncol + n), (np.concatenate([req, np.arange(n)]), np.arange(ncol + n))), shape=(n, ncol + n)
    )
    ub = sparse.csr_matrix((np.ones(ncol), (bucket, np.arange(ncol))), shape=(nb, ncol + n))
    res = linprog(
        cost,
        A_ub=ub,
        b_ub=capacity.astype(float),
        A_eq=eq,
        b_eq=np.ones(n),
        bounds=(0, None),
        # Dual simplex: on transportation problems it beats the interior point by 3-4x here,
        # and it ends on a vertex, which total unimodularity makes integral.
        method=method,
    )
    if res.status != 0:
        raise RuntimeError(f"HiGHS could not solve the assignment: {res.message}")
    return res


def _solve_lp(
    problem: Problem, req: np.ndarray, bucket: np.ndarray, cost: np.ndarray, method: str = "highs-ds"
) -> SimpleNamespace:
    """Solve the LP one connected component at a time (requests and buckets linked by columns).

    Requests in different regions never share a bucket, so the LP splits exactly into
    independent blocks; HiGHS solves many small blocks far faster than one large one.
    """
    n, nb = problem.n_requests, len(problem.bucket_capacity)
    graph = sparse.coo_matrix((np.ones(len(req)), (req, n + bucket)), shape=(n + nb, n + nb))
    _count, labels = connected_components(graph, directed=False)
    x = np.zeros(len(req))
    u = np.full(n, UNASSIGNED_PENALTY)  # a request with no column is simply unassigned
    v = np.zeros(nb)
    fun = 0.0
    col_label = labels[req] if len(req) else np.zeros(0, np.int64)
    col_order = np.argsort(col_label, kind="stable")
    req_order = np.argsort(labels[:n], kind="stable")
    bucket_order = np.argsort(labels[n:], kind="stable")
    col_bounds = np.searchsorted(col_label[col_order], np.arange(labels.max() + 2))
    req_bounds = np.searchsorted(labels[:n][req_order], np.arange(labels.max() + 2))
    bucket_bounds = np.searchsorted(labels[n:][bucket_order], np.arange(labels.max() + 2))
    for comp in np.unique(labels[:n]):
        cols = col_order[col_bounds[comp] : col_bounds[comp + 1]]
        rows = req_order[req_bounds[comp] : req_bounds[comp + 1]]
        if not len(cols):
            fun += UNASSIGNED_PENALTY * len(rows)
            continue
        buckets = bucket_order[bucket_bounds[comp] : bucket_bounds[comp + 1]]
        local_req = np.searchsorted(rows, req[cols])
        local_bucket = np.searchsorted(buckets, bucket[cols])
        # Many columns per request (crowded places, grown neighbourhoods): the interior point with
        # crossover (a vertex, so still integral) beats the dual simplex there.
        res = _solve_component(
            cost[cols],
            local_req,
            local_bucket,
            problem.bucket_capacity[buckets],
            len(rows),
            len(buckets),
            "highs-ipm" if method == "auto" and len(cols) > 20 * len(rows) else "highs-ds",
        )
        x[cols] = res.x[: len(cols)]
        u[rows] = res.eqlin.marginals
        v[buckets] = res.ineqlin.marginals
        fun += float(res.fun)
    return SimpleNamespace(
        x=x, fun=fun, eqlin=SimpleNamespace(marginals=u), ineqlin=SimpleNamespace(marginals=v)
    )


def _result_from_lp(problem: Problem, name: str, req, bucket, res, started: float, columns: int) -> Result:
    n = problem.n_requests
    x = res.x
    chosen = np.full(n, -1, dtype=np.int64)
    best = np.zeros(n)
    for r, b, value in zip(req[x > 1e-9], bucket[x > 1e-9], x[x > 1e-9], strict=True):
        if value > best[r]:
            best[r], chosen[r] = value, b
    fractional = int(np.count_nonzero((x > 1e-6) & (x < 1 - 1e-6)))
    result = evaluate(problem, name, chosen, clock.perf_counter() - started)
    result.fractional = fractional
    result.columns = columns
    result.extra["lp_objective"] = float(res.fun)
    return result


def evaluate(problem: Problem, name: str, chosen: np.ndarray, seconds: float) -> Result:
    """Cost and its parts for an assignment (bucket per request, −1 = unassigned)."""
    assigned = chosen >= 0
    r = np.flatnonzero(assigned)
    b = chosen[assigned]
    office = problem.bucket_office[b]
    km = haversine(problem.req_lat[r], problem.req_lon[r], problem.off_lat[office], problem.off_lon[office])
    delay = problem.bucket_day[b] - problem.req_first_day[r]
    queue = problem.off_wait[office]
    cost = (
        float(np.sum(2 * problem.model.travel_minutes(km)))
        + float(np.sum(problem.model.delay_minutes_per_day * delay))
        + float(np.sum(queue))
        + UNASSIGNED_PENALTY * int(np.count_nonzero(~assigned))
    )
    return Result(
        name=name,
        bucket=chosen,
        cost=cost,
        seconds=seconds,
        travel_km=float(km.sum()),
        delay_days=float(delay.sum()),
        queue_minutes=float(queue.sum()),
        assigned=int(assigned.sum()),
        unassigned=int((~assigned).sum()),
    )


def solve_optimal(problem: Problem, k: int = DEFAULT_K) -> Result:
    """The LP over each request's k nearest eligible offices (HiGHS)."""
    started = clock.perf_counter()
    offices, km = nearest_offices(problem, k)
    req, bucket, cost = _columns(problem, offices, km)
    res = _solve_lp(problem, req, bucket, cost)
    result = _result_from_lp(problem, f"optimal (k={k})", req, bucket, res, started, len(req))
    result.extra["duals"] = (res.eqlin.marginals, res.ineqlin.marginals)
    result.extra["columns"] = (req, bucket, cost)
    return result


def solve_greedy(problem: Problem, k: int = DEFAULT_K, order: np.ndarray | None = None) -> Result:
    """First come, first served: each request in turn takes its cheapest bucket still free."""
    started = clock.perf_counter()
    offices, km = nearest_offices(problem, k)
    req, bucket, cost = _columns(problem, offices, km)
    sort = np.lexsort((cost, req))
    req, bucket, cost = req[sort], bucket[sort], cost[sort]
    starts = np.searchsorted(req, np.arange(problem.n_requests + 1))
    remaining = problem.bucket_capacity.copy()
    chosen = np.full(problem.n_requests, -1, dtype=np.int64)
    sequence = order if order is not None else np.arange(problem.n_requests)
    for r in sequence:
        for i in range(starts[r], starts[r + 1]):
            b = bucket[i]
            if remaining[b] > 0:
                remaining[b] -= 1
                chosen[r] = b
                break
    return evaluate(problem, f"greedy (k={k})", chosen, clock.perf_counter() - started)


def solve_nearest(problem: Problem, order: np.ndarray | None = None) -> Result:
    """What happens today: everyone goes to their nearest office, the earliest free day there."""
    started = clock.perf_counter()
    offices, _km = nearest_offices(problem, 1)
    remaining = problem.bucket_capacity.copy()
    chosen = np.full(problem.n_requests, -1, dtype=np.int64)
    starts = problem.office_bucket_start
    sequence = order if order is not None else np.arange(problem.n_requests)
    for r in sequence:
        o = offices[r, 0]
        if o < 0:
            continue
        for b in range(starts[o], starts[o + 1]):
            day = problem.bucket_day[b]
            if problem.req_first_day[r] <= day <= problem.req_last_day[r] and remaining[b] > 0:
                remaining[b] -= 1
                chosen[r] = b
                break
    return evaluate(problem, "nearest office", chosen, clock.perf_counter() - started)


def _price(problem: Problem, u: np.ndarray, v: np.ndarray, chunk: int, per_request: int, tol: float):
    """Columns of the full problem with a negative reduced cost c − u_r − v_b."""
    model = problem.model
    nb = len(problem.bucket_capacity)
    days = np.unique(problem.bucket_day)
    # For each office and day: delay base + queue wait − bucket dual (inf where no bucket).
    office_day = np.full((problem.n_offices, len(days)), np.inf)
    bucket_at = np.full((problem.n_offices, len(days)), -1, dtype=np.int64)
    day_index = np.searchsorted(days, problem.bucket_day)
    office_day[problem.bucket_office, day_index] = (
        model.delay_minutes_per_day * problem.bucket_day + problem.off_wait[problem.bucket_office] - v
    )
    bucket_at[problem.bucket_office, day_index] = np.arange(nb)
    new_req, new_bucket, new_cost = [], [], []
    for start in range(0, problem.n_requests, chunk):
        rows = np.arange(start, min(problem.n_requests, start + chunk))
        km = haversine(
            problem.req_lat[rows, None],
            problem.req_lon[rows, None],
            problem.off_lat[None, :],
            problem.off_lon[None, :],
        )
        travel = 2 * model.travel_minutes(km)
        travel[~problem.eligible[problem.req_group[rows]]] = np.inf
        base = travel - (u[rows] + model.delay_minutes_per_day * problem.req_first_day[rows])[:, None]
        for d_i, day in enumerate(days):
            inside = (problem.req_first_day[rows] <= day) & (problem.req_last_day[rows] >= day)
            reduced = base + office_day[None, :, d_i]
            reduced[~inside] = np.inf
            hit_r, hit_o = np.nonzero(reduced < -tol)
            if not len(hit_r):
                continue
            values = reduced[hit_r, hit_o]
            order = np.lexsort((values, hit_r))
            hit_r, hit_o, values = hit_r[order], hit_o[order], values[order]
            first = np.r_[True, hit_r[1:] != hit_r[:-1]]
            rank = np.arange(len(hit_r)) - np.maximum.accumulate(np.where(first, np.arange(len(hit_r)), 0))
            keep = rank < per_request
            r_abs = rows[hit_r[keep]]
            b = bucket_at[hit_o[keep], d_i]
            new_req.append(r_abs)
            new_bucket.append(b)
            new_cost.append(
                2 * model.travel_minutes(km[hit_r[keep], hit_o[keep]])
                + model.delay_minutes_per_day * (day - problem.req_first_day[r_abs])
                + problem.off_wait[hit_o[keep]]
            )
    if not new_req:
        return None
    return np.concatenate(new_req), np.concatenate(new_bucket), np.concatenate(new_cost)


def exact_optimum(
    problem: Problem,
    start: Result,
    *,
    chunk: int = 500,
    per_request: int = 3,
    max_iterations: int = 30,
    tol: float = 1e-6,
) -> Result:
    """The LP optimum over every office (no k limit), by column generation from ``start``."""
    started = clock.perf_counter()
    req, bucket, cost = start.extra["columns"]
    u, v = start.extra["duals"]
    seen = set(zip(req.tolist(), bucket.tolist(), strict=True))
    res = None
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007
        priced = _price(problem, np.asarray(u), np.asarray(v), chunk, per_request, tol)
        if priced is None:
            break
        add = [
            i
            for i, pair in enumerate(zip(priced[0].tolist(), priced[1].tolist(), strict=True))
            if pair not in seen
        ]
        if not add:
            break
        idx = np.asarray(add)
        seen.update(zip(priced[0][idx].tolist(), priced[1][idx].tolist(), strict=True))
        req = np.concatenate([req, priced[0][idx]])
        bucket = np.concatenate([bucket, priced[1][idx]])
        cost = np.concatenate([cost, priced[2][idx]])
        res = _solve_lp(problem, req, bucket, cost)
        u, v = res.eqlin.marginals, res.ineqlin.marginals
    if res is None:
        result = evaluate(
            problem, "exact optimum (all offices)", start.bucket, clock.perf_counter() - started
        )
        result.extra["lp_objective"] = start.extra.get("lp_objective", start.cost)
    else:
        result = _result_from_lp(problem, "exact optimum (all offices)", req, bucket, res, started, len(req))
    result.iterations = iterations
    result.columns = len(req)
    return result


def gap(result: Result, reference: Result) -> float:
    """Relative extra cost of ``result`` over ``reference`` (0.01 = 1%)."""
    return (result.cost - reference.cost) / reference.cost if reference.cost else 0.0


def _chord_km(chord: np.ndarray) -> np.ndarray:
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, chord / 2))


def pair_km(problem: Problem, req: np.ndarray, office: np.ndarray) -> np.ndarray:
    """Great-circle km from each request ``req[i]`` to its office ``office[i]``, from the chord between
    their unit vectors (``haversine`` to a nanometre): on the millions of arcs of a flow, one
    subtraction a coordinate instead of ``haversine``'s trigonometry, a third of the time."""
    p = _unit_vectors(problem.req_lat, problem.req_lon).T.copy()
    q = _unit_vectors(problem.off_lat, problem.off_lon).T.copy()
    chord = np.zeros(len(req))
    step = np.empty(len(req))
    for a, b in zip(p, q, strict=True):
        np.subtract(a[req], b[office], out=step)
        np.multiply(step, step, out=step)
        chord += step
    return _chord_km(np.sqrt(chord, out=chord))


def _classes(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Requests that see offices alike: the same licence group and day window."""
    if not problem.n_requests:
        return np.zeros((0, 3), np.int64), np.zeros(0, np.int64)
    lo = int(min(problem.req_first_day.min(), problem.req_last_day.min()))
    span = int(max(problem.req_last_day.max(), problem.req_first_day.max())) - lo + 1
    first, last = problem.req_first_day - lo, problem.req_last_day - lo
    key = (problem.req_group.astype(np.int64) * span + first) * span + last
    codes, inv = np.unique(key, return_inverse=True)
    uniq = np.column_stack([codes // (span * span), codes // span % span + lo, codes % span + lo])
    return uniq, inv.reshape(-1)


def _office_values(problem: Problem, price: np.ndarray, group: int, first: int, last: int):
    """Per office, its cheapest bucket with a free place in the window at these bucket prices.

    value = queue wait + delay from the window's first day + price; ``inf`` (bucket −1) where the
    office has no free place in the window or may not serve the group.
    """
    model = problem.model
    b_off, day = problem.bucket_office, problem.bucket_day
    ok = (problem.bucket_capacity > 0) & (day >= first) & (day <= last) & problem.eligible[group, b_off]
    idx = np.flatnonzero(ok)
    val = problem.off_wait[b_off[idx]] + model.delay_minutes_per_day * (day[idx] - first) + price[idx]
    order = np.lexsort((val, b_off[idx]))
    idx, val = idx[order], val[order]
    head = np.r_[True, b_off[idx][1:] != b_off[idx][:-1]] if len(idx) else np.zeros(0, bool)
    beta = np.full(problem.n_offices, np.inf)
    bucket = np.full(problem.n_offices, -1, dtype=np.int64)
    beta[b_off[idx[head]]] = val[head]
    bucket[b_off[idx[head]]] = idx[head]
    return beta, bucket


def _cheapest(model: CostModel, points: np.ndarray, off_points: np.ndarray, beta: np.ndarray, m: int,
              radius_km: np.ndarray | None = None, bins: int = 12):  # fmt: skip
    """Exactly the m smallest ``2·travel(r, o) + beta[o]`` per point, over every office.

    Offices are sorted by ``beta`` into bins with a k-d tree each. A bin is searched deeper for a
    point only while its lower bound (travel to the last neighbour found + the bin's least beta)
    is below the point's m-th best value, so the answer is proven, never approximate.
    ``radius_km`` (per point) leaves out offices farther than it.
    """
    n = len(points)
    best_v = np.full((n, m), np.inf)
    best_o = np.full((n, m), -1, dtype=np.int64)
    finite = np.flatnonzero(np.isfinite(beta))
    if not len(finite) or not n:
        return best_v, best_o
    order = finite[np.argsort(beta[finite], kind="stable")]
    groups = [g for g in np.array_split(order, min(bins, len(order))) if len(g)]
    trees = [cKDTree(off_points[g]) for g in groups]
    least = np.asarray([beta[g[0]] for g in groups])
    done = np.zeros((n, len(groups)), dtype=np.int64)
    last_km = np.zeros((n, len(groups)))
    need = [np.arange(n) for _ in groups]
    while any(len(rows) for rows in need):
        for gi, g in enumerate(groups):
            rows = need[gi]
            for already in np.unique(done[rows, gi]):
                sub = rows[done[rows, gi] == already]
                upto = min(len(g), max(m + 2, 2 * int(already)))
                ks = list(range(int(already) + 1, upto + 1))
                chord, idx = trees[gi].query(points[sub], k=ks)
                km = _chord_km(chord.reshape(len(sub), len(ks)))
                offices = g[idx.reshape(len(sub), len(ks))]
                values = 2 * model.travel_minutes(km) + beta[offices]
                if radius_km is not None:
                    values[km > radius_km[sub, None]] = np.inf
                all_v = np.concatenate([best_v[sub], values], axis=1)
                all_o = np.concatenate([best_o[sub], offices], axis=1)
                part = np.argpartition(all_v, m - 1, axis=1)[:, :m]
                best_v[sub] = np.take_along_axis(all_v, part, 1)
                best_o[sub] = np.take_along_axis(all_o, part, 1)
                done[sub, gi] = upto
                last_km[sub, gi] = km[:, -1]
        threshold = best_v.max(axis=1)
        for gi, g in enumerate(groups):
            bound = 2 * model.travel_minutes(last_km[:, gi]) + least[gi]
            more = (done[:, gi] < len(g)) & (bound < threshold)
            if radius_km is not None:
                more &= last_km[:, gi] <= radius_km
            need[gi] = np.flatnonzero(more)
    best_o[~np.isfinite(best_v)] = -1
    srt = np.argsort(best_v, axis=1)
    return np.take_along_axis(best_v, srt, 1), np.take_along_axis(best_o, srt, 1)


def _priced(problem: Problem, price: np.ndarray, m: int, radius_km: np.ndarray | None = None):
    """Per request, its m cheapest buckets over every office at these prices: ``cost + price``."""
    values, _offices, buckets = _price_classes(problem, price, m, radius_km)
    return values, buckets


def _price_classes(problem: Problem, price: np.ndarray, m: int, radius_km: np.ndarray | None):
    """Per request, its m cheapest offices with a free place in its window at these bucket prices:
    values, offices and their cheapest buckets (−1 padded). Exact: ``near.cheapest`` where it can
    prove its answer from the request's nearest offices, ``near.by_cell`` over every office elsewhere
    (``_cheapest`` for a request kept within a radius)."""
    from tanzim.scheduling.services.flexible import dense, near  # no import of this module there

    n = problem.n_requests
    values = np.full((n, m), np.inf)
    offices = np.full((n, m), -1, dtype=np.int64)
    buckets = np.full((n, m), -1, dtype=np.int64)
    uniq, cls = _classes(problem)
    points = _unit_vectors(problem.req_lat, problem.req_lon)
    off_points = _unit_vectors(problem.off_lat, problem.off_lon)
    for ci, (g, first, last) in enumerate(uniq):
        rows = np.flatnonzero(cls == ci)
        beta, best_bucket = _office_values(problem, price, int(g), int(first), int(last))
        radius = None if radius_km is None else radius_km[rows]
        left = rows
        if m <= near.K:
            v, o, proven = near.cheapest(problem, rows, beta, m, radius)
            values[rows[proven]], offices[rows[proven]] = v[proven], o[proven]
            left = rows[~proven]
            radius = None if radius is None else radius[~proven]
        tbl = dense.table(problem, radius_km) if len(left) else None
        if tbl is not None:  # every office from the travel table kept for the solve (``dense``)
            values[left], offices[left] = tbl.cheapest(ci, left, beta, m)
        elif len(left):
            # By map cell (``near.by_cell``, several times faster where crowded requests find the near
            # offices dear); spread-out requests, and any kept within a radius, by the k-d trees.
            bounded = np.zeros(len(left), bool) if radius is None else np.isfinite(radius)
            found = near.by_cell(problem.model, points[left[~bounded]], off_points, beta, m)
            if found is None:
                bounded[:] = True
            else:
                values[left[~bounded]], offices[left[~bounded]] = found
            kept = left[bounded]
            if len(kept):
                r = None if radius is None else radius[bounded]
                values[kept], offices[kept] = _cheapest(problem.model, points[kept], off_points, beta, m, r)
        buckets[rows] = np.where(offices[rows] >= 0, best_bucket[np.maximum(offices[rows], 0)], -1)
    return values, offices, buckets


def lower_bound(problem: Problem, price: np.ndarray, radius_km: np.ndarray | None = None) -> float:
    """A proven lower bound on the optimum over every office: the LP's Lagrangian at ``price``.

    For any bucket prices p ≥ 0, Σ_r min(penalty, min_b cost(r, b) + p_b) − Σ_b capacity_b·p_b is
    at most the cost of any assignment (weak duality); at the LP's optimal duals it equals the optimum.
    """
    price = np.maximum(0.0, price)
    values, _b = _priced(problem, price, 1, radius_km)
    u = np.minimum(UNASSIGNED_PENALTY, values[:, 0])
    return float(u.sum() - float(np.sum(np.maximum(problem.bucket_capacity, 0) * price)))


def _office_buckets(problem: Problem, offices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) for every free bucket of the given offices (rows × m matrix, −1 = none)."""
    starts = problem.office_bucket_start
    rows, cols = np.nonzero(offices >= 0)
    off = offices[rows, cols]
    lengths = starts[off + 1] - starts[off]
    rep = np.repeat(rows, lengths)
    bucket = np.repeat(starts[off], lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    return rep, bucket


def _cost_of(problem: Problem, req: np.ndarray, bucket: np.ndarray) -> np.ndarray:
    model = problem.model
    office = problem.bucket_office[bucket]
    lat, lon = problem.off_lat[office], problem.off_lon[office]
    km = haversine(problem.req_lat[req], problem.req_lon[req], lat, lon)
    return (
        2 * model.travel_minutes(km)
        + model.delay_minutes_per_day * (problem.bucket_day[bucket] - problem.req_first_day[req])
        + problem.off_wait[office]
    )


def usual_neighbourhood_km(problem: Problem, k: int = DEFAULT_K) -> np.ndarray:
    """Per request, the distance to its k-th nearest eligible office, free or full (its usual area)."""
    _offices, km = nearest_offices(problem, k)
    km = np.where(np.isfinite(km), km, np.nan)
    out = np.nanmax(km, axis=1) if km.shape[1] else np.zeros(problem.n_requests)
    return np.nan_to_num(out, nan=np.inf)


def solve(problem: Problem, **options) -> Result:
    """The default rebalancer: a min-cost flow over every eligible office, with a proven gap.

    ``mcf.solve``: an integer min-cost flow per request (OR-Tools), priced over every office,
    exact up to 10,000 requests and within 0.01% (proven) above. ``network.solve`` (the same
    network as an LP in HiGHS, aggregated by map cell at scale) and ``solve_columns`` (one column
    per request × office × day) are the versions it replaced, kept for comparison in the benchmark.
    """
    from tanzim.scheduling.services.flexible import mcf  # it builds on this module

    return mcf.solve(problem, **options)


def solve_columns(
    problem: Problem,
    *,
    start: int = 6,
    grow: int = 4,
    max_rounds: int = 40,
    radius_km: np.ndarray | None = None,
    tol: float = 1e-7,
    max_seconds: float | None = None,
) -> Result:
    """The optimum over every eligible office by column generation on the transportation matrix.

    Each request starts with the free buckets of its ``start`` cheapest offices
    that have a free place in its window; after each LP (HiGHS, per connected component) every
    (request, office) pair is priced against the duals and each request gains the buckets of up to
    ``grow`` offices with a negative reduced cost. It stops when none is left: the LP optimum over
    all offices (and integral: the matrix is totally unimodular). ``radius_km`` keeps a request to
    offices within that distance (a citizen who chose to wait for a nearer place). ``max_seconds``
    stops adding columns after that long: the assignment is still feasible and its proven gap says
    how far from the optimum it may be.
    """
    started = clock.perf_counter()
    nb = len(problem.bucket_capacity)
    price = np.zeros(nb)
    _v, first_offices = _priced_offices(problem, price, start, radius_km)
    req, bucket = _office_buckets(problem, first_offices)
    inside = _in_window(problem, req, bucket)
    req, bucket = req[inside], bucket[inside]
    cost = _cost_of(problem, req, bucket)
    seen = set(zip(req.tolist(), bucket.tolist(), strict=True))
    res = None
    rounds = 0
    fresh: list[int] = []
    for rounds in range(1, max_rounds + 1):
        res = _solve_lp(problem, req, bucket, cost, method="auto")
        u = np.asarray(res.eqlin.marginals)
        price = np.maximum(0.0, -np.asarray(res.ineqlin.marginals))
        values, priced = _priced(problem, price, grow, radius_km)
        rows, cols = np.nonzero((values < u[:, None] - tol) & (priced >= 0))
        add_req, add_bucket = rows, priced[rows, cols]
        pairs = zip(add_req.tolist(), add_bucket.tolist(), strict=True)
        fresh = [i for i, pair in enumerate(pairs) if pair not in seen]
        out_of_time = max_seconds is not None and clock.perf_counter() - started > max_seconds
        if not fresh or rounds == max_rounds or out_of_time:
            break  # optimal, or out of rounds or time: the lower bound below says how close it got
        add_req, add_bucket = add_req[fresh], add_bucket[fresh]
        seen.update(zip(add_req.tolist(), add_bucket.tolist(), strict=True))
        req = np.concatenate([req, add_req])
        bucket = np.concatenate([bucket, add_bucket])
        cost = np.concatenate([cost, _cost_of(problem, add_req, add_bucket)])
    if res is None:  # pragma: no cover - max_rounds >= 1
        raise RuntimeError("no LP was solved")
    result = _result_from_lp(problem, "optimal (all offices)", req, bucket, res, started, len(req))
    bound = lower_bound(problem, price, radius_km)
    if fresh:  # stopped early: the bound at the last duals may be weak; no capacity at all is a bound too
        bound = max(bound, lower_bound(problem, np.zeros(nb), radius_km))
    result.lower_bound = min(result.cost, bound)
    result.iterations = rounds
    result.seconds = clock.perf_counter() - started
    result.farther = placed_farther(problem, result.bucket)
    result.extra["duals"] = (np.asarray(res.eqlin.marginals), np.asarray(res.ineqlin.marginals))
    result.extra["columns"] = (req, bucket, cost)
    return result


def _priced_offices(problem: Problem, price: np.ndarray, m: int, radius_km: np.ndarray | None):
    """Per request, its m cheapest offices with a free place in its window (−1 padded)."""
    values, offices, _buckets = _price_classes(problem, price, m, radius_km)
    return values, offices


def _in_window(problem: Problem, req: np.ndarray, bucket: np.ndarray) -> np.ndarray:
    day = problem.bucket_day[bucket]
    return (
        (problem.bucket_capacity[bucket] > 0)
        & (day >= problem.req_first_day[req])
        & (day <= problem.req_last_day[req])
        & problem.eligible[problem.req_group[req], problem.bucket_office[bucket]]
    )


def placed_farther(problem: Problem, chosen: np.ndarray, k: int = DEFAULT_K) -> np.ndarray:
    """Per request: placed at an office outside its k nearest eligible offices (free or full)."""
    from tanzim.scheduling.services.flexible import near  # (it imports this module)

    # (The solve's own nearest offices, where they go as far: found once.)
    offices = near.table(problem)[0][:, :k] if k <= near.K else nearest_offices(problem, k)[0]
    placed = chosen >= 0
    office = np.where(placed, problem.bucket_office[np.maximum(chosen, 0)], -2)
    return placed & ~np.any(offices == office[:, None], axis=1)
