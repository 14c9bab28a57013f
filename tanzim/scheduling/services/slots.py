"""The slot inventory: which times an office offers, and its booking policy.

The table is precomputed so that availability is a query; ``slots_generate`` is idempotent and
never touches a booked count. Opening and closing a slot goes through the ``SLOT`` workflow.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.accounts.permissions import MANAGERS, can_act_for_office
from tanzim.audit import services as audit
from tanzim.audit.workflow import bulk_transition
from tanzim.common.calendar import WorkingCalendar
from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Counter, Office, WorkingHours
from tanzim.offices.selectors import working_calendar
from tanzim.scheduling import selectors
from tanzim.scheduling.choices import SlotStatus
from tanzim.scheduling.models import OfficeQueueStats, OfficeSchedulingPolicy, Slot
from tanzim.scheduling.queueing import overbooking_limit
from tanzim.scheduling.workflows import SLOT

MIN_SHOW_SAMPLE = 30  # appointments needed before an office's own show rate is trusted


def policy_for(office: Office) -> OfficeSchedulingPolicy:
    """The office's policy; an unsaved default when none was set."""
    policy = OfficeSchedulingPolicy.objects.filter(office=office).first()
    return policy or OfficeSchedulingPolicy(
        office=office, appointment_share_pct=settings.SCHEDULING_APPOINTMENT_SHARE_PCT
    )


def appointment_capacity(active_counters: int, share_pct: int) -> int:
    """Counters given to appointments: the share, rounded, at least one when any counter works."""
    if active_counters <= 0:
        return 0
    return min(active_counters, max(1, round(active_counters * share_pct / 100)))


def _show_rate(office: Office, policy: OfficeSchedulingPolicy) -> float | None:
    if policy.show_rate_pct:
        return policy.show_rate_pct / 100
    stats = OfficeQueueStats.objects.filter(office=office).first()
    if stats and stats.sample_size >= MIN_SHOW_SAMPLE:
        return max(0.05, 1.0 - stats.no_show_rate)
    return None  # no evidence: no overbooking


def _with_overbooking(desired: dict[datetime, list], show_rate: float, risk: float) -> None:
    """Spread the binomial allowance of each hour over its slots (round robin, earliest first)."""
    windows: dict[tuple, list[datetime]] = defaultdict(list)
    for start in sorted(desired):
        local = start.astimezone(TEHRAN)
        windows[(local.date(), local.hour)].append(start)
    for starts in windows.values():
        total = sum(desired[s][1] for s in starts)
        extra = overbooking_limit(total, show_rate, risk) - total
        i = 0
        while extra > 0:
            desired[starts[i % len(starts)]][2] += 1
            extra -= 1
            i += 1


def desired_slots(
    *,
    office: Office,
    day_from: date,
    day_to: date,
    not_before: datetime,
    hours: list[WorkingHours] | None = None,
    counters: int | None = None,
    policy: OfficeSchedulingPolicy | None = None,
    calendar: WorkingCalendar | None = None,
) -> dict[datetime, list]:
    """What the slot table should hold for an office: ``{start: [end, capacity, bookable]}``.

    A day is open when it is not an official holiday and the office has hours on that
    weekday (Friday is closed because offices have no Friday hours).
    """
    if office.status != OfficeStatus.ACTIVE:
        return {}
    policy = policy or policy_for(office)
    hours = hours if hours is not None else list(WorkingHours.objects.filter(office=office))
    counters = (
        counters if counters is not None else Counter.objects.filter(office=office, active=True).count()
    )
    calendar = calendar or working_calendar()
    capacity = appointment_capacity(counters, policy.appointment_share_pct)
    if capacity == 0:
        return {}
    step = selectors.unit()
    by_weekday: dict[int, list[WorkingHours]] = defaultdict(list)
    for h in hours:
        by_weekday[h.weekday].append(h)
    desired: dict[datetime, list] = {}
    day = day_from
    while day < day_to:
        if not calendar.is_holiday(day):
            for h in by_weekday.get(day.weekday(), ()):
                start = datetime.combine(day, h.opens, tzinfo=TEHRAN)
                closes = datetime.combine(day, h.closes, tzinfo=TEHRAN)
                while start + step <= closes:
                    if start >= not_before:
                        desired[start] = [start + step, capacity, capacity]
                    start += step
        day += timedelta(days=1)
    if policy.overbooking_enabled:
        rate = _show_rate(office, policy)
        if rate is not None and rate < 1:
            _with_overbooking(desired, rate, policy.overbooking_risk_pct / 100)
    return desired


