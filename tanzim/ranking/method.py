"""The ranking method, pure computation: shrink, treat outliers, normalise, aggregate, rank, Monte Carlo.

No Django here: the run service collects the inputs through the other apps' metrics, calls
``rank`` and stores what it returns. Given the same inputs, policy and seed, ``rank`` returns
bitwise the same figures whatever the order of the offices:

- every per-office figure is computed elementwise (no matrix product whose rounding depends on
  where a row sits in memory);
- every network statistic is order-free: sums are ``math.fsum`` (exactly rounded), means and
  spreads are taken over sorted copies, quantiles sort;
- ties share a rank (competition ranking: 1, 2, 2, 4), so no tie is broken by position;
- the Monte Carlo draws perturb weights and normalisation choices, never offices.

The formulas (docs/DOMAIN.md, OECD/JRC handbook on composite indicators):

- shrinkage: x̃ = C + (x − C)·λ, λ = n/(n+m)·2^(−age/half-life); C the sample-weighted network
  mean, m the prior weight; with no observation x̃ = C (never zero);
- minimum sample: n below min (finite-population corrected: min/(1 + (min−1)/N)) is flagged
  "insufficient data" and the office keeps its shrunk value;
- outliers: for the data-driven normalisations, an indicator with |skew| > 2 and kurtosis > 3.5
  is winsorised at the policy's percentiles; goalposts clip at their bounds;
- normalisation: goalposts (distance to fixed targets), min-max, or z-score (±2.5 sd → 0..1),
  oriented so that 1 is best (polarity −1 for "bad" indicators such as complaints);
- score = Σ weight·normalised·100; tiers from the policy's score bands applied to the score
  held at the office's median Monte-Carlo rank;
- variance share of an indicator = w_k·Cov(v_k, y)/Var(y): the shares add up to 1. It is taken
  once at the policy's own weights and normalisation, and once per Monte-Carlo draw (that draw's
  weights and normalisation) and averaged over the draws; the covariances are exactly rounded
  sums (order-free like the rest);
- weight checks: an indicator no office has data for is dropped and the others are renormalised,
  so each effective weight is compared with its policy weight, and each variance share (point and
  Monte Carlo) with its policy weight; ``weight_checks`` lists those beyond the given limits.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

GOALPOSTS = "goalposts"
MINMAX = "minmax"
ZSCORE = "zscore"
NORMALISATIONS = (GOALPOSTS, MINMAX, ZSCORE)
NO_TREATMENT = "none"
WINSORISE = "winsorise"
OUTLIER_TREATMENTS = (NO_TREATMENT, WINSORISE)
Z_SPAN = 2.5  # a z-score of ±2.5 maps to 0 and 1
TOP_QUARTER = 75.0


@dataclass(frozen=True)
class Indicator:
    key: str
    weight_bp: int  # basis points of the total: the weights of a policy add up to 10,000
    polarity: int = 1  # +1: more is better; −1: less is better
    lower: float = 0.0  # goalposts: the worst and the best values that matter
    upper: float = 1.0
    prior_weight: float = 0.0  # m of the shrinkage, in the indicator's own sample units
    min_sample: int = 1
    finite_population: bool = False  # correct the minimum sample for the office's population
    half_life_days: float | None = None  # old observations decay toward the network mean


@dataclass(frozen=True)
class Band:
    tier: str
    low: float  # inclusive
    high: float  # exclusive, except for the top band


@dataclass(frozen=True)
class Method:
    indicators: tuple[Indicator, ...]
    bands: tuple[Band, ...]
    normalisation: str = GOALPOSTS
    outliers: str = WINSORISE
    winsor_pct: float = 2.5
    skew_limit: float = 2.0
    kurtosis_limit: float = 3.5
    draws: int = 1000
    weight_spread: float = 0.25  # each weight varies uniformly by ± this share in the Monte Carlo
    mc_normalisations: tuple[str, ...] = NORMALISATIONS

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.indicators)


@dataclass
class Inputs:
    """Per office (rows) and indicator (columns). ``values`` is NaN where there is no observation."""

    offices: np.ndarray  # (N,) office ids
    provinces: np.ndarray  # (N,) province ids
    values: np.ndarray  # (N, K) raw values
    samples: np.ndarray  # (N, K) observations behind each value (answers, disputes, services…)
    population: np.ndarray  # (N, K) population for the finite-population correction (0: none)
    age_days: np.ndarray  # (N, K) age of the observation in days (NaN: not applicable)

    @classmethod
    def build(
        cls,
        *,
        offices: Sequence[int],
        provinces: Sequence[int],
        values: Sequence[Sequence[float | None]],
        samples: Sequence[Sequence[float]],
        population: Sequence[Sequence[float]] | None = None,
        age_days: Sequence[Sequence[float | None]] | None = None,
    ) -> Inputs:
        n = len(offices)

        def matrix(rows, fill: float) -> np.ndarray:
            array = np.array(
                [[fill if v is None else float(v) for v in row] for row in rows], dtype=np.float64
            )
            return array.reshape(n, -1) if n else np.zeros((0, 0))

        vals = matrix(values, math.nan)
        k = vals.shape[1] if n else 0
        return cls(
            offices=np.asarray(offices, dtype=np.int64),
            provinces=np.asarray(provinces, dtype=np.int64),
            values=vals,
            samples=matrix(samples, 0.0),
            population=matrix(population, 0.0) if population is not None else np.zeros((n, k)),
            age_days=matrix(age_days, math.nan) if age_days is not None else np.full((n, k), math.nan),
        )


@dataclass
class IndicatorParams:
    """What a normalisation needed, kept so a value can be normalised again and explained."""

    key: str
    how: str = GOALPOSTS
    prior: float | None = None  # C: the network mean the small samples are pulled toward
    weight: float = 0.0  # effective weight (0..1) after dropping indicators nobody has data for
    policy_weight: float = 0.0  # the weight the policy gives it (0..1), before any renormalisation
    dropped: bool = False
    winsorised: bool = False
    clip_low: float | None = None
    clip_high: float | None = None
    low: float | None = None  # min-max bounds or goalposts
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    skew: float | None = None
    kurtosis: float | None = None
    top_quarter: float | None = None  # the top quarter's value: the "what would move it" target

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class Output:
    offices: np.ndarray
    eligible: np.ndarray  # (N,) bool: has at least one observation; the others are not ranked
    shrunk: np.ndarray  # (N, K)
    normalised: np.ndarray  # (N, K) 0..1, 1 best
    points: np.ndarray  # (N, K) weight × normalised × 100
    insufficient: np.ndarray  # (N, K) bool: below the minimum sample (or no observation)
    needed: np.ndarray  # (N, K) minimum sample after the finite-population correction
    score: np.ndarray  # (N,) 0..100
    rank: np.ndarray  # (N,) competition rank among eligible offices (0: not ranked)
    province_rank: np.ndarray  # (N,)
    median_rank: np.ndarray  # (N,) float; NaN when not ranked
    rank_p05: np.ndarray
    rank_p95: np.ndarray
    tier_score: np.ndarray  # (N,) the score held at the office's median rank
    tier: list[str]  # "" when not ranked
    gain: np.ndarray  # (N, K) points gained by reaching the top quarter on that indicator
    params: list[IndicatorParams] = field(default_factory=list)
    variance_share: dict[str, float] = field(default_factory=dict)
    variance_share_mc: dict[str, float] = field(default_factory=dict)
    draws: int = 0
    seed: int = 0


# --- validation ---------------------------------------------------------------------------------


class MethodError(ValueError):
    """A policy the method cannot apply; ``code`` says which rule it breaks."""

    def __init__(self, code: str, detail: str = ""):
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


def check_weights(indicators: Sequence[Indicator]) -> None:
    if not indicators:
        raise MethodError("no_indicators")
    if len({i.key for i in indicators}) != len(indicators):
        raise MethodError("duplicate_indicator")
    if any(i.weight_bp < 0 for i in indicators):
        raise MethodError("negative_weight")
    if sum(i.weight_bp for i in indicators) != 10_000:
        raise MethodError("weights_sum", str(sum(i.weight_bp for i in indicators)))
    for i in indicators:
        if i.polarity not in (1, -1):
            raise MethodError("polarity", i.key)
        if not (math.isfinite(i.lower) and math.isfinite(i.upper)) or i.upper <= i.lower:
            raise MethodError("goalposts", i.key)
        if i.prior_weight < 0 or i.min_sample < 0:
            raise MethodError("shrinkage", i.key)
        if i.half_life_days is not None and i.half_life_days <= 0:
            raise MethodError("half_life", i.key)


def check_bands(bands: Sequence[Band]) -> None:
    """Bands must not overlap and must cover 0..100 without a gap, best tier on top."""
    if not bands:
        raise MethodError("no_bands")
    ordered = sorted(bands, key=lambda b: b.low)
    for band in ordered:
        if not (0 <= band.low < band.high <= 100):
            raise MethodError("band_range", band.tier)
    for below, above in itertools.pairwise(ordered):
        if above.low < below.high:
            raise MethodError("band_overlap", f"{below.tier}/{above.tier}")
        if above.low > below.high:
            raise MethodError("band_gap", f"{below.tier}/{above.tier}")
    if ordered[0].low != 0 or ordered[-1].high != 100:
        raise MethodError("band_cover")
    if len({b.tier for b in bands}) != len(bands):
        raise MethodError("band_duplicate")


def check_method(method: Method) -> None:
    check_weights(method.indicators)
    check_bands(method.bands)
    if method.normalisation not in NORMALISATIONS:
        raise MethodError("normalisation", method.normalisation)
    if not method.mc_normalisations or any(m not in NORMALISATIONS for m in method.mc_normalisations):
        raise MethodError("normalisation", ",".join(method.mc_normalisations))
    if method.outliers not in OUTLIER_TREATMENTS:
        raise MethodError("outliers", method.outliers)
    if not 0 <= method.winsor_pct < 50:
        raise MethodError("winsor_pct")
    if method.draws < 0 or not 0 <= method.weight_spread < 1:
        raise MethodError("monte_carlo")


# --- the steps ----------------------------------------------------------------------------------


def required_sample(min_sample: int, population: np.ndarray | float, finite: bool) -> np.ndarray:
    """The minimum sample, corrected for a finite population N: min / (1 + (min − 1)/N)."""
    pop = np.asarray(population, dtype=np.float64)
    base = np.full(pop.shape, float(min_sample))
    if not finite or min_sample <= 1:
        return base
    with np.errstate(divide="ignore", invalid="ignore"):
        corrected = np.ceil(min_sample / (1 + (min_sample - 1) / pop))
    return np.where(pop > 0, np.minimum(corrected, base), base)


def network_prior(values: np.ndarray, samples: np.ndarray) -> float | None:
    """C: the sample-weighted mean of the offices that have observations (order-free)."""
    have = np.isfinite(values) & (samples > 0)
    if not have.any():
        return None
    total = math.fsum((values[have] * samples[have]).tolist())
    n = math.fsum(samples[have].tolist())
    return total / n


def shrink(
    values: np.ndarray,
    samples: np.ndarray,
    *,
    prior: float,
    prior_weight: float,
    age_days: np.ndarray | None = None,
    half_life_days: float | None = None,
) -> np.ndarray:
    """x̃ = C + (x − C)·n/(n+m)·decay: small (and old) samples move toward C; none gives C."""
    have = np.isfinite(values) & (samples > 0)
    n = np.where(have, samples, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        trust = np.where(have, n / (n + prior_weight), 0.0)
    if half_life_days is not None and age_days is not None:
        age = np.where(np.isfinite(age_days), np.maximum(age_days, 0.0), 0.0)
        trust = trust * np.power(2.0, -age / half_life_days)
    x = np.where(have, values, prior)
    return prior + (x - prior) * trust


def _sorted(values: np.ndarray) -> np.ndarray:
    return np.sort(values[np.isfinite(values)])


def _moments(values: np.ndarray) -> tuple[float | None, float | None, float | None, float | None]:
    """Mean, population sd, skewness and excess kurtosis over a sorted copy (order-free)."""
    x = _sorted(values)
    if x.size == 0:
        return None, None, None, None
    mean = math.fsum(x.tolist()) / x.size
    centred = x - mean
    var = math.fsum((centred * centred).tolist()) / x.size
    sd = math.sqrt(var)
    if sd**4 == 0 or x.size < 3:  # no spread (or one too small to raise to the fourth power)
        return mean, sd, 0.0, 0.0
    skew = math.fsum((centred**3).tolist()) / x.size / sd**3
    kurt = math.fsum((centred**4).tolist()) / x.size / sd**4 - 3.0
    return mean, sd, skew, kurt


def normalise(
    column: np.ndarray,
    indicator: Indicator,
    how: str,
    *,
    reference: np.ndarray,
    method: Method,
) -> tuple[np.ndarray, IndicatorParams]:
    """Map one indicator to 0..1 (1 best). ``reference`` selects the offices the statistics use."""
    ref = column[reference]
    mean, sd, skew, kurt = _moments(ref)
    params = IndicatorParams(key=indicator.key, how=how, mean=mean, sd=sd, skew=skew, kurtosis=kurt)
    x = column
    if how == GOALPOSTS:
        params.low, params.high = indicator.lower, indicator.upper
        t = np.clip((x - indicator.lower) / (indicator.upper - indicator.lower), 0.0, 1.0)
    else:
        lo = hi = None
        if (
            method.outliers == WINSORISE
            and skew is not None
            and kurt is not None
            and abs(skew) > method.skew_limit
            and kurt > method.kurtosis_limit
        ):
            lo, hi = (
                float(q) for q in np.percentile(_sorted(ref), [method.winsor_pct, 100 - method.winsor_pct])
            )
            x = np.clip(x, lo, hi)
            ref = np.clip(ref, lo, hi)
            params.winsorised, params.clip_low, params.clip_high = True, lo, hi
            mean, sd, _skew, _kurt = _moments(ref)
            params.mean, params.sd = mean, sd
        if how == MINMAX:
            r = _sorted(ref)
            low, high = (float(r[0]), float(r[-1])) if r.size else (0.0, 0.0)
            params.low, params.high = low, high
            t = np.full(x.shape, 0.5) if high == low else np.clip((x - low) / (high - low), 0.0, 1.0)
        else:
            if not sd:
                t = np.full(x.shape, 0.5)
            else:
                t = np.clip(((x - mean) / sd * indicator.polarity + Z_SPAN) / (2 * Z_SPAN), 0.0, 1.0)
            return t, params
    return (t if indicator.polarity > 0 else 1.0 - t), params


def normalise_value(value: float, indicator: Indicator, params: dict | IndicatorParams) -> float:
    """Normalise one more value with a run's stored parameters (explanations, "what if")."""
    p = params.as_dict() if isinstance(params, IndicatorParams) else params
    x = value
    if p.get("clip_low") is not None and p.get("clip_high") is not None:
        x = min(max(x, p["clip_low"]), p["clip_high"])
    how = p.get("how", GOALPOSTS)
    if how == ZSCORE:
        if not p.get("sd"):
            return 0.5
        return min(1.0, max(0.0, ((x - p["mean"]) / p["sd"] * indicator.polarity + Z_SPAN) / (2 * Z_SPAN)))
    low, high = p.get("low"), p.get("high")
    if low is None or high is None or high == low:
        return 0.5
    t = min(1.0, max(0.0, (x - low) / (high - low)))
    return t if indicator.polarity > 0 else 1.0 - t


