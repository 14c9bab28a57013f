"""Demo scheduling data: slots for two weeks, some bookings, and a live queue at the first Tehran office.

Idempotent: slots are regenerated (never duplicated), bookings carry fixed idempotency keys,
and the queue is only created when that office has no ticket today.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.catalog.models import Service
from tanzim.common.errors import DomainError
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Counter, Office
from tanzim.scheduling import selectors
from tanzim.scheduling.models import QueueTicket, Slot
from tanzim.scheduling.services import (
    appointment_book,
    office_stats_refresh,
    slots_generate_all,
    ticket_call_next,
    ticket_issue_walk_in,
    ticket_no_show,
    ticket_serve,
)

DEMO_DAYS = 14
DEMO_BOOKINGS = 30
VISIT_SERVICES = (
    "civil_petition",
    "formal_notice",
    "sana_registration",
    "case_followup",
    "brief",
    "no_criminal_record",
)


def _first_tehran_office(offices: list[Office]) -> Office | None:
    tehran = sorted(
        (o for o in offices if o.province.code == "THR" and o.status == OfficeStatus.ACTIVE),
        key=lambda o: o.code,
    )
    return tehran[0] if tehran else None


def _citizens() -> list[User]:
    return list(
        User.objects.filter(roles__role=Role.CITIZEN, is_active=True)
        .exclude(mobile="")
        .order_by("pk")
        .distinct()[:60]
    )


def _bookings(offices: list[Office], home: Office | None, rng: random.Random) -> int:
    services = list(Service.objects.filter(code__in=VISIT_SERVICES, active=True))
    citizens = _citizens()
    if not services or not citizens:
        return 0
    now = timezone.now()
    tehran = [o for o in offices if o.province.code == "THR" and o.status == OfficeStatus.ACTIVE]
    made = 0
    for i in range(min(DEMO_BOOKINGS, len(citizens) * 2)):
        citizen = citizens[i % len(citizens)]
        office = home if i % 3 == 0 and home else rng.choice(tehran or offices)
        service = services[i % len(services)]
        day = tehran_date(now) + timedelta(days=1 + i % 6)
        start = datetime.combine(day, time(0), tzinfo=TEHRAN)
        free = list(
            selectors.free_slots(office_ids=[office.pk], start=start, end=start + timedelta(days=1))[:40]
        )
        fitting = selectors.fitting_starts(free, selectors.units_for(service))
        if not fitting:
            continue
        slot = fitting[rng.randrange(len(fitting))]
        try:
            result = appointment_book(
                actor=citizen,
                slot_id=slot.pk,
                service=service,
                idempotency_key=f"demo-booking-{citizen.pk}-{i}",
            )
            made += int(result.created)
        except DomainError:
            continue  # the citizen's limit, an overlap, or a rerun with another free slot
    return made


def _live_queue(office: Office, rng: random.Random) -> int:
    now = timezone.now()
    today = tehran_date(now)
    if QueueTicket.objects.filter(office=office, day=today).exists():
        return 0
    clerk = User.objects.filter(roles__role=Role.CLERK, roles__office=office).order_by("pk").first()
    counters = list(Counter.objects.filter(office=office, active=True).order_by("number"))
    if clerk is None or not counters:
        return 0
    services = list(Service.objects.filter(code__in=VISIT_SERVICES, active=True))
    opened = max(datetime.combine(today, time(0), tzinfo=TEHRAN), now - timedelta(hours=2))
    moment = opened
    issued = 0
    # Two hours of a morning: people arrive every few minutes; counters call and serve.
    tickets = []
    for _ in range(18):
        moment += timedelta(minutes=rng.randint(3, 8))
        if moment >= now:
            break
        tickets.append(
            ticket_issue_walk_in(
                office=office, actor=clerk, service=rng.choice(services) if services else None, now=moment
            )
        )
        issued += 1
    busy: dict[int, tuple] = {}
    clock = opened + timedelta(minutes=5)
    while clock < now - timedelta(minutes=10):
        for counter in counters[:3]:
            current = busy.get(counter.pk)
            if current and clock >= current[1]:
                ticket = QueueTicket.objects.get(pk=current[0])
                if rng.random() < 0.08:
                    ticket_no_show(ticket=ticket, actor=clerk, now=clock)
                else:
                    ticket_serve(ticket=ticket, actor=clerk, now=clock)
                busy.pop(counter.pk)
            if counter.pk not in busy:
                waiting = QueueTicket.objects.filter(
                    office=office, day=today, status="waiting", joined_at__lte=clock
                )
                if waiting.exists():
                    called = ticket_call_next(office=office, counter=counter, actor=clerk, now=clock)
                    if called:
                        busy[counter.pk] = (called.pk, clock + timedelta(minutes=rng.randint(8, 16)))
        clock += timedelta(minutes=2)
    return issued


def seed_scheduling(*, offices: list[Office], progress=None) -> dict[str, int]:
    """Slots for the next two weeks at every demo office, some bookings, and a live queue."""
    rng = random.Random(1405)
    ids = [o.pk for o in offices]
    with transaction.atomic():
        sync = slots_generate_all(
            days=DEMO_DAYS, offices=Office.objects.filter(pk__in=ids), progress=progress
        )
    offices = list(Office.objects.filter(pk__in=ids).select_related("province"))
    home = _first_tehran_office(offices)
    # One transaction: a single commit instead of one per booking and ticket (SQLite syncs each).
    with transaction.atomic():
        booked = _bookings(offices, home, rng)
        queued = 0
        if home is not None:
            queued = _live_queue(home, rng)
            office_stats_refresh(office=home)
    return {
        "slots": Slot.objects.filter(office_id__in=ids).count(),
        "slots_created": sync.created,
        "bookings": booked,
        "tickets": queued,
    }
