"""The slot inventory of many offices at once, set-based on PostgreSQL.

``slots_generate`` brings one office in line row by row in Python; for the whole country
(3,000 offices × 30 days ≈ 2 million slots) that is minutes. Here the same result comes from a
few statements per batch of offices:

1. the wanted slots go to a temporary table, made by PostgreSQL itself from each office's
   hours (``generate_series`` over the days and the times of day, holidays left out, in
   Tehran's time); an office with an overbooking allowance is worked out by ``desired_slots``
   in Python, as before, and its rows are added to the same table;
2. the existing slots are compared with it in SQL: a time no longer wanted is closed (a booked
   one keeps its bookings and its place, and blocks new slots that would overlap it), a changed
   capacity or length is updated (never below what is booked; a length only while nothing is
   booked), a closed time that is wanted again reopens, and the new times are inserted in one
   ``INSERT … SELECT``.

Status changes still go through the workflow engine (``bulk_transition``). The result is the
same as ``slots_generate`` per office (tests compare them); SQLite keeps the per-office path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from tanzim.audit.workflow import bulk_transition
from tanzim.common.calendar import WorkingCalendar
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office
from tanzim.scheduling import selectors
from tanzim.scheduling.choices import SlotStatus
from tanzim.scheduling.models import OfficeQueueStats, OfficeSchedulingPolicy, Slot
from tanzim.scheduling.workflows import SLOT

BATCH = 500  # offices per transaction
# Connections working at once on a large run (each on its own batches): the insert is bound by
# PostgreSQL's index upkeep, one core per connection.
PARALLEL = 2

_CREATE = """
CREATE TEMPORARY TABLE IF NOT EXISTS scheduling_slot_wanted (
    office_id bigint NOT NULL, start timestamptz NOT NULL, "end" timestamptz NOT NULL,
    capacity integer NOT NULL, bookable integer NOT NULL, PRIMARY KEY (office_id, start)
) ON COMMIT DELETE ROWS
"""

# Every office's hours × every day of the range × every time of day that fits, in Tehran's time.
_FROM_HOURS = """
INSERT INTO scheduling_slot_wanted (office_id, start, "end", capacity, bookable)
SELECT h.office_id, t.start, t.start + %(step)s, o.capacity, o.capacity
FROM unnest(%(o_id)s::bigint[], %(o_capacity)s::integer[]) AS o(id, capacity)
JOIN unnest(%(h_office)s::bigint[], %(h_weekday)s::integer[], %(h_opens)s::time[], %(h_closes)s::time[])
     AS h(office_id, weekday, opens, closes) ON h.office_id = o.id
CROSS JOIN generate_series(
    %(day_from)s::timestamp, %(day_to)s::timestamp - interval '1 day', interval '1 day'
) AS d(day)
CROSS JOIN LATERAL generate_series(
    (d.day::date + h.opens) AT TIME ZONE %(zone)s,
    (d.day::date + h.closes) AT TIME ZONE %(zone)s - %(step)s,
    %(step)s
) AS t(start)
WHERE (extract(isodow FROM d.day)::integer - 1) = h.weekday
  AND NOT (d.day::date = ANY(%(holidays)s::date[]))
  AND t.start >= %(not_before)s
ON CONFLICT DO NOTHING
"""

_FROM_ROWS = """
INSERT INTO scheduling_slot_wanted (office_id, start, "end", capacity, bookable)
SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::integer[], %s::integer[])
ON CONFLICT DO NOTHING
"""

# Existing slots of the batch in the range that are no longer wanted, or whose length changed
# while someone is booked on them: (id, booked, status).
_UNWANTED = """
SELECT s.id, s.booked, s.status FROM scheduling_slot s
LEFT JOIN scheduling_slot_wanted w ON w.office_id = s.office_id AND w.start = s.start
WHERE s.office_id = ANY(%(offices)s) AND s.start >= %(not_before)s AND s.start < %(until)s
  AND (w.office_id IS NULL OR (w."end" <> s."end" AND s.booked > 0))
