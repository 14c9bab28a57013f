"""Scheduling metrics per office, province and nation.

Each office's day is rolled up into one OfficeDayStats row (by a periodic task, and on
demand for today); provinces and the nation add those rows up. Waits are kept as a
one-minute histogram so the p90 of a province is exact, not an average of office p90s.

- visits avoided: citizens who took the remote channel the suggestions offered;
  remote uptake = visits avoided ÷ (visits avoided + in-person bookings made);
- wait: from check-in (or walk-in ticket) to being called to a counter;
- no-show rate: no-shows ÷ appointments that reached their time (attended + no-shows);
- slot utilisation: booked places ÷ appointment places; counter utilisation: minutes at a
  counter serving someone ÷ counter minutes open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import COUNTER, NATIONAL, OVERSIGHT, scope_for
from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.offices.models import Counter, Office, Province, WorkingHours
from tanzim.offices.selectors import working_calendar
from tanzim.scheduling.choices import AppointmentStatus, TicketKind, TicketStatus
from tanzim.scheduling.models import Appointment, OfficeDayStats, QueueTicket, Slot, VisitAvoided

HISTOGRAM_MINUTES = 240  # waits of 4 hours or more share the last bucket
MAX_RANGE_DAYS = 366


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=TEHRAN)
    return start, start + timedelta(days=1)


def _counter_minutes(office: Office, day: date) -> int:
    if working_calendar().is_holiday(day):
        return 0
    minutes = sum(
        (datetime.combine(day, h.closes) - datetime.combine(day, h.opens)).total_seconds() / 60
        for h in WorkingHours.objects.filter(office=office, weekday=day.weekday())
    )
    return int(minutes * Counter.objects.filter(office=office, active=True).count())


@transaction.atomic
def office_day_stats_compute(*, office: Office, day: date) -> OfficeDayStats:
    """Roll up one office's day (idempotent: recomputes the row from the source tables)."""
    start, end = _bounds(day)
    # Visits to the counters only: calls (no slot) are the consultations' figures.
    visits = Appointment.objects.filter(office=office, slot__isnull=False)
    appts = visits.filter(start__gte=start, start__lt=end).aggregate(
        held=Count(
            "pk",
            filter=Q(
                status__in=[
                    AppointmentStatus.BOOKED,
                    AppointmentStatus.CHECKED_IN,
                    AppointmentStatus.SERVED,
                    AppointmentStatus.NO_SHOW,
                ]
            ),
        ),
        attended=Count("pk", filter=Q(status__in=[AppointmentStatus.CHECKED_IN, AppointmentStatus.SERVED])),
        no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
        cancelled=Count("pk", filter=Q(status=AppointmentStatus.CANCELLED)),
    )
    histogram = [0] * (HISTOGRAM_MINUTES + 1)
    wait_total, service_total, waits = 0.0, 0.0, 0
    tickets = QueueTicket.objects.filter(office=office, day=day)
    walk_ins = tickets.filter(kind=TicketKind.WALK_IN, appointment__isnull=True).count()
    served = 0
    for joined, called, finished, status in tickets.filter(called_at__isnull=False).values_list(
        "joined_at", "called_at", "finished_at", "status"
    ):
        if called is None:  # excluded by the filter; said for the type checker
            continue
        minutes = max(0.0, (called - joined).total_seconds() / 60)
        histogram[min(int(minutes), HISTOGRAM_MINUTES)] += 1
        wait_total += minutes
        waits += 1
        if status == TicketStatus.SERVED and finished:
            served += 1
            service_total += max(0.0, (finished - called).total_seconds() / 60)
    slots = Slot.objects.filter(office=office, start__gte=start, start__lt=end).aggregate(
        units=Sum("capacity"), booked=Sum("booked")
    )
    avoided = VisitAvoided.objects.filter(office=office, created_at__gte=start, created_at__lt=end).aggregate(
        n=Sum("visits_saved")
    )
    bookings_made = visits.filter(created_at__gte=start, created_at__lt=end).count()
    row, _created = OfficeDayStats.objects.update_or_create(
        office=office,
        day=day,
        defaults={
            "province_id": office.province_id,
            "appointments": appts["held"],
            "attended": appts["attended"],
            "no_shows": appts["no_shows"],
            "cancelled": appts["cancelled"],
            "walk_ins": walk_ins,
            "tickets_served": served,
            "wait_count": waits,
            "wait_total_minutes": round(wait_total, 2),
            "wait_histogram": histogram if waits else [],
            "service_total_minutes": round(service_total, 2),
            "slot_units": slots["units"] or 0,
            "slot_units_booked": min(slots["booked"] or 0, slots["units"] or 0),
            "counter_minutes": _counter_minutes(office, day),
            "visits_avoided": avoided["n"] or 0,
            "in_person_choices": bookings_made,
        },
    )
    return row


