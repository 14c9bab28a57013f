"""Reads of the ranking, scoped by the acting user. Out of scope is a 404.

- The Kanoon (and national inspectors) see every run and every office.
- A province admin (or a provincial inspector) sees every run, and the offices of their province.
- An office manager sees their own office's result in approved runs, nothing else.
- Anyone, signed in or not, sees the public table of approved runs (no person, only offices).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import OVERSIGHT, has_role, is_kanoon, scope_for
from tanzim.common.errors import NotFoundError
from tanzim.offices.models import Province
from tanzim.ranking import method as ranking_method
from tanzim.ranking import periods as ranking_periods
from tanzim.ranking import policy as policy_rules
from tanzim.ranking.choices import RunStatus
from tanzim.ranking.models import IndicatorValue, RankingPolicy, RankingResult, RankingRun

PUBLIC_STATUSES = (RunStatus.APPROVED,)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_oversight(user: Any) -> bool:
    return has_role(user, *OVERSIGHT)


def can_run(user: Any) -> bool:
    return is_kanoon(user)


def managed_office_ids(user: Any) -> list[int]:
    if not _authenticated(user):
        return []
    return sorted(scope_for(user).office_ids.get(Role.OFFICE_MANAGER, ()))


def _office_condition(user: Any, field: str = "office") -> Q:
    """The offices whose results this person may read, as a filter on ``field``."""
    scope = scope_for(user)
    roles = [r for r in OVERSIGHT if scope.has(r)]
    if any(r in scope.national_roles for r in roles):
        return Q(**{f"{field}__isnull": False})
    condition = Q(pk__in=[])
    provinces = set().union(*(scope.province_ids.get(r, ()) for r in roles))
    if provinces:
        condition |= Q(**{f"{field}__province_id__in": sorted(provinces)})
    return condition


def visible_provinces_for(*, user: Any) -> QuerySet[Province]:
    scope = scope_for(user)
    roles = [r for r in OVERSIGHT if scope.has(r)]
    if any(r in scope.national_roles for r in roles):
        return Province.objects.order_by("name_fa")
    ids = set().union(*(scope.province_ids.get(r, ()) for r in roles))
    return Province.objects.filter(pk__in=sorted(ids)).order_by("name_fa")


# --- runs -----------------------------------------------------------------------------------------


def run_list_for(*, user: Any) -> QuerySet[RankingRun]:
    runs = RankingRun.objects.select_related("policy", "requested_by", "approved_by")
    if is_oversight(user):
        return runs
    if managed_office_ids(user):
        return runs.filter(status=RunStatus.APPROVED)
    return runs.none()


def run_get_for(*, user: Any, pk: Any) -> RankingRun:
    run = run_list_for(user=user).filter(pk=pk).first() if str(pk).isdigit() else None
    if run is None:
        raise NotFoundError(_("Ranking run not found."), code="run_not_found")
    return run


def period_of(run: RankingRun) -> ranking_periods.Period:
    return ranking_periods.of(run.period_kind, run.period_first, run.period_last)


# --- results --------------------------------------------------------------------------------------


def results_for(*, user: Any, run: RankingRun, province: Province | None = None) -> QuerySet[RankingResult]:
    """The results of one run this person may see, best first; unranked offices last."""
    results = RankingResult.objects.filter(run=run).select_related("office", "province")
    if is_oversight(user):
        condition = _office_condition(user)
        managed = managed_office_ids(user)
        if managed and run.status == RunStatus.APPROVED:
            condition |= Q(office_id__in=managed)
        results = results.filter(condition)
    elif managed_office_ids(user) and run.status == RunStatus.APPROVED:
        results = results.filter(office_id__in=managed_office_ids(user))
    else:
        results = results.none()
    if province is not None:
        results = results.filter(province=province)
    return results.order_by("rank", "office__code")


def result_get_for(*, user: Any, run: RankingRun, code: str) -> RankingResult:
    result = results_for(user=user, run=run).filter(office__code=str(code)[:12]).first()
    if result is None:
        raise NotFoundError(_("No ranking for this office here."), code="result_not_found")
    return result


def latest_result_for(*, user: Any, code: str) -> RankingResult:
    """The newest result of an office this person may see (approved runs for its manager)."""
    for run in (
        run_list_for(user=user)
        .filter(status__in=[RunStatus.APPROVED, RunStatus.FINISHED])
        .order_by("-period_last", "-status_changed_at")[:24]
    ):
        found = results_for(user=user, run=run).filter(office__code=str(code)[:12]).first()
        if found is not None:
            return found
    raise NotFoundError(_("No ranking for this office yet."), code="result_not_found")


def has_result(*, user: Any, code: str) -> bool:
    try:
        latest_result_for(user=user, code=code)
    except NotFoundError:
        return False
    return True


@dataclass
class IndicatorRow:
    key: str
    label: str
    value: IndicatorValue
    weight_pct: float
    polarity: int
    top_quarter: float | None
    prior: float | None


@dataclass
class Explanation:
    result: RankingResult
    run: RankingRun
    period: ranking_periods.Period
    rows: list[IndicatorRow]
    best_move: IndicatorRow | None
    ranked_count: int
    province_count: int
    score_change: float | None
    rank_change: int | None


def explanation_for(*, result: RankingResult) -> Explanation:
    """Every indicator of one office in one run, and what would move it most."""
    run = result.run
    params = {p["key"]: p for p in (run.parameters or {}).get("indicators", [])}
    specs = {i["key"]: i for i in run.policy.indicators}
    values = {v.key: v for v in IndicatorValue.objects.filter(result=result)}
    rows = []
    for key, spec in specs.items():
        value = values.get(key)
        if value is None:
            continue
        p = params.get(key, {})
        rows.append(
            IndicatorRow(
                key=key,
                label=policy_rules.indicator_label(key),
                value=value,
                weight_pct=100 * value.weight,
                polarity=spec.get("polarity", 1),
                top_quarter=p.get("top_quarter"),
                prior=p.get("prior"),
            )
        )
    movable = [r for r in rows if r.value.gain > 0]
    best = max(movable, key=lambda r: r.value.gain) if movable else None
    province_count = RankingResult.objects.filter(
        run=run, province_id=result.province_id, ranked=True
    ).count()
    return Explanation(
        result=result,
        run=run,
        period=period_of(run),
        rows=rows,
        best_move=best,
        ranked_count=run.ranked_count,
        province_count=province_count,
        score_change=(result.score - result.previous_score)
        if result.score is not None and result.previous_score is not None
        else None,
        rank_change=(result.previous_rank - result.rank) if result.rank and result.previous_rank else None,
    )


def what_if(*, result: RankingResult, key: str, value: float) -> float | None:
    """The office's score had one indicator's shrunk value been ``value`` (other offices unchanged)."""
    run = result.run
    spec = next((i for i in run.policy.indicators if i["key"] == key), None)
    params = next((p for p in run.parameters.get("indicators", []) if p["key"] == key), None)
    row = IndicatorValue.objects.filter(result=result, key=key).first()
    if spec is None or params is None or row is None or result.score is None or params.get("dropped"):
        return None
    t = ranking_method.normalise_value(value, ranking_method.Indicator(**spec), params)
    return result.score + 100 * row.weight * (t - row.normalised)


# --- weights: policy, effective, variance shares, flags --------------------------------------------


@dataclass
class WeightRow:
    """One indicator of a run: what the policy gives it, what it carried, and its flags."""

    key: str
    label: str
    policy_pct: float
    effective_pct: float
    share_pct: float | None  # share of the variance at the policy's method
    share_mc_pct: float | None  # averaged over the Monte-Carlo draws
    dropped: bool
    winsorised: bool
    flags: list[str]  # the kinds of weight check it fails

    @property
    def drift_pct(self) -> float:
        return self.effective_pct - self.policy_pct


@dataclass
class WeightReport:
    rows: list[WeightRow]
    checks: list[ranking_method.WeightCheck]
    drift_limit_pct: float
    share_limit_pct: float

    @property
    def drifted(self) -> list[WeightRow]:
        return [r for r in self.rows if ranking_method.WEIGHT_DRIFT in r.flags]

    @property
    def share_flagged(self) -> list[WeightRow]:
        kinds = {ranking_method.VARIANCE_SHARE, ranking_method.VARIANCE_SHARE_MC}
        return [r for r in self.rows if kinds & set(r.flags)]


def run_checks(run: RankingRun) -> list[ranking_method.WeightCheck]:
    """The run's weight flags: stored when it finished; recomputed from its stored weights and
    variance shares for a run older than the flags."""
    parameters = run.parameters or {}
    if "weight_checks" in parameters:
        return [
            ranking_method.WeightCheck(
                c["kind"], c["indicator"], float(c["policy_weight"]), float(c["value"]), float(c["limit"])
            )
            for c in parameters["weight_checks"]
        ]
    policy_weights = {i["key"]: i["weight_bp"] / 10_000 for i in run.policy.indicators}
    params = [
        {**p, "policy_weight": p.get("policy_weight", policy_weights.get(p["key"], 0.0))}
        for p in parameters.get("indicators", [])
    ]
    return ranking_method.weight_checks(
        params,
        parameters.get("variance_share", {}),
        parameters.get("variance_share_mc", {}),
        drift_limit=settings.RANKING_WEIGHT_DRIFT_MAX_BP / 10_000,
        share_limit=settings.RANKING_VARIANCE_SHARE_MAX_BP / 10_000,
    )


def weight_report(*, run: RankingRun) -> WeightReport:
    """The policy and effective weight of each indicator of a run, its variance shares, and the
    run's weight flags (``run_checks``). Effective weights are
    the ones the run stored; policy weights come from the run's policy version, never edited."""
    parameters = run.parameters or {}
    stored = {p["key"]: p for p in parameters.get("indicators", [])}
    shares = parameters.get("variance_share", {})
    shares_mc = parameters.get("variance_share_mc", {})
    checks = run_checks(run) if stored else []
    rows = []
    for spec in run.policy.indicators:
        key = spec["key"]
        p = stored.get(key)
        if p is None:
            continue
        rows.append(
            WeightRow(
                key=key,
                label=policy_rules.indicator_label(key),
                policy_pct=spec["weight_bp"] / 100,
                effective_pct=100 * float(p.get("weight", 0.0)),
                share_pct=100 * shares[key] if key in shares else None,
                share_mc_pct=100 * shares_mc[key] if key in shares_mc else None,
                dropped=bool(p.get("dropped")),
                winsorised=bool(p.get("winsorised")),
                flags=[c.kind for c in checks if c.key == key],
            )
        )
    return WeightReport(
        rows=rows,
        checks=checks,
        drift_limit_pct=settings.RANKING_WEIGHT_DRIFT_MAX_BP / 100,
        share_limit_pct=settings.RANKING_VARIANCE_SHARE_MAX_BP / 100,
    )


