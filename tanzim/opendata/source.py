"""Where the public figures come from: the dashboards' daily rollups, and nothing else per request.

Every count and sum is an additive counter of ``tanzim.dashboards`` (``OfficeDay``), read through
its selector ``counter_totals``: one grouped query over thousands of rollup rows per month. The one
figure the rollups do not count yet, the Kanoon's reimbursements of outreach missions, is read from
the ledger's reimbursement transactions of the month (a few hundred rows a month nationally).
``tanzim.opendata.selectors`` caches what this module returns (docs/opendata.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Count, Sum

from tanzim.common.jalali import JalaliMonth
from tanzim.dashboards.indicators import COUNTER_NAMES
from tanzim.dashboards.selectors import counter_totals
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.models import Entry

Counters = dict[str, int]


def month_days(month: JalaliMonth):
    """The first and last calendar day of a Jalali month (both included, as the selectors take them)."""
    first, after = month.date_range()
    return first, after - timedelta(days=1)


def province_month(month: JalaliMonth) -> dict[int, Counters]:
    """Every province's counters added up over one Jalali month (provinces with no row: absent)."""
    first, last = month_days(month)
    return {
        row["key"]: dict(row["counters"])
        for row in counter_totals(first, last, by="province", pending=False)
        if row["key"] is not None
    }


def office_period(months: Sequence[JalaliMonth], province_id: int) -> dict[int, Counters]:
    """The counters of every office of a province added up over a run of consecutive months."""
    first, _ = month_days(months[0])
    _, last = month_days(months[-1])
    return {
        row["key"]: dict(row["counters"])
        for row in counter_totals(first, last, province=province_id, by="office", pending=False)
        if row["key"] is not None
    }


def reimbursements(month: JalaliMonth) -> dict[int, tuple[int, int]]:
    """Per province: the outreach reimbursements posted in the month (how many, rials)."""
    start, end = month.bounds_utc()
    out: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for province_id, n, total in (
        Entry.objects.filter(
            transaction__kind=TransactionKind.REIMBURSEMENT,
            transaction__reverses__isnull=True,
            account__purpose=AccountPurpose.MISSION_REVENUE,
            posted_at__gte=start,
            posted_at__lt=end,
        )
        .values("account__office__province_id")
        .annotate(n=Count("transaction_id", distinct=True), total=Sum("credit"))
        .values_list("account__office__province_id", "n", "total")
    ):
        if province_id is not None:
            out[province_id] = (int(n or 0), int(total or 0))
    return dict(out)


def zero() -> Counters:
    return dict.fromkeys(COUNTER_NAMES, 0)
