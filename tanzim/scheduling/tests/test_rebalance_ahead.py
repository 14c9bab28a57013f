"""The warm start computed ahead in a forked child while the first flow is solved (``ahead``)."""

from __future__ import annotations

import gc
import os
import time

import numpy as np
import pytest

from tanzim.scheduling.services.flexible import ahead, instances, mcf
from tanzim.scheduling.tests.test_rebalance import feasible


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def national(monkeypatch):
    """The national-scale defaults (a warm start where the first flow leaves many out) at 300 requests."""
    monkeypatch.setattr(mcf, "WARM_ABOVE", 100)
    monkeypatch.setattr(mcf, "EXACT_UP_TO", 100)
    started: list[int] = []
    start = ahead.Ahead.start

    def recorded(fn, *args):
        early = start(fn, *args)
        if early is not None:
            started.append(early.pid)
        return early

    monkeypatch.setattr(ahead.Ahead, "start", recorded)
    return started


def _same(a, b) -> None:
    assert np.array_equal(a.bucket, b.bucket)
    assert (a.cost, a.lower_bound, a.iterations, a.columns) == (
        b.cost,
        b.lower_bound,
        b.iterations,
        b.columns,
    )
    assert a.extra["warm_rounds"] == b.extra["warm_rounds"]


@pytest.mark.parametrize(("kind", "seed"), [("one_city", 8), ("uneven", 3)])
def test_the_warm_start_computed_ahead_in_a_child_gives_the_same_solve(kind, seed, national, monkeypatch):
    problem = instances.generate_class(kind, requests=300, offices=40, seed=seed)
    monkeypatch.setattr(ahead, "ENABLED", False)
    in_line = mcf.solve(problem)
    assert not national and "warm start waited (wall)" not in in_line.extra["timings"]
    monkeypatch.setattr(ahead, "ENABLED", True)
    result = mcf.solve(instances.generate_class(kind, requests=300, offices=40, seed=seed))
    feasible(problem, result.bucket)
    assert in_line.extra["warm_rounds"] >= 1  # crowded: the warm start was used ...
    assert len(national) == 1 and "warm start waited (wall)" in result.extra["timings"]  # ... the child's
    assert result.extra["timings"]["warm start"] > 0  # its CPU seconds, sent back
    _same(result, in_line)
    assert _gone(national[0])  # reaped


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_child_that_fails_leaves_the_warm_start_to_the_solve_with_the_same_answer(
    how, national, monkeypatch
):
    problem = instances.generate_class("one_city", requests=300, offices=40, seed=8)
    monkeypatch.setattr(ahead, "ENABLED", False)
    in_line = mcf.solve(problem)
    monkeypatch.setattr(ahead, "ENABLED", True)
    parent = os.getpid()
    work = mcf._warm_work

    def failing(*args):
        if os.getpid() != parent:  # in the child only
            if how == "raises":
                raise MemoryError
            os._exit(3)  # killed before it answers
        return work(*args)

    monkeypatch.setattr(mcf, "_warm_work", failing)
    result = mcf.solve(instances.generate_class("one_city", requests=300, offices=40, seed=8))
    assert len(national) == 1 and _gone(national[0])
    assert "warm start waited (wall)" not in result.extra["timings"]  # computed by the solve itself
    _same(result, in_line)


def test_a_calm_first_flow_stops_the_child(national):
    result = mcf.solve(instances.generate_class("benchmark", requests=300, offices=40, seed=8))
    assert result.extra["warm_rounds"] == 0  # nobody left out: no warm start ...
    assert len(national) == 1 and _gone(national[0])  # ... and the child started for it was stopped


def test_a_child_whose_answer_is_never_asked_for_is_stopped_when_dropped():
    early = ahead.Ahead.start(time.sleep, 120)
    assert early is not None
    pid = early.pid
    assert not _gone(pid)
    del early
    gc.collect()
    assert _gone(pid)
    answered = ahead.Ahead.start(sum, [1, 2, 3])
    assert answered is not None
    got = answered.result()
    assert got is not None and got[0] == 6 and got[1] >= 0.0  # the answer and the child's CPU seconds
    assert _gone(answered.pid)


def _ahead_in_a_pool_child() -> tuple[int, int, int]:
    early = ahead.Ahead.start(sum, [1, 2, 3])
    assert early is not None
    got = early.result()
    assert got is not None
    return os.getpid(), early.pid, got[0]


def test_the_child_works_inside_a_celery_prefork_pool_child():
    """The nightly solve runs in a Celery worker's prefork child (billiard): it can fork there too."""
    import billiard  # type: ignore[import-untyped]

    with billiard.get_context("fork").Pool(1) as pool:
        worker, child, answer = pool.apply(_ahead_in_a_pool_child)
    assert answer == 6
    assert worker != os.getpid() and child not in (worker, os.getpid())
