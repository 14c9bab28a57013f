"""Dispute figures for the ranking and for the public, per office, province and nation.

- settlement rate = settled ÷ concluded (disputes whose resolution attempt ended in the period;
  out-of-scope disputes sent straight to court are not attempts and are counted apart);
- kept out of court per 1,000 services = (settled + awarded) ÷ services the office delivered
  (captured payments, the resolution fees themselves excluded) × 1,000;
- time to resolution = days from opening to settlement or award (mean and median);
- respondent engagement = respondents who answered (accepted or declined) ÷ those who answered
  or were not contactable;
- failure reasons = coded reasons of attempts that did not resolve the dispute;
- timeliness = share of stages with a deadline that were left by that deadline (event rows).

Every count is a grouped query per office; provinces and the nation are sums of offices, so the
three levels always agree.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, FloatField, Func, Q, Window
from django.db.models.functions import Lead
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import OFFICE_READERS
from tanzim.accounts.selectors import scope_for
from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.common.jalali import jalali_month_bounds_utc, jalali_year_month
from tanzim.disputes.choices import RESOLVED, DisputeStatus, EventSubject, RespondentResponse
from tanzim.disputes.models import Dispute, DisputeEvent
from tanzim.offices.models import Office, Province

# The public figures' copy in the cache; the beat task counts them again at half this interval.
PUBLIC_CACHE_SECONDS = 600


class DaysBetween(Func):
    """Days (a float) from one datetime column to another, computed in the database."""

    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0"
    arg_joiner = " - "

    def __init__(self, start: str, end: str):
        super().__init__(F(end), F(start))

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(julianday(%(expressions)s))", arg_joiner=") - julianday("
        )


@dataclass
class Figures:
    opened: int = 0
    concluded: int = 0
    settled: int = 0
    awarded: int = 0
    referred: int = 0
    withdrawn: int = 0
    closed: int = 0
    out_of_scope: int = 0
    engaged: int = 0
    not_contactable: int = 0
    services: int = 0
    steps_with_deadline: int = 0
    steps_on_time: int = 0
    failure_reasons: dict[str, int] = field(default_factory=dict)
    durations: list[float] = field(default_factory=list)
    # (mean, median) of ``durations`` once they are let go of (``keep_averages_only``).
    averages: tuple[float | None, float | None] | None = None

    def add(self, other: Figures) -> None:
        for name in (
            "opened",
            "concluded",
            "settled",
            "awarded",
            "referred",
            "withdrawn",
            "closed",
            "out_of_scope",
            "engaged",
            "not_contactable",
            "services",
            "steps_with_deadline",
            "steps_on_time",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, n in other.failure_reasons.items():
            self.failure_reasons[reason] = self.failure_reasons.get(reason, 0) + n
        self.durations.extend(other.durations)

    @property
    def active(self) -> bool:
        """Anything happened to disputes (services alone do not make a row of the tables)."""
        return bool(self.opened or self.concluded or self.out_of_scope or self.failure_reasons)

    @property
    def resolved(self) -> int:
        return self.settled + self.awarded

    @property
    def settlement_rate(self) -> float | None:
        return self.settled / self.concluded if self.concluded else None

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.concluded if self.concluded else None

    @property
    def kept_out_per_1000(self) -> float | None:
        return 1000 * self.resolved / self.services if self.services else None

    @property
    def engagement_rate(self) -> float | None:
        asked = self.engaged + self.not_contactable
        return self.engaged / asked if asked else None

    @property
    def mean_days(self) -> float | None:
        if self.averages is not None:
            return self.averages[0]
        return statistics.fmean(self.durations) if self.durations else None

    @property
    def median_days(self) -> float | None:
        if self.averages is not None:
            return self.averages[1]
        return statistics.median(self.durations) if self.durations else None

    def keep_averages_only(self) -> None:
        """Keep the mean and the median, not one duration per dispute: a cached national year is
        then small to store and to read, and its page does not sort a year's durations again."""
        self.averages = (self.mean_days, self.median_days)
        self.durations = []

    @property
    def timeliness(self) -> float | None:
        return self.steps_on_time / self.steps_with_deadline if self.steps_with_deadline else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": self.opened,
            "concluded": self.concluded,
            "settled": self.settled,
            "awarded": self.awarded,
            "referred": self.referred,
            "withdrawn": self.withdrawn,
            "closed": self.closed,
            "out_of_scope": self.out_of_scope,
            "resolved": self.resolved,
            "services": self.services,
            "settlement_rate": self.settlement_rate,
            "kept_out_per_1000_services": self.kept_out_per_1000,
            "mean_days_to_resolution": self.mean_days,
            "median_days_to_resolution": self.median_days,
            "respondents_engaged": self.engaged,
            "respondents_not_contactable": self.not_contactable,
            "engagement_rate": self.engagement_rate,
            "timeliness": self.timeliness,
            "failure_reasons": dict(sorted(self.failure_reasons.items())),
        }


