"""Booking, cancelling and moving appointments.

Lock order, the same everywhere so that two transactions never wait on each other in a
circle: the citizen's user row → the appointment row → slot rows in order of start time →
the office's audit stream (taken by ``audit.record``).
"""

from __future__ import annotations

import itertools
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, IntegerField, Subquery, Value
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.accounts.permissions import is_office_staff
from tanzim.accounts.selectors import active_roles
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.jalali import tehran_date
from tanzim.common.timezones import viewing_in
from tanzim.notify.messages import TEMPLATES as MESSAGE_TEMPLATES
from tanzim.notify.services import message_enqueue
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office
from tanzim.scheduling import selectors
from tanzim.scheduling.choices import (
    CHANGEABLE,
    HOLDING,
    SLOT_CHANNELS,
    AppointmentStatus,
    BookingChannel,
    ReminderKind,
    SlotStatus,
)
from tanzim.scheduling.formatting import when_text
from tanzim.scheduling.models import Appointment, Slot
from tanzim.scheduling.signals import appointment_booked, appointment_cancelled, send_after_commit
from tanzim.scheduling.workflows import APPOINTMENT

REFERENCE_ALPHABET = "ACDEFHJKLMNPQRTUVWXY3479"  # no look-alikes (0/O, 1/I, 5/S, 8/B)


