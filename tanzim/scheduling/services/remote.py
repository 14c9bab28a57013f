"""Appointments for a remote call (video or phone) at a person's own time, not an office counter.

A consultation call (``tanzim.consult``) is booked on the consultant's time, which the consult
app guards (its own constraint and the consultant's row lock). Here the call also becomes an
appointment of the consultant's office, with no slot: it is listed with the citizen's and the
office's appointments, exported to a calendar, reminded the day before (quiet hours included),
cancelled under the same cut-off, and swept as a no-show when nobody held it — while it takes
no place from the counters. Cancelling goes through ``appointment_cancel`` (a call gives back no
slot); moving to a counter slot is refused there.

Lock order as in ``appointments``: the citizen's user row first, then the appointment row.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office
from tanzim.scheduling.choices import REMOTE_CHANNELS, AppointmentStatus, ReminderKind
from tanzim.scheduling.models import Appointment
from tanzim.scheduling.services.appointments import REFERENCE_ALPHABET, _check_citizen, _sms
from tanzim.scheduling.signals import appointment_booked, send_after_commit
from tanzim.scheduling.workflows import APPOINTMENT


def _reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


@transaction.atomic
def remote_appointment_book(
    *,
    citizen: User,
    office: Office,
    service: Service,
    start: datetime,
    end: datetime,
    channel: str,
    case_ref: str = "",
    now: datetime | None = None,
) -> Appointment:
    """The appointment of a call the caller has already placed on someone's own time.

    The caller (consult) decides the time is free for the person giving the call; this checks
    what is the citizen's (no overlap with another appointment, the most allowed at once)."""
    now = now or timezone.now()
    if channel not in REMOTE_CHANNELS:
        raise DomainError(fields={"channel": [_("Unknown channel.")]})
    if end <= start or start <= now:
        raise DomainError(fields={"starts_at": [_("This time has already passed.")]}, code="slot_past")
    if office.status != OfficeStatus.ACTIVE:
        raise ConflictError(_("This office is not taking bookings at the moment."), code="office_unavailable")
    citizen = User.objects.select_for_update().get(pk=citizen.pk)
    _check_citizen(citizen=citizen, start=start, end=end, now=now, field="starts_at")
    for attempt in range(5):
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    reference=_reference(),
                    office=office,
                    slot=None,
                    units=1,
                    start=start,
                    end=end,
                    service=service,
                    channel=channel,
                    citizen=citizen,
                    booked_by=citizen,
                    case_ref=case_ref[:40],
                )
            break
        except IntegrityError as exc:  # two random codes met: draw another
            if "reference" not in str(exc).lower() or attempt == 4:
                raise
    appointment.office = office
    appointment.service = service
    appointment.citizen = citizen
    audit.record(
        actor=citizen,
        action="scheduling.appointment.booked",
        obj=appointment,
        office=office,
        data={"service": service.code, "start": start.isoformat(), "channel": channel, "ref": case_ref},
    )
    _sms(appointment, "scheduling.confirmed", ReminderKind.CONFIRMATION)
    send_after_commit(appointment_booked, appointment_id=appointment.pk)
    return appointment


@transaction.atomic
def remote_appointment_held(*, appointment_id: int, now: datetime | None = None) -> Appointment | None:
    """The call took place (the consultant answered): checked in and served, by the system.

    A call the no-show sweep already marked is held after all (no-show → checked in is the
    late arrival's move). Safe to run twice; an appointment cancelled meanwhile is left alone."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
    if appointment is None or appointment.channel not in REMOTE_CHANNELS:
        return appointment
    if appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW):
        appointment = transition(
            APPOINTMENT,
            appointment,
            AppointmentStatus.CHECKED_IN,
            expected_status=appointment.status,
            now=now,
        )
    if appointment.status == AppointmentStatus.CHECKED_IN:
        appointment = transition(
            APPOINTMENT,
            appointment,
            AppointmentStatus.SERVED,
            expected_status=AppointmentStatus.CHECKED_IN,
            now=now,
        )
    return appointment
