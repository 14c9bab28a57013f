"""Whose clock a page speaks: the reader's own time zone beside Tehran time.

Everything in Tanzim happens on Tehran time (office hours, sessions, deadlines), and it is stored
in UTC. A person living abroad keeps a time zone in their profile (``accounts.User.time_zone``,
default ``Asia/Tehran``). While a request of theirs is served, it is the *viewer zone*
(``tanzim.web.signin.TwoFactorMiddleware`` wraps every page view in
``viewing_in(reader_zone(request))``); the formatting layer
(``tanzim.common.formatting.jalali_date`` and the appointment texts of
``tanzim.scheduling.formatting``) then writes every time in the reader's zone **and** in Tehran
time, and the forms where a person types a time (``entry_datetime``) read it in that zone.

For a reader in Tehran nothing changes. Documents (PDFs) are always written in Tehran time
(``viewing_in(TEHRAN)``), whoever asks for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.http import HttpRequest
from django.utils.translation import get_language

TEHRAN = ZoneInfo("Asia/Tehran")
TEHRAN_NAME = "Asia/Tehran"

__all__ = [
    "TEHRAN",
    "TEHRAN_NAME",
    "entry_datetime",
    "in_quiet_hours",
    "is_abroad_zone",
    "reader_zone",
    "valid_zone_name",
    "viewer_zone",
    "viewing_in",
    "zone_choices",
    "zone_label",
    "zone_of",
]

_viewer: ContextVar[ZoneInfo] = ContextVar("tanzim_viewer_zone", default=TEHRAN)

# Cities many Iranians abroad live in, named in Persian; any other zone shows its city in Latin.
_CITY_FA = {
    "Asia/Tehran": "تهران",
    "Europe/Berlin": "برلین",
    "Europe/London": "لندن",
    "Europe/Paris": "پاریس",
    "Europe/Stockholm": "استکهلم",
    "Europe/Amsterdam": "آمستردام",
    "Europe/Vienna": "وین",
    "Europe/Rome": "رم",
    "Europe/Istanbul": "استانبول",
    "America/Toronto": "تورنتو",
    "America/Vancouver": "ونکوور",
    "America/New_York": "نیویورک",
    "America/Los_Angeles": "لس‌آنجلس",
    "Asia/Dubai": "دبی",
    "Asia/Tokyo": "توکیو",
    "Asia/Kuala_Lumpur": "کوالالامپور",
    "Australia/Sydney": "سیدنی",
    "Australia/Melbourne": "ملبورن",
}


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_zone_name(name: object) -> bool:
    """Whether ``name`` is an IANA zone of the tz database in use (``Europe/Berlin``)."""
    return isinstance(name, str) and name in _known_zones()


def zone_of(name: str | None) -> ZoneInfo:
    """The zone named ``name``; Tehran for an empty or unknown name (a profile never breaks a page)."""
    if not name or not valid_zone_name(name):
        return TEHRAN
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - guarded by valid_zone_name
        return TEHRAN


def is_abroad_zone(zone: ZoneInfo) -> bool:
    return str(zone.key) != TEHRAN_NAME


def zone_choices() -> list[tuple[str, str]]:
    """Every zone of the tz database as (name, name), Tehran first, for a profile's select box."""
    names = sorted(n for n in _known_zones() if "/" in n and not n.startswith(("Etc/", "SystemV/")))
    names.remove(TEHRAN_NAME)
    return [(TEHRAN_NAME, TEHRAN_NAME), *((n, n) for n in names)]


def zone_label(zone: ZoneInfo, language: str | None = None) -> str:
    """A zone as a reader names it: its city (``Berlin`` / ``برلین``)."""
    key = str(zone.key)
    persian = not (language or get_language() or "fa").startswith("en")
    if persian and key in _CITY_FA:
        return _CITY_FA[key]
    return key.rsplit("/", 1)[-1].replace("_", " ")


def viewer_zone() -> ZoneInfo:
    """The zone the current reader lives in (Tehran unless their profile says otherwise)."""
    return _viewer.get()


@contextmanager
def viewing_in(zone: ZoneInfo | str | None) -> Iterator[ZoneInfo]:
    """Format (and read typed times) as a reader in ``zone`` would, inside the block."""
    chosen = zone if isinstance(zone, ZoneInfo) else zone_of(zone)
    token = _viewer.set(chosen)
    try:
        yield chosen
    finally:
        _viewer.reset(token)


def entry_datetime(day: date, clock: time, zone: ZoneInfo | None = None) -> datetime:
    """A day and a clock time a person typed, read in their zone (the viewer's by default).

    22:30 on 12 Azar typed in Berlin is 01:00 on 13 Azar in Tehran: the instant is kept, and every
    page shows it back in both zones.
    """
    return datetime.combine(day, clock, tzinfo=zone or viewer_zone())


# A reminder is not sent between 22:00 and 08:00 where the person lives.
QUIET_START, QUIET_END = 22, 8


def in_quiet_hours(now: datetime, zone: ZoneInfo) -> bool:
    hour = now.astimezone(zone).hour
    return hour >= QUIET_START or hour < QUIET_END


def reader_zone(request: HttpRequest) -> ZoneInfo:
    """The zone of the person making ``request``: their profile's when signed in, else Tehran."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return TEHRAN
    return zone_of(getattr(user, "time_zone", None))
