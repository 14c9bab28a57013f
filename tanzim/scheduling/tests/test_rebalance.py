"""The batch rebalancer: optimal under capacities, integral, better than greedy, exact vs all offices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse

from tanzim.common.jalali import TEHRAN
from tanzim.scheduling.services.flexible import instances
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


def test_the_km_of_a_flows_arcs_are_the_great_circle_distances():
    problem = instances.generate_class("uneven", requests=300, offices=40, seed=2)
    rng = np.random.default_rng(2)
    req = np.r_[rng.integers(0, 300, 5000), 0]
    office = np.r_[rng.integers(0, 40, 5000), 0]
    problem.req_lat[0], problem.req_lon[0] = problem.off_lat[0], problem.off_lon[0]  # at the office
    km = rb.pair_km(problem, req, office)
    want = rb.haversine(
        problem.req_lat[req], problem.req_lon[req], problem.off_lat[office], problem.off_lon[office]
    )
    assert np.allclose(km, want, rtol=0, atol=1e-9)
    assert km[-1] == 0.0 and km.max() > 100  # the same place, and far apart


def test_the_lp_matches_a_brute_force_search_on_a_tiny_case():
    problem = tiny()
    result = rb.solve_optimal(problem, k=2)
    assert result.cost == pytest.approx(brute_force(problem))
    assert result.unassigned == 0
    assert np.bincount(result.bucket, minlength=2).tolist() == [1, 2]


def test_capacities_are_never_exceeded_and_the_solution_is_integral():
    problem = instances.generate(requests=600, offices=40, days=3, seed=7)
    result = rb.solve_optimal(problem, k=5)
    used = np.bincount(result.bucket[result.bucket >= 0], minlength=len(problem.bucket_capacity))
    assert np.all(used <= problem.bucket_capacity)
    assert result.fractional == 0


def test_day_windows_are_respected():
    problem = instances.generate(requests=400, offices=30, days=4, seed=3)
    result = rb.solve_optimal(problem, k=5)
    placed = result.bucket >= 0
    days = problem.bucket_day[result.bucket[placed]]
    assert np.all(days >= problem.req_first_day[placed])
    assert np.all(days <= problem.req_last_day[placed])


def test_the_optimum_is_never_worse_than_greedy_or_the_nearest_office():
    problem = instances.generate(requests=800, offices=50, days=3, seed=11)
    optimal = rb.solve_optimal(problem, k=8)
    assert optimal.cost <= rb.solve_greedy(problem, k=8).cost + 1e-6
    assert optimal.cost <= rb.solve_nearest(problem).cost + 1e-6


def test_unlicensed_offices_are_never_used_for_licensed_requests():
    problem = instances.generate(requests=500, offices=40, days=2, seed=5, licence_share=0.5)
    result = rb.solve_optimal(problem, k=6)
    placed = np.flatnonzero(result.bucket >= 0)
    offices = problem.bucket_office[result.bucket[placed]]
    assert np.all(problem.eligible[problem.req_group[placed], offices])


def test_the_exact_optimum_over_all_offices_is_at_most_the_k_nearest_one():
    problem = instances.generate(requests=500, offices=60, days=2, seed=2)
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
    assert "proves its cost within 0.0000%" in out


# --- issue 25: the default solver is optimal over every office, on every instance class -----------


def feasible(problem: rb.Problem, chosen: np.ndarray) -> None:
    """Capacities never exceeded, each request at most once, eligible offices, its own days."""
    assert chosen.shape == (problem.n_requests,)  # one bucket (or none) per request
    placed = np.flatnonzero(chosen >= 0)
    used = np.bincount(chosen[placed], minlength=len(problem.bucket_capacity))
    assert np.all(used <= problem.bucket_capacity)
    offices = problem.bucket_office[chosen[placed]]
    assert np.all(problem.eligible[problem.req_group[placed], offices])
    days = problem.bucket_day[chosen[placed]]
    assert np.all(days >= problem.req_first_day[placed])
    assert np.all(days <= problem.req_last_day[placed])


@pytest.mark.parametrize(
    ("kind", "requests", "offices"),
    [
        ("benchmark", 400, 50),
        ("uneven", 400, 50),
        ("one_city", 250, 40),
        ("beyond_k", 400, 80),
        ("tight", 400, 50),
    ],
)
def test_issue_25_default_solver_equals_the_optimum_over_every_office(kind, requests, offices):
    problem = instances.generate_class(kind, requests=requests, offices=offices, seed=3)
    result = rb.solve(problem)
    exact = rb.solve_optimal(problem, k=offices)  # the full LP: every eligible office and day
    feasible(problem, result.bucket)
    assert result.fractional == 0
    assert result.cost == pytest.approx(exact.cost, rel=1e-3)
    assert result.lower_bound <= exact.cost + 1e-6  # a proven bound is never above the optimum
    assert result.proven_gap <= 1e-3


def test_issue_25_a_full_office_does_not_hide_a_free_one_beyond_the_ten_nearest():
    problem = instances.generate_class("beyond_k", requests=400, offices=80, seed=3)
    k10 = rb.solve_optimal(problem, k=10)  # the old neighbourhood counts the full offices
    result = rb.solve(problem)
    assert result.unassigned == 0
    assert k10.unassigned > 0
    assert result.farther.sum() > 0


def test_the_lower_bound_never_exceeds_the_brute_force_optimum_at_any_prices():
    problem = tiny()
    optimum = brute_force(problem)
    for prices in ([0, 0], [5, 0], [50, 3], [1e4, 1e4]):
        assert rb.lower_bound(problem, np.asarray(prices, dtype=float)) <= optimum + 1e-6
    assert rb.solve(problem).lower_bound == pytest.approx(optimum)


def test_placed_farther_when_the_nearby_offices_are_full():
    """Twelve offices near the request are full; the one free office is 60 km away."""
    lat = np.r_[35.70 + 0.01 * np.arange(12), 36.25]
    problem = rb.Problem(
        req_lat=np.array([35.70]),
        req_lon=np.array([51.40]),
        req_group=np.zeros(1, dtype=np.int64),
        req_first_day=np.zeros(1, dtype=np.int64),
        req_last_day=np.zeros(1, dtype=np.int64),
        off_lat=lat,
        off_lon=np.full(13, 51.40),
        off_wait=np.zeros(13),
        eligible=np.ones((1, 13), dtype=bool),
        bucket_office=np.array([12]),
        bucket_day=np.array([0]),
        bucket_capacity=np.array([3]),
    )
    result = rb.solve(problem)
    assert result.bucket.tolist() == [0]
    assert result.farther.tolist() == [True]
    # Declined: kept to its usual neighbourhood, it waits rather than being sent away.
    waiting = rb.solve(problem, radius_km=rb.usual_neighbourhood_km(problem))
    assert waiting.unassigned == 1
    assert waiting.farther.tolist() == [False]


def test_an_office_in_the_neighbourhood_is_not_farther():
    result = rb.solve(tiny())
    assert not result.farther.any()


# --- "why farther": the citizen and the office are told, and the citizen may wait instead ---------


def _placed_farther(slotted, service):
    from tanzim.scheduling.models import FlexibleRequest
    from tanzim.scheduling.services import flexible_request_create
    from tanzim.scheduling.services.flexible import batch
    from tanzim.testing.scheduling import at

    request = flexible_request_create(
        citizen=slotted.citizen,
        service=service,
        latitude=35.69,
        longitude=51.39,
        earliest=at(1, 0).date(),
        latest=at(3, 0).date(),
    )
    data = batch.from_database(days=3)
    result = rb.solve(data.problem)
    # Ten more offices nearer to the citizen would be full; here the flag is what the solver said.
    result.farther = np.ones(data.problem.n_requests, dtype=bool)
    assert batch.apply(data, result, actor=slotted.kanoon_admin)["booked"] == 1
    return FlexibleRequest.objects.get(pk=request.pk)


@pytest.mark.django_db
def test_a_request_placed_farther_records_why_and_the_sms_says_so(slotted, service, clock):
    from tanzim.notify.models import Message

    request = _placed_farther(slotted, service)
    assert request.placed_farther is True
    body = Message.objects.get(dedupe_key=f"scheduling:appointment:{request.appointment_id}:farther").body
    assert request.appointment.office.name in body or request.appointment.office.name_fa in body


@pytest.mark.django_db
def test_the_citizen_may_cancel_a_farther_place_and_wait_for_a_nearby_one(slotted, service, clock, client):
    from tanzim.scheduling.choices import AppointmentStatus, FlexibleRequestStatus
    from tanzim.scheduling.models import FlexibleRequest

    request = _placed_farther(slotted, service)
    client.force_login(slotted.citizen)
    page = client.get(reverse("scheduling:mine")).content.decode()
    assert "farther-note" in page and reverse("scheduling:flexible-wait-nearer", args=[request.pk]) in page
    other = _other_citizen_client(slotted)
    assert other.post(reverse("scheduling:flexible-wait-nearer", args=[request.pk])).status_code == 404
    response = client.post(reverse("scheduling:flexible-wait-nearer", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    request.appointment.refresh_from_db()
    assert request.appointment.status == AppointmentStatus.CANCELLED
    again = FlexibleRequest.objects.get(citizen=slotted.citizen, status=FlexibleRequestStatus.PENDING)
    assert again.nearby_only is True and again.latest == request.latest
    from tanzim.scheduling.services.flexible import batch

    data = batch.from_database(days=3)
    radius = data.radius_km()
    assert radius is not None and np.isfinite(radius).all()
    # A second decline of the same request is refused: it is no longer an assigned farther place.
    assert client.post(reverse("scheduling:flexible-wait-nearer", args=[request.pk])).status_code == 302
    assert FlexibleRequest.objects.filter(citizen=slotted.citizen, nearby_only=True).count() == 1


@pytest.mark.django_db
def test_the_office_day_view_says_an_appointment_came_from_farther_away(slotted, service, clock):
    from django.test import Client

    request = _placed_farther(slotted, service)
    appointment = request.appointment
    clerk = slotted.clerk_a if appointment.office_id == slotted.office_a.pk else slotted.clerk_b
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(clerk)
    url = reverse("scheduling:office-day", args=[appointment.office.code])
    page = staff.get(url, {"date": appointment.start.astimezone(TEHRAN).date().isoformat()}).content.decode()
    assert appointment.reference in page
    assert "farther-note" in page and "the offices near this citizen were full" in page
    request.placed_farther = False
    request.save(update_fields=["placed_farther"])
    page = staff.get(url, {"date": appointment.start.astimezone(TEHRAN).date().isoformat()}).content.decode()
    assert appointment.reference in page and "farther-note" not in page


def _other_citizen_client(slotted):
    from django.test import Client

    other = Client()
    other.force_login(slotted.other_citizen)
    return other


def test_out_of_rounds_the_assignment_is_feasible_and_its_gap_is_proven():
    problem = instances.generate_class("one_city", requests=250, offices=40, seed=3)
    exact = rb.solve_optimal(problem, k=40)
    cut = rb.solve(problem, max_rounds=1)
    feasible(problem, cut.bucket)
    assert cut.lower_bound <= exact.cost + 1e-6 <= cut.cost + 1e-6
    assert cut.proven_gap >= (cut.cost - exact.cost) / exact.cost - 1e-9
