"""Time zones: the tz database in use, and every time shown or typed around midnight in Tehran as a
reader in Berlin, Toronto and Tokyo reads or types it (tanzim/common/timezones.py, the formatting
layer and the appointment texts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tanzim.common.formatting import both_zones, gregorian_date, jalali_date
from tanzim.common.timezones import (
    TEHRAN,
    entry_datetime,
    in_quiet_hours,
    valid_zone_name,
    viewer_zone,
    viewing_in,
    zone_choices,
    zone_label,
    zone_of,
)
from tanzim.scheduling.formatting import clock_text, when_text

BERLIN, TORONTO, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("America/Toronto"), ZoneInfo("Asia/Tokyo")

# Midnight in Tehran: Saturday 14 Azar 1405 (5 December 2026) begins at 20:30 UTC on the 4th.
MIDNIGHT = datetime(2026, 12, 4, 20, 30, tzinfo=UTC)
BEFORE = MIDNIGHT - timedelta(minutes=1)  # 23:59 on Friday 13 Azar in Tehran


# --- the tz database ------------------------------------------------------------------------------


def test_tehran_is_utc_plus_three_thirty_all_of_2026_without_daylight_saving():
    # Iran stopped daylight saving in 2022: a database older than that would say +04:30 in summer.
    day = datetime(2026, 1, 1, 12, tzinfo=UTC)
    while day.year == 2026:
        local = day.astimezone(TEHRAN)
        assert local.utcoffset() == timedelta(hours=3, minutes=30), day
        assert local.dst() == timedelta(0), day
        day += timedelta(days=1)
    # the old switching days (the first of Farvardin and the end of Shahrivar) in particular
    for moment in (datetime(2026, 3, 21, 20, 30, tzinfo=UTC), datetime(2026, 9, 21, 19, 30, tzinfo=UTC)):
        assert moment.astimezone(TEHRAN).utcoffset() == timedelta(hours=3, minutes=30)


def test_the_three_zones_have_the_offsets_of_december_2026():
    assert MIDNIGHT.astimezone(BERLIN).utcoffset() == timedelta(hours=1)
    assert MIDNIGHT.astimezone(TORONTO).utcoffset() == timedelta(hours=-5)
    assert MIDNIGHT.astimezone(TOKYO).utcoffset() == timedelta(hours=9)


def test_zone_names_are_checked_against_the_database():
    assert valid_zone_name("Europe/Berlin") and valid_zone_name("Asia/Tehran")
    assert not valid_zone_name("Europe/Atlantis") and not valid_zone_name("") and not valid_zone_name(None)
    assert zone_of("Mars/Olympus") is TEHRAN and zone_of(None) is TEHRAN and zone_of("") is TEHRAN
    assert zone_of("Asia/Tokyo") == TOKYO
    names = [name for name, _label in zone_choices()]
    assert names[0] == "Asia/Tehran" and "America/Toronto" in names and names.count("Asia/Tehran") == 1
    assert not any(name.startswith("Etc/") for name in names)


def test_zone_labels_name_the_city_in_the_reader_language():
    assert zone_label(BERLIN, "en") == "Berlin" and zone_label(BERLIN, "fa") == "برلین"
    assert zone_label(ZoneInfo("America/Argentina/Buenos_Aires"), "fa") == "Buenos Aires"


def test_the_viewer_zone_is_tehran_outside_a_block_and_restored_after_it():
    assert viewer_zone() is TEHRAN
    with viewing_in("Europe/Berlin") as zone:
        assert viewer_zone() == zone == BERLIN
        with viewing_in(TOKYO):
            assert viewer_zone() == TOKYO
        assert viewer_zone() == BERLIN
    assert viewer_zone() is TEHRAN


# --- dates shown around midnight in Tehran --------------------------------------------------------

SHOWN = [
    # (zone, instant, English, Persian)
    (
        BERLIN,
        MIDNIGHT,
        "1405/09/13 21:30 Berlin time (4 Dec 2026) · 1405/09/14 00:00 Tehran time",
        "۱۴۰۵/۰۹/۱۳ ۲۱:۳۰ به وقت برلین (۴ دسامبر ۲۰۲۶) · ۱۴۰۵/۰۹/۱۴ ۰۰:۰۰ به وقت تهران",
    ),
    (
        BERLIN,
        BEFORE,
        "1405/09/13 21:29 Berlin time (4 Dec 2026) · 23:59 Tehran time",
        "۱۴۰۵/۰۹/۱۳ ۲۱:۲۹ به وقت برلین (۴ دسامبر ۲۰۲۶) · ۲۳:۵۹ به وقت تهران",
    ),
    (
        TORONTO,
        MIDNIGHT,
        "1405/09/13 15:30 Toronto time (4 Dec 2026) · 1405/09/14 00:00 Tehran time",
        "۱۴۰۵/۰۹/۱۳ ۱۵:۳۰ به وقت تورنتو (۴ دسامبر ۲۰۲۶) · ۱۴۰۵/۰۹/۱۴ ۰۰:۰۰ به وقت تهران",
    ),
    (
        TORONTO,
        BEFORE,
        "1405/09/13 15:29 Toronto time (4 Dec 2026) · 23:59 Tehran time",
        "۱۴۰۵/۰۹/۱۳ ۱۵:۲۹ به وقت تورنتو (۴ دسامبر ۲۰۲۶) · ۲۳:۵۹ به وقت تهران",
    ),
    (
        TOKYO,
        MIDNIGHT,
        "1405/09/14 05:30 Tokyo time (5 Dec 2026) · 00:00 Tehran time",
        "۱۴۰۵/۰۹/۱۴ ۰۵:۳۰ به وقت توکیو (۵ دسامبر ۲۰۲۶) · ۰۰:۰۰ به وقت تهران",
    ),
    (
        TOKYO,
        BEFORE,
        "1405/09/14 05:29 Tokyo time (5 Dec 2026) · 1405/09/13 23:59 Tehran time",
        "۱۴۰۵/۰۹/۱۴ ۰۵:۲۹ به وقت توکیو (۵ دسامبر ۲۰۲۶) · ۱۴۰۵/۰۹/۱۳ ۲۳:۵۹ به وقت تهران",
    ),
]


@pytest.mark.parametrize(("zone", "instant", "english", "persian"), SHOWN)
def test_a_time_is_shown_in_the_reader_zone_and_in_tehran(zone, instant, english, persian):
    with viewing_in(zone):
        assert jalali_date(instant, "time", "en") == english
        assert jalali_date(instant, "time", "fa") == persian
    assert both_zones(instant, zone, "en") == english


def test_a_reader_in_tehran_reads_what_they_always_read():
    assert jalali_date(MIDNIGHT, "time", "en") == "1405/09/14 00:00"
    assert jalali_date(BEFORE, "time", "fa") == "۱۴۰۵/۰۹/۱۳ ۲۳:۵۹"
    assert when_text(MIDNIGHT, "en") == "Saturday 14 Azar 1405, 00:00"
    assert clock_text(BEFORE, "en") == "23:59"


def test_a_plain_date_stays_the_legal_day_wherever_the_reader_is():
    # A deadline is a day of Iran's calendar: it is not converted.
    with viewing_in(TOKYO):
        assert jalali_date(date(2026, 12, 4), "date", "en") == "1405/09/13"
        assert jalali_date(MIDNIGHT, "date", "en") == "1405/09/14"
        assert jalali_date(date(2026, 12, 4), "long", "en") == "13 Azar 1405"


@pytest.mark.parametrize(
    ("zone", "english"),
    [
        (BERLIN, "Friday 13 Azar 1405, 21:30 Berlin time (4 Dec 2026) · Saturday 14 Azar, 00:00 Tehran time"),
        (
            TORONTO,
            "Friday 13 Azar 1405, 15:30 Toronto time (4 Dec 2026) · Saturday 14 Azar, 00:00 Tehran time",
        ),
        (TOKYO, "Saturday 14 Azar 1405, 05:30 Tokyo time (5 Dec 2026) · 00:00 Tehran time"),
    ],
)
def test_an_appointment_is_written_in_both_zones(zone, english):
    with viewing_in(zone):
        assert when_text(MIDNIGHT, "en") == english
        persian = when_text(MIDNIGHT, "fa")
        assert (
            "به وقت تهران" in persian
            and "۰۰:۰۰" in persian
            and not any(c.isascii() and c.isdigit() for c in persian)
        )
        assert clock_text(MIDNIGHT, "en").startswith("00:00 Tehran time (")


def test_the_gregorian_day_in_both_languages():
    assert gregorian_date(date(2026, 12, 4), "en") == "4 Dec 2026"
    assert gregorian_date(date(2026, 12, 4), "fa") == "۴ دسامبر ۲۰۲۶"


# --- dates typed around midnight in Tehran --------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "clock"),
    [
        # Each is 00:15 on Saturday 14 Azar in Tehran, typed where the person lives.
        (BERLIN, date(2026, 12, 4), time(21, 45)),
        (TORONTO, date(2026, 12, 4), time(15, 45)),
        (TOKYO, date(2026, 12, 5), time(5, 45)),
    ],
)
def test_a_typed_time_is_read_in_the_typist_zone(zone, day, clock):
    with viewing_in(zone):
        typed = entry_datetime(day, clock)
        shown = jalali_date(typed, "time", "en")
    assert typed.astimezone(UTC) == datetime(2026, 12, 4, 20, 45, tzinfo=UTC)
    assert typed.astimezone(TEHRAN).date() == date(2026, 12, 5)  # no day lost or gained
    local = f"{clock.hour:02d}:{clock.minute:02d}"
    assert local in shown.split(" · ")[0] and "00:15 Tehran time" in shown


def test_office_staff_type_tehran_time():
    typed = entry_datetime(date(2026, 12, 5), time(0, 15))
    assert typed.astimezone(UTC) == datetime(2026, 12, 4, 20, 45, tzinfo=UTC)


def test_quiet_hours_are_the_night_where_the_person_lives():
    # 03:30 UTC: 07:00 in Tehran (quiet), 04:30 in Berlin (quiet), 22:30 in Toronto (quiet), 12:30 in Tokyo.
    moment = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)
    assert (
        in_quiet_hours(moment, TEHRAN) and in_quiet_hours(moment, BERLIN) and in_quiet_hours(moment, TORONTO)
    )
    assert not in_quiet_hours(moment, TOKYO)
    assert not in_quiet_hours(moment + timedelta(hours=1), TEHRAN)  # 08:00
