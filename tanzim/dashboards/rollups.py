"""Counting the sources into ``OfficeDay``: full rebuilds, incremental refreshes and the check.

Each source (a domain table) is counted by grouped aggregate queries — office × Tehran calendar
day, one query per timestamp that puts its rows on a day — over a range of days, optionally
limited to some offices. The same function serves the three uses:

- ``rebuild`` counts a whole month at a time and replaces that month's rows;
- ``refresh`` (the task every few minutes) finds the (office, day) pairs whose source rows changed
  since its last run (``updated_at``; an id bookmark for append-only tables), counts only those
  offices over those days, and writes only those pairs;
- ``check`` counts from the sources again and lists every (office, day, counter) that disagrees.

A query whose source row names its catalogue service (``Count_.service``) is grouped by that
service as well, in the same query: the office-day gets the sum over its services (a row with no
service included), and ``OfficeServiceDay`` gets each service's own counts
(``indicators.SERVICE_COUNTERS`` only). The three uses above keep both tables, and their province
sums, in step: one definition of each counter, counted once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import BigIntegerField, Count, F, Func, Q, Sum, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from tanzim.common.jalali import TEHRAN, JalaliMonth, jalali_month_range, tehran_date
from tanzim.dashboards.indicators import COUNTER_NAMES, SERVICE_COUNTERS
from tanzim.dashboards.models import OfficeDay, OfficeServiceDay, ProvinceDay, ProvinceServiceDay, RollupState

Pair = tuple[int, date]
Counts = dict[Pair, dict[str, int]]
Triple = tuple[int, int, date]  # office, service, day
ServiceCounts = dict[Triple, dict[str, int]]
# Rows that changed just before the last run may commit after it: look back this far.
LOOKBACK = timedelta(minutes=10)
STATE = "office_day"


class Seconds(Func):
    """Whole seconds from one datetime column to another, rounded per row, in the database."""

    output_field = BigIntegerField()

    def __init__(self, start: str, end: str):
        super().__init__(F(end), F(start))

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="CAST(ROUND(EXTRACT(EPOCH FROM (%(expressions)s))) AS BIGINT)",
            arg_joiner=" - ", **extra,
        )  # fmt: skip

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection,
            template="CAST(ROUND((julianday(%(expressions)s)) * 86400.0) AS INTEGER)",
            arg_joiner=") - julianday(", **extra,
        )  # fmt: skip


def _day(field_name: str) -> TruncDate:
    return TruncDate(field_name, tzinfo=TEHRAN)


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants of Tehran midnight opening ``first`` and closing ``last``."""
    return (
        datetime.combine(first, time(0), tzinfo=TEHRAN),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=TEHRAN),
    )


@dataclass(frozen=True)
class Count_:
    """One grouped query: rows of ``queryset`` put on the day of ``day`` (a datetime or a date).

    ``service`` is the path to the row's catalogue service id when the row names one: the query
    is then grouped by it too, and ``run`` yields each (office, day, service)'s counts (service
    None for rows without one); otherwise it yields each (office, day)'s, with service None.
    """

    queryset: Callable[[], models.QuerySet]
    day: str
    counters: dict[str, Any]  # counter name → aggregate expression
    is_date: bool = False
    service: str | None = None

    def run(
        self, first: date, last: date, office_ids: Iterable[int] | None
    ) -> Iterator[tuple[Pair, int | None, dict]]:
        rows = self.queryset()
        if self.is_date:
            rows = rows.filter(**{f"{self.day}__gte": first, f"{self.day}__lte": last}).annotate(
                _d=F(self.day)
            )
        else:
            lo, hi = _bounds(first, last)
            rows = rows.filter(**{f"{self.day}__gte": lo, f"{self.day}__lt": hi}).annotate(_d=_day(self.day))
        if office_ids is not None:
            rows = rows.filter(office_id__in=sorted(office_ids))
        group = ["office_id", "_d"]
        if self.service is not None:
            rows = rows.annotate(_s=F(self.service))
            group.append("_s")
        for row in rows.values(*group).annotate(**self.counters).order_by():
            day = row["_d"]
            if isinstance(day, datetime):  # pragma: no cover - some backends hand back a datetime
                day = day.date()
            yield (row["office_id"], day), row.get("_s"), {k: int(row[k] or 0) for k in self.counters}


