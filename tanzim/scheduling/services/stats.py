"""Office figures the suggestions rank by, and the visits avoided by a remote or semi-in-person choice."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.audit import services as audit
from tanzim.catalog.models import Service
from tanzim.common.errors import DomainError
from tanzim.offices.models import Counter, Office, WorkingHours
from tanzim.offices.selectors import working_calendar
from tanzim.scheduling import selectors
from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment, OfficeQueueStats, QueueTicket, VisitAvoided
from tanzim.scheduling.queueing import expected_wait


@transaction.atomic
def office_stats_refresh(*, office: Office, now: datetime | None = None, days: int = 28) -> OfficeQueueStats:
    """Recompute the figures suggestions rank by: arrivals, service time, expected wait, no-shows."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    tickets = QueueTicket.objects.filter(office=office, joined_at__gte=since, joined_at__lt=now)
    service_minutes = selectors.served_mean_minutes(tickets, limit=5000) or selectors.DEFAULT_SERVICE_MINUTES
    hours = _open_hours(office, since.date(), now.date())
    arrivals = tickets.count() / hours if hours else 0.0
    counters = Counter.objects.filter(office=office, active=True).count()
    wait = expected_wait(arrivals, service_minutes, counters) if counters else math.inf
    # Visits only: a call (no slot) takes no counter place, so its no-show says nothing about overbooking.
    finished = Appointment.objects.filter(
        office=office,
        slot__isnull=False,
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
    calendar = working_calendar()
    per_weekday: dict[int, float] = defaultdict(float)
    for h in hours:
        per_weekday[h.weekday] += (
            datetime.combine(date.min, h.closes) - datetime.combine(date.min, h.opens)
        ).total_seconds() / 3600
    total, day = 0.0, day_from
    while day < day_to:
        if not calendar.is_holiday(day):
            total += per_weekday.get(day.weekday(), 0.0)
        day += timedelta(days=1)
    return total


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
