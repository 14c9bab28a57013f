"""Distances on the map (great-circle, in kilometres) and the reference data of the coverage page."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def nearest_km(lat: float, lon: float, points: list[tuple[float, float]]) -> int | None:
    if not points:
        return None
    return round(min(distance_km(lat, lon, a, b) for a, b in points))


@cache
def deprivation_index() -> dict[str, int]:
    """Province code → deprivation index 0–100 (higher: more deprived), from the bundled data."""
    with (DATA / "deprivation.json").open(encoding="utf-8") as handle:
        rows: dict[str, Any] = json.load(handle)
    return {code: int(value) for code, value in rows["provinces"].items()}


@cache
def outline() -> list[tuple[float, float]]:
    """Iran's border as a rough polygon (lon, lat) from the bundled GeoJSON."""
    with (DATA / "iran.geojson").open(encoding="utf-8") as handle:
        shape = json.load(handle)
    ring = shape["features"][0]["geometry"]["coordinates"][0]
    return [(float(lon), float(lat)) for lon, lat in ring]