def _n(condition: Q | None = None) -> Count:
    return Count("pk", filter=condition)


def _queries() -> list[Count_]:
    from tanzim.cases.choices import CaseStatus
    from tanzim.cases.models import Case
    from tanzim.catalog.choices import ChannelKind
    from tanzim.disputes.choices import DisputeStatus
    from tanzim.disputes.models import Dispute
    from tanzim.feedback.choices import ComplaintStatus
    from tanzim.feedback.models import Complaint, SurveyResponse
    from tanzim.finance.choices import AccountPurpose, PaymentStatus
    from tanzim.finance.models import Entry, Payment
    from tanzim.outreach.models import FieldService
    from tanzim.scheduling.choices import AppointmentStatus, TicketStatus
    from tanzim.scheduling.models import Appointment, QueueTicket, VisitAvoided

    terminal = [CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.CANCELLED]
    remoteish = ~Q(channel=ChannelKind.IN_PERSON)
    in_scope = Q(eligible=True) | Q(eligible__isnull=True)
    resolved = in_scope & Q(status__in=[DisputeStatus.SETTLED, DisputeStatus.AWARDED])
    came = [AppointmentStatus.SERVED, AppointmentStatus.CHECKED_IN]
    held = ~Q(status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.RESCHEDULED])
    served = Q(status=TicketStatus.SERVED)
    called = Q(called_at__isnull=False)
    fee = Q(account__purpose=AccountPurpose.FEE_REVENUE)
    sub = Q(account__purpose=AccountPurpose.SUBSIDY_REVENUE)
    saving = Coalesce(Cast(KT("fee_snapshot__discount"), BigIntegerField()), Value(0))
    return [
        Count_(lambda: Case.objects.exclude(status=CaseStatus.DRAFT), "created_at", {
            "requests_in": _n(),
            "requests_in_person": _n(Q(channel=ChannelKind.IN_PERSON)),
            "requests_semi": _n(Q(channel=ChannelKind.SEMI_IN_PERSON)),
            "requests_remote": _n(Q(channel=ChannelKind.REMOTE)),
            "channel_saving": Sum(saving, filter=remoteish),
            "free_services": _n(Q(free_service=True)),
        }, service="service_id"),
        Count_(lambda: Case.objects.filter(status__in=terminal), "status_changed_at", {
            "requests_resolved": _n(),
            "requests_closed": _n(Q(status=CaseStatus.CLOSED)),
            "requests_closed_seconds": Sum(Seconds("created_at", "status_changed_at"),
                                           filter=Q(status=CaseStatus.CLOSED)),
        }, service="service_id"),
        Count_(lambda: Dispute.objects.all(), "created_at", {"disputes_in": _n()}),
        Count_(lambda: Dispute.objects.filter(concluded_at__isnull=False), "concluded_at", {
            "disputes_concluded": _n(in_scope),
            "disputes_out_of_scope": _n(Q(eligible=False)),
            "disputes_settled": _n(in_scope & Q(status=DisputeStatus.SETTLED)),
            "disputes_awarded": _n(in_scope & Q(status=DisputeStatus.AWARDED)),
            "disputes_resolution_seconds": Sum(Seconds("created_at", "concluded_at"), filter=resolved),
        }),
        Count_(lambda: Payment.objects.filter(status=PaymentStatus.CAPTURED, credit_purpose="")
               .exclude(reference_type="disputes.dispute"), "captured_at", {
            "services": _n(), "fees_collected": Sum("amount"),
        }),
        Count_(lambda: Entry.objects.filter(fee | sub, account__office__isnull=False)
               .annotate(office_id=F("account__office_id")), "posted_at", {
            "revenue": Sum(F("credit") - F("debit"), filter=fee),
            "subsidies": Sum(F("credit") - F("debit"), filter=sub),
        }),
        # visits to the counters; calls (no slot) are counted as consultations
        Count_(lambda: Appointment.objects.filter(slot__isnull=False), "start", {
            "appointments": _n(held),
            "appointments_attended": _n(Q(status__in=came)),
            "appointments_no_show": _n(Q(status=AppointmentStatus.NO_SHOW)),
            "appointment_wait_seconds": Sum(Seconds("created_at", "start"), filter=held),
        }, service="service_id"),
        Count_(lambda: QueueTicket.objects.all(), "day", {
            "tickets_served": _n(served),
            "ticket_wait_seconds": Sum(Seconds("joined_at", "called_at"), filter=served & called),
        }, is_date=True, service="service_id"),
        Count_(lambda: VisitAvoided.objects.filter(office__isnull=False), "created_at", {
            "visits_avoided": Sum("visits_saved"),
        }, service="service_id"),
        Count_(lambda: SurveyResponse.objects.all(), "answered_on", {
            "survey_responses": _n(), "survey_overall_sum": Sum("overall"),
        }, is_date=True),
        Count_(lambda: Complaint.objects.all(), "created_at", {"complaints_in": _n()}),
        Count_(lambda: Complaint.objects.filter(
            status__in=[ComplaintStatus.UPHELD, ComplaintStatus.PARTLY_UPHELD], decided_at__isnull=False
        ), "decided_at", {"complaints_upheld": _n()}),
        Count_(lambda: FieldService.objects.all(), "served_on", {
            "outreach_services": _n(), "outreach_value": Sum("normal_price"),
        }, is_date=True),
    ]  # fmt: skip


