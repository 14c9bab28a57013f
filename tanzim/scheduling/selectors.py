"""Reads for appointments, slots and queues, scoped by the acting user.

Anything outside the actor's scope is a NotFoundError (404) so its existence does not
leak. Office pages and queues are addressed by the public office code: for someone who is not
of the office's staff they are a 404 too, the answer an unknown code gets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple, Protocol, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import OFFICE_READERS, is_office_staff, scope_for
from tanzim.catalog.models import Service
from tanzim.common.calendar import CONFIRMED
from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN, tehran_date, to_jalali_date
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Counter, Office
from tanzim.offices.selectors import valid_licences, working_calendar
from tanzim.scheduling.choices import HOLDING, SlotStatus, TicketKind, TicketStatus
from tanzim.scheduling.models import Appointment, OfficeQueueStats, QueueTicket, Slot
from tanzim.scheduling.queueing import expected_wait, position_wait

DEFAULT_SERVICE_MINUTES = 15.0


def unit() -> timedelta:
    return timedelta(minutes=settings.SCHEDULING_SLOT_MINUTES)


def units_for(service: Service) -> int:
    """Slot units a service takes: its typical duration rounded up to whole units."""
    minutes = max(1, int(service.duration_minutes or settings.SCHEDULING_SLOT_MINUTES))
    return max(1, math.ceil(minutes / settings.SCHEDULING_SLOT_MINUTES))


# --- permissions -------------------------------------------------------------------------


def require_queue_staff(user, office: Office) -> None:
    """The office's queue and bookings are run by its counter staff (clerks and managers) only."""
    if not is_office_staff(user, office):
        raise PermissionDeniedError(
            _("Only the staff of this office can manage its queue and bookings."), code="not_office_staff"
        )


def office_get(*, code: str) -> Office:
    office = Office.objects.select_related("province", "city").filter(code=code).first()
    if office is None:
        raise NotFoundError(_("Unknown office."), code="unknown_office")
    return office


def staff_office_get(*, actor, code: str) -> Office:
    """An office whose queue the actor runs: 404 for an unknown code and for another office alike.

    The office is public, but its queue and day are not: "not yours" answers as "no such office"
    (the same status and code), so a route never tells an office's staff from its outsiders.
    """
    office = office_get(code=code)
    if not is_office_staff(actor, office):
        raise NotFoundError(_("Unknown office."), code="unknown_office")
    return office


def office_is_licensed(*, office: Office, service: Service, on: date) -> bool:
    if not service.licence_required:
        return True
    return valid_licences(kind=service.licence_required, on=on).filter(office=office).exists()


# --- appointments -----------------------------------------------------------------------


def _appointment_scope(actor) -> Q:
    if not getattr(actor, "is_authenticated", False):
        return Q(pk__in=[])
    scope = scope_for(actor)
    condition = Q(citizen=actor)
    if scope.has(*OFFICE_READERS):
        condition |= scope.offices_q(*[r for r in OFFICE_READERS if scope.has(r)])
    return condition


def appointment_list_for(
    *,
    actor,
    office: Office | None = None,
    day: date | None = None,
    statuses: list[str] | None = None,
    upcoming: bool | None = None,
    mine: bool = False,
) -> QuerySet[Appointment]:
    """Appointments the actor may see: their own, and those of the offices their roles reach."""
    qs = Appointment.objects.filter(Q(citizen=actor) if mine else _appointment_scope(actor))
    if office is not None:
        qs = qs.filter(office=office)
    if day is not None:
        start = datetime.combine(day, datetime.min.time(), tzinfo=TEHRAN)
        qs = qs.filter(start__gte=start, start__lt=start + timedelta(days=1))
    if statuses:
        qs = qs.filter(status__in=statuses)
    if upcoming is True:
        qs = qs.filter(end__gt=timezone.now())
    elif upcoming is False:
        qs = qs.filter(end__lte=timezone.now())
    return qs.select_related("office", "service", "citizen", "ticket").order_by("start", "pk")


def appointment_get_for(*, actor, pk: int) -> Appointment:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError(_("Appointment not found."), code="appointment_not_found") from None
    appointment = (
        Appointment.objects.filter(_appointment_scope(actor), pk=pk)
        .select_related("office", "office__city", "office__province", "service", "citizen", "ticket")
        .first()
    )
    if appointment is None:
        raise NotFoundError(_("Appointment not found."), code="appointment_not_found")
    return appointment