def competition_rank(scores: np.ndarray) -> np.ndarray:
    """1 + the number of strictly better scores: ties share a rank, whatever their order."""
    if scores.size == 0:
        return np.zeros(0, dtype=np.int64)
    ordered = np.sort(scores)
    return (scores.size - np.searchsorted(ordered, scores, side="right") + 1).astype(np.int64)


def band_of(score: float, bands: Sequence[Band]) -> str:
    top = max(bands, key=lambda b: b.high)
    for band in bands:
        if band.low <= score < band.high or (band is top and score >= band.low):
            return band.tier
    return min(bands, key=lambda b: b.low).tier


def _weights(method: Method, active: np.ndarray) -> np.ndarray:
    raw = np.array([i.weight_bp for i in method.indicators], dtype=np.float64) * active
    total = math.fsum(raw.tolist())
    return raw / total if total else raw


def _aggregate(weights: np.ndarray, normalised: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    points = np.zeros_like(normalised)
    for k in range(normalised.shape[1]):  # elementwise, column by column: same bits in any order
        points[:, k] = 100.0 * weights[k] * normalised[:, k]
    score = np.zeros(normalised.shape[0])
    for k in range(normalised.shape[1]):
        score = score + points[:, k]
    return points, score


def covariance(values: np.ndarray) -> np.ndarray:
    """The (K, K) population covariance of the columns, order-free: exactly rounded sums."""
    m, k = values.shape
    cov = np.zeros((k, k))
    if m == 0:
        return cov
    centred = np.empty_like(values)
    for j in range(k):
        centred[:, j] = values[:, j] - math.fsum(values[:, j].tolist()) / m
    for a in range(k):
        for b in range(a, k):
            cov[a, b] = cov[b, a] = math.fsum((centred[:, a] * centred[:, b]).tolist()) / m
    return cov


def variance_contributions(weights: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """w_k·Σ_l cov_kl·w_l for each row of weights ((D, K) or (K,)): they add up to Var(Σ w·v)."""
    w = np.atleast_2d(weights)
    inner = np.zeros_like(w)
    for b in range(cov.shape[0]):  # column by column, in the indicators' fixed order
        inner = inner + w[:, b][:, None] * cov[:, b][None, :]
    return w * inner


def _variance_share(weights: np.ndarray, normalised: np.ndarray, keys: Sequence[str]) -> dict[str, float]:
    """Each indicator's share of the variance of the scores; empty when the scores do not vary."""
    if normalised.shape[0] < 2:
        return {}
    contrib = variance_contributions(weights, covariance(normalised))[0]
    total = math.fsum(contrib.tolist())
    if total <= 0:
        return {}
    return {key: float(c / total) for key, c in zip(keys, contrib, strict=True)}


@dataclass(frozen=True)
class WeightCheck:
    """One indicator whose weight, or share of the variance, is too far from its policy weight."""

    kind: str  # WEIGHT_DRIFT, VARIANCE_SHARE or VARIANCE_SHARE_MC
    key: str
    policy_weight: float  # 0..1
    value: float  # the effective weight or the share, 0..1
    limit: float  # 0..1

    @property
    def difference(self) -> float:
        return self.value - self.policy_weight

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "indicator": self.key,
            "policy_weight": self.policy_weight,
            "value": self.value,
            "difference": self.difference,
            "limit": self.limit,
        }


WEIGHT_DRIFT = "weight_drift"
VARIANCE_SHARE = "variance_share"
VARIANCE_SHARE_MC = "variance_share_mc"
_TOLERANCE = 1e-9  # 4000/10000 and 0.4 are the same weight


def weight_checks(
    params: Sequence[IndicatorParams | dict],
    variance_share: dict[str, float],
    variance_share_mc: dict[str, float],
    *,
    drift_limit: float,
    share_limit: float,
) -> list[WeightCheck]:
    """Effective weights against the policy's (beyond ``drift_limit``), and the variance shares of
    the kept indicators, at the policy's method and over the Monte Carlo, against the policy's
    weights (beyond ``share_limit``). Limits are fractions: 0.02 is two percentage points.

    ``params`` are a run's indicator parameters, fresh (``Output.params``) or as stored."""
    found = []
    for item in params:
        p = item.as_dict() if isinstance(item, IndicatorParams) else item
        key, weight, policy_weight = p["key"], float(p["weight"]), float(p["policy_weight"])
        if abs(weight - policy_weight) > drift_limit + _TOLERANCE:
            found.append(WeightCheck(WEIGHT_DRIFT, key, policy_weight, weight, drift_limit))
        if p.get("dropped"):
            continue  # its share is nil because nobody has data: the drift says so already
        for kind, shares in ((VARIANCE_SHARE, variance_share), (VARIANCE_SHARE_MC, variance_share_mc)):
            share = shares.get(key)
            if share is not None and abs(share - policy_weight) > share_limit + _TOLERANCE:
                found.append(WeightCheck(kind, key, policy_weight, float(share), share_limit))
    return found


def rank(inputs: Inputs, method: Method, *, seed: int, progress=None) -> Output:
    """The whole method for one period. ``progress(stage)`` is called between stages."""
    check_method(method)
    say = progress or (lambda stage: None)
    n, k = inputs.values.shape if inputs.values.size else (len(inputs.offices), len(method.indicators))
    values = inputs.values.reshape(n, k)
    samples = inputs.samples.reshape(n, k)
    have = np.isfinite(values) & (samples > 0)
    eligible = have.any(axis=1) if k else np.zeros(n, dtype=bool)

    # 1. shrink
    shrunk = np.zeros((n, k))
    needed = np.zeros((n, k))
    priors: list[float | None] = []
    for j, ind in enumerate(method.indicators):
        prior = network_prior(values[:, j], samples[:, j])
        priors.append(prior)
        needed[:, j] = required_sample(ind.min_sample, inputs.population[:, j], ind.finite_population)
        if prior is None:
            shrunk[:, j] = math.nan
            continue
        shrunk[:, j] = shrink(
            values[:, j],
            samples[:, j],
            prior=prior,
            prior_weight=ind.prior_weight,
            age_days=inputs.age_days[:, j],
            half_life_days=ind.half_life_days,
        )
    insufficient = ~have | (samples < needed)
    active = np.array([p is not None for p in priors], dtype=np.float64)
    weights = _weights(method, active)
    say("shrink")

    # 2. normalise (the policy's choice, and every Monte-Carlo alternative)
    def normalised_with(how: str) -> tuple[np.ndarray, list[IndicatorParams]]:
        matrix = np.full((n, k), 0.5)
        plist = []
        for j, ind in enumerate(method.indicators):
            if priors[j] is None:
                plist.append(IndicatorParams(key=ind.key, how=how, dropped=True))
                continue
            col, p = normalise(shrunk[:, j], ind, how, reference=eligible, method=method)
            matrix[:, j] = col
            plist.append(p)
        return matrix, plist

    by_method = {
        how: normalised_with(how) for how in dict.fromkeys((method.normalisation, *method.mc_normalisations))
    }
    normalised, params = by_method[method.normalisation]
    for j, p in enumerate(params):
        p.prior, p.weight, p.dropped = priors[j], float(weights[j]), priors[j] is None
        p.policy_weight = method.indicators[j].weight_bp / 10_000
    say("normalise")

    # 3. aggregate and rank
    points, score = _aggregate(weights, normalised)
    rank_ = np.zeros(n, dtype=np.int64)
    province_rank = np.zeros(n, dtype=np.int64)
    idx = np.flatnonzero(eligible)
    rank_[idx] = competition_rank(score[idx])
    for province in np.unique(inputs.provinces[idx]):
        members = idx[inputs.provinces[idx] == province]
        province_rank[members] = competition_rank(score[members])
    say("rank")

    # 4. Monte Carlo over weights and normalisations
    rng = np.random.default_rng(seed)
    draws = method.draws
    m = idx.size
    median = np.full(n, math.nan)
    p05 = np.full(n, math.nan)
    p95 = np.full(n, math.nan)
    mc_share: dict[str, float] = {}  # stays empty when no draw's scores vary
    if draws and m:
        choice = rng.integers(0, len(method.mc_normalisations), size=draws)
        factors = 1.0 + method.weight_spread * rng.uniform(-1.0, 1.0, size=(draws, k))
        base = np.array([i.weight_bp for i in method.indicators], dtype=np.float64) * active
        w = base[None, :] * factors
        w = w / w.sum(axis=1, keepdims=True)
        ranks = np.zeros((draws, m), dtype=np.int64)
        shares = np.zeros(k)
        counted = 0  # draws whose scores vary at all (a share of no variance means nothing)
        for c, how in enumerate(method.mc_normalisations):
            rows = np.flatnonzero(choice == c)
            if rows.size == 0:
                continue
            v = by_method[how][0][idx]
            s = np.zeros((rows.size, m))
            for j in range(k):
                s = s + 100.0 * w[rows, j][:, None] * v[:, j][None, :]
            for r, d in enumerate(rows):
                ranks[d] = competition_rank(s[r])
            contrib = variance_contributions(w[rows], covariance(v))
            totals = np.zeros(rows.size)
            for j in range(k):
                totals = totals + contrib[:, j]
            ok = totals > 0
            shares += (contrib[ok] / totals[ok][:, None]).sum(axis=0)
            counted += int(ok.sum())
        q05, q50, q95 = np.percentile(ranks, [5.0, 50.0, 95.0], axis=0)
        p05[idx], median[idx], p95[idx] = q05, q50, q95
        if counted:
            mc_share = {key: float(x / counted) for key, x in zip(method.keys, shares, strict=True)}
    elif m:
        median[idx] = p05[idx] = p95[idx] = rank_[idx].astype(np.float64)
    say("monte_carlo")

    # 5. tiers on the median rank: the band of the score held at that rank
    tier_score = np.full(n, math.nan)
    tiers = [""] * n
    if m:
        descending = np.sort(score[idx])[::-1]
        positions = np.clip(np.ceil(median[idx]).astype(np.int64), 1, m) - 1
        tier_score[idx] = descending[positions]
        for i, ts in zip(idx, tier_score[idx], strict=True):
            tiers[i] = band_of(float(ts), method.bands)

    # 6. what would move each office most: reaching the top quarter on one indicator
    gain = np.zeros((n, k))
    for j, ind in enumerate(method.indicators):
        p = params[j]
        if p.dropped or not m:
            continue
        q = 100.0 - TOP_QUARTER if ind.polarity < 0 else TOP_QUARTER
        target = float(np.percentile(_sorted(shrunk[idx, j]), q))
        p.top_quarter = target
        t_norm = normalise_value(target, ind, p)
        gain[:, j] = np.maximum(0.0, 100.0 * weights[j] * (t_norm - normalised[:, j]))
    say("explain")

    return Output(
        offices=inputs.offices,
        eligible=eligible,
        shrunk=shrunk,
        normalised=normalised,
        points=points,
        insufficient=insufficient,
        needed=needed,
        score=score,
        rank=rank_,
        province_rank=province_rank,
        median_rank=median,
        rank_p05=p05,
        rank_p95=p95,
        tier_score=tier_score,
        tier=tiers,
        gain=gain,
        params=params,
        variance_share=_variance_share(weights, normalised[idx], method.keys) if m else {},
        variance_share_mc=mc_share,
        draws=draws,
        seed=seed,
    )
