"""Rollup rows for the open-data tests, written straight to the dashboards' table."""

from __future__ import annotations

from datetime import date, timedelta

from tanzim.common.jalali import JalaliMonth
from tanzim.dashboards import rollups
from tanzim.dashboards.models import OfficeDay
from tanzim.offices.models import City, Office
from tanzim.testing.factories import OfficeFactory


def first_day(month: JalaliMonth) -> date:
    return month.date_range()[0]


def put(office: Office, day: date, **counters: int) -> OfficeDay:
    """Add counters to an office's day (creating the row)."""
    row, _ = OfficeDay.objects.get_or_create(
        office=office, day=day, defaults={"province_id": office.province_id}
    )
    for name, value in counters.items():
        setattr(row, name, getattr(row, name) + value)
    row.save()
    # The province's rows (where the dashboards keep them) are the sums of its offices' rows.
    roll_provinces = getattr(rollups, "roll_provinces", None)
    if roll_provinces is not None:
        roll_provinces(day, day, [office.province_id])
    return row


def offices_in(city_code: str, n: int, prefix: str) -> list[Office]:
    city = City.objects.get(code=city_code)
    return [
        OfficeFactory.create(city=city, code=f"{prefix}{i:04d}", name_fa=f"دفتر {i}", name_en=f"Office {i}")
        for i in range(n)
    ]


def days_of(month: JalaliMonth) -> list[date]:
    first, after = month.date_range()
    return [first + timedelta(days=i) for i in range((after - first).days)]


def elsewhere(month: JalaliMonth, *, but: str = "THR", **counters: int) -> list[Office]:
    """The same ample counters for one office in every other province, so that no province's
    figure can be had from the nation's total by subtraction (docs/opendata.md)."""
    offices = []
    for city in City.objects.filter(is_capital=True).exclude(province__code=but).order_by("code"):
        office = Office.objects.filter(city=city, code__startswith="X").first() or OfficeFactory.create(
            city=city, code=f"X{city.province.code}", name_fa="دفتر", name_en="Office"
        )
        put(office, first_day(month), **counters)
        offices.append(office)
    return offices