def active_booking_count(*, citizen, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return Appointment.objects.filter(citizen=citizen, status__in=HOLDING, end__gt=now).count()


# --- slots ------------------------------------------------------------------------------


def bookable_from(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.SCHEDULING_MIN_LEAD_MINUTES)


def bookable_until(now: datetime) -> datetime:
    today = tehran_date(now)
    last = today + timedelta(days=settings.SCHEDULING_HORIZON_DAYS)
    return datetime.combine(last, datetime.min.time(), tzinfo=TEHRAN)


def free_slots(*, office_ids, start: datetime, end: datetime) -> QuerySet[Slot]:
    """Open slots with a free place: served from the partial index ``slot_free_idx``."""
    return Slot.objects.filter(
        office_id__in=office_ids,
        status=SlotStatus.OPEN,
        booked__lt=F("bookable"),
        start__gte=start,
        start__lt=end,
    ).order_by("office_id", "start")


class FreeUnit(NamedTuple):
    pk: int
    office_id: int
    start: datetime
    end: datetime


_FIRST_FREE_SQL = """
SELECT s.id, s.office_id, s.start, s."end"
FROM unnest(%s::bigint[]) AS o(id)
CROSS JOIN LATERAL (
    SELECT id, office_id, start, "end" FROM scheduling_slot
    WHERE office_id = o.id AND status = %s AND booked < bookable AND start >= %s AND start < %s
    ORDER BY start LIMIT %s
) AS s
ORDER BY s.office_id, s.start
"""


def first_free_units(
    *, office_ids: list[int], start: datetime, end: datetime, per_office: int
) -> list[FreeUnit]:
    """The first ``per_office`` free units of each office, as light tuples.

    On PostgreSQL one LATERAL probe per office walks the partial index ``slot_free_idx`` and
    stops after ``per_office`` rows, whatever the length of the range; elsewhere a window
    function does the same job.
    """
    if not office_ids:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_FIRST_FREE_SQL, [list(office_ids), SlotStatus.OPEN, start, end, per_office])
            return [FreeUnit(*row) for row in cursor.fetchall()]
    rows = (
        free_slots(office_ids=office_ids, start=start, end=end)
        .annotate(rank=Window(RowNumber(), partition_by=[F("office_id")], order_by=F("start").asc()))
        .filter(rank__lte=per_office)
        .order_by("office_id", "start")
        .values_list("pk", "office_id", "start", "end")
    )
    return [FreeUnit(*row) for row in rows]


class _Timed(Protocol):
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...


TimedT = TypeVar("TimedT", bound=_Timed)


def fitting_starts(slots: list[TimedT], units: int) -> list[TimedT]:
    """Slots (ordered by start, one office) where ``units`` consecutive free units begin."""
    if units <= 1:
        return list(slots)
    found = []
    for i, first in enumerate(slots):
        run, ok = first, True
        for nxt in slots[i + 1 : i + units]:
            if nxt.start != run.end:
                ok = False
                break
            run = nxt
        if ok and i + units <= len(slots):
            found.append(first)
    return found


@dataclass(frozen=True)
class DayAvailability:
    day: date
    slots: list = field(default_factory=list)
    # The state of the official holiday table for the day's Jalali year (``common.calendar``):
    # a day of a year that is not ``confirmed`` could still turn out to be a holiday.
    holiday_table: str = CONFIRMED


def slot_availability(
    *,
    office: Office,
    service: Service,
    day_from: date,
    day_to: date,
    now: datetime | None = None,
) -> list[DayAvailability]:
    """Bookable start times at one office for one service, grouped by day (Tehran)."""
    now = now or timezone.now()
    start = max(bookable_from(now), datetime.combine(day_from, datetime.min.time(), tzinfo=TEHRAN))
    end = min(
        bookable_until(now), datetime.combine(day_to + timedelta(days=1), datetime.min.time(), tzinfo=TEHRAN)
    )
    if office.status != OfficeStatus.ACTIVE or end <= start:
        return []
    slots = list(free_slots(office_ids=[office.pk], start=start, end=end + unit() * 4))
    fitting = [s for s in fitting_starts(slots, units_for(service)) if s.start < end]
    days: dict[date, list] = {}
    for slot in fitting:
        days.setdefault(tehran_date(slot.start), []).append(slot)
    calendar = working_calendar()
    return [
        DayAvailability(day=d, slots=s, holiday_table=calendar.lunar_status(to_jalali_date(d).year))
        for d, s in sorted(days.items())
    ]