def _settled_shares(first: date, last: date, office_ids: Iterable[int] | None) -> Iterator[tuple[Pair, dict]]:
    """The Kanoon's settled share of each Jalali month, put on the month's first day."""
    from tanzim.finance.choices import SettlementStatus
    from tanzim.finance.models import SettlementLine

    months = _months_touching(first, last)
    if not months:
        return
    lines = SettlementLine.objects.filter(run__status=SettlementStatus.DONE)
    condition = Q(pk__in=[])
    for month in months:
        condition |= Q(run__year=month.year, run__month=month.month)
    lines = lines.filter(condition)
    if office_ids is not None:
        lines = lines.filter(office_id__in=sorted(office_ids))
    for row in lines.values("office_id", "run__year", "run__month").annotate(s=Sum("share")).order_by():
        day = jalali_month_range(row["run__year"], row["run__month"])[0]
        if first <= day <= last:
            yield (row["office_id"], day), {"kanoon_share": int(row["s"] or 0)}


def _consultations(first: date, last: date, office_ids: Iterable[int] | None) -> Iterator[tuple[Pair, dict]]:
    """The consultation counters as consult defines them (``consultation_figures``, the reads
    ranking uses too): a refunded written question is one answered late, "no visit" is no visit
    to the counters booked within 30 days of closing."""
    from tanzim.consult.selectors import consultation_figures

    lo, hi = _bounds(first, last)
    wanted = set(office_ids) if office_ids is not None else None
    for row in consultation_figures(start=lo, end=hi, by_day=True):
        if wanted is not None and row["office_id"] not in wanted:
            continue
        yield (
            (row["office_id"], row["day"]),
            {
                "consultations": row["consultations"],
                "consult_written_answered": row["written_due"],
                "consult_on_time": row["on_time"],
                "consult_closed": row["closed"],
                "consult_no_visit": row["no_visit"],
                "consult_started": row["started_request"] + row["started_dispute"],
            },
        )


def _months_touching(first: date, last: date) -> list[JalaliMonth]:
    months, month = [], JalaliMonth.of(first)
    while jalali_month_range(month.year, month.month)[0] <= last:
        months.append(month)
        month = month.shift(1)
    return months


