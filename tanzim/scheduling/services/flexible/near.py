"""Fast exact pricing: each request's nearest eligible offices, found once, priced every round.

The travel part of a request's cost never changes between the rounds of a solve; only the offices'
values (queue wait, delay and bucket price: ``beta``) do. So each request's ``K`` nearest eligible
offices are found once (a k-d tree per licence group) and every round only adds ``beta`` to their
travel and keeps the ``m`` smallest. That answer is *proven* when the ``m``-th value is at most the
travel to the ``K``-th office plus the least ``beta`` of all: no office farther out can be cheaper.
Requests where it is not (crowded places, where the near offices are dear) are priced over every
office: by map cell (``by_cell``) where they are clustered, each cell's centre over every office and
its members over the few offices that can be among their cheapest; by ``rebalance._cheapest``'s
k-d trees where they are spread out. Nothing here approximates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Offices kept per request.
K = 32


def table(problem: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per request: its ``K`` nearest eligible offices (−1 padded), their km and 2 × travel minutes.

    Kept on the problem for the rounds of one solve (keyed by what it depends on)."""
    key = (K, id(problem.req_lat), id(problem.off_lat), hash(problem.eligible.tobytes()), problem.model)
    cache = problem.__dict__.setdefault("_near_table", {})
    if key not in cache:
        cache.clear()
        cache[key] = _build(problem)
    return cache[key]


