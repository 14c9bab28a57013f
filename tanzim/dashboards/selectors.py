"""Reads of the daily rollups: indicator values for a period, by province, office, month or day.

The interface other apps (``opendata``) code against:

- ``indicator_values(codes, start, end, *, user=None, province=None, office=None, by=None)``
  → ``list[dict]``, one row per group (a single row with ``key`` None when ``by`` is None):
  ``{"key", "label", "counters": {counter: int}, "values": {code: float | None}}``.
  ``start`` and ``end`` are calendar days (Tehran), both **included**. ``by`` is None,
  ``"province"`` (key: province id), ``"office"`` (key: office id), ``"month"`` (key: the Jalali
  month as ``YYYYMM``) or ``"day"`` (key: the date). ``province`` / ``office`` narrow the rows
  (ids or model instances). Rows come sorted by key (provinces and offices by name / code).
- ``counter_totals(...)``: the same rows without ``values``.
- ``previous_period(start, end)`` → the period of the same length just before.
- ``reach_for(user)`` → what a staff user may read (``Reach``); ``user=None`` is the unscoped,
  public read (opendata publishes only what it suppresses itself).

A staff read passes ``user``: the Kanoon and other national roles read everything, a province
administrator their province(s), an office's manager or clerk their office(s); anything outside
that, or a missing province / office, is the same ``NotFoundError`` (404).

By service: both take ``service`` (a catalogue service's id or the instance; None, the default,
is every service and the reads above, unchanged). With a service the rows come from the
by-service rollups (``OfficeServiceDay`` / ``ProvinceServiceDay``), which hold only
``indicators.SERVICE_COUNTERS``:

- ``indicator_values`` gives every indicator asked for; one not available by service
  (``indicators.by_service(code)`` is False: it reads a counter no service is recorded for, such
  as disputes, surveys or money) has the value None, and each row lists such codes in
  ``"unavailable"`` (a list, empty when every code asked is available). A row without a service
  has no ``"unavailable"`` key.
- ``counter_totals`` adds up ``SERVICE_COUNTERS`` by default; naming another counter in
  ``counters`` raises ``ValueError`` (it is not recorded by service).
- A service id that does not exist is a ``NotFoundError`` (404), like a missing office.

Every call makes a constant number of queries whatever the period or the network's size: the
window's sums (1), the pending stocks before the window (1, only when a disposition time is
asked), the network's survey sums for the shrinkage (1, only for satisfaction), and the labels (1);
a service given by id is looked up once more (1; an instance is not).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import NATIONAL
from tanzim.accounts.selectors import scope_for
from tanzim.catalog.models import Service
from tanzim.common.errors import NotFoundError
from tanzim.common.jalali import JalaliMonth
from tanzim.dashboards import indicators as registry
from tanzim.dashboards.models import OfficeDay, OfficeServiceDay, ProvinceDay, ProvinceServiceDay
from tanzim.offices.models import Office, Province

BY_CHOICES = (None, "province", "office", "month", "day")
# Staff who read an office's figures (their own office), a province's, or the nation's.
OFFICE_FIGURE_ROLES = (Role.OFFICE_MANAGER, Role.CLERK)
PROVINCE_FIGURE_ROLES = (Role.PROVINCE_ADMIN, Role.INSPECTOR)


@dataclass(frozen=True)
class Reach:
    """What a user may read: the whole network, or some provinces and offices."""

    national: bool = False
    province_ids: frozenset[int] = field(default_factory=frozenset)
    office_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def level(self) -> str:
        return "nation" if self.national else "province" if self.province_ids else "office"

    def q(self) -> Q:
        if self.national:
            return Q()
        return Q(province_id__in=sorted(self.province_ids)) | Q(office_id__in=sorted(self.office_ids))

    def covers_province(self, province_id: int) -> bool:
        return self.national or province_id in self.province_ids

    def covers_office(self, office: Office) -> bool:
        return self.national or office.province_id in self.province_ids or office.pk in self.office_ids


def not_found() -> NotFoundError:
    return NotFoundError(_("No such figures."))


def reach_for(user: Any) -> Reach:
    """The figures ``user`` may read; a NotFoundError for someone who may read none."""
    if not getattr(user, "is_authenticated", False):
        raise not_found()
    scope = scope_for(user)
    if scope.is_kanoon or any(role in scope.national_roles for role in NATIONAL):
        return Reach(national=True)
    provinces = frozenset().union(*(scope.province_ids.get(r, frozenset()) for r in PROVINCE_FIGURE_ROLES))
    offices = frozenset().union(*(scope.office_ids.get(r, frozenset()) for r in OFFICE_FIGURE_ROLES))
    if not provinces and not offices:
        raise not_found()
    return Reach(province_ids=provinces, office_ids=offices)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same number of days that ends the day before ``start``."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def _pk(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(getattr(value, "pk", value))


def _service_id(service: Any) -> int | None:
    """The id of the service asked for (None: every service); a NotFoundError for an unknown id."""
    if service is None or service == "":
        return None
    if isinstance(service, Service):
        return service.pk
    try:
        service_id = int(service)
    except (TypeError, ValueError):
        raise not_found() from None
    if not Service.objects.filter(pk=service_id).exists():
        raise not_found()
    return service_id


def _rows(*, user: Any, province: Any, office: Any, by: str | None = None, service_id: int | None = None):
    """The rollup rows in reach, narrowed to a province or an office (404 outside the reach).

    Offices' rows when an office is asked for or the rows go by office, or the reader reaches
    single offices; otherwise the provinces' rows (``ProvinceDay``, ~31 a day). With a service,
    the by-service tables' rows of that service.
    """
    office_rows: Any = OfficeDay.objects.all()
    province_rows: Any = ProvinceDay.objects.all()
    if service_id is not None:
        office_rows = OfficeServiceDay.objects.filter(service_id=service_id)
        province_rows = ProvinceServiceDay.objects.filter(service_id=service_id)
    rows: Any = office_rows
    reach = reach_for(user) if user is not None else Reach(national=True)
    per_province = by != "office" and not reach.office_ids
    province_id, office_id = _pk(province), _pk(office)
    if office_id is not None:
        found = Office.objects.filter(pk=office_id).only("pk", "province_id").first()
        if found is None or not reach.covers_office(found):
            raise not_found()
        if province_id is not None and found.province_id != province_id:
            raise not_found()
        return rows.filter(office_id=office_id)
    if province_id is not None:
        if not reach.covers_province(province_id) or not Province.objects.filter(pk=province_id).exists():
            raise not_found()
        return (province_rows if per_province else rows).filter(province_id=province_id)
    if per_province:
        provinces = province_rows
        return provinces if reach.national else provinces.filter(province_id__in=sorted(reach.province_ids))
    return rows.filter(reach.q())


def _sums(names: tuple[str, ...]) -> dict[str, Sum]:
    return {name: Sum(name) for name in names}


def _clean(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, int]:
    return {name: int(row.get(name) or 0) for name in names}


def counters_for(codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The counters the indicators ``codes`` read (the pending stocks' own counters included)."""
    needed: set[str] = set()
    for code in codes:
        needed.update(registry.counters_read(code))
    return tuple(n for n in registry.COUNTER_NAMES if n in needed)