def _in(field_name: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def _timeliness(events, start: datetime, end: datetime) -> list[tuple[int, int, int]]:
    """(office, stages counted, stages left on time) for stages entered in [start, end).

    A stage counts once it was left (on time if by its deadline) or once its deadline passed with
    the dispute still in it (late). It is left at the next stage change of the same dispute, found
    with one window pass; the next change of a stage entered after ``start`` is after it too.
    """
    changes = (
        events.exclude(from_status=F("to_status"))
        .filter(created_at__gte=start)
        .annotate(
            left_at=Window(
                Lead("created_at"), partition_by=[F("dispute_id")], order_by=[F("created_at"), F("pk")]
            )
        )
        .values("office_id", "created_at", "due_at", "left_at")
    )
    inner, params = changes.query.sql_with_params()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT office_id, COUNT(*), SUM(CASE WHEN left_at <= due_at THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM ({inner}) AS steps "
            "WHERE due_at IS NOT NULL AND created_at < %s AND (left_at IS NOT NULL OR due_at < %s) "
            "GROUP BY office_id",
            [*params, adapt(end), adapt(timezone.now())],
        )
        return [(office_id, counted, int(on_time or 0)) for office_id, counted, on_time in cursor.fetchall()]


def office_figures(
    *, start: datetime, end: datetime, office_ids: list[int] | None = None
) -> dict[int, Figures]:
    """Figures per office for [start, end): the unscoped source the ranking run reads."""
    from tanzim.finance.choices import PaymentStatus
    from tanzim.finance.models import Payment

    disputes = Dispute.objects.all()
    # Services are fee payments other than disputes' own (held money, e.g. a debtor's, is none).
    payments = Payment.objects.filter(status=PaymentStatus.CAPTURED, credit_purpose="").exclude(
        reference_type="disputes.dispute"
    )
    events = DisputeEvent.objects.filter(subject=EventSubject.DISPUTE)
    if office_ids is not None:
        disputes = disputes.filter(office_id__in=office_ids)
        payments = payments.filter(office_id__in=office_ids)
        events = events.filter(office_id__in=office_ids)
    result: dict[int, Figures] = defaultdict(Figures)
    if office_ids is not None and not office_ids:
        return result  # no office: nothing to count (an empty IN () cannot be compiled)

    concluded = disputes.filter(_in("concluded_at", start, end))
    for office_id, status, eligible, n in (
        concluded.values_list("office_id", "status", "eligible").annotate(n=Count("pk")).order_by()
    ):
        figures = result[office_id]
        if eligible is False:
            figures.out_of_scope += n
            continue
        figures.concluded += n
        if status in (
            DisputeStatus.SETTLED,
            DisputeStatus.AWARDED,
            DisputeStatus.REFERRED,
            DisputeStatus.WITHDRAWN,
            DisputeStatus.CLOSED,
        ):
            setattr(figures, str(status), getattr(figures, str(status)) + n)
    for office_id, n in (
        disputes.filter(_in("created_at", start, end))
        .values_list("office_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        result[office_id].opened += n
    answered = disputes.filter(_in("responded_at", start, end)) | disputes.filter(
        respondent_response=RespondentResponse.NOT_CONTACTABLE,
        status_changed_at__gte=start,
        status_changed_at__lt=end,
    )
    for office_id, response, n in (
        answered.exclude(respondent_response="")
        .values_list("office_id", "respondent_response")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if response == RespondentResponse.NOT_CONTACTABLE:
            result[office_id].not_contactable += n
        else:
            result[office_id].engaged += n
    failed = (
        disputes.exclude(failure_reason="")
        .exclude(status__in=RESOLVED)
        .filter(
            _in("concluded_at", start, end)
            | (Q(status=DisputeStatus.FAILED) & _in("status_changed_at", start, end))
        )
        .exclude(eligible=False)
    )
    for office_id, reason, n in (
        failed.values_list("office_id", "failure_reason").annotate(n=Count("pk")).order_by()
    ):
        reasons = result[office_id].failure_reasons
        reasons[reason] = reasons.get(reason, 0) + n
    # Days computed by the database: fetching two datetimes a row cost seconds for a year.
    for office_id, days in (
        concluded.filter(status__in=RESOLVED)
        .annotate(days=DaysBetween("created_at", "concluded_at"))
        .values_list("office_id", "days")
    ):
        result[office_id].durations.append(days)
    for office_id, n in (
        payments.filter(_in("captured_at", start, end))
        .values_list("office_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        result[office_id].services += n
    for office_id, counted, on_time in _timeliness(events, start, end):
        result[office_id].steps_with_deadline += counted
        result[office_id].steps_on_time += on_time
    return dict(result)


@dataclass
class Report:
    """Figures at three levels for one period, limited to what the viewer may see."""

    start: datetime
    end: datetime
    nation: Figures
    provinces: list[tuple[Province, Figures]]
    offices: list[tuple[Office, Figures]]


def _rollup(per_office: dict[int, Figures], offices: dict[int, Office]) -> Report:
    nation = Figures()
    provinces: dict[int, Figures] = defaultdict(Figures)
    for office_id, figures in per_office.items():
        nation.add(figures)
        office = offices.get(office_id)
        if office is not None:
            provinces[office.province_id].add(figures)
    province_rows = [
        (province, provinces[province.pk])
        for province in Province.objects.filter(pk__in=provinces).order_by("name_fa")
        if provinces[province.pk].active
    ]
    office_rows = sorted(
        ((offices[pk], f) for pk, f in per_office.items() if pk in offices and f.active),
        key=lambda row: (row[0].province.name_fa, row[0].code),
    )
    return Report(
        start=datetime.min, end=datetime.min, nation=nation, provinces=province_rows, offices=office_rows
    )


def dispute_metrics(
    *,
    user: Any,
    start: datetime,
    end: datetime,
    office_id: int | None = None,
    province_id: int | None = None,
) -> Report:
    """Figures for the offices the user oversees: their office(s), their province, or the country."""
    scope = scope_for(user)
    roles = [r for r in OFFICE_READERS if scope.has(r)]
    if not roles:
        raise PermissionDeniedError(_("These figures are for the offices' staff and the Kanoon."))
    offices = Office.objects.filter(_office_scope(scope, roles)).select_related("province")
    if office_id:
        offices = offices.filter(pk=office_id)
    if province_id:
        offices = offices.filter(province_id=province_id)
    by_id = {o.pk: o for o in offices}
    if office_id and office_id not in by_id:
        # Another office's figures, or no such office: the same answer, so existence does not leak.
        raise NotFoundError(_("Unknown office."))
    per_office = office_figures(start=start, end=end, office_ids=list(by_id))
    report = _rollup(per_office, by_id)
    report.start, report.end = start, end
    return report


def _office_scope(scope: Any, roles: list[str]) -> Q:
    """The same reach as ``Scope.offices_q`` but on the Office table itself."""
    if any(role in scope.national_roles for role in roles):
        return Q(pk__isnull=False)
    offices = set().union(*(scope.office_ids.get(role, ()) for role in roles))
    provinces = set().union(*(scope.province_ids.get(role, ()) for role in roles))
    return Q(pk__in=sorted(offices)) | Q(province_id__in=sorted(provinces))


def public_figures(*, year: int, month: int | None = None, fresh: bool = False) -> Report:
    """The nation and its provinces for a Jalali year or month: no personal data, cached.

    Counting a year at national scale takes seconds (3.3 s with 1,000,000 disputes), so the page
    should not be the one to do it: ``warm_public_figures`` (a beat task) counts the periods the
    page shows by default before their copy expires. ``fresh`` counts again whatever is cached.
    """
    start, end = period_bounds(year=year, month=month)
    key = f"disputes:public:{year}:{month or 0}"
    cached = None if fresh else cache.get(key)
    if cached is not None:
        return cached
    offices = {o.pk: o for o in Office.objects.select_related("province")}
    report = _rollup(office_figures(start=start, end=end), offices)
    report.start, report.end = start, end
    report.offices = []  # the public page shows provinces and the nation
    for figures in (report.nation, *(f for _p, f in report.provinces)):
        figures.keep_averages_only()
    cache.set(key, report, PUBLIC_CACHE_SECONDS)
    return report


def warm_public_figures(now: datetime | None = None) -> list[tuple[int, int | None]]:
    """Count afresh what the public page shows without a choice: this Jalali year, this month and
    the last one (the page's default and its month menu's nearest). Returns the periods counted."""
    year, month = jalali_year_month(now or timezone.now())
    last_year, last_month = (year, month - 1) if month > 1 else (year - 1, 12)
    periods: list[tuple[int, int | None]] = [(year, None), (year, month), (last_year, last_month)]
    for y, m in periods:
        public_figures(year=y, month=m, fresh=True)
    return periods


def period_bounds(*, year: int, month: int | None = None) -> tuple[datetime, datetime]:
    if month:
        return jalali_month_bounds_utc(year, month)
    return jalali_month_bounds_utc(year, 1)[0], jalali_month_bounds_utc(year, 12)[1]


def rate_text(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


__all__ = [
    "Figures",
    "Report",
    "dispute_metrics",
    "office_figures",
    "period_bounds",
    "public_figures",
    "warm_public_figures",
]
