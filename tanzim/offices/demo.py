"""Demo offices: ~200 offices with Persian names, spread over cities by population."""

from __future__ import annotations

import json
import random
from datetime import date, time

from tanzim.common.normalize import to_persian_digits
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import City, Counter, Licence, Office, WorkingHours
from tanzim.offices.services import DATA_DIR, DEFAULT_HOURS

LICENCE_SHARE = {
    LicenceKind.MEDIATION: 0.75,
    LicenceKind.ARBITRATION: 0.4,
    LicenceKind.CONSULTATION: 0.5,
    LicenceKind.ENFORCEMENT_PILOT: 0.06,
}


def _allocation(cities: list[City], total: int) -> dict[int, int]:
    """Every provincial capital gets an office; the rest follow population."""
    counts = {c.pk: int(c.is_capital) for c in cities}
    weights = [max(c.population, 1) for c in cities]
    rng = random.Random(7)
    for city in rng.choices(cities, weights=weights, k=max(0, total - sum(counts.values()))):
        counts[city.pk] += 1
    return counts


def seed_offices(*, total: int = 200, progress=None) -> list[Office]:
    """Idempotent: offices are keyed by code, so a second run creates nothing new."""
    names = json.loads((DATA_DIR / "office_names.json").read_text(encoding="utf-8"))
    cities = list(City.objects.select_related("province").order_by("code"))
    rng = random.Random(1404)
    offices = []
    serial = 1000
    allocation = _allocation(cities, total)
    for city in cities:
        for n in range(allocation[city.pk]):
            serial += 1
            code = f"{city.province.code}{serial}"
            i = rng.randrange(len(names["first_names_fa"]))
            j = rng.randrange(len(names["last_names_fa"]))
            k = rng.randrange(len(names["streets_fa"]))
            p = rng.randrange(len(names["patterns_fa"]))
            fa = {
                "city": city.name_fa,
                "number": to_persian_digits(serial),
                "first_name": names["first_names_fa"][i],
                "last_name": names["last_names_fa"][j],
                "street": names["streets_fa"][k],
            }
            en = {
                "city": city.name_en,
                "number": str(serial),
                "first_name": names["first_names_en"][i],
                "last_name": names["last_names_en"][j],
                "street": names["streets_en"][k],
            }
            office, created = Office.objects.get_or_create(
                code=code,
                defaults={
                    "name_fa": names["patterns_fa"][p] % fa,
                    "name_en": names["patterns_en"][p] % en,
                    "province": city.province,
                    "city": city,
                    "address": "{}، {}، پلاک {}".format(
                        city.name_fa, names["streets_fa"][k], to_persian_digits(rng.randint(1, 250))
                    ),
                    "latitude": round(city.latitude + rng.uniform(-0.03, 0.03), 5),
                    "longitude": round(city.longitude + rng.uniform(-0.03, 0.03), 5),
                    "phone": f"+98{rng.randint(21, 87)}{rng.randint(3000000, 9999999)}",
                    "status": OfficeStatus.SUSPENDED if rng.random() < 0.03 else OfficeStatus.ACTIVE,
                    "deprived_area": city.province.deprived or city.province.border,
                },
            )
            if created:
                counters = rng.randint(2, 10)
                Counter.objects.bulk_create(
                    [Counter(office=office, number=c) for c in range(1, counters + 1)]
                )
                WorkingHours.objects.bulk_create(
                    [
                        WorkingHours(office=office, weekday=d, opens=time(o), closes=time(c))
                        for d, o, c in DEFAULT_HOURS
                    ]
                )
                kinds = [
                    kind
                    for kind, share in LICENCE_SHARE.items()
                    if rng.random() < share or (n == 0 and kind == LicenceKind.MEDIATION)
                ]
                Licence.objects.bulk_create(
                    [
                        Licence(
                            office=office,
                            kind=kind,
                            number=f"{code}-{kind[:3].upper()}",
                            valid_from=date(2024, 3, 20),
                            valid_until=date(2028, 3, 19),
                        )
                        for kind in kinds
                    ]
                )
            offices.append(office)
            if progress:
                progress()
    return offices