MAX_ON_DEMAND_DAYS = 62


def _fill_office_days(office: Office, day_from: date, day_to: date) -> None:
    """Recompute today and any recent day the nightly task has not rolled up yet."""
    today = tehran_date(timezone.now())
    last = min(day_to, today)
    first = max(day_from, last - timedelta(days=MAX_ON_DEMAND_DAYS - 1))
    have = set(
        OfficeDayStats.objects.filter(office=office, day__gte=first, day__lte=last).values_list(
            "day", flat=True
        )
    )
    day = first
    while day <= last:
        if day == today or day not in have:
            office_day_stats_compute(office=office, day=day)
        day += timedelta(days=1)


def percentile(histogram: list[int], q: float) -> float | None:
    """The q-quantile (0..1) of a one-minute histogram, interpolated inside its bucket."""
    total = sum(histogram)
    if not total:
        return None
    target = q * total
    cumulative = 0
    for minute, count in enumerate(histogram):
        if count and cumulative + count >= target:
            return minute + (target - cumulative) / count
        cumulative += count
    return float(len(histogram))


@dataclass
class Figures:
    key: str
    label: str
    appointments: int = 0
    attended: int = 0
    no_shows: int = 0
    cancelled: int = 0
    walk_ins: int = 0
    served: int = 0
    wait_count: int = 0
    wait_total: float = 0.0
    service_total: float = 0.0
    slot_units: int = 0
    slot_booked: int = 0
    counter_minutes: int = 0
    visits_avoided: int = 0
    bookings_made: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * (HISTOGRAM_MINUTES + 1))

    def add(self, row: OfficeDayStats) -> None:
        self.appointments += row.appointments
        self.attended += row.attended
        self.no_shows += row.no_shows
        self.cancelled += row.cancelled
        self.walk_ins += row.walk_ins
        self.served += row.tickets_served
        self.wait_count += row.wait_count
        self.wait_total += row.wait_total_minutes
        self.service_total += row.service_total_minutes
        self.slot_units += row.slot_units
        self.slot_booked += row.slot_units_booked
        self.counter_minutes += row.counter_minutes
        self.visits_avoided += row.visits_avoided
        self.bookings_made += row.in_person_choices
        for i, count in enumerate(row.wait_histogram or ()):
            self.histogram[i] += count

    @property
    def mean_wait(self) -> float | None:
        return round(self.wait_total / self.wait_count, 1) if self.wait_count else None

    @property
    def p90_wait(self) -> float | None:
        value = percentile(self.histogram, 0.9)
        return round(value, 1) if value is not None else None

    @property
    def no_show_rate(self) -> float | None:
        due = self.attended + self.no_shows
        return round(self.no_shows / due, 4) if due else None

    @property
    def remote_uptake(self) -> float | None:
        total = self.visits_avoided + self.bookings_made
        return round(self.visits_avoided / total, 4) if total else None

    @property
    def slot_utilisation(self) -> float | None:
        return round(self.slot_booked / self.slot_units, 4) if self.slot_units else None

    @property
    def counter_utilisation(self) -> float | None:
        return round(min(1.0, self.service_total / self.counter_minutes), 4) if self.counter_minutes else None

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "appointments": self.appointments,
            "attended": self.attended,
            "no_shows": self.no_shows,
            "cancelled": self.cancelled,
            "walk_ins": self.walk_ins,
            "served": self.served,
            "visits_avoided": self.visits_avoided,
            "remote_uptake": self.remote_uptake,
            "mean_wait_minutes": self.mean_wait,
            "p90_wait_minutes": self.p90_wait,
            "no_show_rate": self.no_show_rate,
            "slot_utilisation": self.slot_utilisation,
            "counter_utilisation": self.counter_utilisation,
        }


