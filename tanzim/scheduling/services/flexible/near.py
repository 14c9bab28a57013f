"""Fast exact pricing: each request's nearest eligible offices, found once, priced every round.

The travel part of a request's cost never changes between the rounds of a solve; only the offices'
values (queue wait, delay and bucket price: ``beta``) do. So each request's ``K`` nearest eligible
offices are found once (a k-d tree per licence group) and every round only adds ``beta`` to their
travel and keeps the ``m`` smallest. That answer is *proven* when the ``m``-th value is at most the
travel to the ``K``-th office plus the least ``beta`` of all: no office farther out can be cheaper.
Requests where it is not (crowded places, where the near offices are dear) are priced by
``rebalance._cheapest`` over every office, as before. Nothing here approximates.
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