# --- public ---------------------------------------------------------------------------------------


def public_runs() -> QuerySet[RankingRun]:
    return RankingRun.objects.filter(status__in=PUBLIC_STATUSES).order_by("-period_last", "period_kind")


def public_run_get(*, pk: Any = None) -> RankingRun | None:
    runs = public_runs()
    if pk in (None, ""):
        return runs.first()
    run = runs.filter(pk=pk).first() if str(pk).isdigit() else None
    if run is None:
        raise NotFoundError(_("No approved ranking with this number."), code="run_not_found")
    return run


def public_results(*, run: RankingRun, province: Province | None = None) -> QuerySet[RankingResult]:
    if run.status not in PUBLIC_STATUSES:
        return RankingResult.objects.none()
    results = RankingResult.objects.filter(run=run, ranked=True).select_related("office", "province")
    if province is not None:
        results = results.filter(province=province)
    return results.order_by("rank", "office__code")


def score_histogram(*, run: RankingRun, province: Province | None = None, bins: int = 20) -> list[dict]:
    """Offices per score band of 5 points (0–100), for the distribution chart."""
    counts = [0] * bins
    for score in public_results(run=run, province=province).values_list("score", flat=True):
        if score is not None:
            counts[min(bins - 1, max(0, int(score // (100 / bins))))] += 1
    width = 100 / bins
    return [{"low": i * width, "high": (i + 1) * width, "count": c} for i, c in enumerate(counts)]


def province_trends(*, kind: str, limit: int = 6) -> tuple[list[RankingRun], dict[int, list[float | None]]]:
    """Mean score per province across the latest approved runs of one period kind (oldest first)."""
    runs = list(public_runs().filter(period_kind=kind).order_by("-period_last")[:limit])[::-1]
    series: dict[int, list[float | None]] = {}
    for i, run in enumerate(runs):
        sums: dict[int, list[float]] = {}
        for province_id, score in RankingResult.objects.filter(run=run, ranked=True).values_list(
            "province_id", "score"
        ):
            if score is not None:
                sums.setdefault(province_id, []).append(score)
        for province_id, scores in sums.items():
            series.setdefault(province_id, [None] * len(runs))[i] = sum(scores) / len(scores)
    return runs, series


def policy_list() -> QuerySet[RankingPolicy]:
    return RankingPolicy.objects.select_related("created_by").order_by("-version")