"""

# Wanted times whose slot differs: capacity and places (never below the booked count), the
# length only while nothing is booked; returns what was updated and whether it was closed.
_UPDATE = """
UPDATE scheduling_slot s
SET capacity = w.capacity, bookable = GREATEST(w.bookable, s.booked), "end" = w."end"
FROM scheduling_slot_wanted w
WHERE w.office_id = s.office_id AND w.start = s.start
  AND s.office_id = ANY(%(offices)s) AND s.start >= %(not_before)s AND s.start < %(until)s
  AND (w."end" = s."end" OR s.booked = 0)
  AND (s."end", s.capacity, s.bookable, s.status)
      IS DISTINCT FROM (w."end", w.capacity, GREATEST(w.bookable, s.booked), %(open)s)
RETURNING s.id, s.status
"""

_INSERT = """
INSERT INTO scheduling_slot (office_id, start, "end", capacity, bookable, booked, status)
SELECT w.office_id, w.start, w."end", w.capacity, w.bookable, 0, %(open)s
FROM scheduling_slot_wanted w
WHERE NOT EXISTS (SELECT 1 FROM scheduling_slot s WHERE s.office_id = w.office_id AND s.start = w.start)
{blocked}
ORDER BY w.office_id, w.start
"""
# New slots never overlap a booked slot that stays where it was (its time is no longer offered).
_NOT_BLOCKED = """AND NOT EXISTS (
    SELECT 1 FROM scheduling_slot b
    WHERE b.id = ANY(%(blocked)s) AND b.office_id = w.office_id AND b.start < w."end" AND w.start < b."end"
)"""


def _batches(offices: list[Office], size: int) -> Iterable[list[Office]]:
    for i in range(0, len(offices), size):
        yield offices[i : i + size]


def _overbooks(policy: OfficeSchedulingPolicy, stats: dict[int, OfficeQueueStats]) -> bool:
    """Would ``desired_slots`` add an overbooking allowance for this office?"""
    from tanzim.scheduling.services.slots import MIN_SHOW_SAMPLE

    if not policy.overbooking_enabled:
        return False
    if policy.show_rate_pct:
        return policy.show_rate_pct < 100
    found = stats.get(policy.office_id)
    return found is not None and found.sample_size >= MIN_SHOW_SAMPLE and found.no_show_rate > 0


def slots_sync_parallel(*, offices: list[Office], progress: Callable[[], None] | None = None, **kwargs):
    """``slots_sync_set_based`` on ``PARALLEL`` connections, each taking every other batch, when
    the run is large and no transaction is open (inside one, the work stays on its connection)."""
    from tanzim.scheduling.services.slots import SlotSync

    if connection.in_atomic_block or len(offices) <= BATCH or PARALLEL < 2:
        return slots_sync_set_based(offices=offices, progress=progress, **kwargs)
    kwargs.setdefault("now", timezone.now())
    batches = list(_batches(offices, BATCH))
    shares = [[o for batch in batches[i::PARALLEL] for o in batch] for i in range(PARALLEL)]
    lock = threading.Lock()

    def tick() -> None:
        if progress:
            with lock:
                progress()

    def work(share: list[Office]):
        try:
            return slots_sync_set_based(offices=share, progress=tick, **kwargs)
        finally:
            connections.close_all()  # this thread's own connection

    total = SlotSync()
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for sync in pool.map(work, shares):
            total += sync
    return total


def slots_sync_set_based(
    *,
    offices: list[Office],
    calendar: WorkingCalendar,
    days: int,
    now: datetime | None = None,
    from_day: date | None = None,
    progress: Callable[[], None] | None = None,
):
    """``slots_generate`` for every office of ``offices`` (hours and counters prefetched), in
    batches; with ``from_day`` only the days from it to the horizon are brought in line."""
    from tanzim.scheduling.services.slots import SlotSync, appointment_capacity, desired_slots

    now = now or timezone.now()
    today = tehran_date(now)
    day_to = today + timedelta(days=days)
    day_from = max(today, from_day) if from_day else today
    not_before = max(now, datetime.combine(day_from, time(0), tzinfo=TEHRAN))
    until = datetime.combine(day_to, time(0), tzinfo=TEHRAN)
    holidays = [
        day_from + timedelta(days=n)
        for n in range((day_to - day_from).days)
        if calendar.is_holiday(day_from + timedelta(days=n))
    ]
    share = settings.SCHEDULING_APPOINTMENT_SHARE_PCT
    policies = {p.office_id: p for p in OfficeSchedulingPolicy.objects.filter(office__in=offices)}
    stats = {s.office_id: s for s in OfficeQueueStats.objects.filter(office_id__in=list(policies))}
    step = selectors.unit()
    total = SlotSync()
    for batch in _batches(offices, BATCH):
        o_id, o_capacity, h_office, h_weekday, h_opens, h_closes = [], [], [], [], [], []
        rows: list[list] = [[], [], [], [], []]
        for office in batch:
            policy = policies.get(office.pk) or OfficeSchedulingPolicy(
                office=office, appointment_share_pct=share
            )
            hours = list(office.hours.all())
            counters = sum(1 for c in office.counters.all() if c.active)
            if office.status != OfficeStatus.ACTIVE:
                continue
            if _overbooks(policy, stats):
                wanted = desired_slots(
                    office=office,
                    day_from=day_from,
                    day_to=day_to,
                    not_before=not_before,
                    hours=hours,
                    counters=counters,
                    policy=policy,
                    calendar=calendar,
                )
                for start, (end, capacity, bookable) in wanted.items():
                    for column, value in zip(rows, (office.pk, start, end, capacity, bookable), strict=True):
                        column.append(value)
                continue
            capacity = appointment_capacity(counters, policy.appointment_share_pct)
            if capacity == 0:
                continue
            o_id.append(office.pk)
            o_capacity.append(capacity)
            for h in hours:
                h_office.append(office.pk)
                h_weekday.append(h.weekday)
                h_opens.append(h.opens)
                h_closes.append(h.closes)
        ids = [o.pk for o in batch]
        window: dict[str, Any] = {
            "offices": ids,
            "not_before": not_before,
            "until": until,
            "open": SlotStatus.OPEN,
        }
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_CREATE)
            cursor.execute("TRUNCATE scheduling_slot_wanted")  # inside a caller's transaction too
            if o_id:
                hours_params: dict[str, Any] = {
                    "o_id": o_id,
                    "o_capacity": o_capacity,
                    "h_office": h_office,
                    "h_weekday": h_weekday,
                    "h_opens": h_opens,
                    "h_closes": h_closes,
                    "day_from": day_from,
                    "day_to": day_to,
                    "holidays": holidays,
                    "not_before": not_before,
                    "zone": str(TEHRAN),
                    "step": step,
                }
                cursor.execute(_FROM_HOURS, hours_params)
            if rows[0]:
                cursor.execute(_FROM_ROWS, rows)
            cursor.execute(_UNWANTED, window)
            unwanted = cursor.fetchall()
            blocked = [pk for pk, booked, _status in unwanted if booked > 0]
            total.kept_booked += len(blocked)
            to_close = [pk for pk, _booked, status in unwanted if status != SlotStatus.CLOSED]
            cursor.execute(_UPDATE, window)
            updated = cursor.fetchall()
            total.updated += len(updated)
            reopen = [pk for pk, status in updated if status == SlotStatus.CLOSED]
            if reopen:
                bulk_transition(SLOT, Slot.objects.filter(pk__in=reopen), SlotStatus.OPEN)
            if to_close:
                total.closed += len(
                    bulk_transition(SLOT, Slot.objects.filter(pk__in=to_close), SlotStatus.CLOSED)
                )
            insert = _INSERT.format(blocked=_NOT_BLOCKED if blocked else "")
            cursor.execute(insert, {"open": SlotStatus.OPEN, "blocked": blocked})
            total.created += cursor.rowcount
        if progress:
            for _office in batch:
                progress()
    return total
