"""Properties of the pure method: monotone, blind to office order, fair to small samples, reproducible."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tanzim.ranking import method as m
from tanzim.ranking import policy as policy_rules

INDICATORS = tuple(m.Indicator(**i) for i in policy_rules.DEFAULT_INDICATORS)
BANDS = tuple(m.Band(**b) for b in policy_rules.DEFAULT_BANDS)
K = len(INDICATORS)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def policy(**changes) -> m.Method:
    return m.Method(indicators=INDICATORS, bands=BANDS, draws=changes.pop("draws", 50), **changes)


# Values inside and around each indicator's goalposts; None is "no observation".
def _value(ind: m.Indicator):
    span = ind.upper - ind.lower
    return st.one_of(
        st.none(),
        st.floats(ind.lower - span / 2, ind.upper + span / 2, allow_nan=False, allow_infinity=False),
    )


office_row = st.tuples(
    st.tuples(*[_value(i) for i in INDICATORS]),
    st.tuples(*[st.integers(0, 500) for _ in INDICATORS]),
    st.integers(1, 4),  # province
)
offices = st.lists(office_row, min_size=2, max_size=25)


def inputs_of(rows) -> m.Inputs:
    return m.Inputs.build(
        offices=list(range(1, len(rows) + 1)),
        provinces=[r[2] for r in rows],
        values=[list(r[0]) for r in rows],
        samples=[list(r[1]) for r in rows],
        population=[[2 * r[1][0]] + [0] * (K - 1) for r in rows],
        age_days=[[None, None, None, 100.0, None, None, None] for _ in rows],
    )


@PROPERTY
@given(rows=offices, who=st.integers(0, 24), which=st.integers(0, K - 1), step=st.floats(0.001, 10))
def test_a_better_value_in_any_indicator_never_lowers_the_office_score(rows, who, which, step):
    who %= len(rows)
    values, samples, province = rows[who]
    if values[which] is None or samples[which] == 0:
        return
    ind = INDICATORS[which]
    better = list(values)
    better[which] = values[which] + ind.polarity * step * (ind.upper - ind.lower) / 10
    improved = list(rows)
    improved[who] = (tuple(better), samples, province)

    before = m.rank(inputs_of(rows), policy(draws=0), seed=1)
    after = m.rank(inputs_of(improved), policy(draws=0), seed=1)

    assert after.score[who] >= before.score[who] - 1e-9


@PROPERTY
@given(
    column=st.lists(st.floats(-100, 100, allow_nan=False), min_size=2, max_size=30),
    who=st.integers(0, 29),
    step=st.floats(0.001, 50),
    polarity=st.sampled_from([1, -1]),
)
def test_min_max_with_winsorising_is_monotone_for_the_office_itself(column, who, step, polarity):
    who %= len(column)
    ind = m.Indicator("x", 10_000, polarity, -100, 100)
    method = policy(
        outliers=m.WINSORISE, winsor_pct=10, skew_limit=-1, kurtosis_limit=-10
    )  # always winsorise
    x = np.array(column)
    y = x.copy()
    y[who] += polarity * step
    everyone = np.ones(x.size, dtype=bool)

    before, _p = m.normalise(x, ind, m.MINMAX, reference=everyone, method=method)
    after, _p = m.normalise(y, ind, m.MINMAX, reference=everyone, method=method)

    assert after[who] >= before[who] - 1e-9


@PROPERTY
@given(rows=offices, seed=st.integers(0, 2**31 - 1), data=st.data())
def test_the_ranking_is_invariant_to_office_order(rows, seed, data):
    order = data.draw(st.permutations(range(len(rows))))
    shuffled = [rows[i] for i in order]
    ids = np.arange(1, len(rows) + 1)
    base = inputs_of(rows)
    moved = inputs_of(shuffled)
    moved.offices = ids[list(order)]

    a = m.rank(base, policy(), seed=seed)
    b = m.rank(moved, policy(), seed=seed)

    by_office = {int(o): i for i, o in enumerate(b.offices)}
    back = [by_office[int(o)] for o in a.offices]
    assert np.array_equal(a.score, b.score[back])
    assert np.array_equal(a.rank, b.rank[back])
    assert np.array_equal(a.province_rank, b.province_rank[back])
    assert np.array_equal(a.median_rank, b.median_rank[back], equal_nan=True)
    assert np.array_equal(a.rank_p05, b.rank_p05[back], equal_nan=True)
    assert [a.tier[i] for i in range(len(rows))] == [b.tier[i] for i in back]
    assert a.variance_share == b.variance_share  # bit for bit: exactly rounded covariances
    assert a.variance_share_mc == b.variance_share_mc


@PROPERTY
@given(
    value=st.floats(1, 5),
    prior=st.floats(1, 5),
    n=st.integers(1, 10_000),
    more=st.integers(1, 10_000),
    prior_weight=st.floats(0.5, 100),
)
def test_shrinkage_pulls_small_samples_toward_the_mean_and_less_as_samples_grow(
    value, prior, n, more, prior_weight
):
    small = m.shrink(np.array([value]), np.array([float(n)]), prior=prior, prior_weight=prior_weight)[0]
    large = m.shrink(np.array([value]), np.array([float(n + more)]), prior=prior, prior_weight=prior_weight)[
        0
    ]

    low, high = min(value, prior), max(value, prior)
    assert low - 1e-12 <= small <= high + 1e-12
    assert abs(large - value) <= abs(small - value) + 1e-12


def test_no_observation_gives_the_network_mean_never_zero():
    inputs = m.Inputs.build(
        offices=[1, 2, 3],
        provinces=[1, 1, 1],
        values=[[4.5] + [0.5] * (K - 1), [3.5] + [0.5] * (K - 1), [None] + [0.5] * (K - 1)],
        samples=[[100] + [50] * (K - 1), [100] + [50] * (K - 1), [0] + [50] * (K - 1)],
    )

    out = m.rank(inputs, policy(), seed=3)

    assert out.shrunk[2, 0] == pytest.approx(4.0)
    assert out.insufficient[2, 0] and out.eligible[2]


def test_an_office_with_no_observation_at_all_is_not_ranked():
    inputs = m.Inputs.build(
        offices=[1, 2],
        provinces=[1, 1],
        values=[[4.5] * K, [None] * K],
        samples=[[100] * K, [0] * K],
    )

    out = m.rank(inputs, policy(), seed=3)

    assert out.rank.tolist() == [1, 0] and out.tier[1] == "" and math.isnan(out.median_rank[1])


def test_the_finite_population_correction_lowers_the_minimum_sample():
    needed = m.required_sample(385, np.array([300.0, 0.0, 1e9]), True)

    assert needed.tolist() == [169.0, 385.0, 385.0]


def test_the_same_seed_reproduces_the_monte_carlo_bit_for_bit():
    rng = np.random.default_rng(7)
    n = 200
    inputs = m.Inputs(
        offices=np.arange(n),
        provinces=rng.integers(1, 5, n),
        values=np.column_stack([rng.normal(4, 0.3, n)] + [rng.uniform(0, 1, n) for _ in range(K - 1)]),
        samples=rng.integers(0, 300, (n, K)).astype(float),
        population=np.zeros((n, K)),
        age_days=np.full((n, K), np.nan),
    )

    a = m.rank(inputs, policy(draws=300), seed=11)
    b = m.rank(inputs, policy(draws=300), seed=11)
    c = m.rank(inputs, policy(draws=300), seed=12)

    assert np.array_equal(a.median_rank, b.median_rank) and a.tier == b.tier
    assert not np.array_equal(a.rank_p05, c.rank_p05) or not np.array_equal(a.rank_p95, c.rank_p95)


def test_variance_shares_add_up_to_one_and_tiers_follow_the_median_rank():
    rng = np.random.default_rng(5)
    n = 300
    inputs = m.Inputs(
        offices=np.arange(n),
        provinces=np.ones(n, dtype=int),
        values=np.column_stack([rng.normal(3.9, 0.5, n)] + [rng.uniform(0, 1, n) for _ in range(K - 1)]),
        samples=np.full((n, K), 500.0),
        population=np.zeros((n, K)),
        age_days=np.full((n, K), np.nan),
    )

    out = m.rank(inputs, policy(draws=200), seed=1)

    assert sum(out.variance_share.values()) == pytest.approx(1.0)
    assert sum(out.variance_share_mc.values()) == pytest.approx(1.0)
    descending = np.sort(out.score)[::-1]
    for i in range(n):
        held = descending[math.ceil(out.median_rank[i]) - 1]
        assert out.tier[i] == m.band_of(held, BANDS)


@pytest.mark.parametrize(
    ("bands", "code"),
    [
        ([("A", 80, 100), ("B", 70, 85), ("C", 0, 70)], "band_overlap"),
        ([("A", 85, 100), ("B", 70, 80), ("C", 0, 70)], "band_gap"),
        ([("A", 85, 100), ("B", 10, 85)], "band_cover"),
    ],
)
def test_bands_that_overlap_leave_a_gap_or_miss_a_score_are_refused(bands, code):
    with pytest.raises(m.MethodError) as error:
        m.check_bands([m.Band(*b) for b in bands])
    assert error.value.code == code


def test_weights_must_add_up_to_exactly_100_percent():
    with pytest.raises(m.MethodError) as error:
        m.check_weights([m.Indicator("a", 6000), m.Indicator("b", 3000)])
    assert error.value.code == "weights_sum"
