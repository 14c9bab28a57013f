"""Reads for offices. The directory is public: it shows no personal data."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tanzim.common.calendar import WorkingCalendar
from tanzim.common.normalize import normalize_text
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import City, Holiday, Licence, Office, Province

CALENDAR_CACHE_KEY = "offices:working-calendar:v1"


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
    """The national working calendar (Friday off + the holiday table), cached until a holiday changes."""
    days = cache.get(CALENDAR_CACHE_KEY)
    if days is None:
        days = list(Holiday.objects.values_list("date", flat=True))
        cache.set(CALENDAR_CACHE_KEY, days, 3600)
    return WorkingCalendar(holidays=days)
