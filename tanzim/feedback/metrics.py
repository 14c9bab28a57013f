"""Survey and complaint metrics per office and period, for ranking and the results pages.

Every figure is computed in the database with GROUP BY: one pass over the responses of the
periods asked for gives, per office, the count, the sum and count of every item, and the
number satisfied (4-5 on the overall item). Python then derives the means, the
Bayesian-shrunk score and the Wilson lower bound (docs/DOMAIN.md):

- WR = v/(v+m)·R + m/(v+m)·C, with v the office's responses, R its mean on the overall
  item, C the network's mean over the same periods and m the prior weight (a setting);
- LB = [p + z²/2n − z·√(p(1−p)/n + z²/4n²)] / (1 + z²/n), p the share satisfied, z = 1.96.

These functions are system reads (the ranking run calls them): they return aggregates only,
never a person, and pages reach them through the scoped selectors.

What is *shown* goes through one more step, ``shown_figures``: no figure computed from fewer
than FEEDBACK_MIN_RESPONSES_SHOWN answers leaves it (None: "not enough answers yet"). An office
reads ``published_*`` figures, computed from its ``SurveyPublication`` snapshots only (batches of
at least FEEDBACK_PUBLISH_BATCH new answers, docs/privacy.md); the Kanoon side reads the live ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Aggregate, Count, Q, Sum
from django.utils import timezone

from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import CaseEvent
from tanzim.feedback import periods
from tanzim.feedback.choices import DIMENSIONS, SATISFIED_FROM, ComplaintStatus, SurveyDimension
from tanzim.feedback.models import Complaint, SurveyPublication, SurveyResponse, SurveyTally
from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment

Z_95 = 1.96
FULL_SAMPLE = 385  # ±5% at 95% confidence for a large population


# --- the statistics ---------------------------------------------------------------------------


def wilson_lower_bound(successes: int, n: int, z: float = Z_95) -> float | None:
    """Lower bound of the Wilson score interval of a proportion; None without observations."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n.")
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z2 / n))


def bayesian_average(
    mean: float | None, n: int, prior_mean: float | None, prior_weight: float
) -> float | None:
    """WR = v/(v+m)·R + m/(v+m)·C: small samples are pulled towards the network mean."""
    if prior_mean is None:
        return mean
    if n <= 0 or mean is None:
        return prior_mean
    total = n + prior_weight
    return (n / total) * mean + (prior_weight / total) * prior_mean


def minimum_sample(population: int) -> int:
    """Responses needed for ±5% at 95% (385, corrected for a finite population of ``population``)."""
    if population <= 0:
        return 0
    return math.ceil(FULL_SAMPLE / (1 + (FULL_SAMPLE - 1) / population))


# --- survey metrics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeSurveyMetrics:
    office_id: int
    invitations: int
    responses: int
    response_rate: float | None
    item_means: dict[str, float | None]
    item_counts: dict[str, int]
    overall_mean: float | None  # the overall-satisfaction item: R in the shrunk score
    all_items_mean: float | None  # every answer to every item, weighted by answers
    satisfied: int
    satisfied_share: float | None
    shrunk_score: float | None
    wilson_lower_bound: float | None
    minimum_sample: int
    below_minimum_sample: bool


@dataclass(frozen=True)
class SurveyMetrics:
    period_from: int
    period_to: int
    prior_weight: int
    network_mean: float | None
    network_responses: int
    offices: dict[int, OfficeSurveyMetrics] = field(default_factory=dict)


def _aggregates() -> dict:
    values: dict[str, Aggregate] = {
        "n": Count("pk"),
        "satisfied": Count("pk", filter=Q(overall__gte=SATISFIED_FROM)),
    }
    for d in DIMENSIONS:
        values[f"{d}_sum"] = Sum(d)
        values[f"{d}_n"] = Count(d)
    return values


def _responses(period_from: int, period_to: int, office_ids: Iterable[int] | None):
    rows = SurveyResponse.objects.filter(period__gte=period_from, period__lte=period_to)
    if office_ids is not None:
        rows = rows.filter(office_id__in=list(office_ids))
    return rows


