"""Writes for appointments and the office queue.

Lock order, the same everywhere so that two transactions never wait on each other in a
circle: the citizen's user row → the appointment row → slot rows in order of start time →
the office's audit stream (taken by ``audit.record``).
"""

from __future__ import annotations

import itertools
import logging
import math
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.accounts.permissions import MANAGERS, can_act_for_office, has_role, is_office_staff
from tanzim.audit import services as audit
from tanzim.audit.workflow import bulk_transition, transition
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.notify.services import message_enqueue
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Counter, Office, WorkingHours
from tanzim.offices.selectors import working_calendar
from tanzim.scheduling import selectors
from tanzim.scheduling.choices import (
    CHANGEABLE,
    HOLDING,
    AppointmentStatus,
    BookingChannel,
    FlexibleRequestStatus,
    ReminderKind,
    SlotStatus,
    TicketKind,
    TicketStatus,
)
from tanzim.scheduling.formatting import clock_text, when_text
from tanzim.scheduling.models import (
    Appointment,
    FlexibleRequest,
    OfficeQueueStats,
    OfficeSchedulingPolicy,
    QueueDay,
    QueueTicket,
    Slot,
    VisitAvoided,
)
from tanzim.scheduling.queueing import expected_wait, overbooking_limit
from tanzim.scheduling.signals import (
    appointment_booked,
    appointment_cancelled,
    appointment_served,
    send_after_commit,
    ticket_served,
)
from tanzim.scheduling.workflows import APPOINTMENT, FLEXIBLE_REQUEST, SLOT, TICKET

log = logging.getLogger(__name__)

REFERENCE_ALPHABET = "ACDEFHJKLMNPQRTUVWXY3479"  # no look-alikes (0/O, 1/I, 5/S, 8/B)
OVERBOOK_WINDOW = timedelta(hours=1)
MIN_SHOW_SAMPLE = 30  # appointments needed before an office's own show rate is trusted


# =====================================================================================
# Slot inventory
# =====================================================================================


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
    holidays: frozenset[date] | None = None,
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
    holidays = holidays if holidays is not None else working_calendar().holidays
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
        if day not in holidays:
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
    holidays: frozenset[date] | None = None,
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
        holidays=holidays,
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


def slots_generate_all(*, days: int | None = None, offices=None, progress=None) -> SlotSync:
    """Regenerate every active office (and close the slots of the others); ``progress()`` per office."""
    holidays = working_calendar().holidays
    offices = offices if offices is not None else Office.objects.all()
    offices = (
        offices.prefetch_related("hours", "counters") if hasattr(offices, "prefetch_related") else offices
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
            holidays=holidays,
        )
        if progress:
            progress()
    return total


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


# =====================================================================================
# Booking
# =====================================================================================


class SlotTakenError(ConflictError):
    code = "slot_taken"
    default_message = _("This time was just taken by someone else. Choose another time.")


def _new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _lock_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _units_of(appointment: Appointment) -> list[Slot]:
    return list(
        Slot.objects.filter(
            office_id=appointment.office_id, start__gte=appointment.start, start__lt=appointment.end
        ).order_by("start")
    )


def _run_for(slot: Slot, units: int) -> list[Slot]:
    """The ``units`` consecutive slots starting at ``slot``, or [] when they do not follow each other."""
    if units == 1:
        return [slot]
    run = list(
        Slot.objects.filter(
            office_id=slot.office_id, start__gte=slot.start, start__lt=slot.start + selectors.unit() * units
        ).order_by("start")
    )
    if len(run) != units or run[0].pk != slot.pk:
        return []
    for a, b in itertools.pairwise(run):
        if b.start != a.end:
            return []
    return run


def _apply_slot_deltas(deltas: dict[int, int], starts: dict[int, datetime]) -> None:
    """Take (+1) and give back (-1) places, slot by slot in order of start time.

    Taking a place is one conditional UPDATE that matches only while a place is free; the
    CHECK constraint ``booked <= bookable`` backs it up. A miss raises SlotTakenError and
    the caller's transaction rolls back every change made so far.
    """
    for pk in sorted(deltas, key=lambda k: (starts[k], k)):
        delta = deltas[pk]
        if delta > 0:
            won = Slot.objects.filter(
                pk=pk, status=SlotStatus.OPEN, booked__lte=F("bookable") - delta
            ).update(booked=F("booked") + delta)
            if not won:
                raise SlotTakenError()
        elif delta < 0:
            Slot.objects.filter(pk=pk, booked__gte=-delta).update(booked=F("booked") + delta)


def _appointment_context(appointment: Appointment, language: str, **extra) -> dict[str, Any]:
    with translation.override(language):
        office = appointment.office
        return {
            "office": office.name,
            "address": office.address,
            "service": appointment.service.name,
            "when": when_text(appointment.start, language),
            "reference": appointment.reference,
            "early": settings.SCHEDULING_CHECKIN_EARLY_MINUTES,
            "url": settings.SITE_URL.rstrip("/") + reverse("scheduling:detail", args=[appointment.pk]),
            **extra,
        }


def _sms(appointment: Appointment, template: str, dedupe: str, **extra) -> None:
    citizen = appointment.citizen
    if not citizen.mobile:
        return
    language = citizen.preferred_language or settings.LANGUAGE_CODE
    message_enqueue(
        template=template,
        to=citizen.mobile,
        recipient=citizen,
        language=language,
        context=_appointment_context(appointment, language, **extra),
        dedupe_key=f"scheduling:appointment:{appointment.pk}:{dedupe}",
    )