def _build(problem: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from tanzim.scheduling.services.flexible.rebalance import nearest_offices  # it imports this module

    office, km = nearest_offices(problem, K)
    with np.errstate(invalid="ignore"):
        travel = np.where(
            np.isfinite(km), 2 * problem.model.travel_minutes(np.where(np.isfinite(km), km, 0)), np.inf
        )
    return office, km, travel


def cheapest(
    problem: Any, rows: np.ndarray, beta: np.ndarray, m: int, radius_km: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For ``rows``: the ``m`` smallest ``2·travel + beta`` among the nearest offices, sorted, the
    offices (−1 none), and whether that is proven to be the ``m`` smallest over every office."""
    office, km, travel = table(problem)
    o, d, t = office[rows], km[rows], travel[rows]
    v = t + np.where(o >= 0, beta[np.maximum(o, 0)], np.inf)
    if radius_km is not None:
        v[d > radius_km[:, None]] = np.inf
    if m < K:
        part = np.argpartition(v, m - 1, axis=1)[:, :m]
        v, o = np.take_along_axis(v, part, 1), np.take_along_axis(o, part, 1)
    srt = np.argsort(v, axis=1, kind="stable")
    v, o = np.take_along_axis(v, srt, 1), np.take_along_axis(o, srt, 1)
    o = np.where(np.isfinite(v), o, -1)
    finite = beta[np.isfinite(beta)]
    least = finite.min() if len(finite) else np.inf
    proven = (office[rows, -1] < 0) | (v[:, m - 1] <= t[:, -1] + least)
    if radius_km is not None:
        proven |= d[:, -1] > radius_km
    return v, o, proven


#: Requests priced by ``by_cell`` share a map cell of about this size (km): each cell's centre is
#: priced over every office, its members only over the offices that can be among their cheapest.
CELL_KM = 2.0
#: ... when the cells hold at least this many of them on average (fewer: each centre costs as much
#: as its members, and the k-d trees of ``rebalance._cheapest`` are faster).
MIN_MEMBERS = 4
#: Elements (rows × offices) of one block of ``by_cell``'s arrays (memory, not the answer).
BLOCK = 1_000_000


def by_cell(
    model: Any, points: np.ndarray, off_points: np.ndarray, beta: np.ndarray, m: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Exactly the ``m`` smallest ``2·travel(r, o) + beta[o]`` per point (unit vectors), over
    every office: the same answer as ``rebalance._cheapest``, found by map cell.

    ``2·travel`` changes by at most ``lip`` minutes a km (twice the slower speed's minutes a km), so
    for a point ``r`` within ``ρ`` km of its cell's centre ``c``, every office's value differs from
    the centre's by at most ``lip·ρ``. Hence ``r``'s ``m``-th value is at most the centre's ``m``-th
    plus ``lip·ρ``, and an office whose value at the centre exceeds the centre's ``m``-th by more
    than ``2·lip·ρ`` is worse than that for ``r``: it can never be among ``r``'s ``m`` smallest.
    Each cell's centre is priced over every office (one matrix product), each member only over the
    offices left (its crowded neighbours share them). Nothing is approximated.

    ``None`` when the points are spread out (fewer than ``MIN_MEMBERS`` a cell on average): the
    caller prices them with the k-d trees instead.
    """
    from tanzim.scheduling.services.flexible.rebalance import EARTH_RADIUS_KM, _chord_km

    n = len(points)
    best_v = np.full((n, m), np.inf)
    best_o = np.full((n, m), -1, dtype=np.int64)
    finite = np.flatnonzero(np.isfinite(beta))
    if not n or not len(finite):
        return best_v, best_o
    q, b, f = off_points[finite], beta[finite], len(finite)
    lip = 2 * 60 / min(model.city_speed_kmh, model.road_speed_kmh)
    # Cells: a grid of CELL_KM cubes on the unit vectors.
    grid = np.floor(points * (EARTH_RADIUS_KM / CELL_KM)).astype(np.int64)
    grid -= grid.min(axis=0)
    span = grid.max() + 1
    key = (grid[:, 0] * span + grid[:, 1]) * span + grid[:, 2]
    order = np.argsort(key, kind="stable")
    head = np.r_[True, key[order][1:] != key[order][:-1]]
    cell = np.empty(n, np.int64)
    cell[order] = np.cumsum(head) - 1
    nc = int(cell.max()) + 1
    if nc * MIN_MEMBERS > n:
        return None
    centre = np.column_stack([np.bincount(cell, points[:, i], minlength=nc) for i in range(3)])
    centre = centre / np.linalg.norm(centre, axis=1, keepdims=True)
    rho = np.zeros(nc)
    np.maximum.at(rho, cell, _chord_km(np.linalg.norm(points - centre[cell], axis=1)))
    # The offices each cell's members may need: within 2·lip·ρ of the centre's m-th value.
    cand_cell, cand_office = [], []
    step = max(1, BLOCK // f)
    for lo in range(0, nc, step):
        c = centre[lo : lo + step]
        km = _chord_km(np.sqrt(np.maximum(0.0, 2.0 - 2.0 * (c @ q.T))))
        v = 2 * model.travel_minutes(km) + b
        if f > m:
            mth = np.partition(v, m - 1, axis=1)[:, m - 1]
            # A minute of margin: the product's rounding only ever adds offices, never drops one.
            keep = v <= (mth + 2 * lip * rho[lo : lo + step] + 1.0)[:, None]
        else:
            keep = np.ones(v.shape, bool)
        rows, cols = np.nonzero(keep)
        cand_cell.append(rows + lo)
        cand_office.append(cols)
    cc, co = np.concatenate(cand_cell), np.concatenate(cand_office)
    count = np.bincount(cc, minlength=nc)
    start = np.concatenate([[0], np.cumsum(count)])
    # Members, by cells of about the same count, in blocks of at most BLOCK values.
    by_count = np.argsort(count, kind="stable")
    members = np.argsort(cell, kind="stable")
    m_start = np.concatenate([[0], np.cumsum(np.bincount(cell, minlength=nc))])
    size = np.diff(m_start)
    i = 0
    while i < nc:
        width = int(count[by_count[i]])
        j = i
        total = 0
        while j < nc and (j == i or (total + size[by_count[j]]) * int(count[by_count[j]]) <= BLOCK):
            total += size[by_count[j]]
            width = int(count[by_count[j]])
            j += 1
        cells = by_count[i:j]
        i = j
        table = np.full((len(cells), width), -1, dtype=np.int64)
        lengths = count[cells]
        at = np.repeat(np.arange(len(cells)), lengths)
        offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        table[at, offset] = co[np.repeat(start[cells], lengths) + offset]
        k = size[cells]
        who = members[np.repeat(m_start[cells], k) + (np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k))]
        offices = table[np.repeat(np.arange(len(cells)), k)]
        chord = np.linalg.norm(points[who][:, None, :] - q[np.maximum(offices, 0)], axis=2)
        values = 2 * model.travel_minutes(_chord_km(chord)) + b[np.maximum(offices, 0)]
        values[offices < 0] = np.inf
        if width > m:
            part = np.argpartition(values, m - 1, axis=1)[:, :m]
            values, offices = np.take_along_axis(values, part, 1), np.take_along_axis(offices, part, 1)
        w = min(m, width)
        best_v[who, :w], best_o[who, :w] = values, np.where(offices >= 0, finite[np.maximum(offices, 0)], -1)
    best_o[~np.isfinite(best_v)] = -1
    srt = np.argsort(best_v, axis=1, kind="stable")
    return np.take_along_axis(best_v, srt, 1), np.take_along_axis(best_o, srt, 1)
