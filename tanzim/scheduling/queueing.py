"""Queueing formulas, pure and dependency-free so they can be property-tested.

Erlang C (M/M/c): walk-ins arrive at rate λ, each takes on average AHT at one of c
counters; the offered load is A = λ·AHT (in erlangs). When A < c the queue is stable and

    P_wait = [A^c/c! · c/(c−A)] / [Σ_{k<c} A^k/k! + A^c/c! · c/(c−A)]
    W_q    = P_wait · AHT / (c − A)
    SL(t)  = 1 − P_wait · e^{−(c−A)·t/AHT}

P_wait is computed through the Erlang B recursion, which stays exact for hundreds of
counters where A^c/c! would overflow. Overbooking follows the binomial rule: book the
largest n with P(Bin(n, show rate) > capacity) ≤ risk.
"""

from __future__ import annotations

import math

__all__ = [
    "erlang_b",
    "erlang_c",
    "expected_wait",
    "overbooking_limit",
    "position_wait",
    "prob_more_than",
    "service_level",
]


def _check_load(load: float, counters: int) -> None:
    if counters < 1 or int(counters) != counters:
        raise ValueError("counters must be a positive whole number")
    if load < 0 or math.isnan(load):
        raise ValueError("the offered load must not be negative")


def erlang_b(load: float, counters: int) -> float:
    """Blocking probability of c servers with no waiting room (Erlang B)."""
    _check_load(load, counters)
    b = 1.0
    for k in range(1, int(counters) + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(load: float, counters: int) -> float:
    """Probability that an arrival has to wait (Erlang C); 1 when the queue is unstable (A ≥ c)."""
    _check_load(load, counters)
    if load >= counters:
        return 1.0
    if load == 0:
        return 0.0
    b = erlang_b(load, counters)
    return counters * b / (counters - load * (1 - b))


def expected_wait(arrivals_per_hour: float, service_minutes: float, counters: int) -> float:
    """Mean wait in the queue W_q in minutes; ``math.inf`` when the counters cannot keep up."""
    if arrivals_per_hour < 0 or service_minutes < 0:
        raise ValueError("rates and times must not be negative")
    if counters < 1:
        return math.inf if arrivals_per_hour > 0 else 0.0
    load = arrivals_per_hour * service_minutes / 60.0
    if load >= counters:
        return math.inf
    if load == 0:
        return 0.0
    return erlang_c(load, counters) * service_minutes / (counters - load)


def service_level(
    arrivals_per_hour: float, service_minutes: float, counters: int, within_minutes: float
) -> float:
    """Share of arrivals served within ``within_minutes`` of arriving."""
    load = arrivals_per_hour * service_minutes / 60.0
    if load >= counters:
        return 0.0
    if load == 0 or service_minutes == 0:
        return 1.0
    p_wait = erlang_c(load, counters)
    return 1.0 - p_wait * math.exp(-(counters - load) * within_minutes / service_minutes)


def position_wait(*, ahead: int, busy: int, counters: int, service_minutes: float) -> float:
    """Expected minutes until a waiting ticket is called, given the people ahead of it.

    With every counter busy, counters free up at rate c/AHT (memoryless service), so a
    ticket needs ``ahead + 1`` departures; idle counters take the first people at once.
    """
    if ahead < 0 or busy < 0 or service_minutes < 0:
        raise ValueError("counts and times must not be negative")
    if counters < 1:
        return math.inf
    idle = max(0, counters - busy)
    needed = max(0, ahead + 1 - idle)
    return needed * service_minutes / counters


def _log_pmf(n: int, k: int, log_p: float, log_q: float) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q


def prob_more_than(n: int, p: float, capacity: int) -> float:
    """P(Bin(n, p) > capacity), summed over the shorter tail."""
    if not 0 <= p <= 1:
        raise ValueError("p must be a probability")
    if capacity >= n:
        return 0.0
    if capacity < 0:
        return 1.0
    if p == 0:
        return 0.0
    if p == 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    if n - capacity <= capacity + 1:
        upper = sum(math.exp(_log_pmf(n, k, log_p, log_q)) for k in range(capacity + 1, n + 1))
        return min(1.0, upper)
    lower = sum(math.exp(_log_pmf(n, k, log_p, log_q)) for k in range(capacity + 1))
    return min(1.0, max(0.0, 1.0 - lower))


def overbooking_limit(capacity: int, show_rate: float, risk: float = 0.05) -> int:
    """The largest number of bookings n with P(more than ``capacity`` arrive) ≤ ``risk``.

    Never below ``capacity``: with a show rate of 1 there is nothing to gain and n = capacity.
    """
    if capacity < 0:
        raise ValueError("capacity must not be negative")
    if not 0 < show_rate <= 1:
        raise ValueError("the show rate must be in (0, 1]")
    if not 0 <= risk < 1:
        raise ValueError("risk must be in [0, 1)")
    if capacity == 0:
        return 0
    # P(Bin(n, p) > c) grows with n: binary search for the last n within the risk.
    low, high = capacity, capacity + int(4 * capacity / show_rate) + 10
    while low < high:
        mid = (low + high + 1) // 2
        if prob_more_than(mid, show_rate, capacity) <= risk:
            low = mid
        else:
            high = mid - 1
    return low