def _check_bookable(
    *, slot: Slot, service: Service, actor: User, citizen: User, now: datetime, channel: str
) -> None:
    office = slot.office
    if office.status != OfficeStatus.ACTIVE:
        raise ConflictError(_("This office is not taking bookings at the moment."), code="office_unavailable")
    if citizen.pk != actor.pk:
        selectors.require_queue_staff(actor, office)
    if not service.active:
        raise DomainError(
            _("This service is not offered."),
            code="unknown_service",
            fields={"service": [_("This service is not offered.")]},
        )
    if channel == BookingChannel.IN_PERSON and not service.in_person:
        raise DomainError(
            _("This service is done remotely: no visit is needed."),
            code="service_remote_only",
            fields={"service": [_("This service is done remotely: no visit is needed.")]},
        )
    if channel == BookingChannel.SEMI_IN_PERSON and not service.semi_in_person:
        raise DomainError(
            _("This service has no semi-in-person channel."),
            code="channel_not_allowed",
            fields={"channel": [_("This service has no semi-in-person channel.")]},
        )
    if not selectors.office_is_licensed(office=office, service=service, on=tehran_date(slot.start)):
        raise DomainError(
            _("This office is not licensed for this service. Choose another office."),
            code="office_not_licensed",
        )
    if slot.start <= now:
        raise DomainError(
            _("This time has already passed."),
            code="slot_past",
            fields={"slot": [_("This time has already passed.")]},
        )
    lead = settings.SCHEDULING_MIN_LEAD_MINUTES
    if slot.start < now + timedelta(minutes=lead):
        raise DomainError(
            _("Book at least %(minutes)s minutes ahead, or come in as a walk-in.") % {"minutes": lead},
            code="slot_too_soon",
            fields={"slot": [_("This time is too soon to book.")]},
        )
    if slot.start >= selectors.bookable_until(now):
        raise DomainError(
            _("Bookings open %(days)s days ahead. Choose an earlier date.")
            % {"days": settings.SCHEDULING_HORIZON_DAYS},
            code="outside_booking_window",
            fields={"slot": [_("This date is too far ahead.")]},
        )
    if slot.status != SlotStatus.OPEN:
        raise ConflictError(_("The office is closed at this time. Choose another time."), code="slot_closed")


def _check_citizen(
    *, citizen: User, start: datetime, end: datetime, now: datetime, exclude: int | None = None
) -> None:
    # One read: a citizen holds at most a handful of upcoming appointments.
    holding = [
        (pk, a_start, a_end)
        for pk, a_start, a_end in Appointment.objects.filter(
            citizen=citizen, status__in=HOLDING, end__gt=now
        ).values_list("pk", "start", "end")
        if pk != exclude
    ]
    if any(a_start < end and start < a_end for _pk, a_start, a_end in holding):
        raise ConflictError(_("You already have an appointment at this time."), code="overlapping_booking")
    limit = settings.SCHEDULING_MAX_ACTIVE_BOOKINGS
    if len(holding) >= limit:
        raise ConflictError(
            _("You already have %(count)s upcoming appointments, the most allowed. Cancel one first.")
            % {"count": limit},
            code="too_many_bookings",
        )


def _create_appointment(*, savepoint: bool = True, **fields) -> Appointment:
    """Insert with a fresh random reference. Two codes clash once in 10^11: with ``savepoint`` the
    insert is retried in place; without, the IntegrityError reaches the caller, which retries."""
    if not savepoint:
        return Appointment.objects.create(reference=_new_reference(), **fields)
    for attempt in range(5):
        try:
            with transaction.atomic():
                return Appointment.objects.create(reference=_new_reference(), **fields)
        except IntegrityError as exc:
            if "reference" not in str(exc).lower() or attempt == 4:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class BookingResult:
    appointment: Appointment
    created: bool


