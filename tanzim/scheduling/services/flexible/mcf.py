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

The pricing answers most requests from their 32 nearest offices (``near.py``, proven) and the
rest over every office: from a float32 table of every request's travel to every office, kept for the
solve (``dense``: one pass a round, the least values again in float64), or where it does not apply
or in a crowded first round by map cell (``near.by_cell``) and k-d trees. Above the exact
sizes, arcs far above their reduced cost are dropped once a flow grows past ``DROP_OVER`` arcs a
request or its gap is proven within ``DROP_NEAR``. Where the first flow leaves many requests out (a
city over capacity), the rounds start warm from the aggregate (``warm_start``: requests of one
class and map cell as one supply node; where it leaves most of them out, without pricing the first
flow), whose prices also give a Lagrangian bound of the real problem. Above ``WARM_ABOVE``
requests that warm start is computed ahead, in a forked child process beside the first flow
(``ahead``: OR-Tools holds the interpreter lock, so only a process can use the second core), and
taken or stopped once the first flow shows whether it is needed; the pricing's blocks of rows run in
two threads (``dense.THREADS``). Once a flow is near that bound, ``shifted_bound`` (a flow of
``SHIFT_DEPTH`` arcs a request at costs shifted by those prices, each request free to leave at its
next value) proves a far tighter one without the far offices' arcs.

Each flow after the first is given to OR-Tools at the last flow's values (``Network.solve``'s
``potential``: reduced costs, clipped to a narrow range, checked afterwards), which its cost scaling
solves in fewer phases; the optimum is the same, or it is solved again from the plain costs.