def network_means(*, period_from: int, period_to: int) -> dict[int, tuple[float | None, int]]:
    """The network's mean on the overall item and its answers, per period, from the tallies."""
    rows = (
        SurveyTally.objects.filter(period__gte=period_from, period__lte=period_to)
        .values("period")
        .annotate(n=Sum("answered"), total=Sum("overall_sum"))
        .order_by()
    )
    return {r["period"]: ((r["total"] / r["n"]) if r["n"] else None, r["n"] or 0) for r in rows}


def network_mean(*, period_from: int, period_to: int) -> tuple[float | None, int]:
    """The network's mean on the overall item (C) over the periods, and its number of answers."""
    row = SurveyTally.objects.filter(period__gte=period_from, period__lte=period_to).aggregate(
        n=Sum("answered"), total=Sum("overall_sum")
    )
    n = row["n"] or 0
    return ((row["total"] / n) if n else None), n


def _office_metrics(
    office_id: int, row: dict | None, invitations: int, prior: float | None, m: int
) -> OfficeSurveyMetrics:
    row = row or {}
    n = row.get("n", 0) or 0
    item_counts = {d: row.get(f"{d}_n", 0) or 0 for d in DIMENSIONS}
    item_means = {d: (row[f"{d}_sum"] / item_counts[d]) if item_counts[d] else None for d in DIMENSIONS}
    answers = sum(item_counts.values())
    all_items = sum((row.get(f"{d}_sum") or 0) for d in DIMENSIONS) / answers if answers else None
    overall = item_means[SurveyDimension.OVERALL]
    satisfied = row.get("satisfied", 0) or 0
    overall_n = item_counts[SurveyDimension.OVERALL]
    needed = minimum_sample(invitations)
    return OfficeSurveyMetrics(
        office_id=office_id,
        invitations=invitations,
        responses=n,
        response_rate=(n / invitations) if invitations else None,
        item_means=item_means,
        item_counts=item_counts,
        overall_mean=overall,
        all_items_mean=all_items,
        satisfied=satisfied,
        satisfied_share=(satisfied / overall_n) if overall_n else None,
        shrunk_score=bayesian_average(overall, overall_n, prior, m),
        wilson_lower_bound=wilson_lower_bound(satisfied, overall_n),
        minimum_sample=needed,
        below_minimum_sample=n < needed or n == 0,
    )


def _invitations(period_from: int, period_to: int, office_ids: Iterable[int] | None) -> dict[int, int]:
    tallies = SurveyTally.objects.filter(period__gte=period_from, period__lte=period_to)
    if office_ids is not None:
        tallies = tallies.filter(office_id__in=list(office_ids))
    return dict(tallies.values_list("office_id").annotate(total=Sum("sent")).order_by())


def survey_metrics(
    *,
    period_from: int,
    period_to: int | None = None,
    office_ids: Iterable[int] | None = None,
    prior_weight: int | None = None,
    published: bool = False,
) -> SurveyMetrics:
    """Per-office survey metrics over the periods ``period_from``..``period_to`` (Jalali months).

    With ``office_ids`` every listed office appears (an office with no answers gets the
    network mean as its shrunk score); without, every office with invitations or answers.
    ``published`` reads the offices' published snapshots instead of the answers: the ranking
    does, so that nothing it shows (to the office or the public) is computed from answers the
    office has not been shown in a batch of five or more (docs/privacy.md).
    """
    period_to = period_to or period_from
    if not (periods.is_valid(period_from) and periods.is_valid(period_to)) or period_to < period_from:
        raise ValueError("Periods are Jalali months YYYYMM, the first not after the last.")
    m = settings.FEEDBACK_PRIOR_WEIGHT if prior_weight is None else prior_weight
    ids = sorted(set(office_ids)) if office_ids is not None else None
    if published:
        rows = _published_rows(period_from, period_to, ids)
    else:
        rows = {
            row["office_id"]: row
            for row in _responses(period_from, period_to, ids)
            .values("office_id")
            .annotate(**_aggregates())
            .order_by()
        }
    invitations = _invitations(period_from, period_to, ids)
    if ids is None:
        total_n = sum(r["overall_n"] or 0 for r in rows.values())
        total = sum((r["overall_sum"] or 0) for r in rows.values())
        prior, network_n = ((total / total_n) if total_n else None), sum(r["n"] or 0 for r in rows.values())
    elif published:
        network = _published_rows(period_from, period_to, None).values()
        total_n = sum(r["overall_n"] or 0 for r in network)
        total = sum((r["overall_sum"] or 0) for r in network)
        prior, network_n = ((total / total_n) if total_n else None), sum(r["n"] or 0 for r in network)
    else:
        prior, network_n = network_mean(period_from=period_from, period_to=period_to)
    wanted = ids if ids is not None else sorted(set(rows) | set(invitations))
    return SurveyMetrics(
        period_from=period_from,
        period_to=period_to,
        prior_weight=m,
        network_mean=prior,
        network_responses=network_n,
        offices={
            office_id: _office_metrics(
                office_id, rows.get(office_id), invitations.get(office_id, 0), prior, m
            )
            for office_id in wanted
        },
    )