def appointment_book(
    *,
    actor: User,
    slot_id: int,
    service: Service,
    citizen: User | None = None,
    office: Office | None = None,
    channel: str = BookingChannel.IN_PERSON,
    case_ref: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> BookingResult:
    """Book a slot for a citizen (themselves, or by a clerk of the office on their behalf).

    With an ``idempotency_key`` a repeated request returns the first appointment
    (``created=False``); the same key with other data is a 409. A slot filled meanwhile is
    a SlotTakenError (409): no check-then-insert, the database decides. The booking runs in
    one transaction; a unique-constraint refusal (a racing request with the same key, or the
    same person and slot) rolls it back and is answered here.
    """
    citizen = citizen or actor
    try:
        slot_id = int(slot_id)
    except (TypeError, ValueError):
        raise NotFoundError(_("This time is not available."), code="slot_not_found") from None
    if channel not in BookingChannel.values:
        raise DomainError(fields={"channel": [_("Unknown channel.")]})
    payload = {
        "slot": slot_id,
        "service": service.code,
        "citizen": citizen.pk,
        "channel": channel,
        "case_ref": case_ref,
        "office": office.code if office else None,
    }
    for attempt in range(3):
        try:
            return _book(
                actor=actor,
                citizen=citizen,
                slot_id=slot_id,
                service=service,
                office=office,
                channel=channel,
                case_ref=case_ref,
                idempotency_key=idempotency_key,
                payload=payload,
                now=now or timezone.now(),
            )
        except IntegrityError as exc:
            if "reference" in str(exc).lower() and attempt < 2:
                continue  # two random codes met: book again with another
            break
    # A racing request with the same key won (a double click): answer as its replay.
    earlier = None
    if idempotency_key:
        earlier = Appointment.objects.filter(booked_by=actor, idempotency_key=idempotency_key).first()
    if earlier is not None:
        check_replay(stored_fingerprint=earlier.request_fingerprint, payload=payload)
        return BookingResult(earlier, False)
    raise ConflictError(_("You already have an appointment at this time."), code="overlapping_booking")


@transaction.atomic
def _book(
    *,
    actor: User,
    citizen: User,
    slot_id: int,
    service: Service,
    office: Office | None,
    channel: str,
    case_ref: str,
    idempotency_key: str | None,
    payload: dict,
    now: datetime,
) -> BookingResult:
    citizen = _lock_user(citizen)
    if idempotency_key:
        earlier = Appointment.objects.filter(booked_by=actor, idempotency_key=idempotency_key).first()
        if earlier is not None:
            check_replay(stored_fingerprint=earlier.request_fingerprint, payload=payload)
            return BookingResult(earlier, False)
    if citizen.pk == actor.pk and not has_role(actor, Role.CITIZEN):
        raise PermissionDeniedError(
            _("Only citizens book appointments for themselves; staff book on a citizen's behalf."),
            code="not_a_citizen",
        )
    if not citizen.is_active:
        raise DomainError(_("This citizen's account is not active."), code="citizen_inactive")
    slot = Slot.objects.select_related("office", "office__city").filter(pk=slot_id).first()
    if slot is None:
        raise NotFoundError(_("This time is not available."), code="slot_not_found")
    if office is not None and slot.office_id != office.pk:
        raise DomainError(
            _("This time belongs to another office."),
            code="slot_office_mismatch",
            fields={"slot": [_("This time belongs to another office.")]},
        )
    _check_bookable(slot=slot, service=service, actor=actor, citizen=citizen, now=now, channel=channel)
    units = selectors.units_for(service)
    run = _run_for(slot, units)
    if not run or any(s.status != SlotStatus.OPEN for s in run):
        raise DomainError(
            _("This service takes %(minutes)s minutes and does not fit at this time. Choose an earlier time.")
            % {"minutes": service.duration_minutes},
            code="service_does_not_fit",
            fields={"slot": [_("The service does not fit at this time.")]},
        )
    if any(s.booked >= s.bookable for s in run):
        # Already full when read: answer at once instead of queueing behind the row lock. A
        # stale read can only refuse; taking the place is still decided by the UPDATE below.
        raise SlotTakenError()
    start, end = run[0].start, run[-1].end
    _check_citizen(citizen=citizen, start=start, end=end, now=now)
    _apply_slot_deltas({s.pk: 1 for s in run}, {s.pk: s.start for s in run})
    appointment = _create_appointment(
        savepoint=False,  # one round trip less on the hot path; the caller handles IntegrityError
        office=slot.office,
        slot=slot,
        units=units,
        start=start,
        end=end,
        service=service,
        channel=channel,
        citizen=citizen,
        booked_by=actor,
        case_ref=case_ref[:40],
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint(payload) if idempotency_key else "",
    )
    audit.record(
        actor=actor,
        on_behalf_of=citizen if citizen.pk != actor.pk else None,
        action="scheduling.appointment.booked",
        obj=appointment,
        office=slot.office,
        data={
            "slot": slot.pk,
            "units": units,
            "service": service.code,
            "start": start.isoformat(),
            "channel": channel,
        },
    )
    _sms(appointment, "scheduling.confirmed", ReminderKind.CONFIRMATION)
    send_after_commit(appointment_booked, appointment_id=appointment.pk)
    return BookingResult(appointment, True)


def _lock_appointment(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("office", "service", "citizen")
        .get(pk=appointment.pk)
    )


CUTOFF_MESSAGES = {
    "cancel": _(
        "Appointments can be cancelled up to %(minutes)s minutes before their time; call the office."
    ),
    "move": _("Appointments can be moved up to %(minutes)s minutes before their time; call the office."),
}


def _check_expected(obj: Any, expected_status: str | None) -> None:
    """A caller that read another status than the current one is told so (409), as by the engine."""
    if expected_status and expected_status != obj.status:
        raise ConflictError(code="stale_status")


def _require_change_rights(
    *, appointment: Appointment, actor: User, now: datetime, verb: str, expected_status: str | None = None
) -> bool:
    """Returns True when the actor is office staff (who may act inside the cut-off)."""
    staff = is_office_staff(actor, appointment.office)
    if not staff and appointment.citizen_id != actor.pk:
        raise NotFoundError(_("Appointment not found."), code="appointment_not_found")
    _check_expected(appointment, expected_status)
    if appointment.status not in CHANGEABLE:
        raise ConflictError(
            _("This appointment can no longer be changed (it is %(status)s).")
            % {"status": appointment.get_status_display()},
            code="appointment_not_changeable",
        )
    cutoff = settings.SCHEDULING_CANCEL_CUTOFF_MINUTES
    if not staff and appointment.start - now < timedelta(minutes=cutoff):
        raise ConflictError(CUTOFF_MESSAGES[verb] % {"minutes": cutoff}, code="past_cutoff")
    return staff


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    actor: User,
    reason: str = "",
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Cancel and give the places back. Citizens until the cut-off, office staff any time before."""
    now = now or timezone.now()
    appt = _lock_appointment(appointment)
    staff = _require_change_rights(
        appointment=appt, actor=actor, now=now, verb="cancel", expected_status=expected_status
    )
    reason = (reason or "").strip()[:200]
    if staff and appt.citizen_id != actor.pk and not reason:
        raise DomainError(
            _("Give the citizen a reason for cancelling."),
            code="reason_required",
            fields={"reason": [_("This field is required.")]},
        )
    units = _units_of(appt)
    transition(
        APPOINTMENT,
        appt,
        AppointmentStatus.CANCELLED,
        actor=actor,
        expected_status=appt.status,
        reason=reason,
        on_behalf_of=appt.citizen if appt.citizen_id != actor.pk else None,
        changes={"cancel_reason": reason},
        audit_data={"by_office": staff and appt.citizen_id != actor.pk},
        now=now,
    )
    _apply_slot_deltas({s.pk: -1 for s in units}, {s.pk: s.start for s in units})
    appt.refresh_from_db(fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    if appt.citizen_id != actor.pk:
        _sms(appt, "scheduling.cancelled", "cancelled", reason=reason or "-")
    send_after_commit(appointment_cancelled, appointment_id=appt.pk)
    return appt


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    actor: User,
    slot_id: int,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move a booking to another time (same service): the new places are taken and the old
    ones given back in one transaction, so a full new slot leaves the old booking intact."""
    now = now or timezone.now()
    citizen = _lock_user(User(pk=appointment.citizen_id))
    old = _lock_appointment(appointment)
    _require_change_rights(
        appointment=old, actor=actor, now=now, verb="move", expected_status=expected_status
    )
    slot = Slot.objects.select_related("office").filter(pk=slot_id).first()
    if slot is None:
        raise NotFoundError(_("This time is not available."), code="slot_not_found")
    service = old.service
    _check_bookable(slot=slot, service=service, actor=actor, citizen=citizen, now=now, channel=old.channel)
    units = selectors.units_for(service)
    run = _run_for(slot, units)
    if not run or any(s.status != SlotStatus.OPEN for s in run):
        raise DomainError(
            _("This service takes %(minutes)s minutes and does not fit at this time. Choose an earlier time.")
            % {"minutes": service.duration_minutes},
            code="service_does_not_fit",
        )
    start, end = run[0].start, run[-1].end
    if start == old.start and slot.office_id == old.office_id:
        raise DomainError(_("Choose a different time."), code="same_time")
    _check_citizen(citizen=citizen, start=start, end=end, now=now, exclude=old.pk)
    deltas: dict[int, int] = defaultdict(int)
    starts: dict[int, datetime] = {}
    for s in run:
        deltas[s.pk] += 1
        starts[s.pk] = s.start
    for s in _units_of(old):
        deltas[s.pk] -= 1
        starts[s.pk] = s.start
    _apply_slot_deltas(dict(deltas), starts)
    new = _create_appointment(
        office=slot.office,
        slot=slot,
        units=units,
        start=start,
        end=end,
        service=service,
        channel=old.channel,
        citizen=citizen,
        booked_by=actor,
        case_ref=old.case_ref,
        rescheduled_from=old,
    )
    transition(
        APPOINTMENT,
        old,
        AppointmentStatus.RESCHEDULED,
        actor=actor,
        expected_status=old.status,
        on_behalf_of=citizen if citizen.pk != actor.pk else None,
        audit_data={
            "to": new.pk,
            "from_start": old.start.isoformat(),
            "start": start.isoformat(),
            "slot": slot.pk,
            "office": slot.office_id,
        },
        now=now,
    )
    _sms(new, "scheduling.rescheduled", "rescheduled")
    send_after_commit(appointment_cancelled, appointment_id=old.pk)
    send_after_commit(appointment_booked, appointment_id=new.pk)
    return new


# =====================================================================================
# The queue
# =====================================================================================


def _next_number(office: Office, day: date) -> int:
    QueueDay.objects.get_or_create(office=office, day=day)
    qday = QueueDay.objects.select_for_update().get(office=office, day=day)
    qday.last_number += 1
    qday.save(update_fields=["last_number"])
    return qday.last_number


def _issue(
    *,
    office: Office,
    kind: str,
    now: datetime,
    sort_at: datetime,
    actor: User | None,
    appointment: Appointment | None = None,
    service: Service | None = None,
    citizen: User | None = None,
) -> QueueTicket:
    day = tehran_date(now)
    return QueueTicket.objects.create(
        office=office,
        day=day,
        number=_next_number(office, day),
        kind=kind,
        appointment=appointment,
        service=service,
        citizen=citizen,
        sort_at=sort_at,
        joined_at=now,
        issued_by=actor,
    )


def checkin_window(appointment: Appointment) -> tuple[datetime, datetime]:
    return (
        appointment.start - timedelta(minutes=settings.SCHEDULING_CHECKIN_EARLY_MINUTES),
        appointment.start + timedelta(minutes=settings.SCHEDULING_CHECKIN_LATE_MINUTES),
    )


@transaction.atomic
def appointment_check_in(
    *,
    appointment: Appointment,
    actor: User,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> QueueTicket:
    """Join the office queue on arrival: by the citizen on their phone or by a clerk.

    Inside the window (15 minutes early to 10 late by default) the ticket keeps the booked
    time's place; a late arrival on the same day joins the walk-in line. Checking in twice
    returns the same ticket.
    """
    now = now or timezone.now()
    appt = _lock_appointment(appointment)
    staff = is_office_staff(actor, appt.office)
    if not staff and appt.citizen_id != actor.pk:
        raise NotFoundError(_("Appointment not found."), code="appointment_not_found")
    existing = QueueTicket.objects.filter(appointment=appt).first()
    if appt.status == AppointmentStatus.CHECKED_IN and existing is not None:
        return existing
    _check_expected(appt, expected_status)
    if appt.status not in (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW):
        raise ConflictError(
            _("This appointment is %(status)s and cannot be checked in.")
            % {"status": appt.get_status_display()},
            code="appointment_not_checkable",
        )
    opens, closes = checkin_window(appt)
    if now < opens:
        raise DomainError(
            _("Check-in opens at %(time)s, %(minutes)s minutes before your time.")
            % {
                "time": clock_text(opens),
                "minutes": settings.SCHEDULING_CHECKIN_EARLY_MINUTES,
            },
            code="too_early",
        )
    if tehran_date(now) != tehran_date(appt.start):
        raise ConflictError(
            _("This appointment was on another day. Please book again."), code="appointment_expired"
        )
    if appt.office.status != OfficeStatus.ACTIVE:
        raise ConflictError(_("This office is not serving at the moment."), code="office_unavailable")
    late = now > closes
    ticket = _issue(
        office=appt.office,
        kind=TicketKind.WALK_IN if late else TicketKind.APPOINTMENT,
        now=now,
        sort_at=now if late else appt.start,
        actor=actor,
        appointment=appt,
        service=appt.service,
        citizen=appt.citizen,
    )
    transition(
        APPOINTMENT,
        appt,
        AppointmentStatus.CHECKED_IN,
        actor=actor,
        expected_status=appt.status,
        on_behalf_of=appt.citizen if appt.citizen_id != actor.pk else None,
        changes={"late": late},
        audit_data={"ticket": ticket.number, "late": late},
        now=now,
    )
    return ticket


@transaction.atomic
def ticket_issue_walk_in(
    *,
    office: Office,
    actor: User,
    service: Service | None = None,
    citizen: User | None = None,
    now: datetime | None = None,
) -> QueueTicket:
    """A ticket for someone without an appointment, issued at the office's reception."""
    now = now or timezone.now()
    selectors.require_queue_staff(actor, office)
    if office.status != OfficeStatus.ACTIVE:
        raise ConflictError(_("This office is not serving at the moment."), code="office_unavailable")
    if service is not None and not service.in_person and not service.semi_in_person:
        raise DomainError(
            _("This service is done remotely: no visit is needed."),
            code="service_remote_only",
            fields={"service": [_("This service is done remotely: no visit is needed.")]},
        )
    ticket = _issue(
        office=office,
        kind=TicketKind.WALK_IN,
        now=now,
        sort_at=now,
        actor=actor,
        service=service,
        citizen=citizen,
    )
    audit.record(
        actor=actor,
        action="scheduling.ticket.issued",
        obj=ticket,
        office=office,
        data={"number": ticket.number, "service": service.code if service else None},
    )
    return ticket


def _lock_ticket(ticket: QueueTicket) -> QueueTicket:
    return QueueTicket.objects.select_for_update(of=("self",)).select_related("office").get(pk=ticket.pk)


def _not_called(ticket: QueueTicket) -> ConflictError:
    return ConflictError(
        _("Ticket %(ticket)s is not at a counter.") % {"ticket": ticket.label}, code="ticket_not_called"
    )


@transaction.atomic
def ticket_call_next(
    *, office: Office, counter: Counter, actor: User, now: datetime | None = None
) -> QueueTicket | None:
    """Call the next person to a counter; None when nobody is waiting.

    Two counters calling at the same instant never get the same ticket: the candidate is
    claimed with the engine's compare-and-set, and PostgreSQL skips rows another counter holds.
    """
    now = now or timezone.now()
    selectors.require_queue_staff(actor, office)
    if counter.office_id != office.pk:
        raise NotFoundError(_("Unknown counter."), code="unknown_counter")
    if not counter.active:
        raise DomainError(_("This counter is closed."), code="counter_inactive")
    current = QueueTicket.objects.filter(counter=counter, status=TicketStatus.CALLED).first()
    if current is not None:
        raise ConflictError(
            _("Counter %(counter)s is still with ticket %(ticket)s. Finish it first.")
            % {"counter": counter.number, "ticket": current.label},
            code="counter_busy",
        )
    candidates = selectors.waiting_tickets(office=office, now=now)
    for _attempt in range(5):
        ticket = candidates.select_for_update(skip_locked=True, of=("self",)).first()
        if ticket is None:
            return None
        try:
            with transaction.atomic():
                called = transition(
                    TICKET,
                    ticket,
                    TicketStatus.CALLED,
                    actor=actor,
                    expected_status=TicketStatus.WAITING,
                    changes={
                        "counter_id": counter.pk,
                        # The wait is measured to the first call; a requeued ticket keeps it.
                        "called_at": F("called_at") if ticket.called_at else now,
                        "announced_at": now,
                        "called_by_id": actor.pk,
                        "call_count": F("call_count") + 1,
                    },
                    audit_data={"number": ticket.number, "counter": counter.number},
                    now=now,
                )
        except IntegrityError:
            raise ConflictError(_("Another clerk is calling at this counter."), code="counter_busy") from None
        except ConflictError as exc:
            if exc.code == "stale_status":
                continue  # another counter called it first: take the next one
            raise
        called.refresh_from_db()
        return called
    raise ConflictError(code="queue_busy")


def _finish_ticket(
    *, ticket: QueueTicket, actor: User, status: str, now: datetime, expected_status: str | None
) -> QueueTicket:
    if not is_office_staff(actor, ticket.office):
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
    ticket = _lock_ticket(ticket)
    _check_expected(ticket, expected_status)
    if ticket.status != TicketStatus.CALLED:
        raise _not_called(ticket)
    finished = transition(
        TICKET,
        ticket,
        status,
        actor=actor,
        expected_status=TicketStatus.CALLED,
        audit_data={"number": ticket.number, "counter": ticket.counter.number if ticket.counter else None},
        now=now,
    )
    if ticket.appointment_id:
        appt = Appointment.objects.select_for_update(of=("self",)).get(pk=ticket.appointment_id)
        if appt.status == AppointmentStatus.CHECKED_IN:
            served = status == TicketStatus.SERVED
            transition(
                APPOINTMENT,
                appt,
                AppointmentStatus.SERVED if served else AppointmentStatus.NO_SHOW,
                actor=actor,
                expected_status=AppointmentStatus.CHECKED_IN,
                changes=None if served else {"finished_at": now},
                audit_data={"ticket": ticket.number},
                now=now,
            )
            if served:
                send_after_commit(appointment_served, appointment_id=appt.pk)
    if status == TicketStatus.SERVED:
        send_after_commit(ticket_served, ticket_id=ticket.pk)
    finished.refresh_from_db()
    return finished


@transaction.atomic
def ticket_serve(
    *, ticket: QueueTicket, actor: User, expected_status: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """The person at the counter was served."""
    return _finish_ticket(
        ticket=ticket,
        actor=actor,
        status=TicketStatus.SERVED,
        now=now or timezone.now(),
        expected_status=expected_status,
    )


@transaction.atomic
def ticket_no_show(
    *, ticket: QueueTicket, actor: User, expected_status: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """Called, but nobody came to the counter."""
    return _finish_ticket(
        ticket=ticket,
        actor=actor,
        status=TicketStatus.NO_SHOW,
        now=now or timezone.now(),
        expected_status=expected_status,
    )


@transaction.atomic
def ticket_recall(
    *, ticket: QueueTicket, actor: User, expected_status: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """Show a called ticket on the screen again (no change of status)."""
    now = now or timezone.now()
    if not is_office_staff(actor, ticket.office):
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
    ticket = _lock_ticket(ticket)
    _check_expected(ticket, expected_status)
    if not QueueTicket.objects.filter(pk=ticket.pk, status=TicketStatus.CALLED).update(
        announced_at=now, call_count=F("call_count") + 1
    ):
        raise _not_called(ticket)
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_requeue(
    *, ticket: QueueTicket, actor: User, expected_status: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """Send a called person back to wait (e.g. to fetch a document); they keep their place."""
    if not is_office_staff(actor, ticket.office):
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
    ticket = _lock_ticket(ticket)
    _check_expected(ticket, expected_status)
    if ticket.status != TicketStatus.CALLED:
        raise _not_called(ticket)
    back = transition(
        TICKET,
        ticket,
        TicketStatus.WAITING,
        actor=actor,
        expected_status=TicketStatus.CALLED,
        changes={"counter_id": None},
        audit_data={"number": ticket.number},
        now=now,
    )
    back.refresh_from_db()
    return back


@transaction.atomic
def ticket_leave(
    *, ticket: QueueTicket, actor: User, expected_status: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """Take a waiting ticket out of the queue (the person left); its holder or office staff."""
    staff = is_office_staff(actor, ticket.office)
    if not staff and ticket.citizen_id != actor.pk:
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
    ticket = _lock_ticket(ticket)
    _check_expected(ticket, expected_status)
    if ticket.status != TicketStatus.WAITING:
        raise ConflictError(_("This ticket is no longer waiting."), code="ticket_not_waiting")
    left = transition(
        TICKET,
        ticket,
        TicketStatus.LEFT,
        actor=actor,
        expected_status=TicketStatus.WAITING,
        audit_data={"number": ticket.number},
        now=now,
    )
    left.refresh_from_db()
    return left


def queue_close_day(*, office: Office, day: date, now: datetime | None = None) -> int:
    """End of day: tickets still waiting or called leave the queue; returns how many."""
    moved = bulk_transition(
        TICKET, QueueTicket.objects.filter(office=office, day=day), TicketStatus.LEFT, now=now
    )
    return len(moved)


# =====================================================================================
# Reminders and no-shows
# =====================================================================================

REMINDERS = {
    ReminderKind.DAY_BEFORE: ("reminded_24h_at", timedelta(hours=24), timedelta(hours=2)),
    ReminderKind.TWO_HOURS: ("reminded_2h_at", timedelta(hours=2), timedelta(0)),
}


def reminders_due(*, kind: str, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Booked appointments inside the reminder's window that were booked before it opened."""
    now = now or timezone.now()
    field, lead, until = REMINDERS[kind]
    return list(
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            start__gt=now + until,
            start__lte=now + lead,
            created_at__lt=F("start") - lead,
            **{f"{field}__isnull": True},
        )
        .order_by("start")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def appointment_remind(*, appointment_id: int, kind: str, now: datetime | None = None) -> bool:
    """Send one reminder once: the claim is a compare-and-set and the SMS has a dedupe key."""
    now = now or timezone.now()
    field, _lead, _until = REMINDERS[kind]
    claimed = Appointment.objects.filter(
        pk=appointment_id, status=AppointmentStatus.BOOKED, **{f"{field}__isnull": True}
    ).update(**{field: now})
    if not claimed:
        return False
    appt = Appointment.objects.select_related("office", "service", "citizen").get(pk=appointment_id)
    _sms(appt, f"scheduling.{kind}", kind)
    return True


def reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    sent = {}
    # The 2-hour reminder first: if a worker was down, the 24-hour one is no longer useful.
    for kind in (ReminderKind.TWO_HOURS, ReminderKind.DAY_BEFORE):
        sent[kind] = sum(
            appointment_remind(appointment_id=pk, kind=kind, now=now)
            for pk in reminders_due(kind=kind, now=now)
        )
    return sent


def appointments_mark_no_shows(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Bookings nobody checked in for by the end of the window become no-shows (a late arrival
    that same day can still check in and joins the walk-in line)."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.SCHEDULING_CHECKIN_LATE_MINUTES)
    missed = Appointment.objects.filter(status=AppointmentStatus.BOOKED, start__lt=cutoff)
    moved = bulk_transition(
        APPOINTMENT,
        missed,
        AppointmentStatus.NO_SHOW,
        changes={"no_show_marked_at": now},
        limit=limit,
        now=now,
    )
    return len(moved)


# =====================================================================================
# Office figures
# =====================================================================================


@transaction.atomic
def office_stats_refresh(*, office: Office, now: datetime | None = None, days: int = 28) -> OfficeQueueStats:
    """Recompute the figures suggestions rank by: arrivals, service time, expected wait, no-shows."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    tickets = QueueTicket.objects.filter(office=office, joined_at__gte=since, joined_at__lt=now)
    served = list(
        tickets.filter(
            status=TicketStatus.SERVED, called_at__isnull=False, finished_at__isnull=False
        ).values_list("called_at", "finished_at")[:5000]
    )
    if served:
        service_minutes = max(1.0, sum((b - a).total_seconds() for a, b in served) / 60.0 / len(served))
    else:
        service_minutes = selectors.DEFAULT_SERVICE_MINUTES
    hours = _open_hours(office, since.date(), now.date())
    arrivals = tickets.count() / hours if hours else 0.0
    counters = Counter.objects.filter(office=office, active=True).count()
    wait = expected_wait(arrivals, service_minutes, counters) if counters else math.inf
    finished = Appointment.objects.filter(
        office=office,
        start__gte=since,
        start__lt=now,
        status__in=[AppointmentStatus.SERVED, AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW],
    )
    total = finished.count()
    no_shows = finished.filter(status=AppointmentStatus.NO_SHOW).count()
    stats, _created = OfficeQueueStats.objects.update_or_create(
        office=office,
        defaults={
            "counters": counters,
            "arrivals_per_hour": round(arrivals, 3),
            "mean_service_minutes": round(service_minutes, 2),
            # An unstable queue is capped at a working day so rankings stay finite.
            "expected_wait_minutes": round(min(wait, 480.0), 2),
            "no_show_rate": round(no_shows / total, 4) if total else 0.0,
            "sample_size": total,
        },
    )
    return stats


def _open_hours(office: Office, day_from: date, day_to: date) -> float:
    hours = list(WorkingHours.objects.filter(office=office))
    holidays = working_calendar().holidays
    per_weekday: dict[int, float] = defaultdict(float)
    for h in hours:
        per_weekday[h.weekday] += (
            datetime.combine(date.min, h.closes) - datetime.combine(date.min, h.opens)
        ).total_seconds() / 3600
    total, day = 0.0, day_from
    while day < day_to:
        if day not in holidays:
            total += per_weekday.get(day.weekday(), 0.0)
        day += timedelta(days=1)
    return total


# =====================================================================================
# Visits avoided and flexible requests
# =====================================================================================


@transaction.atomic
def visit_avoided_record(
    *, citizen: User, service: Service, channel: str, office: Office | None = None
) -> VisitAvoided:
    """The citizen took the remote (no visit) or semi-in-person (one visit) channel instead of booking."""
    if channel not in ("remote", "semi_in_person"):
        raise DomainError(fields={"channel": [_("Choose the remote or the semi-in-person channel.")]})
    if not getattr(service, channel):
        raise DomainError(
            _("This service is not offered on this channel."),
            code="channel_not_allowed",
            fields={"channel": [_("This service is not offered on this channel.")]},
        )
    # Remote saves the visit; semi-in-person still needs the one verification visit.
    saved = 1 if channel == "remote" else 0
    row = VisitAvoided.objects.create(
        citizen=citizen,
        service=service,
        channel=channel,
        visits_saved=saved,
        office=office,
        province_id=office.province_id if office else None,
    )
    audit.record(
        actor=citizen,
        action="scheduling.channel.chosen",
        obj=row,
        office=office,
        data={"service": service.code, "channel": channel},
    )
    return row


@transaction.atomic
def flexible_request_create(
    *,
    citizen: User,
    service: Service,
    latitude: float,
    longitude: float,
    earliest: date,
    latest: date,
    now: datetime | None = None,
) -> FlexibleRequest:
    """Ask to be placed at any nearby office on any day in a range; the nightly rebalancer assigns."""
    now = now or timezone.now()
    today = tehran_date(now)
    errors = {}
    if not (24 <= latitude <= 40 and 44 <= longitude <= 64):
        errors["location"] = [_("The location must be inside Iran.")]
    if earliest < today:
        errors["earliest"] = [_("The date cannot be in the past.")]
    if latest < earliest:
        errors["latest"] = [_("The last date must not be before the first.")]
    elif latest > today + timedelta(days=settings.SCHEDULING_HORIZON_DAYS):
        errors["latest"] = [_("This date is too far ahead.")]
    if not service.in_person and not service.semi_in_person:
        errors["service"] = [_("This service is done remotely: no visit is needed.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    _lock_user(citizen)
    if FlexibleRequest.objects.filter(
        citizen=citizen, service=service, status=FlexibleRequestStatus.PENDING
    ).exists():
        raise ConflictError(
            _("You already asked for this service; wait for the assignment."), code="request_pending"
        )
    request = FlexibleRequest.objects.create(
        citizen=citizen,
        service=service,
        latitude=latitude,
        longitude=longitude,
        earliest=earliest,
        latest=latest,
    )
    audit.record(
        actor=citizen,
        action="scheduling.flexible_request.created",
        obj=request,
        data={"service": service.code},
    )
    return request


@transaction.atomic
def flexible_request_withdraw(
    *, request: FlexibleRequest, actor: User, expected_status: str | None = None
) -> FlexibleRequest:
    if request.citizen_id != actor.pk:
        raise NotFoundError(code="request_not_found")
    current = FlexibleRequest.objects.select_for_update().get(pk=request.pk)
    _check_expected(current, expected_status)
    if current.status != FlexibleRequestStatus.PENDING:
        raise ConflictError(_("This request was already handled."), code="request_not_pending")
    withdrawn = transition(
        FLEXIBLE_REQUEST,
        current,
        FlexibleRequestStatus.WITHDRAWN,
        actor=actor,
        expected_status=FlexibleRequestStatus.PENDING,
    )
    return FlexibleRequest.objects.select_related("service").get(pk=withdrawn.pk)


def flexible_request_assign(
    *, request: FlexibleRequest, actor: User, slot_candidates: list[int], now: datetime | None = None
) -> Appointment | None:
    """Book the first free time among the rebalancer's candidate slots for one request.

    Runs as the system on the citizen's behalf (audit: actor = the Kanoon operator who ran
    the batch). A request whose candidates all filled meanwhile is left pending for the next run.
    """
    for slot_id in slot_candidates:
        try:
            with transaction.atomic():
                if not FlexibleRequest.objects.filter(
                    pk=request.pk, status=FlexibleRequestStatus.PENDING
                ).exists():
                    return None
                result = _book_for_batch(request=request, actor=actor, slot_id=slot_id, now=now)
                transition(
                    FLEXIBLE_REQUEST,
                    request,
                    FlexibleRequestStatus.ASSIGNED,
                    actor=actor,
                    expected_status=FlexibleRequestStatus.PENDING,
                    on_behalf_of=request.citizen,
                    changes={"appointment_id": result.pk},
                    audit_data={"appointment": result.pk},
                )
                return result
        except DomainError:
            continue
    return None


def _book_for_batch(
    *, request: FlexibleRequest, actor: User, slot_id: int, now: datetime | None
) -> Appointment:
    # The batch books as the citizen's own request: the operator is recorded by the assignment.
    result = appointment_book(
        actor=request.citizen,
        citizen=request.citizen,
        slot_id=slot_id,
        service=request.service,
        idempotency_key=f"flex-{request.pk}",
        now=now,
    )
    return result.appointment


def flexible_requests_run(*, days: int = 5, k: int = 10, now: datetime | None = None) -> dict[str, int]:
    """Expire requests whose window passed, then assign and book the rest (the nightly batch)."""
    from tanzim.scheduling import batch, rebalance

    now = now or timezone.now()
    stale = FlexibleRequest.objects.filter(latest__lt=tehran_date(now) + timedelta(days=1))
    expired = len(bulk_transition(FLEXIBLE_REQUEST, stale, FlexibleRequestStatus.UNASSIGNED, now=now))
    data = batch.from_database(days=days, now=now)
    if not data.requests or not len(data.problem.bucket_capacity):
        return {"expired": expired, "booked": 0, "missed": 0, "unassigned": len(data.requests)}
    result = rebalance.solve_optimal(data.problem, k=k)
    return {"expired": expired, **batch.apply(data, result, actor=None)}
