"""The nightly batch: offices and free places from the slot table, flexible requests from the
database (or generated around cities by population), the rebalancer's assignment, and booking it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.conf import settings
from django.db.models import F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from tanzim.audit.workflow import bulk_transition
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import City, Office
from tanzim.offices.selectors import valid_licences
from tanzim.scheduling import selectors
from tanzim.scheduling.choices import FlexibleRequestStatus, SlotStatus
from tanzim.scheduling.models import FlexibleRequest, OfficeQueueStats, Slot
from tanzim.scheduling.services.flexible import rebalance
from tanzim.scheduling.services.flexible.requests import flexible_request_assign
from tanzim.scheduling.workflows import FLEXIBLE_REQUEST

GROUPS = ["", *LicenceKind.values]  # group 0: no licence needed


@dataclass
class BatchInput:
    problem: rebalance.Problem
    office_ids: np.ndarray
    first_day: date
    requests: list[FlexibleRequest]  # empty for generated requests

    def radius_km(self) -> np.ndarray | None:
        """Requests that declined a farther office stay within their usual neighbourhood."""
        nearby = np.asarray([r.nearby_only for r in self.requests], dtype=bool)
        if not nearby.any():
            return None
        return np.where(nearby, rebalance.usual_neighbourhood_km(self.problem), np.inf)


def _offices_and_buckets(first_day: date, days: int):
    offices = list(
        Office.objects.filter(status=OfficeStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "latitude", "longitude")
    )
    ids = np.asarray([o[0] for o in offices], dtype=np.int64)
    index = {pk: i for i, pk in enumerate(ids.tolist())}
    eligible = np.zeros((len(GROUPS), len(ids)), dtype=bool)
    eligible[0, :] = True
    for g, kind in enumerate(GROUPS[1:], start=1):
        for office_id in valid_licences(kind=kind, on=first_day).values_list("office_id", flat=True):
            if office_id in index:
                eligible[g, index[office_id]] = True
    start = datetime.combine(first_day, time(0), tzinfo=TEHRAN)
    end = start + timedelta(days=days)
    rows = (
        Slot.objects.filter(
            status=SlotStatus.OPEN,
            start__gte=max(start, selectors.bookable_from(timezone.now())),
            start__lt=end,
        )
        .filter(booked__lt=F("bookable"), office__status=OfficeStatus.ACTIVE)
        .annotate(day=TruncDate("start", tzinfo=TEHRAN))
        .values("office_id", "day")
        .annotate(free_units=Sum(F("bookable") - F("booked")))
    )
    b_office, b_day, b_cap = [], [], []
    for row in rows:
        if row["office_id"] in index and row["free_units"] > 0:
            b_office.append(index[row["office_id"]])
            b_day.append((row["day"] - first_day).days)
            b_cap.append(row["free_units"])
    waits = dict(OfficeQueueStats.objects.values_list("office_id", "expected_wait_minutes"))
    wait = np.asarray([float(waits.get(pk) or 0.0) for pk in ids.tolist()])
    lat = np.asarray([o[1] for o in offices], dtype=float)
    lon = np.asarray([o[2] for o in offices], dtype=float)
    return (
        ids,
        lat,
        lon,
        eligible,
        wait,
        np.asarray(b_office, np.int64),
        np.asarray(b_day, np.int64),
        np.asarray(b_cap, np.int64),
    )


def from_database(
    *, days: int = 5, generate: int = 0, seed: int = 1404, now: datetime | None = None
) -> BatchInput:
    """Pending flexible requests (or ``generate`` synthetic ones) against tomorrow's free places."""
    now = now or timezone.now()
    first_day = tehran_date(now) + timedelta(days=1)
    ids, lat, lon, eligible, wait, b_office, b_day, b_cap = _offices_and_buckets(first_day, days)
    requests: list[FlexibleRequest] = []
    if generate:
        rng = np.random.default_rng(seed)
        cities = list(City.objects.values_list("latitude", "longitude", "population"))
        weights = np.asarray([max(1, c[2]) for c in cities], dtype=float)
        which = rng.choice(len(cities), size=generate, p=weights / weights.sum())
        req_lat = np.asarray([cities[i][0] for i in which]) + rng.normal(0, 0.08, generate)
        req_lon = np.asarray([cities[i][1] for i in which]) + rng.normal(0, 0.08, generate)
        req_group = np.zeros(generate, dtype=np.int64)
        first = rng.integers(0, max(1, days // 2), size=generate)
        last = np.full(generate, days - 1)
    else:
        requests = list(
            FlexibleRequest.objects.filter(status=FlexibleRequestStatus.PENDING, latest__gte=first_day)
            .select_related("service", "citizen")
            .order_by("created_at", "pk")
        )
        req_lat = np.asarray([r.latitude for r in requests], dtype=float)
        req_lon = np.asarray([r.longitude for r in requests], dtype=float)
        req_group = np.asarray(
            [GROUPS.index(r.service.licence_required or "") for r in requests], dtype=np.int64
        )
        first = np.asarray([max(0, (r.earliest - first_day).days) for r in requests], dtype=np.int64)
        last = np.asarray([min(days - 1, (r.latest - first_day).days) for r in requests], dtype=np.int64)
    problem = rebalance.Problem(
        req_lat=req_lat,
        req_lon=req_lon,
        req_group=req_group,
        req_first_day=first,
        req_last_day=last,
        off_lat=lat,
        off_lon=lon,
        off_wait=wait,
        eligible=eligible,
        bucket_office=b_office,
        bucket_day=b_day,
        bucket_capacity=b_cap,
    )
    return BatchInput(problem=problem, office_ids=ids, first_day=first_day, requests=requests)


def apply(batch: BatchInput, result: rebalance.Result, *, actor, progress=None) -> dict[str, int]:
    """Book each assigned request at the earliest fitting time of its office and day."""
    counts = {"booked": 0, "missed": 0, "unassigned": 0}
    problem = batch.problem
    for i, request in enumerate(batch.requests):
        if progress:
            progress()
        bucket = int(result.bucket[i])
        if bucket < 0:
            counts["unassigned"] += 1
            continue
        office_id = int(batch.office_ids[problem.bucket_office[bucket]])
        day = batch.first_day + timedelta(days=int(problem.bucket_day[bucket]))
        start = datetime.combine(day, time(0), tzinfo=TEHRAN)
        slots = list(selectors.free_slots(office_ids=[office_id], start=start, end=start + timedelta(days=1)))
        fitting = selectors.fitting_starts(slots, selectors.units_for(request.service))
        farther = bool(result.farther[i]) if result.farther is not None else False
        booked = flexible_request_assign(
            request=request, actor=actor, slot_candidates=[s.pk for s in fitting[:20]], farther=farther
        )
        counts["booked" if booked else "missed"] += 1
    return counts


def flexible_requests_run(*, days: int = 5, now: datetime | None = None) -> dict[str, int]:
    """Expire requests whose window passed, then assign and book the rest (the nightly batch)."""
    now = now or timezone.now()
    stale = FlexibleRequest.objects.filter(latest__lt=tehran_date(now) + timedelta(days=1))
    expired = len(bulk_transition(FLEXIBLE_REQUEST, stale, FlexibleRequestStatus.UNASSIGNED, now=now))
    data = from_database(days=days, now=now)
    if not data.requests or not len(data.problem.bucket_capacity):
        return {"expired": expired, "booked": 0, "missed": 0, "unassigned": len(data.requests)}
    result = rebalance.solve(
        data.problem, radius_km=data.radius_km(), max_seconds=settings.SCHEDULING_REBALANCE_MAX_SECONDS
    )
    return {"expired": expired, **apply(data, result, actor=None)}
