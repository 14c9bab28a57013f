"""The network rebalancer (issue 25): a min-cost flow on aggregated requests, with a proven gap."""

from __future__ import annotations

import numpy as np
import pytest

from tanzim.scheduling.services.flexible import instances, network
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
def test_without_aggregation_the_flow_is_the_optimum_over_every_office(kind, requests, offices):
    problem = instances.generate_class(kind, requests=requests, offices=offices, seed=5)
    result = network.solve(problem)
    full = rb.solve_optimal(problem, k=offices)  # the transportation LP over every office and day
    feasible(problem, result.bucket)
    assert result.extra["nodes"] == requests  # small: every request is its own node
    assert result.cost == pytest.approx(full.cost, rel=1e-9)
    assert result.lower_bound <= full.cost + 1e-6
    assert result.proven_gap <= 1e-9


def _grid_problem(copies: int, licensed: bool = False) -> rb.Problem:
    """Distinct places in the middle of distinct map cells, each repeated ``copies`` times."""
    base = instances.generate(requests=60, offices=25, days=3, seed=9, licence_share=0.5 if licensed else 0.1)
    lat = np.round(base.req_lat / 0.04) * 0.04 + 0.005  # 0.04° apart: never in one 0.01° cell
    lon = np.round(base.req_lon / 0.04) * 0.04 + 0.005
    _, unique = np.unique(np.column_stack([lat, lon]), axis=0, return_index=True)
    unique = np.sort(unique)

    def rep(a):
        return np.repeat(a[unique], copies)

    return rb.Problem(
        req_lat=rep(lat),
        req_lon=rep(lon),
        req_group=rep(base.req_group),
        req_first_day=rep(base.req_first_day),
        req_last_day=rep(base.req_last_day),
        off_lat=base.off_lat,
        off_lon=base.off_lon,
        off_wait=base.off_wait,
        eligible=base.eligible,
        bucket_office=base.bucket_office,
        bucket_day=base.bucket_day,
        bucket_capacity=np.maximum(1, base.bucket_capacity // 3),  # tight: identical requests split
    )


def test_identical_requests_become_one_node_and_are_split_as_the_optimum_does():
    problem = _grid_problem(copies=6)
    nodes = len(np.unique(np.column_stack([problem.req_lat, problem.req_lon, problem.req_first_day]), axis=0))
    aggregated = network.solve(problem, target=nodes)
    alone = network.solve(problem, target=problem.n_requests)
    assert aggregated.extra["nodes"] < problem.n_requests
    feasible(problem, aggregated.bucket)
    assert aggregated.cost == pytest.approx(alone.cost, rel=1e-9)
    assert aggregated.cost == pytest.approx(rb.solve_optimal(problem, k=problem.n_offices).cost, rel=1e-9)
    assert aggregated.proven_gap <= 1e-9
    # Somewhere a node's members went to different offices (the capacity made it split).
    agg = network.aggregate(problem, None, nodes)
    office = np.where(aggregated.bucket >= 0, problem.bucket_office[np.maximum(aggregated.bucket, 0)], -1)
    split = [len(np.unique(office[agg.member_node == s])) > 1 for s in range(len(agg.supply))]
    assert any(split)


def test_aggregation_keeps_each_requests_licence_and_window():
    problem = _grid_problem(copies=3, licensed=True)
    agg = network.aggregate(problem, None, target=20)
    for s in range(len(agg.supply)):
        members = agg.member_node == s
        assert len(np.unique(problem.req_group[members])) == 1
        assert len(np.unique(problem.req_first_day[members])) == 1
    result = network.solve(problem, target=20)
    feasible(problem, result.bucket)  # eligibility and days per real request


@pytest.mark.parametrize("kind", instances.INSTANCE_CLASSES)
def test_a_coarse_aggregation_stays_feasible_and_its_bound_never_exceeds_the_optimum(kind):
    problem = instances.generate_class(kind, requests=300, offices=40, seed=8)
    coarse = network.solve(problem, target=60)
    optimum = rb.solve_optimal(problem, k=40).cost
    feasible(problem, coarse.bucket)
    assert coarse.extra["nodes"] <= 60
    assert coarse.lower_bound <= optimum + 1e-6 <= coarse.cost + 1e-6
    assert coarse.proven_gap >= (coarse.cost - optimum) / optimum - 1e-9


def test_a_request_kept_nearby_is_never_aggregated_and_keeps_its_radius():
    problem = _grid_problem(copies=4)
    radius = np.full(problem.n_requests, np.inf)
    radius[0] = 0.5  # no office that close
    agg = network.aggregate(problem, radius, target=10)
    assert agg.supply[agg.member_node[0]] == 1
    result = network.solve(problem, radius_km=radius, target=10)
    assert result.bucket[0] == -1
    feasible(problem, result.bucket)


def test_the_same_input_gives_the_same_assignment():
    problem = instances.generate_class("tight", requests=300, offices=40, seed=4)
    first = network.solve(problem, target=100).bucket
    assert first.tolist() == network.solve(problem, target=100).bucket.tolist()