def survey_metrics_by_period(
    *, office_id: int, period_from: int, period_to: int
) -> dict[int, OfficeSurveyMetrics]:
    """One office's metrics month by month (its results page), each shrunk to that month's network."""
    rows = {
        row["period"]: row
        for row in SurveyResponse.objects.filter(
            office_id=office_id, period__gte=period_from, period__lte=period_to
        )
        .values("period")
        .annotate(**_aggregates())
        .order_by()
    }
    sent = dict(
        SurveyTally.objects.filter(
            office_id=office_id, period__gte=period_from, period__lte=period_to
        ).values_list("period", "sent")
    )
    m = settings.FEEDBACK_PRIOR_WEIGHT
    result = {}
    priors = network_means(period_from=period_from, period_to=period_to)
    for period in periods.months_between(period_from, period_to):
        prior, _n = priors.get(period, (None, 0))
        result[period] = _office_metrics(office_id, rows.get(period), sent.get(period, 0), prior, m)
    return result


# --- published figures (what an office reads) ------------------------------------------------


def _published_rows(period_from: int, period_to: int, office_ids: Iterable[int] | None) -> dict[int, dict]:
    """The published snapshots summed per office over the periods, shaped as ``_aggregates`` rows."""
    rows = SurveyPublication.objects.filter(period__gte=period_from, period__lte=period_to)
    if office_ids is not None:
        rows = rows.filter(office_id__in=list(office_ids))
    sums: dict[str, Aggregate] = {"n": Sum("responses"), "satisfied": Sum("satisfied")}
    for d in DIMENSIONS:
        sums[f"{d}_sum"] = Sum(f"{d}_sum")
        sums[f"{d}_n"] = Sum(f"{d}_n")
    return {row["office_id"]: row for row in rows.values("office_id").annotate(**sums).order_by()}


def _publication_row(p: SurveyPublication) -> dict:
    row: dict = {"n": p.responses, "satisfied": p.satisfied}
    for d in DIMENSIONS:
        row[f"{d}_sum"] = getattr(p, f"{d}_sum")
        row[f"{d}_n"] = getattr(p, f"{d}_n")
    return row


def _add(rows: Iterable[dict]) -> dict:
    total: dict = {}
    for row in rows:
        for key, value in row.items():
            total[key] = total.get(key, 0) + (value or 0)
    return total


def published_network_means(*, period_from: int, period_to: int) -> dict[int, tuple[float | None, int]]:
    """The network's published mean on the overall item per period (the office view's prior C)."""
    rows = (
        SurveyPublication.objects.filter(period__gte=period_from, period__lte=period_to)
        .values("period")
        .annotate(n=Sum("overall_n"), total=Sum("overall_sum"))
        .order_by()
    )
    return {r["period"]: ((r["total"] / r["n"]) if r["n"] else None, r["n"] or 0) for r in rows}


@dataclass(frozen=True)
class PublishedMonth:
    period: int
    metrics: OfficeSurveyMetrics
    published_at: datetime | None  # when the snapshot was taken; None before the first one


