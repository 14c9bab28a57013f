"""The default rebalancer (issue 25): an integer min-cost flow per request, with a proven gap."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tanzim.scheduling.services.flexible import ahead, instances, mcf, network
from tanzim.scheduling.services.flexible import rebalance as rb
from tanzim.scheduling.tests.test_rebalance import feasible


@pytest.mark.parametrize(
    ("kind", "requests", "offices"),
    [
        ("benchmark", 300, 40),
        ("uneven", 300, 40),
        ("one_city", 200, 30),
        ("beyond_k", 300, 60),
        ("tight", 300, 40),
    ],
)
def test_the_flow_is_the_optimum_over_every_office_and_proves_it(kind, requests, offices):
    problem = instances.generate_class(kind, requests=requests, offices=offices, seed=7)
    result = mcf.solve(problem)
    full = rb.solve_optimal(problem, k=offices)  # the transportation LP over every office and day
    feasible(problem, result.bucket)
    # Integer costs in hundredths of a minute: the optimum up to that rounding.
    assert result.cost == pytest.approx(full.cost, rel=1e-5)
    assert result.lower_bound <= full.cost + 1e-6  # a proven bound is never above the optimum
    assert result.proven_gap <= 1e-5
    assert result.extra["pending"] is False  # stopped because no farther office was worth it


def test_the_prices_are_duals_of_the_flow_their_lagrangian_is_the_optimum():
    problem = instances.generate_class("uneven", requests=300, offices=40, seed=11)
    pairs = np.arange(problem.n_requests)[:, None] * problem.n_offices + np.arange(problem.n_offices)
    eligible = problem.eligible[problem.req_group][:, : problem.n_offices]
    pairs = pairs[eligible]
    net = mcf.Network(problem, pairs // problem.n_offices, pairs % problem.n_offices).solve()
    chosen, _arc_of = net.assign()
    price = net.prices(None) / mcf.SCALE
    cost = rb.evaluate(problem, "", chosen, 0).cost
    assert np.all(price >= 0)
    # A bucket with a place left over has no price (complementary slackness).
    used = np.bincount(chosen[chosen >= 0], minlength=len(problem.bucket_capacity))
    assert np.all(price[used < problem.bucket_capacity] == 0)
    assert rb.lower_bound(problem, price) == pytest.approx(cost, rel=1e-5)


def test_a_gap_target_stops_early_with_that_gap_proven():
    problem = instances.generate_class("tight", requests=400, offices=50, seed=3)
    exact = rb.solve_optimal(problem, k=50)
    loose = mcf.solve(problem, gap_target=0.05)
    feasible(problem, loose.bucket)
    assert loose.proven_gap <= 0.05
    assert loose.lower_bound <= exact.cost + 1e-6 <= loose.cost + 1e-6


def test_out_of_rounds_it_is_feasible_and_its_gap_still_bounds_the_truth():
    problem = instances.generate_class("one_city", requests=250, offices=40, seed=3)
    exact = rb.solve_optimal(problem, k=40)
    cut = mcf.solve(problem, max_rounds=1)
    feasible(problem, cut.bucket)
    assert cut.lower_bound <= exact.cost + 1e-6 <= cut.cost + 1e-6
    assert cut.proven_gap >= (cut.cost - exact.cost) / exact.cost - 1e-9


def test_a_request_kept_nearby_never_goes_beyond_its_radius():
    problem = instances.generate_class("beyond_k", requests=200, offices=60, seed=3)
    radius = rb.usual_neighbourhood_km(problem)
    result = mcf.solve(problem, radius_km=radius)
    feasible(problem, result.bucket)
    placed = np.flatnonzero(result.bucket >= 0)
    office = problem.bucket_office[result.bucket[placed]]
    km = rb.haversine(
        problem.req_lat[placed], problem.req_lon[placed], problem.off_lat[office], problem.off_lon[office]
    )
    assert np.all(km <= radius[placed] + 1e-9)
    assert not result.farther.any()


def test_an_office_with_no_free_place_and_an_unlicensed_one_are_never_used():
    problem = instances.generate_class("uneven", requests=300, offices=40, seed=5)
    problem.bucket_capacity[problem.bucket_office == 0] = 0
    problem.eligible[1:, 1] = False
    result = mcf.solve(problem)
    feasible(problem, result.bucket)
    placed = result.bucket >= 0
    assert not np.any(problem.bucket_office[result.bucket[placed]] == 0)


def test_the_same_input_gives_the_same_assignment():
    problem = instances.generate_class("tight", requests=300, offices=40, seed=9)
    assert mcf.solve(problem).bucket.tolist() == mcf.solve(problem).bucket.tolist()


# --- national scale: the fast pricing, supply nodes and the warm start (issue 25) ----------------


@pytest.mark.parametrize("kind", ["benchmark", "one_city", "beyond_k"])
def test_pricing_from_the_nearest_offices_is_the_pricing_over_every_office(kind, monkeypatch):
    from tanzim.scheduling.services.flexible import near

    problem = instances.generate_class(kind, requests=400, offices=80, seed=2)
    rng = np.random.default_rng(5)
    price = np.where(rng.random(len(problem.bucket_capacity)) < 0.3, rng.gamma(2.0, 30.0), 0.0)
    radius = np.where(rng.random(problem.n_requests) < 0.2, rng.uniform(1, 30, problem.n_requests), np.inf)
    for m in (1, 6, 24):
        for r in (None, radius):
            fast_v, fast_o = rb._priced_offices(problem, price, m, r)
            monkeypatch.setattr(near, "K", 0)  # m > K: every request priced over every office
            slow_v, _slow_o = rb._priced_offices(problem, price, m, r)
            monkeypatch.undo()
            np.testing.assert_allclose(fast_v, slow_v, rtol=1e-9)
            assert np.all((fast_o >= 0) == np.isfinite(fast_v))
    # Most requests are answered from their nearest offices alone (that is the point).
    uniq, cls = rb._classes(problem)
    rows = np.flatnonzero(cls == 0)
    beta, _b = rb._office_values(problem, np.zeros_like(price), *(int(x) for x in uniq[0]))
    _v, _o, proven = near.cheapest(problem, rows, beta, 6, None)
    assert proven.mean() > 0.5


def test_supply_nodes_flow_and_their_prices_are_the_optimum_of_the_aggregate():
    from tanzim.scheduling.services.flexible import network

    problem = instances.generate_class("tight", requests=600, offices=40, seed=4)
    agg = network.aggregate(problem, None, target=120)
    ap = agg.problem
    assert agg.supply.sum() == problem.n_requests and len(agg.supply) <= 120
    pairs = np.arange(ap.n_requests)[:, None] * ap.n_offices + np.arange(ap.n_offices)
    pairs = pairs[ap.eligible[ap.req_group][:, : ap.n_offices]]
    net = mcf.Network(ap, pairs // ap.n_offices, pairs % ap.n_offices, agg.supply).solve()
    price = net.prices(None) / mcf.SCALE
    # Never above a capacity, every unit of supply placed or left out.
    used = np.bincount(net.day_bucket, net.y, minlength=len(ap.bucket_capacity))
    assert np.all(used <= ap.bucket_capacity)
    assert np.array_equal(np.bincount(net.s, net.x, minlength=ap.n_requests) + net.left, agg.supply)
    # The prices are the duals: their Lagrangian (counted per unit of supply) is the flow's cost.
    values, _offices = rb._priced_offices(ap, price, 1, None)
    capacity = np.maximum(ap.bucket_capacity, 0)
    lagrangian = agg.supply @ np.minimum(rb.UNASSIGNED_PENALTY, values[:, 0]) - capacity @ price
    assert lagrangian == pytest.approx(net.cost(), rel=1e-4)
    assert np.all(price[used < ap.bucket_capacity] == 0)


@pytest.mark.parametrize("kind", ["one_city", "uneven", "beyond_k"])
def test_a_warm_start_from_the_aggregate_still_ends_at_the_optimum(kind):
    problem = instances.generate_class(kind, requests=400, offices=40, seed=6)
    cold = mcf.solve(problem, warm=False)
    warm = mcf.solve(problem, warm=True)
    feasible(problem, warm.bucket)
    assert warm.extra["warm_rounds"] >= 1
    assert warm.cost == pytest.approx(cold.cost, rel=1e-5)
    assert warm.proven_gap <= 1e-5


def test_a_crowded_first_flow_calls_the_warm_start_in_by_itself(monkeypatch):
    monkeypatch.setattr(mcf, "WARM_ABOVE", 100)
    monkeypatch.setattr(mcf, "EXACT_UP_TO", 100)  # the national-scale defaults, on a small instance
    problem = instances.generate_class("one_city", requests=300, offices=40, seed=8)
    exact = mcf.solve(problem, warm=False, gap_target=0.0)
    result = mcf.solve(problem)
    feasible(problem, result.bucket)
    assert result.extra["warm_rounds"] >= 1  # the first flow left most of the city out
    assert result.proven_gap <= mcf.GAP_TARGET
    # The flows' costs are rounded to hundredths of a minute an arc: "exact" is the optimum up to that.
    assert result.lower_bound <= exact.cost + 1e-6 <= result.cost + problem.n_requests / mcf.SCALE
    calm = mcf.solve(instances.generate_class("benchmark", requests=300, offices=40, seed=8))
    assert calm.extra["warm_rounds"] == 0  # nobody left out: no warm start


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_pricing_by_map_cell_is_the_pricing_over_every_office(seed, monkeypatch):
    from tanzim.scheduling.services.flexible import near

    rng = np.random.default_rng(seed)
    problem = instances.generate_class("one_city", requests=600, offices=90, seed=seed)
    points = rb._unit_vectors(problem.req_lat, problem.req_lon)
    off_points = rb._unit_vectors(problem.off_lat, problem.off_lon)
    # Dear near offices (a crowded city's prices), some offices with no place at all.
    centre_km = rb.haversine(problem.off_lat, problem.off_lon, *instances.CENTRES[0][:2])
    beta = problem.off_wait + np.where(centre_km < 80, rng.gamma(2.0, 40.0, problem.n_offices), 0.0)
    beta[rng.random(problem.n_offices) < 0.1] = np.inf
    km = rb.haversine(problem.req_lat[:, None], problem.req_lon[:, None], problem.off_lat, problem.off_lon)
    dense = np.sort(2 * problem.model.travel_minutes(km) + beta, axis=1)  # every office, brute force
    dense = np.hstack([dense, np.full((problem.n_requests, 30), np.inf)])  # fewer offices than m
    monkeypatch.setattr(near, "CELL_KM", float(rng.choice([0.5, 2.0, 8.0])))
    monkeypatch.setattr(near, "MIN_MEMBERS", 1)  # any cells at all
    for m in (1, 6, 24, 100):
        found = near.by_cell(problem.model, points, off_points, beta, m)
        assert found is not None
        values, offices = found
        np.testing.assert_allclose(values, dense[:, :m], rtol=1e-9)
        slow_v, _slow_o = rb._cheapest(problem.model, points, off_points, beta, m)
        np.testing.assert_allclose(values, slow_v, rtol=1e-9)
        # The offices named are those values, and none twice.
        ok = offices >= 0
        assert np.array_equal(ok, np.isfinite(values))
        rows = np.nonzero(ok)[0]
        value_of = 2 * problem.model.travel_minutes(km[rows, offices[ok]]) + beta[offices[ok]]
        np.testing.assert_allclose(value_of, values[ok], rtol=1e-9)
        assert all(len(set(o[o >= 0])) == (o >= 0).sum() for o in offices)
    # Spread-out requests (about one a cell): left to the k-d trees.
    monkeypatch.undo()
    spread = instances.generate_class("benchmark", requests=50, offices=20, seed=seed)
    pts = rb._unit_vectors(spread.req_lat, spread.req_lon)
    assert (
        near.by_cell(spread.model, pts, rb._unit_vectors(spread.off_lat, spread.off_lon), spread.off_wait, 3)
        is None
    )


@pytest.mark.parametrize("kind", ["one_city", "tight"])
def test_dropping_arcs_far_above_their_reduced_cost_still_reaches_the_optimum(kind, monkeypatch):
    # The national-scale rule on a small instance, as aggressive as it gets: after every round each
    # arc with no flow and a reduced cost above zero goes.
    monkeypatch.setattr(mcf, "DROP_OVER", 0)
    monkeypatch.setattr(mcf, "DROP_ABOVE", 0.0)
    problem = instances.generate_class(kind, requests=300, offices=40, seed=12)
    exact = rb.solve_optimal(problem, k=40)
    result = mcf.solve(problem, gap_target=1e-9)  # > 0: the rule applies
    feasible(problem, result.bucket)
    assert result.cost == pytest.approx(exact.cost, rel=1e-5)
    assert result.lower_bound <= exact.cost + 1e-6
    assert result.proven_gap <= 1e-5


@pytest.mark.parametrize(("kind", "seed"), [("tight", 7), ("uneven", 9), ("one_city", 7)])
def test_dropping_arcs_once_the_gap_is_near_reaches_the_optimum_with_fewer_arcs(kind, seed, monkeypatch):
    # The rule by gap alone (never by the arcs' count): once a round proves the gap within
    # DROP_NEAR, every arc with no flow and a reduced cost above zero goes; the pricing brings back
    # any the optimum needs.
    problem = instances.generate_class(kind, requests=300, offices=40, seed=seed)
    exact = rb.solve_optimal(problem, k=40)
    monkeypatch.setattr(mcf, "DROP_OVER", 10**9)
    monkeypatch.setattr(mcf, "DROP_ABOVE", 0.0)
    monkeypatch.setattr(mcf, "DROP_NEAR", 0.0)
    kept = mcf.solve(problem, gap_target=1e-9)
    monkeypatch.setattr(mcf, "DROP_NEAR", 10.0)  # every round with a positive bound is near
    result = mcf.solve(problem, gap_target=1e-9)
    feasible(problem, result.bucket)
    assert result.cost == pytest.approx(exact.cost, rel=1e-5)
    assert result.lower_bound <= exact.cost + 1e-6
    assert result.proven_gap <= 1e-5
    assert result.columns < kept.columns  # the rule applied


@pytest.mark.parametrize(("kind", "seed"), [("one_city", 2), ("tight", 5), ("uneven", 9), ("beyond_k", 4)])
def test_the_shifted_bound_is_never_above_the_optimum_and_meets_it_at_the_duals(kind, seed):
    problem = instances.generate_class(kind, requests=300, offices=40, seed=seed)
    optimum = rb.solve_optimal(problem, k=40).cost  # the transportation LP over every office and day
    n, nb = problem.n_requests, len(problem.bucket_capacity)
    rng = np.random.default_rng(seed)
    exact = mcf.solve(problem, gap_target=0.0)
    duals = _optimal_prices(problem)
    candidates = [np.zeros(nb), rng.gamma(1.0, 30.0, nb), duals, duals + rng.gamma(1.0, 5.0, nb)]
    for price in candidates:
        lagrangian = rb.lower_bound(problem, price)
        for depth in (1, 3, 8):
            bound = mcf.shifted_bound(problem, price, None, depth)
            # Proven: never above the optimum, whatever the prices and however few the arcs ...
            assert bound <= optimum + 1e-6
            # ... and never below the Lagrangian at the same prices (its costs rounded down).
            assert bound >= lagrangian - n * 2.0 / mcf.SCALE
    # At the optimum's duals the bound is the optimum (to the rounding of its costs).
    assert mcf.shifted_bound(problem, duals, None, 8) == pytest.approx(exact.cost, abs=n * 2.0 / mcf.SCALE)


def _optimal_prices(problem: rb.Problem) -> np.ndarray:
    """The prices of the flow over every eligible (request, office) pair: the optimum's duals."""
    pairs = np.arange(problem.n_requests)[:, None] * problem.n_offices + np.arange(problem.n_offices)
    pairs = pairs[problem.eligible[problem.req_group][:, : problem.n_offices]]
    net = mcf.Network(problem, pairs // problem.n_offices, pairs % problem.n_offices).solve()
    return net.prices(None) / mcf.SCALE


def test_a_crowded_city_is_proven_close_by_the_shifted_bound(monkeypatch):
    monkeypatch.setattr(mcf, "WARM_ABOVE", 100)
    monkeypatch.setattr(mcf, "EXACT_UP_TO", 100)  # the national-scale defaults, on a small instance
    problem = instances.generate_class("one_city", requests=1500, offices=120, seed=8)
    optimum = mcf.solve(problem, warm=False, gap_target=0.0).cost  # every round, to gap 0
    result = mcf.solve(problem)
    feasible(problem, result.bucket)
    assert result.extra["warm_rounds"] >= 1
    assert "shifted bound" in result.extra["timings"]  # it was computed ...
    assert result.lower_bound <= optimum + 1e-6 <= result.cost + 1e-6  # ... and bounds the truth
    assert result.proven_gap <= mcf.GAP_TARGET


# --- dense pricing: every request against every office from a table built once ------------------


def _brute_values(problem, price):
    """Every (request, office) value at ``price``, float64 (inf: not eligible or no free place)."""
    uniq, cls = rb._classes(problem)
    km = rb.haversine(problem.req_lat[:, None], problem.req_lon[:, None], problem.off_lat, problem.off_lon)
    values = 2 * problem.model.travel_minutes(km)
    for ci, (g, first, last) in enumerate(uniq):
        beta, _b = rb._office_values(problem, price, int(g), int(first), int(last))
        values[cls == ci] += beta
    return values


@pytest.mark.parametrize(("kind", "seed"), [("tight", 1), ("one_city", 2), ("uneven", 3), ("beyond_k", 4)])
def test_dense_pricing_is_the_pricing_over_every_office(kind, seed):
    from tanzim.scheduling.services.flexible import dense

    problem = instances.generate_class(kind, requests=500, offices=70, seed=seed)
    rng = np.random.default_rng(seed)
    table = dense.table(problem, None)
    assert table is not None and dense.table(problem, None) is table  # built once a problem
    assert dense.table(problem, np.full(problem.n_requests, 30.0)) is None  # a radius: not dense
    # Float32 chooses; its error is far below the slack within which float64 decides.
    assert dense._error_bound(problem) < dense.SLACK / 10
    for scale in (0.0, 30.0, 300.0):
        price = np.where(rng.random(len(problem.bucket_capacity)) < 0.4, rng.gamma(2.0, scale + 1e-9), 0.0)
        brute = _brute_values(problem, price)
        pick = rng.integers(0, 8, problem.n_requests)
        current = np.sort(brute, axis=1)[np.arange(problem.n_requests), pick] + rng.normal(
            0, 5, problem.n_requests
        )
        for grow, max_grow in ((1, 1), (6, 6), (6, 96), (40, 96)):  # 40: deeper than near.K
            least, keys = table.scan(price, current, grow, max_grow, mcf.TOLERANCE)
            # The least value over every office, exactly (it proves the Lagrangian bound).
            np.testing.assert_allclose(least, brute.min(axis=1), rtol=1e-12)
            # Every office cheaper than the request's value now, at most its max_grow cheapest.
            assert len(np.unique(keys)) == len(keys)
            r, o = keys // problem.n_offices, keys % problem.n_offices
            assert np.all(brute[r, o] < current[r] - mcf.TOLERANCE + 1e-3)
            below = (brute < (current - mcf.TOLERANCE)[:, None]).sum(axis=1)
            assert np.array_equal(np.bincount(r, minlength=problem.n_requests), np.minimum(below, max_grow))
            cut = np.sort(brute, axis=1)[
                np.arange(problem.n_requests), np.maximum(0, np.minimum(below, max_grow) - 1)
            ]
            assert np.all(brute[r, o] <= cut[r] + 1e-3)  # the cheapest ones


@pytest.mark.parametrize(("kind", "seed"), [("tight", 5), ("one_city", 6), ("benchmark", 7)])
def test_dense_cheapest_offices_are_those_over_every_office(kind, seed):
    from tanzim.scheduling.services.flexible import dense

    problem = instances.generate_class(kind, requests=500, offices=70, seed=seed)
    rng = np.random.default_rng(seed)
    table = dense.table(problem, None)
    uniq, cls = rb._classes(problem)
    for scale in (0.0, 40.0, 400.0):
        price = np.where(rng.random(len(problem.bucket_capacity)) < 0.4, rng.gamma(2.0, scale + 1e-9), 0.0)
        brute = _brute_values(problem, price)
        order = np.sort(brute, axis=1)
        for m in (1, 4, 9, 30, 70):
            for ci, (g, first, last) in enumerate(uniq):
                rows = np.flatnonzero(cls == ci)[rng.random((cls == ci).sum()) < 0.7]
                beta, _b = rb._office_values(problem, price, int(g), int(first), int(last))
                values, offices = table.cheapest(ci, rows, beta, m)
                want = np.full((len(rows), m), np.inf)
                k = min(m, problem.n_offices)
                want[:, :k] = order[rows, :k]
                np.testing.assert_allclose(values, want, rtol=1e-12)  # exactly, float64, sorted
                ok = offices >= 0
                assert np.array_equal(ok, np.isfinite(values))
                r = np.nonzero(ok)[0]
                np.testing.assert_allclose(brute[rows[r], offices[ok]], values[ok], rtol=1e-12)
                assert all(len(set(o[o >= 0])) == (o >= 0).sum() for o in offices)
        # And the pricing every solver uses goes through it, with the same answer.
        v, _o = rb._priced_offices(problem, price, 9, None)
        np.testing.assert_allclose(v, order[:, :9], rtol=1e-12)


@pytest.mark.parametrize("kind", ["uneven", "one_city"])
def test_dense_pricing_in_two_threads_gives_the_answer_of_one(kind, monkeypatch):
    """Blocks of rows priced in two threads (each filling the travel rows it is the first to need)
    give the same least values, offices and keys, in the same order, as one thread."""
    from tanzim.scheduling.services.flexible import dense

    monkeypatch.setattr(dense, "ROWS", 16)  # many blocks at this size, dealt between the threads
    problem = instances.generate_class(kind, requests=600, offices=60, seed=11)
    rng = np.random.default_rng(11)
    price = np.where(rng.random(len(problem.bucket_capacity)) < 0.5, rng.gamma(2.0, 60.0), 0.0)
    brute = _brute_values(problem, price)
    current = np.sort(brute, axis=1)[:, 5]
    uniq, _cls = rb._classes(problem)
    answers = []
    for threads in (1, 2):
        monkeypatch.setattr(dense, "THREADS", threads)
        table = dense.Table(problem)  # a new table: its travel rows filled by these threads
        least, keys = table.scan(price, current, 40, 96, mcf.TOLERANCE)  # 40: every row over the table
        cheapest = []
        for ci, (g, first, last) in enumerate(uniq):
            beta, _b = rb._office_values(problem, price, int(g), int(first), int(last))
            cheapest.append(table.cheapest(ci, table.parts[ci].rows, beta, 9))
        answers.append((least, keys, cheapest))
    (least1, keys1, cheap1), (least2, keys2, cheap2) = answers
    np.testing.assert_allclose(least1, brute.min(axis=1), rtol=1e-12)
    assert np.array_equal(least1, least2) and np.array_equal(keys1, keys2)
    for (v1, o1), (v2, o2) in zip(cheap1, cheap2, strict=True):
        assert np.array_equal(v1, v2) and np.array_equal(o1, o2)


@pytest.mark.parametrize(("kind", "seed"), [("one_city", 6), ("one_city", 8), ("uneven", 6)])
def test_the_aggregate_drops_its_far_arcs_while_it_leaves_many_out_and_still_ends_at_the_optimum(
    kind, seed, monkeypatch
):
    problem = instances.generate_class(kind, requests=400, offices=40, seed=seed)
    exact = rb.solve_optimal(problem, k=40)
    monkeypatch.setattr(mcf, "WARM_MIN_NODES", 40)  # a real aggregate at this size: 8 requests a node
    monkeypatch.setattr(mcf, "WARM_NODES", 8)
    arcs: list[set[int]] = []
    solve = mcf.Network.solve

    def recorded(net, potential=None):
        if net.n < problem.n_requests:  # the aggregate's flows: their (node, office) arcs
            arcs.append(set((net.s * problem.n_offices + net.o).tolist()))
        return solve(net, potential)

    monkeypatch.setattr(mcf.Network, "solve", recorded)
    monkeypatch.setattr(mcf, "WARM_DROP_ABOVE", None)
    mcf.solve(problem, warm=True)
    assert len(arcs) >= 2 and all(a <= b for a, b in itertools.pairwise(arcs))  # only ever more
    arcs.clear()
    # As aggressive as it gets: every arc with no flow and a reduced cost above zero, every round.
    monkeypatch.setattr(mcf, "WARM_DROP_ABOVE", 0.0)
    monkeypatch.setattr(mcf, "WARM_DROP_UNPLACED", 0.0)
    result = mcf.solve(problem, warm=True)
    feasible(problem, result.bucket)
    assert result.cost == pytest.approx(exact.cost, rel=1e-5)
    assert result.lower_bound <= exact.cost + 1e-6
    assert result.proven_gap <= 1e-5
    assert any(a - b for a, b in itertools.pairwise(arcs))  # the rule applied: arcs went


def _least_values(net: mcf.Network) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The least (λ, u, π) the prices must be, by plain Bellman–Ford passes over every residual arc
    with the supply nodes as nodes of their own (``x[head] ≥ x[tail] + w``; node 0 the source)."""
    n, nn, nb = net.n, net.n_nodes, len(net.problem.bucket_capacity)
    r, j, b = 1 + np.arange(n), 1 + n + np.arange(nn), 1 + n + nn + np.arange(nb)
    used, day_used, out = net.x > 0, net.y > 0, np.flatnonzero(net.left > 0)
    arcs = [
        (np.zeros(nb, int), b, np.zeros(nb)),  # λ ≥ 0
        (np.zeros(len(out), int), r[out], net.outside[out]),  # u ≥ the cost of leaving, if some left
        (b[net.day_bucket[day_used]], j[net.day_node[day_used]], net.c2[day_used]),  # π ≥ delay + λ
        (j[net.arc_node[used]], r[net.s[used]], net.c1[used]),  # u ≥ cost + π
        (r[net.s], j[net.arc_node], -net.c1),  # π ≥ u − cost
        (j[net.day_node], b[net.day_bucket], -net.c2),  # λ ≥ π − delay
    ]
    tail, head, w = (np.concatenate(part) for part in zip(*arcs, strict=True))
    x = np.full(1 + n + nn + nb, -np.inf)
    x[0] = 0.0
    while True:
        before = x.copy()
        np.maximum.at(x, head, x[tail] + w)
        if np.array_equal(x, before):
            return x[b].astype(np.int64), x[r].astype(np.int64), x[j].astype(np.int64)


@pytest.mark.parametrize(
    ("kind", "seed", "aggregated"),
    [
        ("tight", 3, False),
        ("one_city", 4, False),
        ("uneven", 5, False),
        ("one_city", 6, True),
        ("tight", 7, True),
    ],
)
def test_the_prices_are_the_least_values_of_the_residual_network(kind, seed, aggregated):
    problem = instances.generate_class(kind, requests=400, offices=50, seed=seed)
    supply = None
    if aggregated:  # supply nodes of several requests, some partly placed: several used arcs each
        agg = network.aggregate(problem, None, 60)
        problem, supply = agg.problem, agg.supply
    rng = np.random.default_rng(seed)
    m = problem.n_offices
    # (Few arcs a node in the aggregate, so some of a node's requests are left out.)
    share = 0.1 if aggregated else 0.3
    eligible = problem.eligible[problem.req_group][:, :m] & (rng.random((problem.n_requests, m)) < share)
    pairs = (np.arange(problem.n_requests)[:, None] * m + np.arange(m))[eligible]
    net = mcf.Network(problem, pairs // m, pairs % m, supply).solve()
    lam = net.prices(None)
    least = _least_values(net)
    for got, want in zip((lam, net.u, net.pi), least, strict=True):
        assert np.array_equal(got, want)
    assert lam.any()  # some bucket has a price: the fixed point had work to do
    if aggregated:
        assert np.bincount(net.s[net.x > 0]).max() > 1  # a node with several used arcs
        assert np.any(net.left > 0)


def test_a_first_flow_that_leaves_most_out_goes_to_the_warm_start_unpriced(monkeypatch):
    monkeypatch.setattr(mcf, "WARM_ABOVE", 100)
    monkeypatch.setattr(mcf, "EXACT_UP_TO", 100)  # the national-scale defaults, on a small instance
    monkeypatch.setattr(ahead, "ENABLED", False)  # the warm start in this process, where it is recorded
    priced_sizes: list[int] = []  # the supply nodes of each flow whose prices are computed, in turn
    prices = mcf.Network.prices

    def recorded(self, deadline):
        priced_sizes.append(self.n)
        return prices(self, deadline)

    monkeypatch.setattr(mcf.Network, "prices", recorded)
    city = instances.generate_class("one_city", requests=1500, offices=120, seed=8)
    flows: list[np.ndarray] = []  # the (request, office) keys of each flow of the city's requests
    solve = mcf.Network.solve

    def kept(self, potential=None):
        if self.problem is city:  # (not the aggregate's)
            flows.append(self.s * city.n_offices + self.o)
        return solve(self, potential)

    monkeypatch.setattr(mcf.Network, "solve", kept)
    optimum = mcf.solve(city, warm=False, gap_target=0.0).cost
    priced_sizes.clear()
    flows.clear()
    result = mcf.solve(city)
    feasible(city, result.bucket)
    first_cost, first_bound = result.extra["history"][0]
    assert first_cost > 0.5 * city.n_requests * rb.UNASSIGNED_PENALTY  # most of the city left out ...
    assert first_bound == -np.inf  # ... so no Lagrangian at its prices,
    assert priced_sizes[0] < city.n_requests  # the aggregate's prices came first,
    assert result.extra["warm_rounds"] >= 1
    assert not np.isin(flows[0], flows[1]).all()  # its arcs, not the first flow's, make the next flow
    # ... and the answer is still proven (the optimum up to the flows' rounding: a hundredth an arc).
    assert result.lower_bound <= optimum + 1e-6 <= result.cost + city.n_requests / mcf.SCALE
    assert result.proven_gap <= mcf.GAP_TARGET
    # Fewer than half left out (capacity equal to demand): the first flow is priced as before.
    priced_sizes.clear()
    tight = instances.generate_class("tight", requests=1500, offices=120, seed=8)
    result = mcf.solve(tight)
    assert result.extra["warm_rounds"] >= 1
    assert priced_sizes[0] == tight.n_requests
    assert np.isfinite(result.extra["history"][0][1])


def _flow_cost_units(net: mcf.Network) -> int:
    return int(net.x @ net.c1) + int(net.y @ net.c2) + int(net.left @ net.outside)


def test_the_rounds_key_sets_are_sets():
    """``_unique``, ``_not_in`` and ``_union`` (with ``new`` known fresh or not) against Python's sets."""
    rng = np.random.default_rng(25)
    for size in (0, 1, 50, 5_000):
        pairs = mcf._unique(rng.integers(0, 3 * size + 1, size))
        found = rng.integers(0, 3 * size + 1, 2 * size)
        assert pairs.tolist() == sorted(set(pairs.tolist()))
        new = mcf._not_in(found, pairs)
        assert new.tolist() == sorted(set(found.tolist()) - set(pairs.tolist()))
        both = sorted(set(found.tolist()) | set(pairs.tolist()))
        assert mcf._union(pairs, found).tolist() == both
        assert mcf._union(pairs, new, fresh=True).tolist() == both


@pytest.mark.parametrize(("kind", "seed"), [("uneven", 3), ("tight", 5), ("one_city", 8), ("benchmark", 2)])
def test_a_flow_solved_at_the_last_ones_values_is_the_same_optimum(kind, seed, monkeypatch):
    problem = instances.generate_class(kind, requests=300, offices=40, seed=seed)
    m, nb = problem.n_offices, len(problem.bucket_capacity)
    _v, first = rb._priced_offices(problem, np.zeros(nb), 4, None)
    pairs = mcf._pairs(problem, first)
    potential = None
    for depth in (8, 16):  # two rounds: each request's cheapest offices at the last flow's prices
        last = mcf.Network(problem, pairs // m, pairs % m).solve(potential)
        price = last.prices(None) / mcf.SCALE
        potential = last.potential()
        _v, more = rb._priced_offices(problem, price, depth, None)
        pairs = mcf._union(pairs, mcf._pairs(problem, more))
    assert potential is not None
    plain = mcf.Network(problem, pairs // m, pairs % m).solve()
    assert plain.how == "plain"
    rng = np.random.default_rng(seed)
    random_prices = mcf._from_prices(rng.uniform(0, 300, nb))  # any values at all: the same optimum
    hows = []
    for clip_min, values in [
        (mcf.CLIP_MIN, potential),
        (0, potential),
        (0, random_prices),
        (500, random_prices),
    ]:
        monkeypatch.setattr(mcf, "CLIP_MIN", clip_min)
        net = mcf.Network(problem, pairs // m, pairs % m).solve(values)
        hows.append(net.how)
        chosen, _arc = net.assign()  # (checks the flow is conserved at every office node)
        feasible(problem, chosen)
        assert _flow_cost_units(net) == _flow_cost_units(plain)  # the optimum, to the unit
    if not last.left.any():  # (one left out at the penalty: a range too wide to clip, solved plainly)
        assert hows[0] == "clipped"  # at the last flow's values: nothing to solve again
    # Clipped to ±0 (every arc's cost its sign) the flow found is not optimal for the true costs: it
    # is seen and solved again (without that check the cost above differs).
    assert "clipped, solved again" in hows
