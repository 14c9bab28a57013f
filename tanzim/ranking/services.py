"""Writes of the ranking: policy versions, run requests, the run itself, approval, reproduction.

A run reads each indicator through the other apps' metrics and selectors (no SQL of its own
on their tables), hands the figures to ``method.rank`` and stores every input and output in
one transaction. Status moves only through the engine (``ranking.workflows.RUN``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.jalali import JalaliMonth
from tanzim.common.normalize import normalize_text
from tanzim.consult import selectors as consult_selectors
from tanzim.disputes import metrics as dispute_metrics
from tanzim.feedback import metrics as feedback_metrics
from tanzim.finance import services as finance_services
from tanzim.finance import share as finance_share
from tanzim.inspections.selectors import latest_inspection_scores
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office
from tanzim.outreach import metrics as outreach_metrics
from tanzim.ranking import method as ranking_method
from tanzim.ranking import periods as ranking_periods
from tanzim.ranking import policy as policy_rules
from tanzim.ranking import selectors
from tanzim.ranking.choices import IndicatorKey, Normalisation, OutlierTreatment, RunStatus
from tanzim.ranking.models import IndicatorValue, RankingPolicy, RankingResult, RankingRun, RankingRunEvent
from tanzim.ranking.workflows import RUN

log = logging.getLogger(__name__)
Progress = Callable[[str, int], None]


def _require_kanoon(actor: Any) -> None:
    if actor is not None and not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon's administrators can do this."))


# --- policy ---------------------------------------------------------------------------------------


def policy_current() -> RankingPolicy:
    """The newest policy version; the first is created with the defaults of docs/DOMAIN.md."""
    policy = RankingPolicy.objects.order_by("-version").first()
    if policy is None:
        with transaction.atomic():
            policy, _created = RankingPolicy.objects.get_or_create(
                version=1, defaults={**policy_rules.defaults(), "note": "DOMAIN.md defaults"}
            )
    return policy


@transaction.atomic
def policy_create(
    *,
    actor: Any,
    indicators: Any,
    tier_bands: Any,
    share_adjustments_bp: Any,
    normalisation: str = Normalisation.GOALPOSTS,
    outliers: str = OutlierTreatment.WINSORISE,
    winsor_pct: float = 2.5,
    mc_draws: int = 1000,
    mc_weight_spread_pct: int = 25,
    mc_normalisations: Any = None,
    note: str = "",
) -> RankingPolicy:
    """Save a new policy version. Past runs keep the version they used; nothing is edited."""
    _require_kanoon(actor)
    clean_indicators = policy_rules.clean_indicators(indicators)
    clean_bands = policy_rules.clean_bands(tier_bands)
    adjustments = policy_rules.clean_adjustments(share_adjustments_bp)
    if normalisation not in Normalisation.values:
        raise DomainError(
            fields={"normalisation": [_("Choose a normalisation method.")]}, code="invalid_policy"
        )
    if outliers not in OutlierTreatment.values:
        raise DomainError(fields={"outliers": [_("Choose an outlier treatment.")]}, code="invalid_policy")
    mc_normalisations = list(mc_normalisations or policy_rules.DEFAULT_MC_NORMALISATIONS)
    if any(m not in Normalisation.values for m in mc_normalisations):
        raise DomainError(
            fields={"mc_normalisations": [_("Choose normalisation methods from the list.")]},
            code="invalid_policy",
        )
    checks = (
        ("winsor_pct", winsor_pct, 0, 49.9, _("Enter a percentile from 0 to 49.9.")),
        ("mc_draws", mc_draws, 0, 20_000, _("Enter 0 to 20,000 draws.")),
        ("mc_weight_spread_pct", mc_weight_spread_pct, 0, 99, _("Enter a spread from 0 to 99%.")),
    )
    for name, value, low, high, message in checks:
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise DomainError(fields={name: [message]}, code="invalid_policy")
    version = (RankingPolicy.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
    try:
        with transaction.atomic():
            policy = RankingPolicy.objects.create(
                version=version,
                indicators=clean_indicators,
                tier_bands=clean_bands,
                share_adjustments_bp=adjustments,
                normalisation=normalisation,
                outliers=outliers,
                winsor_pct=float(winsor_pct),
                mc_draws=int(mc_draws),
                mc_weight_spread_pct=int(mc_weight_spread_pct),
                mc_normalisations=mc_normalisations,
                note=normalize_text(note)[:300],
                created_by=actor,
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("Someone saved a policy version at the same time. Reload and try again.")
        ) from exc
    audit.record(
        action="ranking.policy.created",
        actor=actor,
        obj=policy,
        data={"version": version, "weights_bp": {i["key"]: i["weight_bp"] for i in clean_indicators}},
    )
    return policy


# --- transitions ----------------------------------------------------------------------------------


def _move(
    run: RankingRun,
    to: str,
    *,
    actor: Any = None,
    reason: str = "",
    audit_data: dict[str, Any] | None = None,
    **changes: Any,
) -> RankingRun:
    """Move a run from the status the caller last saw (a stale move is a 409), through the engine."""
    return transition(
        RUN,
        run,
        to,
        actor=actor,
        expected_status=run.status,
        reason=reason,
        changes=changes,
        audit_data=audit_data,
    )


# --- requesting a run -----------------------------------------------------------------------------


def _has_data(period: ranking_periods.Period) -> bool:
    _mean, answers = feedback_metrics.network_mean(period_from=period.first, period_to=period.last)
    if answers:
        return True
    return bool(feedback_metrics.services_delivered(period_from=period.first, period_to=period.last))


@transaction.atomic
def run_request(
    *, actor: Any, period: str | ranking_periods.Period, reason: str = "", now: datetime | None = None
) -> RankingRun:
    """Queue a ranking run for an ended Jalali month or quarter (the Kanoon; ``None`` is the system).

    A period with an approved run can be run again only with a reason: the re-run is a new run
    beside the approved one, never an overwrite; approving it supersedes the old one.
    """
    _require_kanoon(actor)
    chosen = period if isinstance(period, ranking_periods.Period) else ranking_periods.parse(period)
    if not chosen.has_ended(now):
        message = _("%(period)s has not ended yet; rank a period once it is over.") % {"period": chosen.label}
        raise DomainError(message, code="period_not_ended", fields={"period": [message]})
    same = RankingRun.objects.select_for_update().filter(period_kind=chosen.kind, period_first=chosen.first)
    if same.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
        raise ConflictError(_("A run for this period is already under way."), code="run_in_progress")
    approved = same.filter(status=RunStatus.APPROVED).first()
    reason = normalize_text(reason)[:300]
    if approved is not None and not reason:
        message = _(
            "%(period)s already has an approved ranking (run %(run)s). A re-run makes a new run beside it "
            "and never overwrites it; give a reason to go ahead."
        ) % {"period": chosen.label, "run": approved.pk}
        raise ConflictError(message, code="period_approved", fields={"reason": [message]})
    if not _has_data(chosen):
        message = _("There is no data for %(period)s: no survey answers and no services delivered.") % {
            "period": chosen.label
        }
        raise DomainError(message, code="no_data", fields={"period": [message]})
    policy = policy_current()
    try:
        with transaction.atomic():
            run = RankingRun.objects.create(
                policy=policy,
                period_kind=chosen.kind,
                period_first=chosen.first,
                period_last=chosen.last,
                seed=secrets.randbits(31),
                reason=reason,
                requested_by=actor,
            )
    except IntegrityError as exc:
        raise ConflictError(_("A run for this period is already under way."), code="run_in_progress") from exc
    RankingRunEvent.objects.create(
        run=run, created_at=timezone.now(), to_status=RunStatus.QUEUED, actor=actor, reason=reason
    )
    audit.record(
        action="ranking.run.requested",
        actor=actor,
        obj=run,
        data={"period": chosen.code, "policy": policy.version, "reason": reason},
    )
    return run


def run_enqueue(run: RankingRun) -> None:
    """After commit, hand the run to Celery (eager in the embedded default)."""
    from tanzim.ranking import tasks

    transaction.on_commit(lambda: tasks.execute_run.delay(run.pk))


# --- collecting the inputs ------------------------------------------------------------------------


@dataclass
class Collected:
    inputs: ranking_method.Inputs
    details: list[list[dict]]  # per office, per indicator: numerators and denominators shown on the page


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def collect_inputs(
    *, period: ranking_periods.Period, keys: tuple[str, ...], progress: Progress | None = None
) -> Collected:
    """Every indicator of every open office for the period, through the other apps' reads."""
    say = progress or (lambda stage, pct: None)
    offices = list(
        Office.objects.exclude(status=OfficeStatus.CLOSED).order_by("pk").values_list("pk", "province_id")
    )
    start, _first_end = period.first_month.bounds_utc()
    _last_start, end = period.last_month.bounds_utc()
    survey = feedback_metrics.survey_metrics(period_from=period.first, period_to=period.last, published=True)
    say("surveys", 15)
    disputes = dispute_metrics.office_figures(start=start, end=end)
    # Consultations join timeliness: a written question answered by its deadline is a step on
    # time; one refunded for want of an answer is a step late (docs/ranking.md).
    consultations = {
        row["office_id"]: row for row in consult_selectors.consultation_figures(start=start, end=end)
    }
    say("disputes", 25)
    complaints = feedback_metrics.complaint_metrics(period_from=period.first, period_to=period.last)
    say("complaints", 30)
    inspections = latest_inspection_scores(as_of=end)
    money: dict[int, list[int]] = {}
    for month in period.jalali_months():
        for office_id, (revenue, subsidies) in finance_share.revenue_and_subsidies(
            year=month.year, month=month.month
        ).items():
            pair = money.setdefault(office_id, [0, 0])
            pair[0] += revenue
            pair[1] += subsidies
    # Social service: verified free services and mission participation only (outreach's figures).
    social = outreach_metrics.social_service(start=start, end=end)
    say("inspections and money", 35)

    values, samples, population, ages, details = [], [], [], [], []
    empty_figures = dispute_metrics.Figures()
    for office_id, _province in offices:
        s = survey.offices.get(office_id)
        f = disputes.get(office_id, empty_figures)
        c = complaints.get(office_id)
        latest = inspections.get(office_id)
        revenue, _subsidies = money.get(office_id, (0, 0))
        row: dict[str, tuple[float | None, float, float, float | None, dict]] = {}
        overall_n = s.item_counts.get("overall", 0) if s else 0
        row[IndicatorKey.SATISFACTION] = (
            s.overall_mean if s else None,
            overall_n,
            s.invitations if s else 0,
            None,
            {
                "responses": s.responses if s else 0,
                "invitations": s.invitations if s else 0,
                "satisfied_share": s.satisfied_share if s else None,
                "wilson_lower_bound": s.wilson_lower_bound if s else None,
            },
        )
        row[IndicatorKey.SETTLEMENT] = (
            f.settlement_rate,
            f.concluded,
            0,
            None,
            {"settled": f.settled, "concluded": f.concluded},
        )
        row[IndicatorKey.KEPT_OUT] = (
            f.kept_out_per_1000,
            f.services,
            0,
            None,
            {"resolved": f.resolved, "services": f.services},
        )
        row[IndicatorKey.INSPECTION] = (
            latest.score if latest else None,
            1 if latest else 0,
            0,
            ((end - latest.completed_at).total_seconds() / 86400) if latest else None,
            {"inspection": latest.inspection_id, "completed_at": latest.completed_at.isoformat()}
            if latest
            else {},
        )
        advice = consultations.get(office_id, {})
        advice_due, advice_on_time = advice.get("written_due", 0), advice.get("on_time", 0)
        with_deadline = f.steps_with_deadline + advice_due
        row[IndicatorKey.TIMELINESS] = (
            _ratio(f.steps_on_time + advice_on_time, with_deadline),
            with_deadline,
            0,
            None,
            {
                "on_time": f.steps_on_time + advice_on_time,
                "with_deadline": with_deadline,
                "consultations_on_time": advice_on_time,
                "consultations_due": advice_due,
            },
        )
        row[IndicatorKey.COMPLAINTS] = (
            c.per_thousand_services if c else None,
            c.services if c else 0,
            0,
            None,
            {
                "upheld": c.upheld if c else 0,
                "partly_upheld": c.partly_upheld if c else 0,
                "services": c.services if c else 0,
            },
        )
        free = social.get(office_id, outreach_metrics.Social())
        work = revenue + free.rials
        row[IndicatorKey.SOCIAL] = (
            (100 * free.rials / work) if work > 0 else None,
            1 if work > 0 else 0,
            0,
            None,
            {
                "verified_free": free.verified_free,
                "verified_rials": free.verified_rials,
                "mission_days": free.mission_days,
                "participation_rials": free.participation_rials,
                "revenue": revenue,
            },
        )
        picked = [row[key] for key in keys]
        values.append([p[0] for p in picked])
        samples.append([p[1] for p in picked])
        population.append([p[2] for p in picked])
        ages.append([p[3] for p in picked])
        details.append([p[4] for p in picked])
    inputs = ranking_method.Inputs.build(
        offices=[o for o, _p in offices],
        provinces=[p for _o, p in offices],
        values=values,
        samples=samples,
        population=population,
        age_days=ages,
    )
    if not offices:
        inputs.values = np.zeros((0, len(keys)))
        inputs.samples = np.zeros((0, len(keys)))
        inputs.population = np.zeros((0, len(keys)))
        inputs.age_days = np.zeros((0, len(keys)))
    return Collected(inputs=inputs, details=details)