def count_both(
    first: date, last: date, office_ids: Iterable[int] | None = None
) -> tuple[Counts, ServiceCounts]:
    """Every counter of every (office, day) in [first, last] with anything in it, and the
    by-service counters of every (office, service, day), from the sources in one pass."""
    ids = sorted(set(office_ids)) if office_ids is not None else None
    result: Counts = defaultdict(dict)
    by_service: ServiceCounts = defaultdict(dict)
    if ids is not None and not ids:
        return {}, {}
    wanted = set(SERVICE_COUNTERS)
    for query in _queries():
        for pair, service_id, values in query.run(first, last, ids):
            bucket = result[pair]
            for name, value in values.items():
                bucket[name] = bucket.get(name, 0) + value
            if service_id is not None:
                by_service[(pair[0], service_id, pair[1])].update(
                    {name: value for name, value in values.items() if name in wanted}
                )
    for source in (_settled_shares, _consultations):
        for pair, values in source(first, last, ids):
            result[pair].update(values)
    return (
        {pair: values for pair, values in result.items() if any(values.values())},
        {key: values for key, values in by_service.items() if any(values.values())},
    )


def count(first: date, last: date, office_ids: Iterable[int] | None = None) -> Counts:
    """Every counter of every (office, day) in [first, last] with anything in it, from the sources."""
    return count_both(first, last, office_ids)[0]


def count_services(first: date, last: date, office_ids: Iterable[int] | None = None) -> ServiceCounts:
    """The by-service counters of every (office, service, day) in [first, last] with anything in it."""
    return count_both(first, last, office_ids)[1]


def _provinces(office_ids: Iterable[int]) -> dict[int, int]:
    from tanzim.offices.models import Office

    return dict(Office.objects.filter(pk__in=sorted(set(office_ids))).values_list("pk", "province_id"))


def _objects(counts: Counts) -> list[OfficeDay]:
    provinces = _provinces(office for office, _d in counts)
    rows = []
    for (office_id, day), values in counts.items():
        row = OfficeDay(office_id=office_id, province_id=provinces[office_id], day=day)
        for name in COUNTER_NAMES:
            setattr(row, name, values.get(name, 0))
        rows.append(row)
    return rows


def _service_objects(counts: ServiceCounts) -> list[OfficeServiceDay]:
    provinces = _provinces(office for office, _s, _d in counts)
    rows = []
    for (office_id, service_id, day), values in counts.items():
        row = OfficeServiceDay(
            office_id=office_id, province_id=provinces[office_id], service_id=service_id, day=day
        )
        for name in SERVICE_COUNTERS:
            setattr(row, name, values.get(name, 0))
        rows.append(row)
    return rows


BATCH = 2000

# (office table, province table, the keys a province row adds up by, the counters)
_LEVELS: tuple[tuple[Any, Any, tuple[str, ...], tuple[str, ...]], ...] = (
    (OfficeDay, ProvinceDay, ("province_id", "day"), COUNTER_NAMES),
    (OfficeServiceDay, ProvinceServiceDay, ("province_id", "service_id", "day"), SERVICE_COUNTERS),
)


def roll_provinces(first: date, last: date, province_ids: Iterable[int] | None = None) -> int:
    """Make ``ProvinceDay`` and ``ProvinceServiceDay`` over [first, last] (for some provinces) the
    sums of their offices' rows (``OfficeDay``, ``OfficeServiceDay``); the number of province-days."""
    made_days = 0
    for office_model, province_model, keys, names in _LEVELS:
        stale = province_model.objects.filter(day__gte=first, day__lte=last)
        rows = office_model.objects.filter(day__gte=first, day__lte=last)
        if province_ids is not None:
            ids = sorted(set(province_ids))
            stale, rows = stale.filter(province_id__in=ids), rows.filter(province_id__in=ids)
        sums = {name: Sum(name) for name in names}
        made = [
            province_model(**{k: (v or 0) for k, v in row.items()})
            for row in rows.values(*keys).annotate(**sums).order_by()
        ]
        with transaction.atomic():
            stale.delete()
            province_model.objects.bulk_create(made, batch_size=BATCH)
        if province_model is ProvinceDay:
            made_days = len(made)
    return made_days


