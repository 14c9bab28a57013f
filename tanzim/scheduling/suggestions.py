"""The suggestion engine: fewer visits first, then the best (office, time) pairs.

1. If the service can be done remotely or semi-in-person, say so first, with the price
   difference against the in-person fee (the goal is fewer visits).
2. Otherwise rank (office, earliest fitting time) pairs among active offices licensed for
   the service. The cost is in minutes of the citizen's time, lower is better::

       cost = 2 × travel_minutes(distance)              # there and back
            + delay_minutes_per_day × days until the slot
            + queue_weight × the office's expected wait at the counter (Erlang C)
            − tier_bonus(office)                         # its ranking tier: A 15, B 5 minutes

   travel_minutes: the first 10 km at 20 km/h (city traffic), the rest at 60 km/h.
   The weights are ``SCHEDULING_SUGGESTION_WEIGHTS`` in settings (optional). The tier is the
   office's tier in force this Jalali month (``finance.OfficeTier``, set when a ranking run is
   approved); the bonus is a nudge between offices about as near and as free, never a reason to
   cross a city, and the suggestion says so in its reasons.

Candidates are the nearest eligible offices (a cached list of coordinates, so the whole
country is one NumPy pass), and their free slots come from the partial index on the slot
table: availability is a query, never a computation over calendars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.catalog.fees import fee_quote
from tanzim.catalog.models import Service
from tanzim.common import formatting
from tanzim.common.errors import DomainError
from tanzim.common.jalali import TEHRAN, jalali_year_month, tehran_date
from tanzim.finance.choices import Tier
from tanzim.finance.share import tiers_for
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import City, Office
from tanzim.offices.selectors import valid_licences
from tanzim.scheduling import selectors
from tanzim.scheduling.formatting import clock_text, day_text, number_text
from tanzim.scheduling.models import OfficeQueueStats

EARTH_RADIUS_KM = 6371.0
CANDIDATE_OFFICES = 30
MAX_ROUNDS = 4
MAX_LIMIT = 20
DEFAULT_DAYS = 7
OFFICE_CACHE_SECONDS = 60
#: Minutes of cost taken off for an office's ranking tier; lower tiers get none.
TIER_BONUS_MINUTES: dict[str, float] = {Tier.A: 15.0, Tier.B: 5.0}
# The largest bonus ranking_tier_bonus() may give; it bounds how far the search must look.
MAX_TIER_BONUS = max(TIER_BONUS_MINUTES.values())


@dataclass(frozen=True)
class CostWeights:
    delay_minutes_per_day: float = 20.0
    queue_weight: float = 1.0
    city_speed_kmh: float = 20.0
    road_speed_kmh: float = 60.0
    city_km: float = 10.0

    @classmethod
    def from_settings(cls) -> CostWeights:
        return cls(**getattr(settings, "SCHEDULING_SUGGESTION_WEIGHTS", {}))

    def travel_minutes(self, km: float) -> float:
        near = min(km, self.city_km)
        far = max(0.0, km - self.city_km)
        return near / self.city_speed_kmh * 60 + far / self.road_speed_kmh * 60


def office_tiers(office_ids: list[int], *, now: datetime | None = None) -> dict[int, str]:
    """Each office's ranking tier in force this Jalali month; offices never ranked are missing."""
    year, month = jalali_year_month(now or timezone.now())
    return tiers_for(year=year, month=month, office_ids=office_ids)