class SlotTakenError(ConflictError):
    code = "slot_taken"
    default_message = _("This time was just taken by someone else. Choose another time.")

    def __init__(self, *args: Any, slot: Slot | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The slot as the booking read it, with its office: the 409 names the next free times
        # from it without reading it again.
        self.slot = slot


def _new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _lock_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _units_of(appointment: Appointment) -> list[Slot]:
    if appointment.slot_id is None:
        return []  # a call (video, phone) holds no counter slot
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


def _apply_slot_deltas(
    deltas: dict[int, int], starts: dict[int, datetime], guard: list | None = None
) -> None:
    """Take (+1) and give back (-1) places, slot by slot in order of start time.

    Taking a place is one conditional UPDATE that matches only while a place is free; the
    CHECK constraint ``booked <= bookable`` backs it up. A miss raises SlotTakenError and
    the caller's transaction rolls back every change made so far. ``guard``: more conditions of
    the first place taken (a miss is the same SlotTakenError; the caller says why).
    """
    for pk in sorted(deltas, key=lambda k: (starts[k], k)):
        delta = deltas[pk]
        if delta > 0:
            taking = Slot.objects.filter(pk=pk, status=SlotStatus.OPEN, booked__lte=F("bookable") - delta)
            if guard:
                taking, guard = taking.filter(*guard), None
            won = taking.update(booked=F("booked") + delta)
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


def _sms(appointment: Appointment, template: str, dedupe: str, *, fresh: bool = False, **extra) -> None:
    citizen = appointment.citizen
    if not citizen.mobile:
        return
    if appointment.slot_id is None and f"{template}_remote" in MESSAGE_TEMPLATES:
        template = f"{template}_remote"  # a call: no address, no check-in, no national card
    language = citizen.preferred_language or settings.LANGUAGE_CODE
    with viewing_in(citizen.time_zone):  # a citizen abroad reads the time where they live, and Tehran's
        context = _appointment_context(appointment, language, **extra)
    message_enqueue(
        template=template,
        to=citizen.mobile,
        recipient=citizen,
        language=language,
        context=context,
        dedupe_key=f"scheduling:appointment:{appointment.pk}:{dedupe}",
        fresh_key=fresh,
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
    *,
    citizen: User,
    start: datetime,
    end: datetime,
    now: datetime,
    exclude: int | None = None,
    field: str | None = None,
) -> None:
    """The citizen rules of any booking (a visit or a call): no two appointments at once, and the
    most allowed; ``field`` names the form field an overlap is shown on."""
    # One read: a citizen holds at most a handful of upcoming appointments.
    holding = [
        (pk, a_start, a_end)
        for pk, a_start, a_end in Appointment.objects.filter(
            citizen=citizen, status__in=HOLDING, end__gt=now
        ).values_list("pk", "start", "end")
        if pk != exclude
    ]
    if any(a_start < end and start < a_end for _pk, a_start, a_end in holding):
        message = _("You already have an appointment at this time.")
        raise ConflictError(message, code="overlapping_booking", fields={field: [message]} if field else None)
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
    if channel not in SLOT_CHANNELS:  # a call is booked through ``remote_appointment_book``
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


def _replay(earlier_id: int, payload: dict) -> BookingResult:
    earlier = Appointment.objects.select_related("office", "service").get(pk=earlier_id)
    check_replay(stored_fingerprint=earlier.request_fingerprint, payload=payload)
    return BookingResult(earlier, False)


def _booking_state(
    *, actor: User, citizen: User, idempotency_key: str | None
) -> tuple[bool, int | None, bool]:
    """Lock the citizen's row and read with it: whether the account is active, the appointment an
    earlier request with this key made, whether the actor holds the citizen role.

    The lock serialises one citizen's bookings. The locked row is read as it is now; the
    subqueries see the database as it was when the statement began (before any wait for the
    lock), so a replay that committed meanwhile is caught by the key's unique constraint, and
    the citizen's upcoming bookings are checked by the slot's UPDATE (``_citizen_guard``)."""
    earlier = (
        Subquery(
            Appointment.objects.filter(booked_by=actor.pk, idempotency_key=idempotency_key).values("pk")[:1]
        )
        if idempotency_key
        else Value(None, output_field=IntegerField())
    )
    row = (
        User.objects.select_for_update(of=("self",))
        .filter(pk=citizen.pk)
        .annotate(_earlier=earlier, _citizen=Exists(active_roles(actor).filter(role=Role.CITIZEN)))
        .values_list("is_active", "_earlier", "_citizen")
        .first()
    )
    if row is None:
        raise DomainError(_("This citizen's account is not active."), code="citizen_inactive")
    return row


def _citizen_guard(*, citizen: User, start: datetime, end: datetime, now: datetime) -> list[Any]:
    """``_check_citizen`` as conditions of the slot's UPDATE, which runs after the citizen's lock
    was taken and so sees every booking committed before it: no overlap, under the limit."""
    holding = Appointment.objects.filter(citizen=citizen.pk, status__in=HOLDING, end__gt=now)
    limit = settings.SCHEDULING_MAX_ACTIVE_BOOKINGS
    return [
        ~Exists(holding.filter(start__lt=end, end__gt=start)),
        ~Exists(holding.order_by("pk")[limit - 1 : limit]),
    ]


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
    """One booking in as few round trips as the guarantees allow (issue 23's profile: the time was
    spent waiting on ~17 queries). Before the transaction, the slot (with its office) and, for a
    longer service, the run of slots behind it are read: no lock is held while reading, and a
    stale read can only refuse. In the transaction: one statement locks the citizen and reads
    the replay and the role; one conditional UPDATE per slot takes the place, the first one
    only while the citizen holds no overlapping booking and fewer than the limit (the database
    refuses an overbooking, and reads the citizen's bookings after the lock); then the
    appointment, its audit event and its SMS in the outbox, with no savepoint and no read in
    between. A refusal is explained by fresh reads. Everything sent to Redis or the broker
    waits for the commit (``on_commit``)."""
    slot = Slot.objects.select_related("office", "office__city").filter(pk=slot_id).first()
    units = selectors.units_for(service)
    run = _run_for(slot, units) if slot is not None else []
    span = (run[0].start, run[-1].end) if run else (now, now)
    with transaction.atomic():
        is_active, earlier_id, is_citizen = _booking_state(
            actor=actor, citizen=citizen, idempotency_key=idempotency_key
        )
        if earlier_id is not None:
            return _replay(earlier_id, payload)
        if citizen.pk == actor.pk and not is_citizen:
            raise PermissionDeniedError(
                _("Only citizens book appointments for themselves; staff book on a citizen's behalf."),
                code="not_a_citizen",
            )
        if not is_active:
            raise DomainError(_("This citizen's account is not active."), code="citizen_inactive")
        if slot is None:
            raise NotFoundError(_("This time is not available."), code="slot_not_found")
        if office is not None and slot.office_id != office.pk:
            raise DomainError(
                _("This time belongs to another office."),
                code="slot_office_mismatch",
                fields={"slot": [_("This time belongs to another office.")]},
            )
        _check_bookable(slot=slot, service=service, actor=actor, citizen=citizen, now=now, channel=channel)
        if not run or any(s.status != SlotStatus.OPEN for s in run):
            raise DomainError(
                _(
                    "This service takes %(minutes)s minutes and does not fit at this time."
                    " Choose an earlier time."
                )
                % {"minutes": service.duration_minutes},
                code="service_does_not_fit",
                fields={"slot": [_("The service does not fit at this time.")]},
            )
        if any(s.booked >= s.bookable for s in run):
            # Already full when read: answer at once instead of queueing behind the row lock. A
            # stale read can only refuse; taking the place is still decided by the UPDATE below.
            raise SlotTakenError(slot=slot)
        start, end = span
        try:
            _apply_slot_deltas(
                {s.pk: 1 for s in run},
                {s.pk: s.start for s in run},
                guard=_citizen_guard(citizen=citizen, start=start, end=end, now=now),
            )
        except SlotTakenError as taken:
            # Refused: say why, from fresh reads under the citizen's lock. A request with the same
            # key that committed while this one waited for the lock gets its answer (a replay).
            if idempotency_key:
                earlier = Appointment.objects.filter(booked_by=actor, idempotency_key=idempotency_key)
                if (earlier_id := earlier.values_list("pk", flat=True).first()) is not None:
                    return _replay(earlier_id, payload)
            _check_citizen(citizen=citizen, start=start, end=end, now=now)
            taken.slot = slot
            raise
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
        # A new appointment's key cannot have a message yet: one INSERT, no lookup, no savepoint.
        _sms(appointment, "scheduling.confirmed", ReminderKind.CONFIRMATION, fresh=True)
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
    if old.slot_id is None:
        raise ConflictError(
            _("A consultation call is not moved to an office's time: cancel it and book another time."),
            code="remote_not_movable",
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
