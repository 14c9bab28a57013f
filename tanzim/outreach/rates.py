"""Rates as data: per-diem, travel per kilometre and each service's normal price, by date."""

from __future__ import annotations

from datetime import date

from tanzim.outreach.models import Rate

# Used only when no rate row exists (a fresh database before the data migration ran).
DEFAULTS = {
    "per_diem": 25_000_000,
    "travel_km": 150_000,
    "sana": 1_500_000,
    "complaint": 3_000_000,
    "petition": 3_000_000,
    "brief": 2_500_000,
    "notice": 1_000_000,
    "advice": 5_000_000,
}


def rate_on(key: str, day: date) -> int:
    row = Rate.objects.filter(key=key, valid_from__lte=day).order_by("-valid_from").first()
    return int(row.amount) if row is not None else DEFAULTS.get(key, 0)