Capacities are never exceeded (they are arc capacities), each request goes to at most one bucket,
only eligible offices in its window are arcs, and the same input gives the same output.
"""

from __future__ import annotations

import time as clock
from typing import NamedTuple

import numpy as np
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from tanzim.scheduling.services.flexible import ahead, dense, network
from tanzim.scheduling.services.flexible import rebalance as rb
from tanzim.scheduling.services.flexible.network import office_class_arcs

#: Integer cost units per minute in the flow (rounding error at most 1/SCALE a minute per arc).
SCALE = 100
#: A priced pair must beat the request's current value by this much (minutes) to be added.
TOLERANCE = 3.0 / SCALE
#: At most this many offices are added to one request in one round.
MAX_GROW = 96
#: Above ``EXACT_UP_TO`` requests, an arc with no flow whose reduced cost is above this many minutes
#: is dropped after its round (None: never). (20 until 5 December 2026: the last flows of uneven and
#: capacity equal to demand then kept 1.2–1.7 million arcs; at 5, 0.5–1.0 million, each 0.6–1.4 s
#: faster, the gap proven 0.007–0.03% instead of 0.001–0.008%: docs/scaling.md.)
DROP_ABOVE: float | None = 5.0
#: ... once the flow has more than this many arcs a request (fewer: dropping costs more rounds),
DROP_OVER = 80
#: ... or once the gap proven is below this fraction (the flow near the optimum: its next flow is
#: the last or nearly, and only arcs near zero reduced cost can still enter it).
DROP_NEAR = 0.05
#: Up to this many requests the rounds go on to the exact optimum (proven gap 0) by default.
EXACT_UP_TO = 10_000
#: Above it they stop once the cost is proven within this fraction of the optimum (0.05%: half the
#: 0.1% of issue 25; each further round costs a flow of every request).
GAP_TARGET = 5e-4
#: Rounds of the longest-path fixed point for the prices (each a pass over the arcs).
MAX_PRICE_PASSES = 20_000
#: A flow after another is solved at the last one's potentials (``Potential``: its least prices and
#: values), its reduced costs clipped to ±C (integer units), C the most negative reduced cost of a
#: request arc but at least ``CLIP_MIN``; exact where no arc clipped down carries flow and every arc
#: clipped up is full (else solved again from the plain costs). The cost scaling's phases follow the
#: costs' range (the penalty's 1,000,000 units), so a narrow one is faster; wider than ``CLIP_MAX``,
#: no clipping (after the warm start, the first flow's values are far from the next's).
CLIP_MIN = 10_000
CLIP_MAX = 250_000
#: Price the rounds with ``dense.Table`` (every request against every office) where it applies.
USE_DENSE = True
#: Above this many requests the rounds start warm, from the aggregated problem (``warm_start``).
WARM_ABOVE = 2_000
#: ... when the first flow leaves more than this share of the requests unplaced.
WARM_UNPLACED = 0.005
#: ... and when it leaves more than this share out, its prices, pricing and arcs are skipped: the warm
#: start follows at once, and its arcs alone make the next flow.
WARM_SKIP_PRICING = 0.5
#: About this many requests to a supply node of the aggregate (and at least ``WARM_MIN_NODES`` nodes).
WARM_NODES = 32
WARM_MIN_NODES = 1_000
#: The aggregate's rounds stop at this gap (its own) or after ``WARM_ROUNDS``.
WARM_GAP = 1e-3
WARM_ROUNDS = 12
#: An aggregate node is priced up to this many offices deep a round (its nodes are few).
WARM_MAX_GROW = 384
#: The aggregate's arcs with no flow this many minutes above zero reduced cost go after its round.
WARM_DROP_ABOVE: float | None = 20.0
#: ... while its flow leaves more than this share of the supply out (finding the ring of free places
#: round a crowded city, where the full offices' arcs are of no more use).
WARM_DROP_UNPLACED = 0.05
#: Each member starts with at most this many of the offices its node used (the nearest).
WARM_ARCS = 8
#: The shifted bound (``shifted_bound``) at the aggregate's prices: each request's arcs to its this
#: many cheapest offices at those prices ...
SHIFT_DEPTH = 4
#: ... computed once a flow costs at most this fraction more than the Lagrangian at those prices
#: (where the aggregate's prices are near the optimum's: a crowded city; not where it is coarse).
SHIFT_WITHIN = 0.02


class Network:
    """The arcs of the flow for one set of (supply node, office) pairs, built with integer costs.

    A supply node is one request (``supply`` 1, the default) or, for the warm start, the requests
    of one class in one map cell (``supply`` their count, at their centroid).
    """

    def __init__(
        self,
        problem: rb.Problem,
        s: np.ndarray,
        o: np.ndarray,
        supply: np.ndarray | None = None,
        *,
        bucket_price: np.ndarray | None = None,
        outside: np.ndarray | None = None,
    ) -> None:
        self.problem = problem
        model = problem.model
        n = problem.n_requests
        node_office, node_class, arc_node, rep, bucket, day, first = office_class_arcs(problem, s, o)
        km = rb.pair_km(problem, s, o)
        self.s, self.o = s, o
        self.node_office, self.node_class = node_office, node_class
        self.arc_node = arc_node.reshape(-1)
        # ``bucket_price`` (minutes, for ``shifted_bound``): added to each day arc's cost, and every
        # cost rounded down, so the flow's optimum is never above the problem's in minutes.
        rnd = np.rint if bucket_price is None else np.floor
        delay = model.delay_minutes_per_day * (day - first)
        if bucket_price is not None:
            delay = delay + bucket_price[bucket]
        self.c1 = rnd((2 * model.travel_minutes(km) + problem.off_wait[o]) * SCALE).astype(np.int64)
        self.day_node, self.day_bucket = rep, bucket
        self.c2 = rnd(delay * SCALE).astype(np.int64)
        self.n_nodes = len(node_office)
        self.penalty = round(rb.UNASSIGNED_PENALTY * SCALE)
        # Per supply node, the cost of a unit left unplaced: the penalty, or ``outside`` (minutes,
        # rounded down; a margin of a thousandth of a unit for the pricing's own rounding).
        self.outside = (
            np.full(n, self.penalty, np.int64)
            if outside is None
            else np.floor(np.asarray(outside) * SCALE - 1e-3).astype(np.int64)
        )
        self.n = n
        self.supply = np.ones(n, np.int64) if supply is None else np.asarray(supply, np.int64)
        self.x = self.y = self.left = np.zeros(0, np.int64)
        self.u = np.zeros(n, np.int64)
        self.pi = np.zeros(0, np.int64)
        self.lam = np.zeros(0, np.int64)
        #: How the last ``solve`` went: "plain", "clipped" or "clipped, solved again".
        self.how = ""

    def potential(self) -> Potential | None:
        """This flow's least prices and values (after ``prices``), to solve the next flow at."""
        if not len(self.lam):
            return None
        return Potential(self.u, self.node_office, self.node_class, self.pi, self.lam)

    def _node_values(self, potential: Potential) -> np.ndarray:
        """Per office node of this network, its value in ``potential`` (a node it did not have: its
        cheapest day at the potential's prices)."""
        width = int(max(potential.node_class.max(initial=0), self.node_class.max(initial=0))) + 1
        missing = np.iinfo(np.int64).min
        table = np.full(self.problem.n_offices * width, missing, np.int64)
        table[potential.node_office * width + potential.node_class] = potential.pi
        pi = table[self.node_office * width + self.node_class]
        new = pi == missing
        if new.any():
            cheapest = np.full(self.n_nodes, np.iinfo(np.int64).max, np.int64)
            np.minimum.at(cheapest, self.day_node, self.c2 + potential.lam[self.day_bucket])
            pi[new] = np.where(cheapest[new] == np.iinfo(np.int64).max, 0, cheapest[new])
        return pi

    def solve(self, potential: Potential | None = None) -> Network:
        """The optimal flow: ``x`` per request arc, ``y`` per day arc, ``left`` unplaced per node.

        ``potential`` (the last flow's, ``potential()``): the costs are given to OR-Tools as reduced
        costs at it (the same optimum: a node's potential shifts every path through it alike),
        clipped to ±C. A flow optimal for the clipped costs is optimal for the true ones when every arc
        clipped down (its cost lowered) carries nothing and every arc clipped up is full: any other
        flow then costs at least as much more at the true costs as at the clipped ones. That is
        checked, and where it fails the flow is solved again from the plain costs.
        """
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
                self.supply[self.s],
                problem.bucket_capacity[self.day_bucket],
                np.maximum(problem.bucket_capacity, 0),
                self.supply,
            ]
        )
        costs = np.concatenate([self.c1, self.c2, np.zeros(nb, np.int64), self.outside])
        tails, heads, caps = tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64)
        supply = np.zeros(sink + 1, np.int64)
        supply[:n] = self.supply
        supply[sink] = -int(self.supply.sum())
        self.how = "plain"
        f = None
        if potential is not None and (potential.u is None or len(potential.u) == n) and na:
            pi = self._node_values(potential)
            u = potential.u
            if u is None:  # each supply node at its cheapest arc (or leaving, if dearer)
                u = self.outside.copy()
                np.minimum.at(u, self.s, self.c1 + pi[self.arc_node])
            value = np.concatenate([u, pi, potential.lam, [0]])
            reduced = costs + value[heads] - value[tails]
            clip = max(CLIP_MIN, int(-reduced[:na].min()))
            if clip <= CLIP_MAX and np.abs(value).max() <= 100 * self.penalty:
                f = _min_cost_flow(tails, heads, caps, np.clip(reduced, -clip, clip), supply)
                down, up = reduced > clip, reduced < -clip
                self.how = "clipped"
                if np.any(f[down] > 0) or np.any(f[up] < caps[up]):
                    f, self.how = None, "clipped, solved again"
        if f is None:
            f = _min_cost_flow(tails, heads, caps, costs, supply)
        self.x, self.y, self.left = f[:na], f[na : na + ny], f[na + ny + nb :]
        return self

    def assign(self) -> tuple[np.ndarray, np.ndarray]:
        """Per request (supply 1) its bucket (−1 unplaced) and its arc (−1 unplaced)."""
        n, x, y = self.n, self.x, self.y
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

    def cost(self) -> float:
        """The flow's cost in minutes (integer units / SCALE)."""
        total = int(self.x @ self.c1) + int(self.y @ self.c2) + int(self.left @ self.outside)
        return total / SCALE

    def prices(self, deadline: float | None) -> np.ndarray:
        """The least bucket prices (integer units) consistent with this optimal flow.

        A longest-path fixed point over the residual network, in the flow's integer units: a
        supply node's value ``u`` is its used arcs' cost plus their node's value (the penalty when
        some of it is unplaced), an office node's value ``π`` at least its used days' delay plus
        their price and every arriving ``u − cost``, a bucket's price ``λ ≥ π − delay`` over its
        day arcs and ≥ 0. ``u`` (per supply node) is kept in ``self.u``.

        A supply node with one used arc (r → j) and nothing unplaced (every placed request) is not
        iterated: put in, each of its arcs (r → j') is an arc between office nodes,
        ``π_j' ≥ π_j + cost(r → j) − cost(r → j')``; and one with nothing placed is a constant,
        ``π_j' ≥ outside_r − cost(r → j')``. The arcs between office nodes are far fewer than the
        requests' (many requests at one office reach the same others: the greatest cost of each pair
        is kept), so a pass of the fixed point costs a fraction of one over every request arc. The
        other supply nodes (several used arcs, or some of them unplaced: the aggregate's) keep
        their ``u`` in the passes; every ``u`` follows from ``π`` at the end.
        """
        nb, n = len(self.problem.bucket_capacity), self.n
        lam = np.zeros(nb, np.int64)
        self.u = np.where(self.left > 0, self.outside, 0).astype(np.int64)
        self.pi = np.zeros(self.n_nodes, np.int64)
        if not len(self.s) or not len(self.day_node):  # no arc at all: nothing to price
            return lam
        neg = np.iinfo(np.int64).min // 4
        used, uy = np.flatnonzero(self.x > 0), self.y > 0
        unplaced = self.left > 0
        n_used = np.bincount(self.s[used], minlength=n)
        single, constant = (n_used == 1) & ~unplaced, (n_used == 0) & unplaced
        # Each arc of a single node, with that node's used arc.
        used_arc = np.full(n, -1, np.int64)
        used_arc[self.s[used]] = used
        other = np.flatnonzero(single[self.s])
        via = used_arc[self.s[other]]
        edges = _Groups(
            self.arc_node[other], self.c1[via] - self.c1[other], self.arc_node[via], distinct_pairs=True
        )
        pi = np.full(self.n_nodes, neg, np.int64)
        fixed = constant[self.s]
        np.maximum.at(pi, self.arc_node[fixed], self.outside[self.s[fixed]] - self.c1[fixed])
        mixed = ~single & ~constant
        arc_u = _Groups(self.s[used], self.c1[used], self.arc_node[used], only=mixed[self.s[used]])
        arc_all = _Groups(self.arc_node, -self.c1, self.s, only=mixed[self.s])
        day_u = _Groups(self.day_node[uy], self.c2[uy], self.day_bucket[uy])
        day_all = _Groups(self.day_bucket, -self.c2, self.day_node)
        for _ in range(MAX_PRICE_PASSES):
            before = pi.copy()
            day_u.raise_to(pi, lam)  # π ≥ delay + λ over its used days
            edges.raise_to(pi, pi)  # π_j' ≥ π_j + cost(r → j) − cost(r → j') through each single r
            if arc_all.starts.size:  # the other supply nodes: u ≥ cost + π, then π ≥ u − cost
                u = np.where(unplaced, self.outside, neg)
                arc_u.raise_to(u, pi)
                arc_all.raise_to(pi, u)
            new = lam.copy()
            day_all.raise_to(new, pi)  # λ ≥ π − delay over every day arc
            done = np.array_equal(new, lam) and np.array_equal(pi, before)
            lam = new
            if done or (deadline is not None and clock.perf_counter() > deadline):
                break
        u = np.where(unplaced, self.outside, neg)
        _Groups(self.s[used], self.c1[used], self.arc_node[used]).raise_to(u, pi)  # u ≥ cost + π
        self.u, self.pi, self.lam = u, pi, lam
        return lam


