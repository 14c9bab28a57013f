"""The pilot measured against the court baseline, per province: time from writ to first payment
and to closure (median and p95, in days), recovery by count of files and by amount (as Poland
reports both), and the share of steps done by offices."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, Sum

from tanzim.accounts.permissions import OVERSIGHT, scope_for
from tanzim.enforcement import access
from tanzim.enforcement.choices import FileStatus, Outcome, Performer, ScheduleStatus, TaskStatus
from tanzim.enforcement.models import CourtBaseline, EnforcementFile, Schedule, ScheduleLine, Task
from tanzim.offices.models import Province

RECOVERED = (Outcome.PAID_IN_FULL, Outcome.PAID_BY_INSTALMENTS, Outcome.SETTLED)


def percentile(values: list[float], p: float) -> float | None:
    """The ``p``-th percentile (nearest rank) of ``values``; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def _points(part: int, whole: int | None) -> float | None:
    """A share in percentage points (the ``percent`` filter's unit), None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


def province_ids_for(actor: Any) -> list[int] | None:
    """The provinces the actor may see figures of (None: every province)."""
    scope = scope_for(actor)
    if any(role in scope.national_roles for role in OVERSIGHT):
        return None
    ids = set().union(*(scope.province_ids.get(role, frozenset()) for role in OVERSIGHT))
    return sorted(ids | access.officer_province_ids(actor))


class _PercentileDisc(Aggregate):
    """PostgreSQL's ``percentile_disc``: the nearest-rank percentile, as ``percentile`` takes it."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=repr(float(fraction)), output_field=DurationField(), **extra)


def _days(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 86400


def _durations_in_db(files: Any) -> dict[int, dict[str, float | None]]:
    """Medians and p95s computed by PostgreSQL, one row per province (bounded, whatever the files)."""
    first = ExpressionWrapper(F("first_payment_at") - F("writ_issued_at"), output_field=DurationField())
    close = ExpressionWrapper(F("closed_at") - F("writ_issued_at"), output_field=DurationField())
    rows = (
        files.order_by()
        .values("province_id")
        .annotate(
            fm=_PercentileDisc(first, 0.5),
            fp=_PercentileDisc(first, 0.95),
            cm=_PercentileDisc(close, 0.5),
            cp=_PercentileDisc(close, 0.95),
        )
    )
    return {
        row["province_id"]: {
            "first_payment_median": _days(row["fm"]),
            "first_payment_p95": _days(row["fp"]),
            "closure_median": _days(row["cm"]),
            "closure_p95": _days(row["cp"]),
        }
        for row in rows
    }


def _durations_in_python(files: Any) -> dict[int, dict[str, float | None]]:
    """The same figures read file by file (databases without ``percentile_disc``)."""
    durations: dict[int, dict[str, list[float]]] = defaultdict(lambda: {"first": [], "close": []})
    for province_id, writ, first, closed in files.values_list(
        "province_id", "writ_issued_at", "first_payment_at", "closed_at"
    ).iterator(chunk_size=5000):
        if first and writ:
            durations[province_id]["first"].append((first - writ).total_seconds() / 86400)
        if closed and writ:
            durations[province_id]["close"].append((closed - writ).total_seconds() / 86400)
    return {
        province_id: {
            "first_payment_median": percentile(d["first"], 50),
            "first_payment_p95": percentile(d["first"], 95),
            "closure_median": percentile(d["close"], 50),
            "closure_p95": percentile(d["close"], 95),
        }
        for province_id, d in durations.items()
    }


def by_province(*, actor: Any) -> list[dict[str, Any]]:
    ids = province_ids_for(actor)
    files = EnforcementFile.objects.exclude(writ_issued_at__isnull=True)
    if ids is not None:
        files = files.filter(province_id__in=ids)
    in_db = connection.vendor == "postgresql"
    durations = _durations_in_db(files) if in_db else _durations_in_python(files)
    empty: dict[str, float | None] = {
        "first_payment_median": None,
        "first_payment_p95": None,
        "closure_median": None,
        "closure_p95": None,
    }
    counts = {
        row["province_id"]: row
        for row in files.values("province_id").annotate(
            total=Count("pk"),
            closed=Count("pk", filter=Q(status=FileStatus.CLOSED)),
            recovered=Count("pk", filter=Q(outcome__in=RECOVERED)),
            claimed=Sum("amount"),
        )
    }
    paid_schedules = Schedule.objects.filter(status=ScheduleStatus.PAID)
    lines = ScheduleLine.objects.filter(schedule__status=ScheduleStatus.PAID)
    tasks = Task.objects.filter(status=TaskStatus.DONE)
    if ids is not None:
        paid_schedules = paid_schedules.filter(file__province_id__in=ids)
        lines = lines.filter(schedule__file__province_id__in=ids)
        tasks = tasks.filter(file__province_id__in=ids)
    paid = dict(
        lines.values("schedule__file__province_id")
        .annotate(s=Sum("amount"))
        .values_list("schedule__file__province_id", "s")
    )
    steps = {
        row["file__province_id"]: row
        for row in tasks.values("file__province_id").annotate(
            total=Count("pk"), office=Count("pk", filter=Q(performer=Performer.OFFICE))
        )
    }
    baselines: dict[int, CourtBaseline] = {}
    for baseline in CourtBaseline.objects.order_by("year"):
        baselines[baseline.province_id] = baseline
    names = {p.pk: p.name for p in Province.objects.filter(pk__in=list(counts))}
    rows = []
    for province_id, row in sorted(counts.items(), key=lambda item: str(names.get(item[0], ""))):
        d = durations.get(province_id, empty)
        step = steps.get(province_id, {"total": 0, "office": 0})
        n_closed = row["closed"] or 0
        rows.append(
            {
                "province": names.get(province_id, province_id),
                "files": row["total"],
                "closed": n_closed,
                **d,
                "recovery_files": _points(row["recovered"], n_closed),
                "recovery_amount": _points(paid.get(province_id, 0), row["claimed"]),
                "office_share": _points(step["office"], step["total"]),
                "baseline": baselines.get(province_id),
            }
        )
    return rows