def ranking_tier_bonus(
    office_ids: list[int], *, tiers: dict[int, str] | None = None, now: datetime | None = None
) -> dict[int, float]:
    """Minutes of cost taken off for an office's ranking tier (``TIER_BONUS_MINUTES``).

    Offices missing from the returned mapping get 0: never ranked, or a tier without a bonus.
    """
    tiers = office_tiers(office_ids, now=now) if tiers is None else tiers
    return {pk: TIER_BONUS_MINUTES[tier] for pk, tier in tiers.items() if tier in TIER_BONUS_MINUTES}


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    phi1, phi2 = math.radians(lat), np.radians(lats)
    dphi = phi2 - phi1
    dlmb = np.radians(lons) - math.radians(lon)
    a = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def eligible_offices(*, service: Service, on: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, latitudes, longitudes) of active offices licensed for the service; cached a minute."""
    key = f"scheduling:eligible:{service.licence_required or '-'}:{on.isoformat()}"
    cached = cache.get(key)
    if cached is None:
        offices = Office.objects.filter(status=OfficeStatus.ACTIVE)
        if service.licence_required:
            offices = offices.filter(
                pk__in=valid_licences(kind=service.licence_required, on=on).values("office_id")
            )
        rows = list(offices.values_list("pk", "latitude", "longitude"))
        cached = rows
        cache.set(key, rows, OFFICE_CACHE_SECONDS)
    if not cached:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty
    arr = np.asarray(cached, dtype=float)
    return arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2]


@dataclass(frozen=True)
class ChannelOffer:
    channel: str
    price: int | None
    saving: int | None  # against the in-person price; None when a price is unknown
    visits: int
    message: str


@dataclass
class SuggestionOption:
    office: Office
    slot_id: int
    start: datetime
    end: datetime
    distance_km: float
    travel_minutes: float
    days_until: float
    queue_wait_minutes: float
    tier_bonus: float
    cost: float
    tier: str = ""  # the office's ranking tier this month ("" when never ranked)
    reasons: list[str] = field(default_factory=list)


@dataclass
class Suggestions:
    service: Service
    latitude: float
    longitude: float
    date_from: date
    date_to: date
    in_person_price: int | None
    offers: list[ChannelOffer]
    options: list[SuggestionOption]
    bookable: bool  # False for a service that needs no visit at all


PRICE_CACHE_SECONDS = 300


def _price(service: Service, channel: str) -> int | None:
    """The base price on a channel; cached a few minutes (tariffs change once a year)."""
    key = f"scheduling:price:{service.code}:{channel}:{timezone.localdate().isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    try:
        price = fee_quote(service=service, channel=channel).client_total
    except DomainError:
        price = None
    cache.set(key, price or 0, PRICE_CACHE_SECONDS)
    return price


def channel_offers(service: Service) -> tuple[int | None, list[ChannelOffer]]:
    """Ways to avoid or shorten the visit, cheapest first, with the saving in rials."""
    in_person = _price(service, "in_person") if service.in_person else None
    offers = []
    for channel, allowed, visits, message in (
        ("remote", service.remote, 0, _("You can do this remotely, with no visit to an office.")),
        (
            "semi_in_person",
            service.semi_in_person,
            1,
            _("Prepare it online; one short visit to an office verifies your identity and originals."),
        ),
    ):
        if not allowed:
            continue
        price = _price(service, channel)
        saving = in_person - price if in_person is not None and price is not None else None
        offers.append(
            ChannelOffer(channel=channel, price=price, saving=saving, visits=visits, message=str(message))
        )
    return in_person, offers


def _reasons(option: SuggestionOption, weights: CostWeights, now: datetime) -> list[str]:
    reasons = []
    km = option.distance_km
    reasons.append(
        str(
            _("%(km)s km from you, about %(minutes)s minutes each way.")
            % {
                "km": formatting.number(km, 1 if km < 10 else 0),
                "minutes": number_text(max(1, round(option.travel_minutes))),
            }
        )
    )
    local = option.start.astimezone(TEHRAN)
    today = tehran_date(now)
    if local.date() == today:
        when = _("today at %(time)s") % {"time": clock_text(local)}
    elif local.date() == today + timedelta(days=1):
        when = _("tomorrow at %(time)s") % {"time": clock_text(local)}
    else:
        when = _("%(day)s at %(time)s") % {"day": day_text(local.date()), "time": clock_text(local)}
    reasons.append(str(_("Earliest free time: %(when)s.") % {"when": when}))
    wait = option.queue_wait_minutes
    if wait < 5:
        reasons.append(str(_("Little waiting at the counter at this office.")))
    else:
        reasons.append(
            str(
                _("Expected wait at the counter: about %(minutes)s minutes.")
                % {"minutes": number_text(round(wait))}
            )
        )
    if option.tier_bonus > 0:
        if option.tier in Tier.values:
            reasons.append(str(_("A highly ranked office (%(tier)s).") % {"tier": Tier(option.tier).label}))
        else:
            reasons.append(str(_("A highly ranked office.")))
    return reasons


def resolve_location(*, latitude=None, longitude=None, city: str | None = None) -> tuple[float, float]:
    """Coordinates from the request, or the centre of a city given by its code."""
    if latitude is not None and longitude is not None:
        lat, lon = float(latitude), float(longitude)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
            raise DomainError(fields={"location": [_("Enter valid coordinates.")]}, code="invalid_location")
        return lat, lon
    if city:
        found = City.objects.filter(code=city).values_list("latitude", "longitude").first()
        if found is None:
            raise DomainError(fields={"city": [_("Unknown city.")]}, code="unknown_city")
        return found
    raise DomainError(
        _("Give your location or choose a city."),
        code="location_required",
        fields={"location": [_("Give your location or choose a city.")]},
    )


def _check_dates(date_from: date | None, date_to: date | None, now: datetime) -> tuple[date, date]:
    today = tehran_date(now)
    last = today + timedelta(days=settings.SCHEDULING_HORIZON_DAYS - 1)
    date_from = date_from or today
    date_to = date_to or min(last, date_from + timedelta(days=DEFAULT_DAYS - 1))
    if date_from < today:
        raise DomainError(fields={"date_from": [_("The date cannot be in the past.")]}, code="date_in_past")
    if date_to < date_from:
        raise DomainError(fields={"date_to": [_("The last date must not be before the first.")]})
    if date_from > last:
        raise DomainError(
            fields={
                "date_from": [
                    _("Bookings open %(days)s days ahead.") % {"days": settings.SCHEDULING_HORIZON_DAYS}
                ]
            },
            code="outside_booking_window",
        )
    return date_from, min(date_to, last)


def suggest(
    *,
    service: Service,
    latitude: float,
    longitude: float,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 5,
    now: datetime | None = None,
) -> Suggestions:
    """Channel offers and the top ``limit`` (office, slot) pairs, each with its reasons."""
    now = now or timezone.now()
    if not 1 <= limit <= MAX_LIMIT:
        raise DomainError(fields={"limit": [_("Ask for 1 to %(max)s suggestions.") % {"max": MAX_LIMIT}]})
    if not service.active:
        raise DomainError(fields={"service": [_("This service is not offered.")]}, code="unknown_service")
    date_from, date_to = _check_dates(date_from, date_to, now)
    in_person, offers = channel_offers(service)
    result = Suggestions(
        service=service,
        latitude=latitude,
        longitude=longitude,
        date_from=date_from,
        date_to=date_to,
        in_person_price=in_person,
        offers=offers,
        options=[],
        bookable=service.in_person or service.semi_in_person,
    )
    if not result.bookable:
        return result
    weights = CostWeights.from_settings()
    start = max(selectors.bookable_from(now), datetime.combine(date_from, time(0), tzinfo=TEHRAN))
    end = min(
        selectors.bookable_until(now), datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=TEHRAN)
    )
    if end <= start:
        return result
    ids, lats, lons = eligible_offices(service=service, on=date_from)
    if not len(ids):
        return result
    distances = haversine_km(latitude, longitude, lats, lons)
    order = np.argsort(distances, kind="stable")
    units = selectors.units_for(service)
    options: list[SuggestionOption] = []
    for round_ in range(MAX_ROUNDS):
        chosen = order[round_ * CANDIDATE_OFFICES : (round_ + 1) * CANDIDATE_OFFICES]
        if not len(chosen):
            break
        candidate_ids = [int(ids[i]) for i in chosen]
        distance_of = {int(ids[i]): float(distances[i]) for i in chosen}
        options.extend(_options_for(candidate_ids, distance_of, units, start, end, now, weights))
        options.sort(key=lambda o: (o.cost, o.start, o.office.code))
        # The next ring can only win on time: its best case is the travel to its nearest office.
        following = order[(round_ + 1) * CANDIDATE_OFFICES : (round_ + 1) * CANDIDATE_OFFICES + 1]
        if len(options) >= limit:
            if not len(following):
                break
            best_case = 2 * weights.travel_minutes(float(distances[following[0]])) - MAX_TIER_BONUS
            if best_case >= options[limit - 1].cost:
                break
    options.sort(key=lambda o: (o.cost, o.start, o.office.code))
    result.options = options[:limit]
    for option in result.options:
        option.reasons = _reasons(option, weights, now)
    return result


def _options_for(
    office_ids: list[int],
    distance_of: dict[int, float],
    units: int,
    start: datetime,
    end: datetime,
    now: datetime,
    weights: CostWeights,
) -> list[SuggestionOption]:
    # One free unit answers for a one-unit service; a longer one needs a run, so read a few more.
    per_office = 1 if units == 1 else 6 * units
    rows = selectors.first_free_units(
        office_ids=office_ids, start=start, end=end + selectors.unit() * units, per_office=per_office
    )
    by_office: dict[int, list[selectors.FreeUnit]] = {}
    for unit in rows:
        by_office.setdefault(unit.office_id, []).append(unit)
    first: dict[int, selectors.FreeUnit] = {}
    for office_id, units_free in by_office.items():
        fitting = [s for s in selectors.fitting_starts(units_free, units) if s.start < end]
        if not fitting and len(units_free) >= per_office:
            # Many single free units but no run long enough yet: look further for this office.
            deeper = selectors.first_free_units(
                office_ids=[office_id], start=start, end=end + selectors.unit() * units, per_office=500
            )
            fitting = [s for s in selectors.fitting_starts(deeper, units) if s.start < end]
        if fitting:
            first[office_id] = fitting[0]
    if not first:
        return []
    offices = {o.pk: o for o in Office.objects.filter(pk__in=first).select_related("city", "province")}
    waits = dict(
        OfficeQueueStats.objects.filter(office_id__in=first).values_list("office_id", "expected_wait_minutes")
    )
    tiers = office_tiers(list(first), now=now)
    bonus = ranking_tier_bonus(list(first), tiers=tiers, now=now)
    options = []
    for office_id, slot in first.items():
        km = distance_of[office_id]
        travel = weights.travel_minutes(km)
        days_until = max(0.0, (slot.start - now).total_seconds() / 86400)
        wait = float(waits.get(office_id) or 0.0)
        tier = float(bonus.get(office_id, 0.0))
        cost = 2 * travel + weights.delay_minutes_per_day * days_until + weights.queue_weight * wait - tier
        options.append(
            SuggestionOption(
                office=offices[office_id],
                slot_id=slot.pk,
                start=slot.start,
                end=slot.start + selectors.unit() * units,
                distance_km=round(km, 2),
                travel_minutes=round(travel, 1),
                days_until=round(days_until, 2),
                queue_wait_minutes=round(wait, 1),
                tier_bonus=tier,
                cost=round(cost, 2),
                tier=tiers.get(office_id, ""),
            )
        )
    return options
