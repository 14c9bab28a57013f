"""The batch rebalancer: optimal under capacities, integral, better than greedy, exact vs all offices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from django.core.management import call_command

from tanzim.scheduling.services.flexible import rebalance as rb


def tiny() -> rb.Problem:
    """Three requests, two offices one day: the nearest office has one place."""
    return rb.Problem(
        req_lat=np.array([35.70, 35.71, 35.72]),
        req_lon=np.array([51.40, 51.40, 51.40]),
        req_group=np.zeros(3, dtype=np.int64),
        req_first_day=np.zeros(3, dtype=np.int64),
        req_last_day=np.zeros(3, dtype=np.int64),
        off_lat=np.array([35.70, 35.80]),
        off_lon=np.array([51.40, 51.40]),
        off_wait=np.zeros(2),
        eligible=np.ones((1, 2), dtype=bool),
        bucket_office=np.array([0, 1]),
        bucket_day=np.array([0, 0]),
        bucket_capacity=np.array([1, 5]),
    )


def brute_force(problem: rb.Problem) -> float:
    n, nb = problem.n_requests, len(problem.bucket_capacity)
    best = np.inf
    for choice in itertools.product(range(-1, nb), repeat=n):
        chosen = np.asarray(choice)
        used = np.bincount(chosen[chosen >= 0], minlength=nb)
        if np.all(used <= problem.bucket_capacity):
            best = min(best, rb.evaluate(problem, "x", chosen, 0).cost)
    return best


def test_the_lp_matches_a_brute_force_search_on_a_tiny_case():
    problem = tiny()
    result = rb.solve_optimal(problem, k=2)
    assert result.cost == pytest.approx(brute_force(problem))
    assert result.unassigned == 0
    assert np.bincount(result.bucket, minlength=2).tolist() == [1, 2]


def test_capacities_are_never_exceeded_and_the_solution_is_integral():
    problem = rb.generate(requests=600, offices=40, days=3, seed=7)
    result = rb.solve_optimal(problem, k=5)
    used = np.bincount(result.bucket[result.bucket >= 0], minlength=len(problem.bucket_capacity))
    assert np.all(used <= problem.bucket_capacity)
    assert result.fractional == 0


def test_day_windows_are_respected():
    problem = rb.generate(requests=400, offices=30, days=4, seed=3)
    result = rb.solve_optimal(problem, k=5)
    placed = result.bucket >= 0
    days = problem.bucket_day[result.bucket[placed]]
    assert np.all(days >= problem.req_first_day[placed])
    assert np.all(days <= problem.req_last_day[placed])


def test_the_optimum_is_never_worse_than_greedy_or_the_nearest_office():
    problem = rb.generate(requests=800, offices=50, days=3, seed=11)
    optimal = rb.solve_optimal(problem, k=8)
    assert optimal.cost <= rb.solve_greedy(problem, k=8).cost + 1e-6
    assert optimal.cost <= rb.solve_nearest(problem).cost + 1e-6


def test_unlicensed_offices_are_never_used_for_licensed_requests():
    problem = rb.generate(requests=500, offices=40, days=2, seed=5, licence_share=0.5)
    result = rb.solve_optimal(problem, k=6)
    placed = np.flatnonzero(result.bucket >= 0)
    offices = problem.bucket_office[result.bucket[placed]]
    assert np.all(problem.eligible[problem.req_group[placed], offices])


def test_the_exact_optimum_over_all_offices_is_at_most_the_k_nearest_one():
    problem = rb.generate(requests=500, offices=60, days=2, seed=2)
    restricted = rb.solve_optimal(problem, k=2)
    exact = rb.exact_optimum(problem, restricted)
    full = rb.solve_optimal(problem, k=60)  # every office: the true optimum, small enough to build
    assert exact.cost == pytest.approx(full.cost, rel=1e-9)
    assert exact.cost <= restricted.cost + 1e-6
    assert rb.gap(restricted, exact) >= 0


def test_an_impossible_request_stays_unassigned_rather_than_breaking_the_solve():
    problem = tiny()
    problem.req_first_day[:] = 5  # no bucket on day 5
    problem.req_last_day[:] = 5
    result = rb.solve_optimal(problem, k=2)
    assert result.unassigned == 3
    assert result.cost == pytest.approx(3 * rb.UNASSIGNED_PENALTY)


def test_the_command_reports_before_and_after_on_a_synthetic_country(capsys):
    call_command("rebalance", synthetic=300, offices=30, days=2, exact=True)
    out = capsys.readouterr().out
    assert "nearest office" in out and "greedy" in out and "optimal" in out and "exact optimum" in out
