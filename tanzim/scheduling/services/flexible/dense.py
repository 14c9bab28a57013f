"""Dense pricing: every request against every eligible office in one pass a round.

The travel part of a request's cost never changes between the rounds of a solve, so each request's
``2·travel`` to every office its licence group may use is computed once (``Table``: float32, in
blocks of rows that stay in the cache, about 0.5 CPU s for 50,000 × 3,000) and each round only adds
the offices' values (queue wait, delay and bucket price: ``beta``) and compares. A round then costs
the same wherever the requests are (``near.py``'s proofs fail where prices are high everywhere and the
k-d trees of ``rebalance._cheapest`` search far for every spread-out request, 2–5 CPU s a round).

Float32 is only used to choose. Every value that proves something (each request's least value, for
the Lagrangian bound) is computed again in float64, the same formula as ``rebalance._price_classes``,
over every office whose float32 value is within ``SLACK`` of the request's float32 least: the float32
error is far below that (``_error_bound``), so the float64 least over those offices is the least over
every office.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import numpy as np

#: A problem gets a table when its requests × offices are at most this many (4 bytes each).
LIMIT = 250_000_000
#: Rows of one block (its float32 values stay in the cache).
ROWS = 256
#: Minutes: any office whose float32 value is this close to a request's float32 least is priced again
#: in float64 for the least value (the float32 error is below a tenth of it: ``_error_bound``).
SLACK = 0.05
#: Threads that price the blocks of rows (numpy lets go of the interpreter lock for each block's
#: arithmetic, so two threads use the two cores of these machines); 1: in the calling thread.
THREADS = min(2, os.cpu_count() or 1)

_pool: ThreadPoolExecutor | None = None


def _in_blocks(n: int, width: int, work: Callable[[int, np.ndarray], Any]) -> list[Any]:
    """``work(lo, buffer)`` for every block of ``ROWS`` rows of ``n``, in ``THREADS`` threads (each
    with its own ``ROWS`` × ``width`` float32 buffer, blocks dealt in turn), results in block order:
    the same answer however many threads."""
    global _pool
    starts = list(range(0, n, ROWS))
    threads = max(1, min(THREADS, len(starts)))

    def share(k: int) -> list[Any]:
        buf = np.empty((min(ROWS, n), width), np.float32)
        return [work(lo, buf) for lo in starts[k::threads]]

    if threads == 1:
        shares = [share(0)]
    else:
        if _pool is None:
            _pool = ThreadPoolExecutor(THREADS, thread_name_prefix="tanzim-pricing")
        shares = list(_pool.map(share, range(threads)))
    return [shares[i % threads][i // threads] for i in range(len(starts))]


def stop_threads() -> None:
    """End the pricing threads (before a ``fork``: a child has none of them; the next pricing starts
    them again)."""
    global _pool
    if _pool is not None:
        _pool.shutdown()
        _pool = None


class Table:
    """Per window class: its requests, the offices its group may use and ``2·travel`` (float32)."""

    def __init__(self, problem: Any) -> None:
        from tanzim.scheduling.services.flexible import rebalance as rb  # it imports this module

        self.problem = problem
        model = problem.model
        self.uniq, cls = rb._classes(problem)
        self.points = rb._unit_vectors(problem.req_lat, problem.req_lon)
        self.off_points = rb._unit_vectors(problem.off_lat, problem.off_lon)
        # 2·travel = b·km + (a − b)·min(km, city_km), a and b the minutes a km at each speed, twice.
        self.a = 120.0 / model.city_speed_kmh
        self.b = 120.0 / model.road_speed_kmh
        # Coordinates about their mean: smaller numbers, so float32 rounds them to less.
        centre = self.off_points.mean(axis=0)
        p32 = (self.points - centre).astype(np.float32)
        q32 = (self.off_points - centre).astype(np.float32)
        self.p32, self.q32 = p32, q32
        self.parts = [
            _Part(ci, np.flatnonzero(cls == ci), problem, int(g)) for ci, (g, _f, _l) in enumerate(self.uniq)
        ]

    def _values(self, part: _Part, local: np.ndarray, b32: np.ndarray, out: np.ndarray) -> None:
        """``2·travel + beta`` (float32) into ``out`` for the rows ``local`` (sorted positions in one
        class), each row's travel computed the first time it is needed and kept."""
        fresh = part.slot[local] < 0
        if fresh.any():
            new = local[fresh]
            k = len(new)
            with part.lock:  # (threads price other rows: only the next free rows are shared)
                at = part.used
                part.used += k
            # Computed in ``out`` (in the cache: its passes are several), then kept in the next free
            # rows of the table (memory touched in order, only as much as is used).
            self._fill(out[:k], self.p32[part.rows[new]], self.q32[part.cols], self.problem.model.city_km)
            part.travel[at : at + k] = out[:k]
            part.slot[new] = np.arange(at, at + k)
            if fresh.all():
                out += b32
                return
        slot = part.slot[local]
        if slot[-1] - slot[0] + 1 == len(slot) and np.all(np.diff(slot) == 1):  # a run: no gather
            np.add(part.travel[slot[0] : slot[-1] + 1], b32, out=out)
        else:
            np.take(part.travel, slot, axis=0, out=out)
            out += b32

    def _fill(self, out: np.ndarray, p: np.ndarray, q: np.ndarray, city_km: float) -> None:
        from tanzim.scheduling.services.flexible.rebalance import EARTH_RADIUS_KM

        tmp = np.empty_like(out)
        np.subtract(p[:, 0:1], q[:, 0], out=out)
        np.multiply(out, out, out=out)
        for i in (1, 2):
            np.subtract(p[:, i : i + 1], q[:, i], out=tmp)
            np.multiply(tmp, tmp, out=tmp)
            np.add(out, tmp, out=out)
        np.sqrt(out, out=out)  # the chord
        np.multiply(out, 0.5, out=out)
        np.minimum(out, 1.0, out=out)
        np.arcsin(out, out=out)
        np.multiply(out, 2 * EARTH_RADIUS_KM, out=out)  # km
        np.minimum(out, city_km, out=tmp)
        np.multiply(tmp, self.a - self.b, out=tmp)
        np.multiply(out, self.b, out=out)
        np.add(out, tmp, out=out)

    def _exact(self, rows: np.ndarray, offices: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """``2·travel + beta`` in float64 for (request, office) pairs, as ``rebalance`` prices them."""
        from tanzim.scheduling.services.flexible.rebalance import _chord_km

        chord = np.linalg.norm(self.points[rows] - self.off_points[offices], axis=1)
        return 2 * self.problem.model.travel_minutes(_chord_km(chord)) + beta[offices]

    def cheapest(self, ci: int, rows: np.ndarray, beta: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        """Exactly the ``m`` smallest ``2·travel + beta`` (float64, sorted) over every office the
        group of window class ``ci`` may use, for its requests ``rows``, and those offices (−1 none).

        Per row the offices are cut into at least ``4·m`` groups of columns; the ``m``-th smallest
        of the groups' float32 minima is at least the ``m``-th smallest value (they are ``m``
        distinct offices), so only the offices within ``SLACK`` of it are priced again in float64
        and sorted: a few dozen a row instead of every office.
        """
        part = self.parts[ci]
        n, cols = len(rows), part.cols
        values = np.full((n, m), np.inf)
        offices = np.full((n, m), -1, dtype=np.int64)
        if not n or not len(cols):
            return values, offices
        local = np.searchsorted(part.rows, rows)
        b32 = beta[cols].astype(np.float32)
        width = max(1, len(cols) // (4 * m))
        whole = len(cols) // width * width

        def block(lo: int, buf: np.ndarray) -> None:
            loc = local[lo : lo + ROWS]
            v = buf[: len(loc)]
            self._values(part, loc, b32, v)
            mins = v[:, :whole].reshape(len(loc), -1, width).min(axis=2)
            if whole < len(cols):
                mins = np.concatenate([mins, v[:, whole:].min(axis=1, keepdims=True)], axis=1)
            cut = (
                np.partition(mins, m - 1, axis=1)[:, m - 1]
                if mins.shape[1] > m
                else np.full(len(loc), np.inf)
            )
            r, c = np.nonzero(v <= (cut + SLACK)[:, None])
            exact = self._exact(rows[lo + r], cols[c], beta)
            order = np.lexsort((exact, r))
            r, c, exact = r[order], c[order], exact[order]
            rank = np.arange(len(r)) - np.searchsorted(r, np.arange(len(loc)))[r]
            keep = (rank < m) & np.isfinite(exact)
            values[lo + r[keep], rank[keep]] = exact[keep]
            offices[lo + r[keep], rank[keep]] = cols[c[keep]]

        _in_blocks(n, len(cols), block)
        return values, offices

    def scan(
        self, price: np.ndarray, current: np.ndarray, grow: int, max_grow: int, tolerance: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """At bucket prices ``price``: each request's least value over every office (float64, exact;
        ``inf`` where it has none) and the (request × n_offices + office) keys of the offices whose
        value is below ``current − tolerance`` (its value now), at most its ``max_grow`` cheapest.

        A request whose ``grow`` cheapest offices ``near.cheapest`` proves from its nearest offices,
        not all of them below its value, is answered from those (the rest are dearer still); the
        others over every office, from the table.
        """
        from tanzim.scheduling.services.flexible import near
        from tanzim.scheduling.services.flexible.rebalance import _office_values

        problem = self.problem
        m = problem.n_offices
        least = np.full(problem.n_requests, np.inf)
        keys: list[np.ndarray] = []
        for part in self.parts:
            ci, rows, cols = part.ci, part.rows, part.cols
            if not len(cols) or not len(rows):
                continue
            group, first, last = (int(x) for x in self.uniq[ci])
            beta, _bucket = _office_values(problem, price, group, first, last)
            threshold = current[rows] - tolerance
            hard = np.arange(len(rows))
            if grow <= near.K:
                v, o, proven = near.cheapest(problem, rows, beta, grow, None)
                # (With max_grow ≤ grow the grow cheapest are the answer, however many are below.)
                easy = proven & ((max_grow <= grow) | ~(v[:, -1] < threshold))
                least[rows[easy]] = v[easy, 0]
                v, o = v[easy, :max_grow], o[easy, :max_grow]  # sorted: the cheapest first
                r, c = np.nonzero((v < threshold[easy, None]) & (o >= 0))
                keys.append(rows[easy][r] * m + o[r, c])
                hard = np.flatnonzero(~easy)
            if not len(hard):
                continue
            work = partial(self._scan_block, part, hard, beta, threshold, max_grow, least)
            for found in _in_blocks(len(hard), len(cols), work):
                keys.extend(found)
        return least, np.concatenate(keys) if keys else np.zeros(0, np.int64)

    def _scan_block(
        self,
        part: _Part,
        hard: np.ndarray,
        beta: np.ndarray,
        threshold: np.ndarray,
        max_grow: int,
        least: np.ndarray,
        lo: int,
        buf: np.ndarray,
    ) -> list[np.ndarray]:
        """``scan`` over one block of rows (``hard[lo : lo + ROWS]``, positions in ``part``): each
        one's least value into ``least``, and the keys of its offices below ``threshold``."""
        m = self.problem.n_offices
        rows, cols = part.rows, part.cols
        b32 = beta[cols].astype(np.float32)
        local = hard[lo : lo + ROWS]
        block = rows[local]
        v = buf[: len(local)]
        self._values(part, local, b32, v)
        at = v.argmin(axis=1)
        low = v[np.arange(len(local)), at]
        finite = np.isfinite(low)
        # The least value, exactly: every office near the float32 least, again in float64
        # (nearly always the one at the float32 least alone).
        close = np.count_nonzero(v <= (low + SLACK)[:, None], axis=1)
        one = np.flatnonzero(finite & (close == 1))
        least[block[one]] = self._exact(block[one], cols[at[one]], beta)
        more = np.flatnonzero(finite & (close > 1))
        if len(more):
            r, c = np.nonzero(v[more] <= (low[more] + SLACK)[:, None])
            exact = self._exact(block[more[r]], cols[c], beta)
            starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
            least[block[more[r[starts]]]] = np.minimum.reduceat(exact, starts)
        # The offices below the request's value now (rows with none: no search).
        below = v < threshold[local].astype(np.float32)[:, None]
        count = np.count_nonzero(below, axis=1)
        found = []
        many = np.flatnonzero(count > max_grow)
        if len(many):  # only the max_grow cheapest of those (all of them below)
            part_ = np.argpartition(v[many], max_grow - 1, axis=1)[:, :max_grow]
            found.append((block[many, None] * m + cols[part_]).reshape(-1))
        some = np.flatnonzero((count > 0) & (count <= max_grow))
        if len(some):
            r, c = np.nonzero(below[some])
            found.append(block[some[r]] * m + cols[c])
        return found


class _Part:
    """One window class: its requests (``rows``), the offices its group may use (``cols``) and each
    request's ``2·travel`` to them, in the table's row ``slot[i]`` once computed (−1 before)."""

    def __init__(self, ci: int, rows: np.ndarray, problem: Any, group: int) -> None:
        self.ci, self.rows = ci, rows
        self.cols = np.flatnonzero(problem.eligible[group][: problem.n_offices])
        self.travel = _allocate((len(rows), len(self.cols)))
        self.slot = np.full(len(rows), -1, np.int64)
        self.used = 0
        self.lock = threading.Lock()


def _allocate(shape: tuple[int, int]) -> np.ndarray:
    """An uninitialised float32 array, without numpy's transparent huge pages: its first touch then
    costs 0.25 s for 600 MB instead of up to 1.2 s (the kernel compacting memory for huge pages,
    measured on these machines)."""
    multiarray = getattr(np, "_core", None)
    multiarray = getattr(multiarray, "multiarray", None)
    put = getattr(multiarray, "_set_madvise_hugepage", None)  # returns the setting before
    if put is None:  # pragma: no cover - another numpy
        return np.empty(shape, np.float32)
    before = put(False)
    try:
        return np.empty(shape, np.float32)
    finally:
        put(before)


def table(problem: Any, radius_km: np.ndarray | None) -> Table | None:
    """The problem's table, built once a solve (kept on the problem); None where it does not apply:
    requests kept within a radius (priced by ``rebalance._price_classes``) or too many elements."""
    if radius_km is not None or problem.n_requests * problem.n_offices > LIMIT:
        return None
    key = (id(problem.req_lat), id(problem.off_lat), hash(problem.eligible.tobytes()), problem.model)
    cache = problem.__dict__.setdefault("_dense_table", {})
    if key not in cache:
        cache.clear()
        cache[key] = Table(problem)
    return cache[key]


def _error_bound(problem: Any) -> float:
    """The largest difference between the float32 and float64 ``2·travel`` over every pair (minutes):
    for tests and the docs (it must stay well below ``SLACK``)."""
    t = Table(problem)
    worst = 0.0
    for part in t.parts:
        rows, cols = part.rows, part.cols
        if len(rows) and len(cols):
            travel = np.empty((len(rows), len(cols)), np.float32)
            for lo in range(0, len(rows), ROWS):
                t._values(
                    part,
                    np.arange(lo, min(len(rows), lo + ROWS)),
                    np.zeros(len(cols), np.float32),
                    travel[lo : lo + ROWS],
                )
            r, c = np.meshgrid(np.arange(len(rows)), np.arange(len(cols)), indexing="ij")
            exact = t._exact(rows[r.ravel()], cols[c.ravel()], np.zeros(problem.n_offices))
            worst = max(worst, float(np.abs(travel.ravel().astype(np.float64) - exact).max()))
    return worst