class Potential(NamedTuple):
    """A solved flow's least values (integer units): per supply node, per office node (by office and
    class) and per bucket. From prices alone (``u`` None, no office nodes): each office node at its
    cheapest day, each supply node at its cheapest arc."""

    u: np.ndarray | None
    node_office: np.ndarray
    node_class: np.ndarray
    pi: np.ndarray
    lam: np.ndarray


def _from_prices(price: np.ndarray) -> Potential:
    """The values at bucket prices (minutes) alone: the next flow's potential after the warm start."""
    empty = np.zeros(0, np.int64)
    return Potential(None, empty, empty, empty, np.rint(price * SCALE).astype(np.int64))


def _min_cost_flow(
    tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, costs: np.ndarray, supply: np.ndarray
) -> np.ndarray:
    """The optimal flow per arc (OR-Tools' cost scaling)."""
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs.astype(np.int64))
    flow.set_nodes_supplies(np.arange(len(supply), dtype=np.int32), supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the min-cost flow could not be solved (status {status})")
    return flow.flows(arcs)


class _Groups:
    """``out[target] = max(out[target], cost + value[source])`` over fixed arcs, as one segmented
    maximum a call: the arcs sorted by target once (``np.maximum.at`` goes arc by arc).

    ``only``: the arcs kept (a mask). ``distinct_pairs``: arcs with the same source and target kept
    once, with their greatest cost (the others can never raise the target more), and none from a
    node to itself.
    """

    def __init__(
        self,
        target: np.ndarray,
        cost: np.ndarray,
        source: np.ndarray,
        *,
        only: np.ndarray | None = None,
        distinct_pairs: bool = False,
    ) -> None:
        if only is not None:
            target, cost, source = target[only], cost[only], source[only]
        if distinct_pairs:
            keep = source != target
            width = int(source.max(initial=0)) + 1
            key = target[keep] * width + source[keep]
            order = np.argsort(key)  # (not stable: equal keys are merged)
            key, cost = key[order], cost[keep][order]
            first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key
            cost = np.maximum.reduceat(cost, first) if len(key) else cost
            target, source = key[first] // width, key[first] % width
        order = np.argsort(target, kind="stable")
        target = target[order]
        self.cost, self.source = cost[order], source[order]
        self.starts = np.flatnonzero(np.r_[True, target[1:] != target[:-1]]) if len(target) else target
        self.targets = target[self.starts]

    def raise_to(self, out: np.ndarray, value: np.ndarray) -> None:
        if len(self.source):
            best = np.maximum.reduceat(self.cost + value[self.source], self.starts)
            out[self.targets] = np.maximum(out[self.targets], best)


def _worth_adding(
    problem: rb.Problem,
    price: np.ndarray,
    current: np.ndarray,
    values: np.ndarray,
    offices: np.ndarray,
    grow: int,
    radius_km: np.ndarray | None,
    max_grow: int = MAX_GROW,
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
        if m >= max_grow or not deeper.any():
            return np.concatenate(keys)
        rows = rows[deeper]
        m = min(max_grow, 4 * m)
        sub = problem.with_requests(rows)
        values, offices = rb._priced_offices(sub, price, m, None if radius_km is None else radius_km[rows])


def _unique(keys: np.ndarray) -> np.ndarray:
    """The sorted distinct keys (a sort and a compare: ``np.unique`` hashes, several times slower
    on the millions of (request, office) keys of a crowded round)."""
    keys = np.sort(keys)
    if len(keys):
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    return keys


def _not_in(new: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The distinct keys of ``new`` not in the sorted distinct ``pairs``, sorted."""
    new = _unique(new)
    if not len(pairs) or not len(new):
        return new
    at = np.minimum(np.searchsorted(pairs, new), len(pairs) - 1)
    return new[pairs[at] != new]


def _union(pairs: np.ndarray, new: np.ndarray, *, fresh: bool = False) -> np.ndarray:
    """The sorted distinct keys of both (``pairs`` sorted and distinct already; ``fresh``: ``new`` is
    ``_not_in``'s answer for them, sorted and distinct and none in ``pairs``)."""
    merged = np.concatenate([pairs, new if fresh else _not_in(new, pairs)])
    merged.sort(kind="stable")  # two sorted runs: a merge
    return merged


def _pairs(problem: rb.Problem, offices: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(offices >= 0)
    return _unique(rows * problem.n_offices + offices[rows, cols])


def shifted_bound(
    problem: rb.Problem,
    price: np.ndarray,
    radius_km: np.ndarray | None,
    depth: int,
    priced: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """A lower bound on the optimum over every office from bucket prices ``price``, by one flow in
    which each request has arcs to only its ``depth`` cheapest offices at those prices.

    Each cost is shifted by its bucket's price (``c + p``) and each request may instead leave by an
    arc of cost ``F_r``, its ``depth + 1``-th cheapest value at ``p`` (at most the penalty): no
    office outside its arcs costs it less than that. For the flow's optimal duals ``(u, q)``, the
    prices ``p + q ≥ p`` are then feasible for the whole problem's dual (``u_r ≤ c_rb + p_b + q_b``
    on the arcs, ``u_r ≤ F_r ≤ c_rb + p_b`` on every other bucket), whose objective is the flow's
    optimum minus ``capacity · p``: a proven bound, however few the arcs. Costs are rounded down (the
    flow's optimum is at most the shifted problem's). Near the optimum's prices it is near the
    optimum: the Lagrangian at ``p`` is raised where its requests crowd the same buckets, by the flow.
    ``priced``: the pricing at ``price`` already done (``rb._priced_offices``, at least ``depth + 1``
    deep).
    """
    price = np.maximum(0.0, np.asarray(price, dtype=float))
    if priced is None or priced[0].shape[1] <= depth:
        priced = rb._priced_offices(problem, price, depth + 1, radius_km)
    values, offices = priced
    outside = np.minimum(rb.UNASSIGNED_PENALTY, values[:, depth])
    rows, cols = np.nonzero(offices[:, :depth] >= 0)
    net = Network(problem, rows, offices[rows, cols], bucket_price=price, outside=outside).solve()
    return net.cost() - float(np.maximum(problem.bucket_capacity, 0) @ price)


def warm_start(
    problem: rb.Problem,
    radius_km: np.ndarray | None,
    *,
    start: int,
    grow: int,
    deadline: float | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Starting arcs and bucket prices from the aggregated problem (``network.aggregate``).

    The requests of one class in one map cell become one supply node with their count, at their
    centroid (about ``WARM_NODES`` requests a node); that flow is priced over every office like the
    real one, to ``WARM_GAP`` (of the aggregate). Each member then starts with the offices its node
    used (``_members_arcs``) and its cheapest at the aggregate's prices. Only a starting point: the
    real problem's rounds, bound and gap follow, per request.
    """
    agg = network.aggregate(problem, radius_km, max(WARM_MIN_NODES, problem.n_requests // WARM_NODES))
    ap, supply = agg.problem, agg.supply
    nb = len(problem.bucket_capacity)
    capacity = np.maximum(problem.bucket_capacity, 0)
    _v, first = rb._priced_offices(ap, np.zeros(nb), start, agg.radius_km)
    pairs = _pairs(ap, first)
    table = dense.table(ap, agg.radius_km)
    rounds, potential = 0, None
    while True:
        rounds += 1
        net = Network(ap, pairs // ap.n_offices, pairs % ap.n_offices, supply).solve(potential)
        price = net.prices(deadline) / SCALE
        potential = net.potential()
        if table is not None:
            least, new = table.scan(price, net.u / SCALE, grow, WARM_MAX_GROW, TOLERANCE)
        else:
            values, offices = rb._priced_offices(ap, price, grow, agg.radius_km)
            least = values[:, 0]
            new = _worth_adding(ap, price, net.u / SCALE, values, offices, grow, agg.radius_km, WARM_MAX_GROW)
        bound = float(supply @ np.minimum(rb.UNASSIGNED_PENALTY, least) - capacity @ price)
        cost = net.cost()
        new = _not_in(new, pairs)
        close = bound > 0 and (cost - bound) / bound <= WARM_GAP
        out_of_time = deadline is not None and clock.perf_counter() > deadline
        if not len(new) or close or rounds >= WARM_ROUNDS or out_of_time:
            break
        if WARM_DROP_ABOVE is not None and net.left.sum() > WARM_DROP_UNPLACED * supply.sum():
            reduced = net.c1 + net.pi[net.arc_node] - net.u[net.s]
            pairs = pairs[(net.x > 0) | (reduced <= WARM_DROP_ABOVE * SCALE)]
        pairs = _union(pairs, new, fresh=True)
    return _members_arcs(problem, agg, net), price, rounds


def _members_arcs(problem: rb.Problem, agg: network.Aggregate, net: Network) -> np.ndarray:
    """(request × n_offices + office): each request to the offices its supply node used, the
    ``WARM_ARCS`` nearest to it where the node used more."""
    m = problem.n_offices
    used = net.x > 0
    arc_s, arc_o = net.s[used], net.o[used]
    srt = np.lexsort((arc_o, arc_s))
    arc_s, arc_o = arc_s[srt], arc_o[srt]
    per_node = np.bincount(arc_s, minlength=len(agg.supply))
    first = np.searchsorted(arc_s, np.arange(len(agg.supply)))
    order = np.argsort(agg.member_node, kind="stable")
    bounds = np.searchsorted(agg.member_node[order], np.arange(len(agg.supply) + 1))
    keys = []
    few = per_node[agg.member_node] <= WARM_ARCS  # every member to every office of its node
    who = np.flatnonzero(few)
    count = per_node[agg.member_node[who]]
    rep = np.repeat(who, count)
    at = np.repeat(first[agg.member_node[who]], count) + (
        np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    )
    keys.append(rep * m + arc_o[at])
    lat, lon = agg.problem.req_lat, agg.problem.req_lon
    for node in np.flatnonzero(per_node > WARM_ARCS):
        members = order[bounds[node] : bounds[node + 1]]
        offices = arc_o[first[node] : first[node] + per_node[node]]
        km = rb.haversine(
            problem.req_lat[members, None],
            problem.req_lon[members, None],
            problem.off_lat[offices][None, :],
            problem.off_lon[offices][None, :],
        )
        nearest = np.argpartition(km, WARM_ARCS - 1, axis=1)[:, :WARM_ARCS]
        keys.append((members[:, None] * m + offices[nearest]).reshape(-1))
        # And the node's flow shared out in the direction each member lies from the centroid (the
        # members to the south to the offices to the south): every office it used is reached.
        counts = net.x[used][srt][first[node] : first[node] + per_node[node]]
        slots = np.repeat(offices, counts)
        toward = np.arctan2(problem.off_lon[slots] - lon[node], problem.off_lat[slots] - lat[node])
        where = np.arctan2(problem.req_lon[members] - lon[node], problem.req_lat[members] - lat[node])
        rank = np.argsort(np.argsort(where, kind="stable"), kind="stable")
        slot = slots[np.argsort(toward, kind="stable")][rank * len(slots) // len(members)]
        keys.append(members * m + slot)
    return _unique(np.concatenate(keys))


def _warm_work(
    problem: rb.Problem, radius_km: np.ndarray | None, start: int, grow: int, deadline: float | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """``warm_start`` with its arguments in order (for ``ahead``)."""
    return warm_start(problem, radius_km, start=start, grow=grow, deadline=deadline)


def solve(
    problem: rb.Problem,
    *,
    start: int = 4,
    grow: int = 6,
    max_rounds: int = 60,
    radius_km: np.ndarray | None = None,
    max_seconds: float | None = None,
    gap_target: float | None = None,
    warm: bool | None = None,
    **_ignored: object,
) -> rb.Result:
    """The optimum over every eligible office, or within ``gap_target`` of it (proven).

    ``gap_target`` (default: 0 up to ``EXACT_UP_TO`` requests, ``GAP_TARGET`` above) stops the
    rounds once the cost is proven that close to the optimum; ``max_seconds`` and ``max_rounds``
    stop them too, the assignment still feasible and its gap proven. ``warm``: start the rounds
    from the aggregated problem (``warm_start``) always (True), never (False), or by default above
    ``WARM_ABOVE`` requests when the first flow leaves more than ``WARM_UNPLACED`` of them out (a
    crowded place, where growing each request's neighbourhood ring by ring would take many rounds).
    """
    started = clock.perf_counter()
    deadline = None if max_seconds is None else started + max_seconds
    n, m = problem.n_requests, problem.n_offices
    if gap_target is None:
        gap_target = 0.0 if n <= EXACT_UP_TO else GAP_TARGET
    nb = len(problem.bucket_capacity)
    capacity = np.maximum(problem.bucket_capacity, 0)
    timings = {"flow": 0.0, "prices": 0.0, "pricing": 0.0}  # CPU seconds (the machine may be shared)
    cpu_started = clock.process_time()
    warm_args = (problem, radius_km, start, grow, deadline)
    # Where the first flow may leave many out, the warm start runs ahead in a child process beside the
    # first pricing and flow (``ahead``: on the other core, which the first flow leaves idle), to be
    # taken or stopped.
    early = None
    if warm is None and max_rounds > 1 and n > WARM_ABOVE:
        early = ahead.Ahead.start(_warm_work, *warm_args)
    _v, first = rb._priced_offices(problem, np.zeros(nb), start, radius_km)
    pairs = _pairs(problem, first)
    # Every request against every office each round (``dense``), where the table fits.
    table = dense.table(problem, radius_km) if USE_DENSE else None
    warm_rounds, bound = 0, -np.inf
    # The aggregate's prices and their Lagrangian, for the shifted bound (once).
    shift: dict[str, object] = {}
    # Priced deep enough for the shifted bound too (kept for it: the same prices).
    depth = max(grow, SHIFT_DEPTH + 1) if gap_target > 0 else grow

    def warm_pairs() -> np.ndarray:
        nonlocal warm_rounds, bound, early
        mark, waiting = clock.process_time(), clock.perf_counter()
        got = early.result() if early is not None else None
        early = None
        if got is None:  # (not started ahead, or the child failed: the same work here)
            got = _warm_work(*warm_args), clock.process_time() - mark
        else:
            timings["warm start waited (wall)"] = clock.perf_counter() - waiting
        (there, price, warm_rounds), timings["warm start"] = got
        # Priced here, not in the child: this process's travel table has the rows its first pricing
        # filled (the child's has none of them).
        mark = clock.process_time()
        values, near = rb._priced_offices(problem, price, depth, radius_km)
        timings["pricing"] += clock.process_time() - mark
        # The aggregate's prices are prices too: their Lagrangian is a lower bound of the real problem
        # (often a better one than the first flows' prices, which see only the arcs they have).
        here = float(np.minimum(rb.UNASSIGNED_PENALTY, values[:, 0]).sum() - capacity @ price)
        bound = max(bound, here)
        shift.update(price=price, lagrangian=here, priced=(values, near))
        return _union(_pairs(problem, near[:, :grow]), there)

    if warm:
        pairs = _union(pairs, warm_pairs())
    timings["set-up"] = clock.process_time() - cpu_started - timings.get("warm start", 0.0)
    rounds, pending, history = 0, False, []
    chosen = np.full(n, -1, np.int64)
    potential: Potential | None = None  # the last flow's values, to solve the next at
    while True:
        rounds += 1
        mark = clock.process_time()
        net = Network(problem, pairs // m, pairs % m).solve(potential)
        chosen, _arc_of = net.assign()
        timings["flow"] += clock.process_time() - mark
        cost = rb.evaluate(problem, "", chosen, 0.0).cost
        close = bound > 0 and (cost - bound) / bound <= gap_target
        lagrangian = float(shift.get("lagrangian", -np.inf))  # type: ignore[arg-type]
        if not close and gap_target > 0 and "done" not in shift and cost <= (1 + SHIFT_WITHIN) * lagrangian:
            # Near the aggregate's prices' Lagrangian: the shifted bound at those prices (one flow of
            # SHIFT_DEPTH arcs a request) may prove this flow close enough without the rounds that
            # would bring every crowded request's far offices into the flow.
            mark = clock.process_time()
            price = np.asarray(shift["price"])
            priced = shift.pop("priced")
            bound = max(bound, shifted_bound(problem, price, radius_km, SHIFT_DEPTH, priced))  # type: ignore[arg-type]
            shift["done"] = True
            timings["shifted bound"] = clock.process_time() - mark
            close = bound > 0 and (cost - bound) / bound <= gap_target
        if close:  # proven close enough already: no prices, no pricing
            history.append((cost, bound))
            pending = False
            break
        skip = warm is None and rounds == 1 and max_rounds > 1 and n > WARM_ABOVE
        if skip and np.mean(chosen < 0) > WARM_SKIP_PRICING:
            # Most requests left out (a city over capacity): the first flow's prices are the penalty's
            # on every near office, so its pricing adds little that the aggregate's rounds do not
            # find; straight to the warm start (no Lagrangian from this round: the bound is its own),
            # whose arcs replace the first flow's (each request's nearest offices with a free place:
            # full ones, in that city, which the warm start's arcs include where they are worth it).
            history.append((cost, bound))
            pairs = warm_pairs()  # (sorted and distinct)
            # The next flow is solved at the aggregate's prices only here. Where the first flow left
            # fewer out (uneven capacity) they price thousands of buckets above CLIP_MIN that the next
            # flow leaves with free places, its check failed and it was solved twice; there the next
            # flow follows a priced first flow, at that flow's own values.
            potential = _from_prices(np.asarray(shift["price"]))
            continue
        mark = clock.process_time()
        price = net.prices(deadline) / SCALE
        potential = net.potential()
        timings["prices"] += clock.process_time() - mark
        mark = clock.process_time()
        placed = chosen >= 0
        current = np.full(n, rb.UNASSIGNED_PENALTY)
        current[placed] = rb._cost_of(problem, np.flatnonzero(placed), chosen[placed]) + price[chosen[placed]]
        crowded = warm is None and rounds == 1 and n > WARM_ABOVE and np.mean(~placed) > WARM_UNPLACED
        if early is not None and not crowded:  # the warm start is not needed: stopped
            early.cancel()
            early = None
        # Crowded: the warm start brings the far offices, so no request is priced deeper here.
        max_grow = grow if crowded else MAX_GROW
        if table is not None and not crowded:  # (a crowded city's requests: by map cell, faster)
            least, found = table.scan(price, current, grow, max_grow, TOLERANCE)
        else:
            values, offices = rb._priced_offices(problem, price, grow, radius_km)
            least = values[:, 0]
        # The Lagrangian at these prices (rebalance.lower_bound), from the same pricing.
        here = float(np.minimum(rb.UNASSIGNED_PENALTY, least).sum() - np.sum(capacity * price))
        bound = max(bound, here)
        history.append((cost, bound))
        close = bound > 0 and (cost - bound) / bound <= gap_target
        new = np.zeros(0, np.int64)
        if not close:
            if table is None or crowded:
                found = _worth_adding(problem, price, current, values, offices, grow, radius_km, max_grow)
            new = _not_in(found, pairs)
        timings["pricing"] += clock.process_time() - mark
        pending = bool(len(new))
        near = bound > 0 and (cost - bound) / bound <= DROP_NEAR
        if pending and gap_target > 0 and DROP_ABOVE is not None and (len(pairs) > DROP_OVER * n or near):
            # Above the exact sizes, when the arcs grow past DROP_OVER a request (a crowded city
            # priced deep) or the gap proven is within DROP_NEAR (the next flow is the last or
            # nearly: capacity equal to demand, uneven): arcs with no flow whose reduced cost is far
            # above zero go (the pricing brings back any that becomes worth it), so the last flows
            # stay smaller.
            reduced = net.c1 + net.pi[net.arc_node] - net.u[net.s]
            pairs = pairs[(net.x > 0) | (reduced <= DROP_ABOVE * SCALE)]
        out_of_time = deadline is not None and clock.perf_counter() > deadline
        if not pending or close or rounds >= max_rounds or out_of_time:
            break
        if crowded:  # many requests left out by the first flow
            new = _union(new, warm_pairs())
        pairs = _union(pairs, new, fresh=not crowded)
    if early is not None:  # (the rounds stopped before it was taken)
        early.cancel()
    mark = clock.process_time()
    result = rb.evaluate(problem, "optimal (all offices)", chosen, 0.0)
    if pending and not close:  # stopped early: with no capacity at all is a bound too
        bound = max(bound, rb.lower_bound(problem, np.zeros(nb), radius_km))
    timings["bound"] = clock.process_time() - mark
    result.lower_bound = min(result.cost, bound)
    result.iterations = rounds
    result.columns = len(pairs)
    result.farther = rb.placed_farther(problem, chosen)
    result.seconds = clock.perf_counter() - started
    result.extra.update(timings=timings, nodes=n, pending=pending, history=history, warm_rounds=warm_rounds)
    return result
