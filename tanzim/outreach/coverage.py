"""Where the outreach has been: provinces and counties, and a map drawn as inline SVG.

The map is the bundled rough outline of Iran (``data/iran.geojson``) with one dot per county
from the offices app's reference coordinates: red where no mission has been held, green where
one has; the table beside it carries the figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Count

from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import City, Office, Province
from tanzim.outreach.choices import MissionStatus
from tanzim.outreach.geo import deprivation_index, nearest_km, outline
from tanzim.outreach.models import FieldService, Mission

HELD = (MissionStatus.HELD, MissionStatus.REPORTED, MissionStatus.REIMBURSED)
WIDTH, HEIGHT = 400, 360
LON0, LON1, LAT0, LAT1 = 43.5, 63.8, 24.8, 40.0


@dataclass
class CountyRow:
    city: City
    population: int
    distance_km: int | None
    missions: int = 0
    upcoming: int = 0
    beneficiaries: int = 0
    services: int = 0
    x: float = 0
    y: float = 0

    @property
    def per_1000(self) -> float:
        return round(1000 * self.services / self.population, 2) if self.population else 0.0

    @property
    def radius(self) -> float:
        return round(2 + math.sqrt(self.population / 1_000_000) * 4, 1)


@dataclass
class ProvinceRow:
    province: Province
    deprivation: int
    counties: list[CountyRow] = field(default_factory=list)

    @property
    def population(self) -> int:
        return sum(c.population for c in self.counties)

    @property
    def missions(self) -> int:
        return sum(c.missions for c in self.counties)

    @property
    def upcoming(self) -> int:
        return sum(c.upcoming for c in self.counties)

    @property
    def beneficiaries(self) -> int:
        return sum(c.beneficiaries for c in self.counties)

    @property
    def services(self) -> int:
        return sum(c.services for c in self.counties)

    @property
    def per_1000(self) -> float:
        return round(1000 * self.services / self.population, 3) if self.population else 0.0

    @property
    def farthest_km(self) -> int:
        return max((c.distance_km or 0 for c in self.counties), default=0)


def project(lon: float, lat: float) -> tuple[float, float]:
    x = (lon - LON0) / (LON1 - LON0) * WIDTH
    y = (LAT1 - lat) / (LAT1 - LAT0) * HEIGHT
    return round(x, 1), round(y, 1)


def outline_path() -> str:
    points = [project(lon, lat) for lon, lat in outline()]
    return "M" + " L".join(f"{x},{y}" for x, y in points) + " Z"


def coverage() -> list[ProvinceRow]:
    """Every province (most deprived first) with its counties' figures."""
    offices = list(Office.objects.exclude(status=OfficeStatus.CLOSED).values_list("latitude", "longitude"))
    held = dict(
        Mission.objects.filter(status__in=HELD).values_list("county_id").annotate(n=Count("pk")).order_by()
    )
    upcoming = dict(
        Mission.objects.filter(
            status__in=(
                MissionStatus.PLANNED,
                MissionStatus.ASSIGNED,
                MissionStatus.CONFIRMED,
                MissionStatus.APPROVED,
            )
        )
        .values_list("county_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    served = {
        row["mission__county_id"]: row
        for row in FieldService.objects.values("mission__county_id")
        .annotate(n=Count("pk"), people=Count("national_code", distinct=True))
        .order_by()
    }
    index = deprivation_index()
    rows: dict[int, ProvinceRow] = {}
    for province in Province.objects.order_by("code"):
        rows[province.pk] = ProvinceRow(province=province, deprivation=index.get(province.code, 0))
    for city in City.objects.select_related("province").order_by("code"):
        x, y = project(city.longitude, city.latitude)
        county = CountyRow(
            city=city,
            population=city.population,
            distance_km=nearest_km(city.latitude, city.longitude, offices),
            missions=held.get(city.pk, 0),
            upcoming=upcoming.get(city.pk, 0),
            beneficiaries=served.get(city.pk, {}).get("people", 0),
            services=served.get(city.pk, {}).get("n", 0),
            x=x,
            y=y,
        )
        rows[city.province_id].counties.append(county)
    return sorted(rows.values(), key=lambda r: (-r.deprivation, r.province.code))