def _stock_sql(stocks: list[str]) -> dict[str, Any]:
    expressions: dict[str, Any] = {}
    for stock in stocks:
        ins, outs = registry.PENDING[stock]
        expression: Any = None
        for name in ins:
            expression = F(name) if expression is None else expression + F(name)
        for name in outs:
            expression = expression - F(name)
        expressions[stock] = Sum(expression)
    return expressions


def counter_totals(
    start: date,
    end: date,
    *,
    user: Any = None,
    province: Any = None,
    office: Any = None,
    by: str | None = None,
    pending: bool = True,
    counters: list[str] | tuple[str, ...] | None = None,
    service: Any = None,
) -> list[dict[str, Any]]:
    """The counters added up over [start, end] (days included), per group; see the module doc.

    ``counters`` names the counters to add up (default: every one; with a ``service``, every
    by-service one); a row's ``counters`` has those keys. With ``pending`` (and the counters it
    needs) the rows also carry the stocks of ``indicators.PENDING`` at the end of each group's
    period (by month / day: at each one's end).
    """
    if by not in BY_CHOICES:
        raise ValueError(f"by must be one of {BY_CHOICES}")
    service_id = _service_id(service)
    if service_id is None:
        names = tuple(counters) if counters is not None else registry.COUNTER_NAMES
    else:
        names = tuple(counters) if counters is not None else registry.SERVICE_COUNTERS
        unrecorded = [n for n in names if n not in registry.SERVICE_COUNTERS]
        if unrecorded:
            raise ValueError(f"not recorded by service: {unrecorded}")
    base = _rows(user=user, province=province, office=office, by=by, service_id=service_id)
    window = base.filter(day__gte=start, day__lte=end)
    group = {"province": "province_id", "office": "office_id", "month": "day", "day": "day"}.get(by or "")
    totals: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(names, 0))
    if group is None:
        totals[None] = _clean(window.aggregate(**_sums(names)), names)
    else:
        for row in window.values(group).annotate(**_sums(names)).order_by():
            key = row[group]
            if by == "month":
                key = JalaliMonth.of(key).key
            bucket = totals[key]
            for name, value in _clean(row, names).items():
                bucket[name] += value
    stocks = [s for s, (ins, outs) in registry.PENDING.items() if set(ins + outs) <= set(names)]
    if pending and stocks:
        _add_pending(totals, base=base, start=start, by=by, group=group, stocks=stocks)
    rows = [{"key": key, "label": "", "counters": counters} for key, counters in totals.items()]
    _label(rows, by)
    return rows