def write(counts: Counts, pairs: Iterable[Pair], services: ServiceCounts | None = None) -> int:
    """Make the rows of ``pairs`` equal ``counts`` (a pair with nothing counted has no row), and,
    given ``services``, their by-service rows equal those (every service of each pair replaced)."""
    pairs = set(pairs)
    live = {pair: counts[pair] for pair in pairs if pair in counts}
    empty = pairs - set(live)
    with transaction.atomic():
        if services is not None:
            days_of: dict[int, list[date]] = defaultdict(list)
            for office_id, day in pairs:
                days_of[office_id].append(day)
            for office_id, days in days_of.items():
                OfficeServiceDay.objects.filter(office_id=office_id, day__in=days).delete()
            OfficeServiceDay.objects.bulk_create(
                _service_objects({k: v for k, v in services.items() if (k[0], k[2]) in pairs}),
                batch_size=BATCH,
            )
        by_office: dict[int, list[date]] = defaultdict(list)
        for office_id, day in empty:
            by_office[office_id].append(day)
        for office_id, days in by_office.items():
            OfficeDay.objects.filter(office_id=office_id, day__in=days).delete()
        OfficeDay.objects.bulk_create(
            _objects(live),
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["office", "day"],
            update_fields=[*COUNTER_NAMES, "province", "computed_at"],
        )
        if pairs:
            provinces = set(_provinces(office for office, _d in pairs).values())
            days = [d for _o, d in pairs]
            # A moved office leaves its old province's days too: both are recounted.
            provinces |= set(
                OfficeDay.objects.filter(office_id__in={o for o, _d in pairs}).values_list(
                    "province_id", flat=True
                )
            )
            roll_provinces(min(days), max(days), provinces)
    return len(live)


def month_chunks(first: date, last: date) -> list[tuple[date, date]]:
    """[first, last] cut at Jalali month boundaries: the rebuild's unit of work."""
    chunks = []
    for month in _months_touching(first, last):
        start, end = jalali_month_range(month.year, month.month)
        chunks.append((max(start, first), min(end - timedelta(days=1), last)))
    return chunks


def rebuild_chunk(first: date, last: date) -> int:
    """Replace every row of [first, last] by a fresh count of the sources."""
    counts, services = count_both(first, last)
    with transaction.atomic():
        OfficeDay.objects.filter(day__gte=first, day__lte=last).delete()
        OfficeDay.objects.bulk_create(_objects(counts), batch_size=BATCH)
        OfficeServiceDay.objects.filter(day__gte=first, day__lte=last).delete()
        OfficeServiceDay.objects.bulk_create(_service_objects(services), batch_size=BATCH)
        roll_provinces(first, last)
    return len(counts)


def source_span() -> tuple[date, date] | None:
    """The first and last day any source has a row on (the rebuild's default range)."""
    from tanzim.cases.models import Case
    from tanzim.disputes.models import Dispute
    from tanzim.feedback.models import SurveyResponse
    from tanzim.finance.models import Entry
    from tanzim.scheduling.models import Appointment

    days: list[date] = []
    for model, name in (
        (Case, "created_at"),
        (Dispute, "created_at"),
        (Entry, "posted_at"),
        (Appointment, "start"),
        (SurveyResponse, "answered_on"),
    ):
        span = model.objects.aggregate(lo=models.Min(name), hi=models.Max(name))
        days += [tehran_date(v) for v in span.values() if v is not None]
    today = tehran_date(timezone.now())
    return (min(days), max(*days, today)) if days else None


