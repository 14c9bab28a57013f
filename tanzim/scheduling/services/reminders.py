"""Reminders before an appointment (each sent once) and the automatic no-show sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tanzim.audit.workflow import bulk_transition
from tanzim.common.timezones import in_quiet_hours, zone_of
from tanzim.scheduling.choices import AppointmentStatus, ReminderKind
from tanzim.scheduling.models import Appointment
from tanzim.scheduling.services.appointments import _sms
from tanzim.scheduling.workflows import APPOINTMENT

REMINDERS: dict[str, tuple[str, timedelta, timedelta]] = {
    ReminderKind.DAY_BEFORE: ("reminded_24h_at", timedelta(hours=24), timedelta(hours=2)),
    ReminderKind.TWO_HOURS: ("reminded_2h_at", timedelta(hours=2), timedelta(0)),
}


# The day-before reminder waits for waking hours where the citizen lives (22:00–08:00 is quiet),
# except in the last hour of its window, when it goes whatever the hour.
LAST_CHANCE = timedelta(hours=1)


def reminders_due(*, kind: str, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Booked appointments inside the reminder's window that were booked before it opened.

    A day-before reminder is held while it is night where the citizen lives (a resident of
    Toronto is not woken at 01:00 for an appointment in Tehran); the 22-hour window always
    holds waking hours, and its last hour sends it anyway."""
    now = now or timezone.now()
    field, lead, until = REMINDERS[kind]
    rows = (
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            start__gt=now + until,
            start__lte=now + lead,
            created_at__lt=F("start") - lead,
            **{f"{field}__isnull": True},
        )
        .order_by("start")
        .values_list("pk", "start", "citizen__time_zone")
    )
    if kind != ReminderKind.DAY_BEFORE:
        return [pk for pk, _start, _zone in rows[:limit]]
    due: list[int] = []
    for pk, start, zone in rows.iterator(chunk_size=limit):
        if start - now <= until + LAST_CHANCE or not in_quiet_hours(now, zone_of(zone)):
            due.append(pk)
            if len(due) >= limit:
                break
    return due


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
    sent: dict[str, int] = {}
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