def slot_alternatives(
    *, office: Office, service: Service, after: datetime, limit: int = 3, now: datetime | None = None
) -> list[Slot]:
    """The next free times at the same office after ``after``: offered with a 409 for a taken slot."""
    now = now or timezone.now()
    start = max(bookable_from(now), after)
    end = bookable_until(now)
    if office.status != OfficeStatus.ACTIVE or end <= start:
        return []
    n = units_for(service)
    # One index-served read: a one-unit service needs only the next ``limit`` free units (a 409 at
    # peak reads 3 rows, not 200); a few hundred free units find runs of a longer one for weeks.
    take = limit if n <= 1 else max(200, limit * n * 20)
    slots = list(free_slots(office_ids=[office.pk], start=start, end=end)[:take])
    found = fitting_starts(slots, n)[:limit]
    for slot in found:
        slot.office = office  # what the answer names, without a read per slot
    return found


# --- the queue --------------------------------------------------------------------------


def queue_order(now: datetime):
    """One fair queue: due appointments by booked time, then walk-ins by arrival, then early birds.

    An appointment whose time has come goes first (that is what booking buys); walk-ins and
    late arrivals keep their arrival order; an appointment checked in early waits for its
    time unless no walk-in is waiting.
    """
    return (
        Case(
            When(kind=TicketKind.APPOINTMENT, sort_at__lte=now, then=Value(0)),
            When(kind=TicketKind.WALK_IN, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        "sort_at",
        "number",
    )


def waiting_tickets(*, office: Office, day: date | None = None, now: datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    day = day or tehran_date(now)
    priority, *rest = queue_order(now)
    return (
        QueueTicket.objects.filter(office=office, day=day, status=TicketStatus.WAITING)
        .annotate(priority=priority)
        .order_by("priority", *rest)
    )


@dataclass(frozen=True)
class QueueFigures:
    counters: int  # counters open now
    busy: int  # counters with a ticket called
    waiting: int
    service_minutes: float
    arrivals_per_hour: float
    expected_wait: float | None  # Erlang C for a new arrival; None when the queue is growing


LIVE_WINDOW = timedelta(minutes=30)


def live_counters(*, office: Office, now: datetime) -> int:
    """Counters staffed now: those that called someone in the last half hour, else all active ones.

    Only once the queue has run for that half hour: right after the first call of the day, one
    counter having called says nothing about the others (issue 15: "open counters" fell from 5
    to 1 after a single call, and the expected wait with it).
    """
    active = Counter.objects.filter(office=office, active=True).count()
    first_call = (
        QueueTicket.objects.filter(office=office, day=tehran_date(now), called_at__isnull=False)
        .order_by("called_at")
        .values_list("called_at", flat=True)
        .first()
    )
    if first_call is None or now - first_call < LIVE_WINDOW:
        return active
    recent = (
        QueueTicket.objects.filter(office=office, called_at__gte=now - LIVE_WINDOW)
        .exclude(counter__isnull=True)
        .values("counter")
        .distinct()
        .count()
    )
    return recent or active


def served_mean_minutes(tickets: QuerySet[QueueTicket], *, limit: int, at_least: int = 1) -> float | None:
    """Mean minutes from call to finish of the served tickets among ``tickets`` (the first ``limit``).

    None when fewer than ``at_least`` were served; never under a minute, so a burst of instant
    closes cannot make a queue look free.
    """
    rows = list(
        tickets.filter(
            status=TicketStatus.SERVED, called_at__isnull=False, finished_at__isnull=False
        ).values_list("called_at", "finished_at")[:limit]
    )
    if len(rows) < at_least:
        return None
    total = math.fsum((finished - called).total_seconds() for called, finished in rows if called and finished)
    return max(1.0, total / 60.0 / len(rows))


def mean_service_minutes(*, office: Office, now: datetime) -> float:
    """Mean time at the counter over the last week; the office's figure or 15 minutes without data."""
    recent = QueueTicket.objects.filter(office=office, finished_at__gte=now - timedelta(days=7))
    mean = served_mean_minutes(recent, limit=500, at_least=5)
    if mean is not None:
        return mean
    stats = OfficeQueueStats.objects.filter(office=office).first()
    if stats and stats.mean_service_minutes:
        return stats.mean_service_minutes
    return DEFAULT_SERVICE_MINUTES


def queue_figures(*, office: Office, now: datetime | None = None) -> QueueFigures:
    now = now or timezone.now()
    day = tehran_date(now)
    tickets = QueueTicket.objects.filter(office=office, day=day)
    waiting = tickets.filter(status=TicketStatus.WAITING).count()
    busy = tickets.filter(status=TicketStatus.CALLED).count()
    arrivals = tickets.filter(joined_at__gte=now - timedelta(hours=1)).count()
    counters = max(live_counters(office=office, now=now), busy)
    service = mean_service_minutes(office=office, now=now)
    wait = expected_wait(float(arrivals), service, counters) if counters else math.inf
    if math.isinf(wait) and counters:
        # The arrivals of the last hour outrun the counters (Erlang C has no steady state), but the
        # line a newcomer joins is what is there: its length, not "getting longer" with one waiting.
        wait = position_wait(ahead=waiting, busy=busy, counters=counters, service_minutes=service)
    return QueueFigures(
        counters=counters,
        busy=busy,
        waiting=waiting,
        service_minutes=service,
        arrivals_per_hour=float(arrivals),
        expected_wait=None if math.isinf(wait) else wait,
    )


@dataclass(frozen=True)
class WaitingEntry:
    ticket: QueueTicket
    ahead: int
    minutes: float


def queue_waiting_with_estimates(
    *, office: Office, now: datetime | None = None, figures: QueueFigures | None = None
) -> list[WaitingEntry]:
    """The waiting line in calling order, each with the expected minutes until called."""
    now = now or timezone.now()
    figures = figures or queue_figures(office=office, now=now)
    entries = []
    for ahead, ticket in enumerate(waiting_tickets(office=office, now=now).select_related("service")):
        minutes = position_wait(
            ahead=ahead,
            busy=figures.busy,
            counters=max(1, figures.counters),
            service_minutes=figures.service_minutes,
        )
        if ticket.kind == TicketKind.APPOINTMENT and ticket.sort_at > now:
            minutes = max(minutes, (ticket.sort_at - now).total_seconds() / 60.0)
        entries.append(WaitingEntry(ticket=ticket, ahead=ahead, minutes=minutes))
    return entries


def ticket_position(*, ticket: QueueTicket, now: datetime | None = None) -> WaitingEntry | None:
    """Where one waiting ticket stands, for the citizen's own screen."""
    if ticket.status != TicketStatus.WAITING:
        return None
    for entry in queue_waiting_with_estimates(office=ticket.office, now=now):
        if entry.ticket.pk == ticket.pk:
            return entry
    return None


def ticket_get_for_staff(*, actor, pk: int) -> QueueTicket:
    """A ticket of an office the actor runs; anything else is 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found") from None
    ticket = QueueTicket.objects.select_related("office", "appointment", "counter").filter(pk=pk).first()
    if ticket is None or not is_office_staff(actor, ticket.office):
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
    return ticket


def display_board(*, office: Office, now: datetime | None = None, recent: int = 8) -> dict:
    """What the waiting-room screen shows: ticket numbers and counters only, never names."""
    now = now or timezone.now()
    day = tehran_date(now)
    called = list(
        QueueTicket.objects.filter(
            office=office,
            day=day,
            status__in=[TicketStatus.CALLED, TicketStatus.SERVED],
            called_at__isnull=False,
        )
        .select_related("counter")
        .order_by("-announced_at", "-pk")
        .values("number", "status", "counter__number", "announced_at")[:recent]
    )
    figures = queue_figures(office=office, now=now)
    return {
        "now_serving": [row for row in called if row["status"] == TicketStatus.CALLED],
        "recent": called,
        "waiting": figures.waiting,
        "expected_wait": figures.expected_wait,
        "counters": figures.counters,
        "updated": now,
    }
