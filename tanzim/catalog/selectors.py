from __future__ import annotations

import math
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.catalog.models import Service
from tanzim.common.errors import NotFoundError
from tanzim.common.normalize import normalize_text
from tanzim.offices.models import Office
from tanzim.offices.selectors import office_directory


def service_list(*, category: str | None = None, channel: str | None = None) -> QuerySet[Service]:
    services = Service.objects.filter(active=True)
    if category:
        services = services.filter(category=category)
    if channel in ("in_person", "semi_in_person", "remote"):
        services = services.filter(**{channel: True})
    return services


def service_get(*, code: str) -> Service:
    service = Service.objects.filter(active=True, code=code).first()
    if service is None:
        raise NotFoundError(_("Unknown service."), code="unknown_service")
    return service


def offices_for_service(*, service: Service | None = None, **filters) -> QuerySet[Office]:
    """The directory, narrowed to offices holding the licence a service needs."""
    licence = filters.pop("licence", None)
    q = filters.pop("q", None)
    if service is not None and service.licence_required:
        if licence and licence != service.licence_required:
            return Office.objects.none()
        licence = service.licence_required
    return office_search(office_directory(licence=licence, **filters), q)


# --- choosing an office (issue 15, 8) ----------------------------------------------------------

# The Persian alphabet's order: Unicode puts پ چ ژ گ after ی, so a plain sort misplaces them.
PERSIAN_ALPHABET = "آاأإبپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیئ"
_PERSIAN_RANK = {ch: i for i, ch in enumerate(PERSIAN_ALPHABET)}
_SAME_LETTER = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": " "})
EARTH_RADIUS_KM = 6371.0


def persian_sort_key(text: str) -> tuple[int, ...]:
    """A key sorting Persian text in alphabet order (Latin and digits after the Persian letters)."""
    return tuple(
        _PERSIAN_RANK.get(ch, 1000 + ord(ch)) for ch in (text or "").translate(_SAME_LETTER).casefold()
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def office_search(offices: QuerySet[Office], q: str | None) -> QuerySet[Office]:
    """Narrow by a word of the office's name, code, address, city or province (search by city)."""
    if not q:
        return offices
    text = normalize_text(q)
    return offices.filter(
        Q(name_fa__icontains=text)
        | Q(name_en__icontains=text)
        | Q(code__icontains=text)
        | Q(address__icontains=text)
        | Q(city__name_fa__icontains=text)
        | Q(city__name_en__icontains=text)
        | Q(province__name_fa__icontains=text)
        | Q(province__name_en__icontains=text)
    )


def offices_in_order(
    offices: Iterable[Office], *, latitude: float | None = None, longitude: float | None = None
) -> list[Office]:
    """Nearest first when a location is known (each office gets ``distance_km``), else by city and
    name in Persian alphabet order (English names on English pages): never a province's offices
    first only because its name starts with alef."""
    listed = list(offices)
    if latitude is not None and longitude is not None:
        for office in listed:
            office.distance_km = distance_km(  # type: ignore[attr-defined]
                latitude, longitude, float(office.latitude), float(office.longitude)
            )
        return sorted(listed, key=lambda o: (o.distance_km, o.code))  # type: ignore[attr-defined]
    for office in listed:
        office.distance_km = None  # type: ignore[attr-defined]
    if get_language() and get_language().startswith("en"):
        return sorted(listed, key=lambda o: ((o.city.name_en or "").casefold(), o.name_en.casefold(), o.code))
    return sorted(
        listed, key=lambda o: (persian_sort_key(o.city.name_fa), persian_sort_key(o.name_fa), o.code)
    )
