"""The default rebalancer (issue 25): an integer min-cost flow per request, with a proven gap."""

from __future__ import annotations

import numpy as np
import pytest

from tanzim.scheduling.services.flexible import instances, mcf
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
    net = mcf.Network(problem, pairs // problem.n_offices, pairs % problem.n_offices)
    chosen, arc_of = net.solve()
    price = net.prices(chosen, arc_of, None) / mcf.SCALE
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
