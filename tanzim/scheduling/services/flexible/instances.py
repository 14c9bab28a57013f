"""Synthetic countries for the rebalancer: requests and offices clustered around cities.

The nightly solve (``rebalance.solve``) works on a ``Problem`` read from the database; these
instances are for the benchmarks (``bench/rebalance_bench.py``), the ``rebalance --generate``
command and the tests, so that every instance class of issue 25 can be reproduced from a seed.
"""

from __future__ import annotations

import numpy as np

from tanzim.scheduling.services.flexible.rebalance import Problem, haversine

CENTRES = [
    (35.69, 51.39, 8.7),
    (36.30, 59.60, 3.0),
    (32.65, 51.67, 2.0),
    (38.08, 46.29, 1.6),
    (29.59, 52.58, 1.6),
    (35.83, 50.99, 1.5),
    (31.32, 48.67, 1.3),
    (34.64, 50.88, 1.2),
    (37.28, 49.58, 0.9),
    (27.18, 56.27, 0.6),
    (30.28, 57.08, 0.5),
    (36.57, 53.06, 0.5),
    (29.49, 60.86, 0.6),
    (34.31, 47.07, 0.9),
    (37.55, 45.08, 0.7),
]  # fmt: skip  (latitude, longitude, population weight)


def generate(
    *,
    requests: int,
    offices: int,
    days: int = 5,
    seed: int = 1404,
    capacity_per_day: tuple[int, int] = (2, 12),
    centres: list[tuple[float, float, float]] | None = None,
    licence_share: float = 0.1,
) -> Problem:
    """A synthetic country: offices and requests clustered around cities weighted by population."""
    rng = np.random.default_rng(seed)
    if not centres:
        centres = CENTRES
    weights = np.asarray([c[2] for c in centres])
    weights = weights / weights.sum()

    def scatter(count: int, spread: float):
        which = rng.choice(len(centres), size=count, p=weights)
        lat = np.asarray([centres[i][0] for i in which]) + rng.normal(0, spread, count)
        lon = np.asarray([centres[i][1] for i in which]) + rng.normal(0, spread, count)
        return np.clip(lat, 25, 39.7), np.clip(lon, 44.1, 63.3)

    off_lat, off_lon = scatter(offices, 0.35)
    req_lat, req_lon = scatter(requests, 0.45)
    licensed = rng.random(offices) < 0.5
    eligible = np.vstack([np.ones(offices, bool), licensed])
    req_group = (rng.random(requests) < licence_share).astype(np.int64)
    bucket_office = np.repeat(np.arange(offices), days)
    bucket_day = np.tile(np.arange(days), offices)
    capacity = rng.integers(capacity_per_day[0], capacity_per_day[1] + 1, size=offices * days)
    first = rng.integers(0, max(1, days // 2), size=requests)
    return Problem(
        req_lat=req_lat,
        req_lon=req_lon,
        req_group=req_group,
        req_first_day=first,
        req_last_day=np.minimum(days - 1, first + days),
        off_lat=off_lat,
        off_lon=off_lon,
        off_wait=rng.gamma(2.0, 4.0, size=offices),
        eligible=eligible,
        bucket_office=bucket_office,
        bucket_day=bucket_day,
        bucket_capacity=capacity,
    )


# --- the default solver: column generation over every office, with a proven gap ---------------


#: The instance classes of issue 25 (and of ``bench/rebalance_bench.py``).
INSTANCE_CLASSES = ("benchmark", "uneven", "one_city", "beyond_k", "tight")


def generate_class(kind: str, *, requests: int, offices: int, days: int = 5, seed: int = 1404) -> Problem:
    """A synthetic country of one class where rebalancing matters.

    - ``benchmark``: ``generate`` as it is (places for about twice the requests);
    - ``uneven``: the three biggest cities keep a sixth of their places (demand there exceeds them);
    - ``one_city``: every request in one city (Tehran) whose offices keep a quarter of their places;
    - ``beyond_k``: the offices within 35 km of a city centre are fully booked, the places are
      farther out (beyond each central request's 10 nearest offices);
    - ``tight``: places scaled to the number of requests.
    """
    if kind not in INSTANCE_CLASSES:
        raise ValueError(f"unknown instance class {kind!r}")
    rng = np.random.default_rng(seed + 7)
    p = generate(requests=requests, offices=offices, days=days, seed=seed)
    capacity = p.bucket_capacity.copy()
    req_lat, req_lon = p.req_lat, p.req_lon
    bucket_lat, bucket_lon = p.off_lat[p.bucket_office], p.off_lon[p.bucket_office]
    if kind == "uneven":
        for lat, lon, _w in CENTRES[:3]:
            near = haversine(bucket_lat, bucket_lon, lat, lon) < 60
            capacity[near] //= 6
    elif kind == "one_city":
        lat, lon, _w = CENTRES[0]
        req_lat = lat + rng.normal(0, 0.12, requests)
        req_lon = lon + rng.normal(0, 0.12, requests)
        near = haversine(bucket_lat, bucket_lon, lat, lon) < 80
        capacity[near] //= 4
    elif kind == "beyond_k":
        centre_km = np.min([haversine(bucket_lat, bucket_lon, c[0], c[1]) for c in CENTRES], axis=0)
        capacity[centre_km < 35] = 0
        capacity = np.ceil(capacity * 2 * requests / max(1, capacity.sum())).astype(np.int64)
    elif kind == "tight":
        scale = requests / max(1, capacity.sum())
        capacity = np.floor(capacity * scale + rng.random(len(capacity))).astype(np.int64)
    keep = capacity > 0  # an office-day with no free place is not a bucket (as in the database)
    return Problem(
        req_lat=req_lat,
        req_lon=req_lon,
        req_group=p.req_group,
        req_first_day=p.req_first_day,
        req_last_day=p.req_last_day,
        off_lat=p.off_lat,
        off_lon=p.off_lon,
        off_wait=p.off_wait,
        eligible=p.eligible,
        bucket_office=p.bucket_office[keep],
        bucket_day=p.bucket_day[keep],
        bucket_capacity=capacity[keep],
        model=p.model,
    )
