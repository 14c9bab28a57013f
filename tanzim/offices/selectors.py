"""Reads for offices. The directory is public: it shows no personal data."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tanzim.common.calendar import CONFIRMED, ESTIMATED, WorkingCalendar
from tanzim.common.jalali import to_jalali_date
from tanzim.common.normalize import normalize_text
from tanzim.offices.choices import HolidayKind, OfficeStatus
from tanzim.offices.models import City, Holiday, Licence, Office, Province

CALENDAR_CACHE_KEY = "offices:working-calendar:v2"


def valid_licences(*, kind: str, on: date | None = None) -> QuerySet[Licence]:
    day = on or timezone.localdate()
    return Licence.objects.filter(kind=kind, valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def office_directory(
    *,
    province: str | None = None,
    city: str | None = None,
    licence: str | None = None,
    q: str | None = None,
    on: date | None = None,
) -> QuerySet[Office]:
    """Active offices for the public directory, filtered by codes of province, city and licence."""
    offices = Office.objects.filter(status=OfficeStatus.ACTIVE).select_related("province", "city")
    if province:
        offices = offices.filter(province__code=province)
    if city:
        offices = offices.filter(city__code=city)
    if licence:
        offices = offices.filter(Exists(valid_licences(kind=licence, on=on).filter(office=OuterRef("pk"))))
    if q:
        text = normalize_text(q)
        offices = offices.filter(
            Q(name_fa__icontains=text)
            | Q(name_en__icontains=text)
            | Q(code__icontains=text)
            | Q(address__icontains=text)
        )
    return offices.order_by("province__name_fa", "city__name_fa", "code")


def office_licence_kinds(*, office: Office, on: date | None = None) -> list[str]:
    day = on or timezone.localdate()
    return [lic.kind for lic in office.licences.all() if lic.is_valid_on(day)]


def province_list() -> QuerySet[Province]:
    return Province.objects.all()


def city_list(*, province: str | None = None) -> QuerySet[City]:
    cities = City.objects.select_related("province")
    return cities.filter(province__code=province) if province else cities


def working_calendar() -> WorkingCalendar:
    """The national working calendar, cached until a holiday changes.

    Friday off, the fixed solar holidays of every year, and the table's holidays. A Jalali year
    whose lunar holidays are in the table is ``CONFIRMED`` unless one of them is still marked
    estimated; a year with none is missing, and computations reaching it say so.
    """
    cached = cache.get(CALENDAR_CACHE_KEY)
    if cached is None:
        rows = list(Holiday.objects.values_list("date", "kind", "estimated"))
        lunar_years: dict[int, str] = {}
        for day, kind, estimated in rows:
            if kind == HolidayKind.LUNAR:
                year = to_jalali_date(day).year
                if estimated or lunar_years.get(year) == ESTIMATED:
                    lunar_years[year] = ESTIMATED
                else:
                    lunar_years[year] = CONFIRMED
        cached = ([day for day, _kind, _estimated in rows], lunar_years)
        cache.set(CALENDAR_CACHE_KEY, cached, 3600)
    days, lunar_years = cached
    return WorkingCalendar(holidays=days, lunar_years=lunar_years)
