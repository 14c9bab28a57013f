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

``exact_optimum`` proves how much the k-nearest restriction costs: it prices out every
(request, office, day) column of the full problem against the restricted LP's duals and
adds the ones with a negative reduced cost until none is left (column generation). The
result is the optimum over all offices, without ever building the full matrix.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass, field
from types import SimpleNamespace

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
        _dist, idx = cKDTree(points[offices]).query(req_points[rows], k=kk)
        idx = idx.reshape(len(rows), kk)
        found = offices[idx]
        chosen[rows, :kk] = found
        km[rows, :kk] = haversine(
            problem.req_lat[rows, None],
            problem.req_lon[rows, None],
            problem.off_lat[found],
            problem.off_lon[found],
        )
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


def _solve_component(c, req, bucket, capacity, n, nb):
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
        method="highs-ds",
    )
    if res.status != 0:
        raise RuntimeError(f"HiGHS could not solve the assignment: {res.message}")
    return res


def _solve_lp(problem: Problem, req: np.ndarray, bucket: np.ndarray, cost: np.ndarray) -> SimpleNamespace:
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
        res = _solve_component(
            cost[cols], local_req, local_bucket, problem.bucket_capacity[buckets], len(rows), len(buckets)
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


def generate(
    *,
    requests: int,
    offices: int,
    days: int = 5,
    seed: int = 1404,
    capacity_per_day: tuple[int, int] = (2, 12),
    centres: list[tuple[float, float, float]] | None = None,
    licence_share: float = 0.1,
) -> Problem:
    """A synthetic country: offices and requests clustered around cities weighted by population."""
    rng = np.random.default_rng(seed)
    if not centres:
        centres = [
            (35.69, 51.39, 8.7), (36.30, 59.60, 3.0), (32.65, 51.67, 2.0), (38.08, 46.29, 1.6),
            (29.59, 52.58, 1.6), (35.83, 50.99, 1.5), (31.32, 48.67, 1.3), (34.64, 50.88, 1.2),
            (37.28, 49.58, 0.9), (27.18, 56.27, 0.6), (30.28, 57.08, 0.5), (36.57, 53.06, 0.5),
            (29.49, 60.86, 0.6), (34.31, 47.07, 0.9), (37.55, 45.08, 0.7),
        ]  # fmt: skip
    weights = np.asarray([c[2] for c in centres])
    weights = weights / weights.sum()

    def scatter(count: int, spread: float):
        which = rng.choice(len(centres), size=count, p=weights)
        lat = np.asarray([centres[i][0] for i in which]) + rng.normal(0, spread, count)
        lon = np.asarray([centres[i][1] for i in which]) + rng.normal(0, spread, count)
        return np.clip(lat, 25, 39.7), np.clip(lon, 44.1, 63.3)

    off_lat, off_lon = scatter(offices, 0.35)
    req_lat, req_lon = scatter(requests, 0.45)
    licensed = rng.random(offices) < 0.5
    eligible = np.vstack([np.ones(offices, bool), licensed])
    req_group = (rng.random(requests) < licence_share).astype(np.int64)
    bucket_office = np.repeat(np.arange(offices), days)
    bucket_day = np.tile(np.arange(days), offices)
    capacity = rng.integers(capacity_per_day[0], capacity_per_day[1] + 1, size=offices * days)
    first = rng.integers(0, max(1, days // 2), size=requests)
    return Problem(
        req_lat=req_lat,
        req_lon=req_lon,
        req_group=req_group,
        req_first_day=first,
        req_last_day=np.minimum(days - 1, first + days),
        off_lat=off_lat,
        off_lon=off_lon,
        off_wait=rng.gamma(2.0, 4.0, size=offices),
        eligible=eligible,
        bucket_office=bucket_office,
        bucket_day=bucket_day,
        bucket_capacity=capacity,
    )
