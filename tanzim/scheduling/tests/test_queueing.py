"""Erlang C and the binomial overbooking rule: DOMAIN.md's examples and their invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tanzim.scheduling.queueing import (
    erlang_b,
    erlang_c,
    expected_wait,
    overbooking_limit,
    position_wait,
    prob_more_than,
    service_level,
)


@pytest.mark.parametrize(("counters", "minutes"), [(9, 7.8), (10, 2.5), (11, 1.0)])
def test_forty_walk_ins_an_hour_at_twelve_minutes_wait_as_domain_md_says(counters, minutes):
    assert expected_wait(40, 12, counters) == pytest.approx(minutes, abs=0.05)


def test_capacity_twenty_at_a_two_thirds_show_rate_takes_twenty_five_bookings():
    assert overbooking_limit(20, 0.665, 0.05) == 25


def test_an_unstable_queue_has_an_infinite_wait():
    assert math.isinf(expected_wait(60, 12, 12))
    assert erlang_c(12, 12) == 1.0
    assert service_level(60, 12, 12, 5) == 0.0


def test_no_arrivals_means_no_wait():
    assert expected_wait(0, 12, 3) == 0.0
    assert service_level(0, 12, 3, 0) == 1.0


def test_the_erlang_b_recursion_matches_the_closed_form_for_small_cases():
    load, c = 3.0, 4
    closed = (load**c / math.factorial(c)) / sum(load**k / math.factorial(k) for k in range(c + 1))
    assert erlang_b(load, c) == pytest.approx(closed)


def test_the_erlang_c_value_matches_the_formula_in_domain_md():
    load, c = 8.0, 10
    top = load**c / math.factorial(c) * c / (c - load)
    closed = top / (sum(load**k / math.factorial(k) for k in range(c)) + top)
    assert erlang_c(load, c) == pytest.approx(closed)


@pytest.mark.parametrize("bad", [(-1, 3), (2, 0), (2, 1.5)])
def test_nonsense_loads_and_counters_are_refused(bad):
    with pytest.raises(ValueError):
        erlang_c(*bad)


def test_overbooking_refuses_impossible_inputs():
    for args in ((-1, 0.5), (10, 0), (10, 1.2), (10, 0.5, 1.0)):
        with pytest.raises(ValueError):
            overbooking_limit(*args)


def test_nobody_is_ever_overbooked_at_a_perfect_show_rate():
    assert overbooking_limit(20, 1.0) == 20


loads = st.floats(min_value=0.01, max_value=200, allow_nan=False)
counters = st.integers(min_value=1, max_value=250)


@settings(deadline=None)
@given(loads, counters)
def test_the_probability_of_waiting_is_a_probability(load, c):
    p = erlang_c(load, c)
    assert 0.0 <= p <= 1.0
    assert erlang_b(load, c) <= p + 1e-12  # waiting is at least as likely as being blocked


@settings(deadline=None)
@given(st.floats(min_value=1, max_value=120), st.floats(min_value=1, max_value=30), st.integers(1, 60))
def test_one_more_counter_never_lengthens_the_wait(arrivals, minutes, c):
    before, after = expected_wait(arrivals, minutes, c), expected_wait(arrivals, minutes, c + 1)
    assert after <= before or math.isinf(before)


@settings(deadline=None)
@given(
    st.floats(min_value=0.5, max_value=60),
    st.floats(min_value=1, max_value=20),
    st.integers(1, 40),
    st.floats(0, 60),
)
def test_the_service_level_is_a_share_and_grows_with_patience(arrivals, minutes, c, t):
    level = service_level(arrivals, minutes, c, t)
    assert 0.0 <= level <= 1.0
    assert service_level(arrivals, minutes, c, t + 5) >= level - 1e-12


@settings(deadline=None)
@given(
    st.integers(0, 200), st.floats(min_value=0.05, max_value=1.0), st.floats(min_value=0.001, max_value=0.5)
)
def test_the_overbooking_limit_keeps_the_risk_and_is_the_largest_such(capacity, show, risk):
    n = overbooking_limit(capacity, show, risk)
    assert n >= capacity
    assert prob_more_than(n, show, capacity) <= risk + 1e-12
    if show < 1 and capacity:
        assert prob_more_than(n + 1, show, capacity) > risk


@settings(deadline=None)
@given(st.integers(1, 100), st.floats(min_value=0.1, max_value=0.95))
def test_a_worse_show_rate_allows_at_least_as_many_bookings(capacity, show):
    assert overbooking_limit(capacity, show - 0.05) >= overbooking_limit(capacity, show)


@settings(deadline=None)
@given(st.integers(0, 50), st.integers(0, 10), st.integers(1, 10), st.floats(1, 30))
def test_the_wait_in_line_grows_with_the_people_ahead(ahead, busy, c, minutes):
    assert position_wait(ahead=ahead + 1, busy=busy, counters=c, service_minutes=minutes) >= position_wait(
        ahead=ahead, busy=busy, counters=c, service_minutes=minutes
    )