def _f(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _inputs_payload(inputs: ranking_method.Inputs) -> list:
    return [
        [
            int(o),
            int(p),
            [_f(v) for v in vals],
            [float(s) for s in samp],
            [float(x) for x in pop],
            [_f(a) for a in age],
        ]
        for o, p, vals, samp, pop, age in zip(
            inputs.offices,
            inputs.provinces,
            inputs.values,
            inputs.samples,
            inputs.population,
            inputs.age_days,
            strict=True,
        )
    ]


def _outputs_payload(out: ranking_method.Output) -> list:
    return [
        [
            int(out.offices[i]),
            _f(out.score[i]) if out.eligible[i] else None,
            int(out.rank[i]),
            int(out.province_rank[i]),
            _f(out.median_rank[i]),
            _f(out.rank_p05[i]),
            _f(out.rank_p95[i]),
            out.tier[i],
            [_f(x) for x in out.shrunk[i]],
            [_f(x) for x in out.points[i]],
        ]
        for i in range(len(out.offices))
    ]


# --- executing a run ------------------------------------------------------------------------------


def run_execute(*, run_id: int, progress: Progress | None = None) -> RankingRun:
    """Claim a queued run, compute it and store everything. Safe to call twice: the second does nothing."""
    run = RankingRun.objects.select_related("policy").filter(pk=run_id).first()
    if run is None:
        raise NotFoundError(_("Ranking run not found."), code="run_not_found")
    if run.status != RunStatus.QUEUED:
        return run
    try:
        with transaction.atomic():
            run = _move(run, RunStatus.RUNNING, progress=1, stage="collect")
    except ConflictError:
        return RankingRun.objects.get(pk=run_id)

    def say(stage: str, pct: int) -> None:
        RankingRun.objects.filter(pk=run.pk).update(stage=stage[:40], progress=min(99, pct))
        if progress:
            progress(stage, pct)

    try:
        _compute_and_store(run, say)
    except Exception as exc:  # the run fails visibly; the error is shown to the Kanoon
        log.exception("ranking run %s failed", run.pk)
        message = str(exc.message) if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        with transaction.atomic():
            run.refresh_from_db()
            if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
                _move(run, RunStatus.FAILED, error=message[:4000], reason=message)
    run.refresh_from_db()
    return run


def _previous_run(run: RankingRun, period: ranking_periods.Period) -> RankingRun | None:
    before = period.previous()
    runs = RankingRun.objects.filter(period_kind=period.kind, period_first=before.first).exclude(pk=run.pk)
    return (
        runs.filter(status=RunStatus.APPROVED).first()
        or runs.filter(status__in=[RunStatus.FINISHED, RunStatus.SUPERSEDED])
        .order_by("-finished_at", "-pk")
        .first()
    )


def _compute_and_store(run: RankingRun, say: Callable[[str, int], None]) -> None:
    period = ranking_periods.of(run.period_kind, run.period_first, run.period_last)
    method = policy_rules.to_method(run.policy)
    collected = collect_inputs(period=period, keys=method.keys, progress=say)
    stages = {"shrink": 45, "normalise": 50, "rank": 55, "monte_carlo": 80, "explain": 85}
    out = ranking_method.rank(
        collected.inputs, method, seed=run.seed, progress=lambda s: say(s, stages.get(s, 50))
    )
    if not out.eligible.any():
        raise DomainError(
            _("There is no data for %(period)s: no office has a single observation.")
            % {"period": period.label},
            code="no_data",
        )
    previous = _previous_run(run, period)
    before: dict[int, Mapping[str, Any]] = (
        {
            r["office_id"]: r
            for r in RankingResult.objects.filter(run=previous).values("office_id", "score", "rank", "tier")
        }
        if previous
        else {}
    )
    keys = method.keys
    sat = keys.index(IndicatorKey.SATISFACTION) if IndicatorKey.SATISFACTION in keys else None
    settle = keys.index(IndicatorKey.SETTLEMENT) if IndicatorKey.SETTLEMENT in keys else None
    inputs = collected.inputs
    say("store", 88)
    with transaction.atomic():
        results = []
        for i, office_id in enumerate(inputs.offices.tolist()):
            ranked = bool(out.eligible[i])
            prev = before.get(office_id, {})
            results.append(
                RankingResult(
                    run=run,
                    office_id=office_id,
                    province_id=int(inputs.provinces[i]),
                    ranked=ranked,
                    score=_f(out.score[i]) if ranked else None,
                    rank=int(out.rank[i]) if ranked else None,
                    province_rank=int(out.province_rank[i]) if ranked else None,
                    median_rank=_f(out.median_rank[i]) if ranked else None,
                    rank_p05=_f(out.rank_p05[i]) if ranked else None,
                    rank_p95=_f(out.rank_p95[i]) if ranked else None,
                    tier_score=_f(out.tier_score[i]) if ranked else None,
                    tier=out.tier[i],
                    satisfaction=_f(out.shrunk[i, sat]) if sat is not None else None,
                    satisfaction_responses=int(inputs.samples[i, sat]) if sat is not None else 0,
                    satisfaction_insufficient=bool(out.insufficient[i, sat]) if sat is not None else True,
                    settlement_rate=_f(inputs.values[i, settle]) if settle is not None else None,
                    previous_score=prev.get("score"),
                    previous_rank=prev.get("rank"),
                    previous_tier=prev.get("tier") or "",
                )
            )
        RankingResult.objects.bulk_create(results, batch_size=1000)
        if any(r.pk is None for r in results):  # backends that do not return ids
            ids = dict(RankingResult.objects.filter(run=run).values_list("office_id", "pk"))
            for r in results:
                r.pk = ids[r.office_id]
        say("store", 92)
        values = []
        for i, result in enumerate(results):
            for j, key in enumerate(keys):
                values.append(
                    IndicatorValue(
                        result_id=result.pk,
                        run_id=run.pk,
                        key=key,
                        raw=_f(inputs.values[i, j]),
                        sample=float(inputs.samples[i, j]),
                        population=float(inputs.population[i, j]),
                        age_days=_f(inputs.age_days[i, j]),
                        shrunk=_f(out.shrunk[i, j]),
                        normalised=float(out.normalised[i, j]),
                        points=float(out.points[i, j]),
                        weight=out.params[j].weight,
                        needed=float(out.needed[i, j]),
                        insufficient=bool(out.insufficient[i, j]),
                        gain=float(out.gain[i, j]),
                        details=collected.details[i][j],
                    )
                )
        IndicatorValue.objects.bulk_create(values, batch_size=2000)
        say("store", 98)
        checks = ranking_method.weight_checks(
            out.params,
            out.variance_share,
            out.variance_share_mc,
            drift_limit=settings.RANKING_WEIGHT_DRIFT_MAX_BP / 10_000,
            share_limit=settings.RANKING_VARIANCE_SHARE_MAX_BP / 10_000,
        )
        parameters = {
            "indicators": [p.as_dict() for p in out.params],
            "variance_share": out.variance_share,
            "variance_share_mc": out.variance_share_mc,
            # The run's flags: approval needs them acknowledged (``run_approve``).
            "weight_checks": [c.as_dict() for c in checks],
            "draws": out.draws,
            "normalisation": method.normalisation,
        }
        run.refresh_from_db()
        _move(
            run,
            RunStatus.FINISHED,
            progress=100,
            stage="done",
            office_count=len(results),
            ranked_count=int(out.eligible.sum()),
            parameters=json.loads(json.dumps(parameters, default=float)),
            previous_run=previous,
            inputs_digest=digest(_inputs_payload(inputs)),
            outputs_digest=digest(_outputs_payload(out)),
        )


# --- reproducing a run ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reproduction:
    identical: bool
    inputs_digest: str
    outputs_digest: str
    differences: int


def stored_inputs(run: RankingRun) -> ranking_method.Inputs:
    """The inputs a run stored, in the order it used (by office id)."""
    keys = [i["key"] for i in run.policy.indicators]
    rows = (
        IndicatorValue.objects.filter(run=run)
        .order_by("result__office_id")
        .values_list(
            "result__office_id", "result__province_id", "key", "raw", "sample", "population", "age_days"
        )
    )
    table: dict[int, dict] = {}
    for office_id, province_id, key, raw, sample, population, age in rows:
        entry = table.setdefault(office_id, {"province": province_id})
        entry[key] = (raw, sample, population, age)
    ids = sorted(table)
    return ranking_method.Inputs.build(
        offices=ids,
        provinces=[table[o]["province"] for o in ids],
        values=[[table[o][k][0] for k in keys] for o in ids],
        samples=[[table[o][k][1] for k in keys] for o in ids],
        population=[[table[o][k][2] for k in keys] for o in ids],
        age_days=[[table[o][k][3] for k in keys] for o in ids],
    )


def run_reproduce(*, run: RankingRun) -> Reproduction:
    """Recompute a run from its stored inputs, policy and seed, and compare with what it stored."""
    if run.status not in (RunStatus.FINISHED, RunStatus.APPROVED, RunStatus.SUPERSEDED):
        raise ConflictError(_("Only a finished run can be reproduced."), code="run_not_finished")
    inputs = stored_inputs(run)
    out = ranking_method.rank(inputs, policy_rules.to_method(run.policy), seed=run.seed)
    outputs = digest(_outputs_payload(out))
    inputs_digest = digest(_inputs_payload(inputs))
    stored = {
        r.office_id: r
        for r in RankingResult.objects.filter(run=run).only(
            "office_id", "score", "rank", "province_rank", "median_rank", "tier"
        )
    }
    differences = 0
    for i, office_id in enumerate(out.offices.tolist()):
        r = stored[office_id]
        again = (
            _f(out.score[i]) if out.eligible[i] else None,
            int(out.rank[i]) or None,
            int(out.province_rank[i]) or None,
            _f(out.median_rank[i]) if out.eligible[i] else None,
            out.tier[i],
        )
        differences += again != (r.score, r.rank, r.province_rank, r.median_rank, r.tier)
    return Reproduction(
        identical=differences == 0 and outputs == run.outputs_digest and inputs_digest == run.inputs_digest,
        inputs_digest=inputs_digest,
        outputs_digest=outputs,
        differences=differences,
    )


# --- approval: the tiers reach the Kanoon share ---------------------------------------------------


@transaction.atomic
def run_approve(
    *, run: RankingRun, actor: Any, note: str = "", acknowledge_warnings: bool = False
) -> RankingRun:
    """Approve a finished run: it becomes the public ranking of its period and each ranked office's
    tier applies from the month after the period in the finance app. One transaction, audited.

    A run whose effective weights drifted from the policy's (an indicator with no data anywhere was
    left out) is approved only with ``acknowledge_warnings`` and a note saying why. Variance-share
    warnings are shown on the run and recorded with the approval, but do not block it: with
    independent indicators a share follows the square of a weight, so they are advice on the
    policy rather than a fault of the run (docs/ranking.md)."""
    _require_kanoon(actor)
    run = RankingRun.objects.select_for_update().select_related("policy").get(pk=run.pk)
    if run.status != RunStatus.FINISHED:
        raise ConflictError(
            _("Only a finished run can be approved; this one is %(status)s.")
            % {"status": RunStatus(run.status).label},
            code="run_not_finished",
        )
    flags = selectors.run_checks(run)
    checks = [c for c in flags if c.kind == ranking_method.WEIGHT_DRIFT]  # the ones that block
    note = normalize_text(note)[:300]
    if checks and not acknowledge_warnings:
        message = _(
            "This run has weight warnings (%(count)s). Read them, then tick the acknowledgement "
            "to approve it."
        ) % {"count": len(checks)}
        raise ConflictError(
            message, code="warnings_not_acknowledged", fields={"acknowledge_warnings": [message]}
        )
    if checks and not note:
        why = _("Say in the note why this ranking stands despite its weight warnings.")
        raise DomainError(why, code="note_required", fields={"note": [why]})
    year, month = _next_unsettled(run.period_last)
    superseded = list(
        RankingRun.objects.select_for_update()
        .filter(period_kind=run.period_kind, period_first=run.period_first, status=RunStatus.APPROVED)
        .exclude(pk=run.pk)
    )
    for old in superseded:
        _move(
            old,
            RunStatus.SUPERSEDED,
            actor=actor,
            reason=f"superseded by run {run.pk}",
            audit_data={"by": run.pk},
        )
    tiers = dict(
        RankingResult.objects.filter(run=run, ranked=True).exclude(tier="").values_list("office_id", "tier")
    )
    finance_services.office_tiers_set(tiers=tiers, year=year, month=month, actor=actor)
    adjusted = _sync_share_adjustments(run, year=year, month=month, actor=actor)
    counts = dict(Counter(tiers.values()))
    return _move(
        run,
        RunStatus.APPROVED,
        actor=actor,
        reason=note,
        approved_by=actor,
        effective_year=year,
        effective_month=month,
        warnings_acknowledged=bool(checks),
        audit_data={
            "warnings_acknowledged": [c.as_dict() for c in checks],
            "variance_warnings": [c.as_dict() for c in flags if c.kind != ranking_method.WEIGHT_DRIFT],
            "period": ranking_periods.of(run.period_kind, run.period_first, run.period_last).code,
            "policy": run.policy.version,
            "tiers_from": f"{year}/{month}",
            "tiers": counts,
            "superseded": [old.pk for old in superseded],
            "share_policy_adjusted": adjusted,
            "outputs_digest": run.outputs_digest,
        },
    )


def _next_unsettled(last: int) -> tuple[int, int]:
    """The first month after ``last`` not yet settled: the next settlement the tiers can reach."""
    from tanzim.finance.choices import SettlementStatus
    from tanzim.finance.models import SettlementRun

    month = JalaliMonth.from_key(last).next()
    settled = {
        JalaliMonth(y, m)
        for y, m in SettlementRun.objects.filter(status=SettlementStatus.DONE).values_list("year", "month")
    }
    while month in settled:
        month = month.next()
    return month.year, month.month


def _sync_share_adjustments(run: RankingRun, *, year: int, month: int, actor: Any) -> bool:
    """Carry the ranking policy's per-tier share adjustments into the finance share policy."""
    wanted = {k: int(v) for k, v in (run.policy.share_adjustments_bp or {}).items()}
    current = finance_share.policy_for(year=year, month=month)
    if current is None or {k: int(v) for k, v in (current.tier_adjustments_bp or {}).items()} == wanted:
        return False
    finance_services.share_policy_set(
        valid_from_year=year,
        valid_from_month=month,
        base_rate_bp=current.base_rate_bp,
        tier_adjustments_bp=wanted,
        dispute_credit_bp=current.dispute_credit_bp,
        dispute_credit_cap_bp=current.dispute_credit_cap_bp,
        note=f"ranking policy v{run.policy.version}",
        actor=actor,
    )
    return True