def rebuild(
    first: date | None = None, last: date | None = None, progress: Callable[[int], None] | None = None
):
    """Rebuild [first, last] (default: every day any source covers), month by month."""
    if first is None or last is None:
        span = source_span()
        if span is None:
            for model in (OfficeDay, ProvinceDay, OfficeServiceDay, ProvinceServiceDay):
                model.objects.all().delete()
            return 0
        first, last = first or span[0], last or span[1]
    started = timezone.now()
    rows = 0
    for lo, hi in month_chunks(first, last):
        rows += rebuild_chunk(lo, hi)
        if progress is not None:
            progress(1)
    state, _created = RollupState.objects.get_or_create(name=STATE)
    state.ran_at = started
    state.marks = _marks()
    state.save(update_fields=["ran_at", "marks"])
    return rows


# --- incremental refresh ---------------------------------------------------------------------


def _marks() -> dict[str, int]:
    from tanzim.feedback.models import SurveyResponse
    from tanzim.finance.models import Entry

    return {
        "entry": Entry.objects.aggregate(m=models.Max("pk"))["m"] or 0,
        "survey": SurveyResponse.objects.aggregate(m=models.Max("pk"))["m"] or 0,
    }


def touched(since: datetime, marks: dict[str, int]) -> set[Pair]:
    """(office, day) pairs whose source rows changed at or after ``since`` (or past the id marks)."""
    from tanzim.cases.models import Case
    from tanzim.consult.models import Consultation
    from tanzim.disputes.models import Dispute
    from tanzim.feedback.models import Complaint, SurveyResponse
    from tanzim.finance.choices import SettlementStatus
    from tanzim.finance.models import Entry, Payment, SettlementLine
    from tanzim.outreach.models import FieldService
    from tanzim.scheduling.models import Appointment, QueueTicket, VisitAvoided

    pairs: set[Pair] = set()

    def add(queryset: models.QuerySet, *fields: str, office: str = "office_id", dates: bool = False) -> None:
        names = {f"_d{i}": (F(f) if dates else _day(f)) for i, f in enumerate(fields)}
        for row in queryset.annotate(**names).values_list(office, *names).distinct():
            for day in row[1:]:
                if row[0] is not None and day is not None:
                    pairs.add((row[0], day.date() if isinstance(day, datetime) else day))

    add(Case.objects.filter(updated_at__gte=since), "created_at", "status_changed_at")
    add(Dispute.objects.filter(updated_at__gte=since), "created_at", "concluded_at")
    add(Payment.objects.filter(updated_at__gte=since), "captured_at")
    add(Entry.objects.filter(pk__gt=marks.get("entry", 0)), "posted_at", office="account__office_id")
    add(Appointment.objects.filter(updated_at__gte=since), "start")
    add(
        QueueTicket.objects.filter(
            Q(joined_at__gte=since) | Q(called_at__gte=since) | Q(finished_at__gte=since)
        ),
        "day",
        dates=True,
    )
    add(VisitAvoided.objects.filter(created_at__gte=since), "created_at")
    add(SurveyResponse.objects.filter(pk__gt=marks.get("survey", 0)), "answered_on", dates=True)
    add(Complaint.objects.filter(updated_at__gte=since), "created_at", "decided_at")
    add(FieldService.objects.filter(synced_at__gte=since), "served_on", dates=True)
    add(
        Consultation.objects.filter(updated_at__gte=since),
        "created_at", "answered_at", "status_changed_at", "closed_at",
    )  # fmt: skip
    for office_id, year, month in (
        SettlementLine.objects.filter(run__status=SettlementStatus.DONE, run__finished_at__gte=since)
        .values_list("office_id", "run__year", "run__month")
        .distinct()
    ):
        pairs.add((office_id, jalali_month_range(year, month)[0]))
    return pairs


