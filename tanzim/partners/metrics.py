"""Referral figures by partner and kind: how many, acknowledgement and outcome times against the
expected ones, files returned without action, and those overdue now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tanzim.partners.choices import ReferralStatus
from tanzim.partners.models import Referral
from tanzim.partners.selectors import NOT_SENT, is_overdue


@dataclass
class Row:
    partner: Any
    kind: Any
    sent: int = 0
    acknowledged: int = 0
    concluded: int = 0
    returned: int = 0
    overdue: int = 0
    ack_days: list[float] = field(default_factory=list)
    outcome_days: list[float] = field(default_factory=list)

    @property
    def ack_median(self) -> float | None:
        return round(median(self.ack_days), 1) if self.ack_days else None

    @property
    def outcome_median(self) -> float | None:
        return round(median(self.outcome_days), 1) if self.outcome_days else None

    @property
    def ack_late(self) -> bool:
        return self.ack_median is not None and self.ack_median > self.kind.ack_days

    @property
    def outcome_late(self) -> bool:
        return self.outcome_median is not None and self.outcome_median > self.kind.outcome_days


def _days(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 86400


def referral_figures(rows: QuerySet[Referral], *, now: datetime | None = None) -> list[Row]:
    """One row per (partner, kind) of the referrals given (already scoped to the reader)."""
    now = now or timezone.now()
    table: dict[int, Row] = {}
    for referral in rows.exclude(status__in=NOT_SENT).select_related("partner", "kind").order_by("pk"):
        row = table.setdefault(referral.kind_id, Row(partner=referral.partner, kind=referral.kind))
        row.sent += 1
        ack = _days(referral.sent_at, referral.received_at)
        if ack is not None:
            row.acknowledged += 1
            row.ack_days.append(ack)
        if referral.status in (ReferralStatus.OUTCOME, ReferralStatus.CLOSED) and referral.outcome_code:
            row.concluded += 1
            done = _days(referral.sent_at, referral.outcome_at)
            if done is not None:
                row.outcome_days.append(done)
        if referral.status == ReferralStatus.RETURNED or referral.return_reason:
            row.returned += 1
        if is_overdue(referral, now=now):
            row.overdue += 1
    return sorted(table.values(), key=lambda r: (r.partner.kind, r.partner.code, r.kind.code))