@dataclass
class SlotSync:
    created: int = 0
    updated: int = 0
    closed: int = 0
    kept_booked: int = 0

    def __iadd__(self, other: SlotSync) -> SlotSync:
        self.created += other.created
        self.updated += other.updated
        self.closed += other.closed
        self.kept_booked += other.kept_booked
        return self


def slots_generate(
    *,
    office: Office,
    days: int | None = None,
    now: datetime | None = None,
    hours: list[WorkingHours] | None = None,
    counters: int | None = None,
    policy: OfficeSchedulingPolicy | None = None,
    calendar: WorkingCalendar | None = None,
) -> SlotSync:
    """Bring an office's future slots in line with its hours, counters, policy and the holidays.

    Idempotent. New times are created, changed capacities updated (never below what is
    booked), and times no longer offered are closed; a closed slot keeps its bookings, which
    the office sees on its day view. Slots that already started are never touched.
    """
    days = settings.SCHEDULING_HORIZON_DAYS if days is None else days
    now = now or timezone.now()
    today = tehran_date(now)
    day_to = today + timedelta(days=days)
    horizon_end = datetime.combine(day_to, time(0), tzinfo=TEHRAN)
    desired = desired_slots(
        office=office,
        day_from=today,
        day_to=day_to,
        not_before=now,
        hours=hours,
        counters=counters,
        policy=policy,
        calendar=calendar,
    )
    sync = SlotSync()
    with transaction.atomic():
        existing = list(
            Slot.objects.filter(office=office, start__gte=now, start__lt=horizon_end).values_list(
                "pk", "start", "end", "capacity", "bookable", "booked", "status"
            )
        )
        seen: set[datetime] = set()
        updates: dict[tuple, list[int]] = defaultdict(list)
        to_close: list[int] = []
        blocked: list[tuple[datetime, datetime]] = []
        for pk, start, end, capacity, bookable, booked, status in existing:
            want = desired.get(start)
            if want is None or (want[0] != end and booked > 0):
                if booked > 0:
                    sync.kept_booked += 1
                    blocked.append((start, end))
                if status != SlotStatus.CLOSED:
                    to_close.append(pk)
                if want is not None:
                    seen.add(start)  # a booked slot of another length keeps its place
                continue
            seen.add(start)
            new_end, new_capacity, new_bookable = want
            if (end, capacity, bookable, status) != (
                new_end,
                new_capacity,
                max(new_bookable, booked),
                "open",
            ):
                updates[(new_end if new_end != end else None, new_capacity, new_bookable)].append(pk)
        for (new_end, new_capacity, new_bookable), pks in updates.items():
            values: dict[str, Any] = {
                "capacity": new_capacity,
                # Greatest(): a booking that lands meanwhile is never pushed over its place.
                "bookable": Greatest(new_bookable, F("booked")),
            }
            query = Slot.objects.filter(pk__in=pks)
            if new_end is not None:
                values["end"] = new_end
                query = query.filter(booked=0)
            sync.updated += query.update(**values)
            # Offered again (hours or counters came back): the closed ones among them reopen.
            bulk_transition(SLOT, query, SlotStatus.OPEN)
        if to_close:
            sync.closed += len(bulk_transition(SLOT, Slot.objects.filter(pk__in=to_close), SlotStatus.CLOSED))
        fresh = []
        for start, (end, capacity, bookable) in desired.items():
            if start in seen or any(b_start < end and start < b_end for b_start, b_end in blocked):
                continue
            fresh.append(
                Slot(office=office, start=start, end=end, capacity=capacity, bookable=bookable, booked=0)
            )
        Slot.objects.bulk_create(fresh, batch_size=2000)
        sync.created = len(fresh)
    return sync