def published_survey_metrics_by_period(
    *, office_id: int, period_from: int, period_to: int
) -> tuple[dict[int, PublishedMonth], OfficeSurveyMetrics]:
    """One office's figures month by month and over the range, from its published snapshots only.

    Nothing here reads SurveyResponse: an answer changes these figures only once the publication
    task has taken a snapshot holding it and at least FEEDBACK_PUBLISH_BATCH - 1 others.
    """
    snapshots = {
        p.period: p
        for p in SurveyPublication.objects.filter(
            office_id=office_id, period__gte=period_from, period__lte=period_to
        )
    }
    sent = dict(
        SurveyTally.objects.filter(
            office_id=office_id, period__gte=period_from, period__lte=period_to
        ).values_list("period", "sent")
    )
    priors = published_network_means(period_from=period_from, period_to=period_to)
    m = settings.FEEDBACK_PRIOR_WEIGHT
    months: dict[int, PublishedMonth] = {}
    for period in periods.months_between(period_from, period_to):
        snapshot = snapshots.get(period)
        row = _publication_row(snapshot) if snapshot else None
        invitations = snapshot.invitations if snapshot else sent.get(period, 0)
        prior, _n = priors.get(period, (None, 0))
        months[period] = PublishedMonth(
            period,
            _office_metrics(office_id, row, invitations, prior, m),
            snapshot.published_at if snapshot else None,
        )
    network = _add({"n": n, "total": (mean or 0) * n} for mean, n in priors.values())
    prior = (network["total"] / network["n"]) if network.get("n") else None
    total = _office_metrics(
        office_id,
        _add(_publication_row(p) for p in snapshots.values()),
        sum(month.metrics.invitations for month in months.values()),
        prior,
        m,
    )
    return months, total


# --- what may be shown -------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyFigures:
    """Survey figures as pages and the API show them: each one computed from at least
    FEEDBACK_MIN_RESPONSES_SHOWN answers, or None ("not enough answers yet")."""

    invitations: int
    responses: int | None
    response_rate: float | None
    item_means: dict[str, float | None]
    item_counts: dict[str, int | None]
    overall_mean: float | None
    all_items_mean: float | None
    satisfied_share: float | None
    shrunk_score: float | None
    wilson_lower_bound: float | None
    minimum_sample: int
    below_minimum_sample: bool
    shown: bool  # enough answers for any figure at all


def minimum_shown() -> int:
    """Fewest answers any shown figure may be computed from (never below 5)."""
    return max(5, int(settings.FEEDBACK_MIN_RESPONSES_SHOWN))


def shown_figures(m: OfficeSurveyMetrics) -> SurveyFigures:
    """The one place figures are masked: below the minimum, a figure is None, whoever reads it.

    Per question, the count of that question's answers decides (an optional item answered by
    two people of twenty shows nothing); the overall figures go by the overall item's count.
    """
    k = minimum_shown()
    overall_n = m.item_counts.get(SurveyDimension.OVERALL, 0)
    enough = m.responses >= k and overall_n >= k

    def keep(value, n: int):
        return value if n >= k else None

    return SurveyFigures(
        invitations=m.invitations,
        responses=m.responses if enough else None,
        response_rate=m.response_rate if enough else None,
        item_means={d: keep(m.item_means[d], m.item_counts[d]) if enough else None for d in DIMENSIONS},
        item_counts={d: keep(m.item_counts[d], m.item_counts[d]) if enough else None for d in DIMENSIONS},
        overall_mean=keep(m.overall_mean, overall_n) if enough else None,
        all_items_mean=m.all_items_mean if enough else None,
        satisfied_share=keep(m.satisfied_share, overall_n) if enough else None,
        shrunk_score=keep(m.shrunk_score, overall_n) if enough else None,
        wilson_lower_bound=keep(m.wilson_lower_bound, overall_n) if enough else None,
        minimum_sample=m.minimum_sample,
        below_minimum_sample=m.below_minimum_sample or not enough,
        shown=enough,
    )