def refresh(now: datetime | None = None) -> int:
    """Recount only the (office, day) pairs touched since the last run; the first run rebuilds."""
    now = now or timezone.now()
    with transaction.atomic():
        state, _created = RollupState.objects.select_for_update().get_or_create(name=STATE)
        if state.ran_at is None:
            return rebuild()
        marks = _marks()
        pairs = touched(state.ran_at - LOOKBACK, state.marks or {})
        written = 0
        if pairs:
            days = [d for _o, d in pairs]
            counts, services = count_both(min(days), max(days), {o for o, _d in pairs})
            written = write(counts, pairs, services)
        state.ran_at = now
        state.marks = marks
        state.save(update_fields=["ran_at", "marks"])
    return written


# --- check ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    office_id: int
    day: date
    counter: str
    stored: int
    source: int
    province_id: int | None = None  # set for a province's row (office_id 0)
    service_id: int | None = None  # set for a by-service row


def check(first: date | None = None, last: date | None = None) -> list[Disagreement]:
    """Recount [first, last] from the sources and list every (office, day, counter) that differs,
    every (office, service, day, counter) of the by-service rows, and every province row that is
    not the sum of its offices' rows."""
    if first is None or last is None:
        span = source_span()
        candidates = [d for d in (span or ()) if d is not None]
        for model in (OfficeDay, OfficeServiceDay):
            stored_span = model.objects.aggregate(lo=models.Min("day"), hi=models.Max("day"))
            candidates += [d for d in stored_span.values() if d is not None]
        if not candidates:
            return []
        first, last = first or min(candidates), last or max(candidates)
    found: list[Disagreement] = []
    for lo, hi in month_chunks(first, last):
        counts, services = count_both(lo, hi)
        stored = {
            (row["office_id"], row["day"]): row
            for row in OfficeDay.objects.filter(day__gte=lo, day__lte=hi).values(
                "office_id", "day", *COUNTER_NAMES
            )
        }
        for pair in sorted(set(counts) | set(stored)):
            source, kept = counts.get(pair, {}), stored.get(pair, {})
            for name in COUNTER_NAMES:
                a, b = int(kept.get(name, 0) or 0), int(source.get(name, 0))
                if a != b:
                    found.append(Disagreement(pair[0], pair[1], name, a, b))
        stored_services = {
            (row["office_id"], row["service_id"], row["day"]): row
            for row in OfficeServiceDay.objects.filter(day__gte=lo, day__lte=hi).values(
                "office_id", "service_id", "day", *SERVICE_COUNTERS
            )
        }
        for key in sorted(set(services) | set(stored_services)):
            source, kept = services.get(key, {}), stored_services.get(key, {})
            for name in SERVICE_COUNTERS:
                a, b = int(kept.get(name, 0) or 0), int(source.get(name, 0))
                if a != b:
                    found.append(Disagreement(key[0], key[2], name, a, b, service_id=key[1]))
        found += _check_provinces(lo, hi)
    return found


def _check_provinces(first: date, last: date) -> list[Disagreement]:
    """``ProvinceDay`` and ``ProvinceServiceDay`` against the sums of their offices' rows
    (``office_id`` 0, ``province_id`` set; ``service_id`` set for a by-service row)."""
    found = []
    for office_model, province_model, keys, names in _LEVELS:
        sums = {name: Sum(name) for name in names}
        expected = {
            tuple(row[k] for k in keys): row
            for row in office_model.objects.filter(day__gte=first, day__lte=last)
            .values(*keys)
            .annotate(**sums)
            .order_by()
        }
        stored = {
            tuple(row[k] for k in keys): row
            for row in province_model.objects.filter(day__gte=first, day__lte=last).values(*keys, *names)
        }
        for key in sorted(set(expected) | set(stored)):
            want, kept = expected.get(key, {}), stored.get(key, {})
            service_id = key[1] if len(keys) == 3 else None
            for name in names:
                a, b = int(kept.get(name, 0) or 0), int(want.get(name, 0) or 0)
                if a != b:
                    found.append(
                        Disagreement(0, key[-1], name, a, b, province_id=key[0], service_id=service_id)
                    )
    return found