@dataclass
class MetricsReport:
    level: str
    key: str
    label: str
    day_from: date
    day_to: date
    total: Figures
    rows: list[Figures]


def _check_range(day_from: date, day_to: date) -> None:
    if day_to < day_from:
        raise DomainError(fields={"to": [_("The last date must not be before the first.")]})
    if (day_to - day_from).days > MAX_RANGE_DAYS:
        raise DomainError(fields={"to": [_("Choose a period of at most a year.")]})


def metrics_levels_for(actor) -> dict:
    """What the actor may look at: ``{"nation": bool, "provinces": ids | None, "offices": ids}``."""
    scope = scope_for(actor)
    nation = any(role in scope.national_roles for role in NATIONAL)
    provinces = set().union(*(scope.province_ids.get(r, ()) for r in OVERSIGHT))
    offices = set().union(*(scope.office_ids.get(r, ()) for r in COUNTER))
    return {"nation": nation, "provinces": provinces, "offices": offices}


def metrics_report(
    *,
    actor,
    level: str,
    day_from: date,
    day_to: date,
    code: str | None = None,
    refresh_today: bool = True,
) -> MetricsReport:
    """Figures for an office, a province or the nation between two days (inclusive).

    Aggregates carry no personal data; an actor without the office's, province's or a
    national role gets 403. Today's rows are recomputed first so the figures are live.
    """
    _check_range(day_from, day_to)
    allowed = metrics_levels_for(actor)
    stats = OfficeDayStats.objects.filter(day__gte=day_from, day__lte=day_to)
    denied = PermissionDeniedError(_("You cannot see the figures of this area."), code="metrics_out_of_scope")
    if level == "office":
        office = Office.objects.select_related("province").filter(code=code or "").first()
        if office is None:
            raise DomainError(fields={"code": [_("Unknown office.")]}, code="unknown_office")
        if not (
            allowed["nation"] or office.province_id in allowed["provinces"] or office.pk in allowed["offices"]
        ):
            raise denied
        if refresh_today:
            _fill_office_days(office, day_from, day_to)
        rows: dict[str, Figures] = {}
        for row in stats.filter(office=office).order_by("day"):
            rows.setdefault(row.day.isoformat(), Figures(row.day.isoformat(), row.day.isoformat())).add(row)
        key, label = office.code, office.name
    elif level == "province":
        province = Province.objects.filter(code=code or "").first()
        if province is None:
            raise DomainError(fields={"code": [_("Unknown province.")]}, code="unknown_province")
        if not (allowed["nation"] or province.pk in allowed["provinces"]):
            raise denied
        names = dict(Office.objects.filter(province=province).values_list("pk", "code"))
        rows = {}
        for row in stats.filter(province=province).order_by("office_id"):
            code_ = names.get(row.office_id, str(row.office_id))
            rows.setdefault(code_, Figures(code_, code_)).add(row)
        key, label = province.code, province.name
    elif level == "nation":
        if not allowed["nation"]:
            raise denied
        provinces = {p.pk: p for p in Province.objects.all()}
        rows = {}
        for row in stats.order_by("province_id"):
            p = provinces.get(row.province_id)
            if p is not None:
                rows.setdefault(p.code, Figures(p.code, p.name)).add(row)
        key, label = "IR", str(_("Iran"))
    else:
        raise DomainError(fields={"level": [_("Choose office, province or nation.")]})
    total = Figures(key, label)
    for figures in rows.values():
        for name in (
            "appointments",
            "attended",
            "no_shows",
            "cancelled",
            "walk_ins",
            "served",
            "wait_count",
            "wait_total",
            "service_total",
            "slot_units",
            "slot_booked",
            "counter_minutes",
            "visits_avoided",
            "bookings_made",
        ):
            setattr(total, name, getattr(total, name) + getattr(figures, name))
        total.histogram = [a + b for a, b in zip(total.histogram, figures.histogram, strict=True)]
    return MetricsReport(
        level=level,
        key=key,
        label=label,
        day_from=day_from,
        day_to=day_to,
        total=total,
        rows=list(rows.values()),
    )