def shown_mean(mean: float | None, n: int) -> float | None:
    """A network or group mean as shown: None below the minimum number of answers."""
    return mean if n >= minimum_shown() else None


# --- complaints and services ------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeComplaintMetrics:
    office_id: int
    services: int
    upheld: int
    partly_upheld: int
    dismissed: int
    weighted_upheld: float
    per_thousand_services: float | None


def services_delivered(
    *, period_from: int, period_to: int | None = None, office_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Services in the periods: cases filed plus appointments served, per office."""
    start, end = periods.bounds_utc(period_from, period_to or period_from)
    filed = CaseEvent.objects.filter(to_status=CaseStatus.FILED, created_at__gte=start, created_at__lt=end)
    served = Appointment.objects.filter(
        status=AppointmentStatus.SERVED, finished_at__gte=start, finished_at__lt=end
    )
    if office_ids is not None:
        ids = list(office_ids)
        filed, served = filed.filter(office_id__in=ids), served.filter(office_id__in=ids)
    totals: dict[int, int] = {}
    for qs in (filed, served):
        for office_id, n in qs.values_list("office_id").annotate(n=Count("pk")).order_by():
            totals[office_id] = totals.get(office_id, 0) + n
    return totals


def complaint_metrics(
    *, period_from: int, period_to: int | None = None, office_ids: Iterable[int] | None = None
) -> dict[int, OfficeComplaintMetrics]:
    """Decided complaints in the periods (by decision date) per 1,000 services delivered.

    A partly upheld complaint weighs FEEDBACK_PARTLY_UPHELD_WEIGHT_PCT percent of an upheld one.
    """
    period_to = period_to or period_from
    start, end = periods.bounds_utc(period_from, period_to)
    ids = sorted(set(office_ids)) if office_ids is not None else None
    decided = Complaint.objects.filter(decided_at__gte=start, decided_at__lt=end)
    if ids is not None:
        decided = decided.filter(office_id__in=ids)
    counts = {
        row["office_id"]: row
        for row in decided.values("office_id")
        .annotate(
            upheld=Count("pk", filter=Q(status=ComplaintStatus.UPHELD)),
            partly=Count("pk", filter=Q(status=ComplaintStatus.PARTLY_UPHELD)),
            dismissed=Count("pk", filter=Q(status=ComplaintStatus.DISMISSED)),
        )
        .order_by()
    }
    services = services_delivered(period_from=period_from, period_to=period_to, office_ids=ids)
    weight = settings.FEEDBACK_PARTLY_UPHELD_WEIGHT_PCT / 100
    wanted = ids if ids is not None else sorted(set(counts) | set(services))
    result = {}
    for office_id in wanted:
        row = counts.get(office_id, {})
        upheld, partly = row.get("upheld", 0), row.get("partly", 0)
        weighted = upheld + weight * partly
        delivered = services.get(office_id, 0)
        result[office_id] = OfficeComplaintMetrics(
            office_id=office_id,
            services=delivered,
            upheld=upheld,
            partly_upheld=partly,
            dismissed=row.get("dismissed", 0),
            weighted_upheld=weighted,
            per_thousand_services=(1000 * weighted / delivered) if delivered else None,
        )
    return result


def complaint_counts(
    *, days: int, office_ids: Iterable[int] | None = None, now=None
) -> dict[int, dict[str, int]]:
    """Complaints received in the last ``days`` days per office, withdrawn ones excluded."""
    since = (now or timezone.now()) - timedelta(days=days)
    complaints = Complaint.objects.filter(created_at__gte=since).exclude(status=ComplaintStatus.WITHDRAWN)
    if office_ids is not None:
        complaints = complaints.filter(office_id__in=list(office_ids))
    return {
        row["office_id"]: {"received": row["received"], "upheld": row["upheld"]}
        for row in complaints.values("office_id")
        .annotate(
            received=Count("pk"),
            upheld=Count("pk", filter=Q(status__in=[ComplaintStatus.UPHELD, ComplaintStatus.PARTLY_UPHELD])),
        )
        .order_by()
    }