def _add_pending(totals, *, base, start: date, by: str | None, group: str | None, stocks: list[str]) -> None:
    """Stocks at each group's end: everything before the window, plus the window up to that end."""
    before_q = base.filter(day__lt=start)
    if by in (None, "month", "day"):
        before = before_q.aggregate(**_stock_sql(stocks))
        carried = {s: int(before.get(s) or 0) for s in stocks}
        for key in sorted(totals, key=lambda k: (k is not None, k)):
            counters = totals[key]
            for stock in stocks:
                ins, outs = registry.PENDING[stock]
                carried[stock] += sum(counters[n] for n in ins) - sum(counters[n] for n in outs)
                counters[stock] = carried[stock]
        return
    for row in before_q.values(group).annotate(**_stock_sql(stocks)).order_by():
        if row[group] in totals:
            for stock in stocks:
                totals[row[group]][stock] = int(row[stock] or 0)
    for counters in totals.values():
        for stock in stocks:
            ins, outs = registry.PENDING[stock]
            counters[stock] = (
                counters.get(stock, 0) + sum(counters[n] for n in ins) - sum(counters[n] for n in outs)
            )


def _label(rows: list[dict[str, Any]], by: str | None) -> None:
    if by == "province":
        found = {p.pk: p for p in Province.objects.filter(pk__in=[r["key"] for r in rows])}
        for row in rows:
            province = found.get(row["key"])
            row["label"] = province.name if province else ""
            row["code"] = province.code if province else ""
        rows.sort(key=lambda r: r["label"])
    elif by == "office":
        offices = {
            o.pk: o
            for o in Office.objects.filter(pk__in=[r["key"] for r in rows]).only(
                "pk", "code", "name_fa", "name_en"
            )
        }
        for row in rows:
            office = offices.get(row["key"])
            row["label"] = f"{office.name} ({office.code})" if office else ""
            row["code"] = office.code if office else ""
        rows.sort(key=lambda r: r.get("code", ""))
    elif by == "month":
        for row in rows:
            month = JalaliMonth.from_key(row["key"])
            row["label"] = f"{month.year:04d}-{month.month:02d}"
        rows.sort(key=lambda r: r["key"])
    elif by == "day":
        for row in rows:
            row["label"] = row["key"].isoformat()
        rows.sort(key=lambda r: r["key"])


def network_counters(start: date, end: date) -> dict[str, int]:
    """The whole network's survey sums over the period: C of the satisfaction shrinkage."""
    sums = ProvinceDay.objects.filter(day__gte=start, day__lte=end).aggregate(
        survey_responses=Sum("survey_responses"), survey_overall_sum=Sum("survey_overall_sum")
    )
    return {k: int(v or 0) for k, v in sums.items()}


def indicator_values(
    codes: list[str] | tuple[str, ...] | None,
    start: date,
    end: date,
    *,
    user: Any = None,
    province: Any = None,
    office: Any = None,
    by: str | None = None,
    service: Any = None,
) -> list[dict[str, Any]]:
    """The indicators ``codes`` (every one when None) over [start, end], per group.

    Each row: ``{"key", "label", "counters", "values": {code: float | None}}`` — None when the
    denominator is zero. See the module doc for ``by``, ``province``, ``office``, ``user`` and
    ``service`` (with a service, a row also has ``"unavailable"``: the codes asked for that are
    not recorded by service, whose values are None).
    """
    chosen = list(codes) if codes is not None else [i.code for i in registry.INDICATORS]
    unknown = [c for c in chosen if c not in registry.BY_CODE]
    if unknown:
        raise ValueError(f"unknown indicators: {unknown}")
    if service is None or service == "":
        rows = counter_totals(
            start, end, user=user, province=province, office=office, by=by, counters=counters_for(chosen)
        )
        network = network_counters(start, end) if "satisfaction" in chosen else None
        for row in rows:
            row["values"] = registry.compute_all(row["counters"], network, chosen)
        return rows
    available = [c for c in chosen if registry.by_service(c)]
    unavailable = [c for c in chosen if c not in available]
    rows = counter_totals(
        start, end, user=user, province=province, office=office, by=by, counters=counters_for(available),
        service=service,
    )  # fmt: skip
    for row in rows:
        values = registry.compute_all(row["counters"], None, available)
        row["values"] = {code: values.get(code) for code in chosen}
        row["unavailable"] = list(unavailable)
    return rows


def indicator_value(code: str, start: date, end: date, **kwargs: Any) -> float | None:
    """One indicator's value over the period for one scope (no grouping)."""
    return indicator_values([code], start, end, **kwargs)[0]["values"][code]


__all__ = [
    "BY_CHOICES",
    "Reach",
    "counter_totals",
    "indicator_value",
    "indicator_values",
    "network_counters",
    "previous_period",
    "reach_for",
]