def slots_generate_all(
    *, days: int | None = None, offices=None, progress=None, from_day: date | None = None
) -> SlotSync:
    """Regenerate every active office (and close the slots of the others); ``progress()`` per office.

    On PostgreSQL set-based (``slots_bulk``: a few statements per 500 offices); elsewhere office
    by office. ``from_day`` (PostgreSQL): only the days from it to the horizon are brought in line.
    """
    calendar = working_calendar()
    offices = offices if offices is not None else Office.objects.all()
    offices = (
        offices.prefetch_related("hours", "counters") if hasattr(offices, "prefetch_related") else offices
    )
    if connection.vendor == "postgresql":
        from tanzim.scheduling.services.slots_bulk import slots_sync_parallel

        return slots_sync_parallel(
            offices=list(offices),
            calendar=calendar,
            days=settings.SCHEDULING_HORIZON_DAYS if days is None else days,
            from_day=from_day,
            progress=progress,
        )
    policies = {p.office_id: p for p in OfficeSchedulingPolicy.objects.all()}
    share = settings.SCHEDULING_APPOINTMENT_SHARE_PCT
    total = SlotSync()
    for office in offices:
        total += slots_generate(
            office=office,
            days=days,
            hours=list(office.hours.all()),
            counters=sum(1 for c in office.counters.all() if c.active),
            policy=policies.get(office.pk)
            or OfficeSchedulingPolicy(office=office, appointment_share_pct=share),
            calendar=calendar,
        )
        if progress:
            progress()
    return total


# The nightly extension re-syncs the last days of the horizon: the newest day enters it, and a
# night the job missed is made up the next night. Changes of hours, counters and holidays
# regenerate the office (or everything) when they happen (tanzim.scheduling.signals).
EXTEND_DAYS = 2


def slots_extend_all(*, offices=None, now: datetime | None = None) -> SlotSync:
    """Nightly: the days entering the booking horizon, for every office (all days on SQLite)."""
    days = settings.SCHEDULING_HORIZON_DAYS
    today = tehran_date(now or timezone.now())
    return slots_generate_all(
        days=days, offices=offices, from_day=today + timedelta(days=max(0, days - EXTEND_DAYS))
    )


@transaction.atomic
def scheduling_policy_set(
    *,
    actor: User,
    office: Office,
    appointment_share_pct: int | None = None,
    overbooking_enabled: bool | None = None,
    overbooking_risk_pct: int | None = None,
    show_rate_pct: int | None = None,
    clear_show_rate: bool = False,
) -> OfficeSchedulingPolicy:
    """Change an office's booking policy (its manager or the Kanoon) and re-apply it to open slots."""
    if not can_act_for_office(actor, office, *MANAGERS):
        raise PermissionDeniedError(code="not_office_manager")
    errors = {}
    if appointment_share_pct is not None and not 1 <= appointment_share_pct <= 100:
        errors["appointment_share_pct"] = [_("Enter a percentage between 1 and 100.")]
    if overbooking_risk_pct is not None and not 1 <= overbooking_risk_pct <= 50:
        errors["overbooking_risk_pct"] = [_("Enter a percentage between 1 and 50.")]
    if show_rate_pct is not None and not 1 <= show_rate_pct <= 100:
        errors["show_rate_pct"] = [_("Enter a percentage between 1 and 100.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    policy, _created = OfficeSchedulingPolicy.objects.select_for_update().get_or_create(
        office=office, defaults={"appointment_share_pct": settings.SCHEDULING_APPOINTMENT_SHARE_PCT}
    )
    before = {
        "appointment_share_pct": policy.appointment_share_pct,
        "overbooking_enabled": policy.overbooking_enabled,
        "overbooking_risk_pct": policy.overbooking_risk_pct,
        "show_rate_pct": policy.show_rate_pct,
    }
    if appointment_share_pct is not None:
        policy.appointment_share_pct = appointment_share_pct
    if overbooking_enabled is not None:
        policy.overbooking_enabled = overbooking_enabled
    if overbooking_risk_pct is not None:
        policy.overbooking_risk_pct = overbooking_risk_pct
    if show_rate_pct is not None:
        policy.show_rate_pct = show_rate_pct
    elif clear_show_rate:
        policy.show_rate_pct = None
    policy.save()
    after = {key: getattr(policy, key) for key in before}
    audit.record(
        actor=actor,
        action="scheduling.policy.changed",
        obj=policy,
        office=office,
        data={"from": before, "to": after},
    )
    slots_generate(office=office, policy=policy)
    return policy
