"""Calendar export: a valid iCalendar file and an "add to calendar" link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import translation
from icalendar import Calendar

from tanzim.scheduling.ics import add_to_calendar_url, appointment_ics, escape, fold
from tanzim.scheduling.services import appointment_cancel
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(slotted, service):
    return book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_file_has_one_event_in_utc_with_a_reminder(appointment):
    text = appointment_ics(appointment)
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20261220T053000Z" in lines  # 09:00 in Tehran
    assert "DTEND:20261220T054500Z" in lines
    assert "TRIGGER:-PT2H" in lines
    assert f"UID:appointment-{appointment.pk}-{appointment.reference}@tanzim" in lines
    assert "STATUS:CONFIRMED" in lines


def test_every_line_ends_with_crlf_and_is_at_most_75_octets(appointment):
    text = appointment_ics(appointment)
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75


def test_folding_never_splits_a_persian_letter():
    line = "SUMMARY:" + "نوبت دفتر خدمات الکترونیک قضایی " * 5
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_text_values_are_escaped():
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_a_cancelled_appointment_exports_as_cancelled(slotted, appointment):
    appointment_cancel(appointment=appointment, actor=slotted.citizen)
    appointment.refresh_from_db()
    lines = _unfold(appointment_ics(appointment))
    assert "STATUS:CANCELLED" in lines
    assert "METHOD:CANCEL" in lines


def test_the_add_to_calendar_link_carries_the_times_and_place(appointment):
    with translation.override("en"):
        url = add_to_calendar_url(appointment)
    query = parse_qs(urlparse(url).query)
    assert query["dates"] == ["20261220T053000Z/20261220T054500Z"]
    assert "Office A" in query["location"][0]
    assert query["action"] == ["TEMPLATE"]


def test_the_calendar_carries_the_tehran_time_zone_without_daylight_saving(appointment):
    lines = _unfold(appointment_ics(appointment))
    zone = lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE") + 1]
    assert {"TZID:Asia/Tehran", "TZOFFSETFROM:+0330", "TZOFFSETTO:+0330", "BEGIN:STANDARD"} <= set(zone)
    assert "BEGIN:DAYLIGHT" not in zone
    assert lines.index("END:VTIMEZONE") < lines.index("BEGIN:VEVENT")


def test_times_are_whole_minutes_and_the_file_parses_back(appointment):
    appointment.start += timedelta(seconds=42, microseconds=7)
    text = appointment_ics(appointment, now=datetime(2026, 12, 19, 3, 30, 59, tzinfo=UTC))
    lines = _unfold(text)
    assert "DTSTART:20261220T053000Z" in lines
    assert "DTSTAMP:20261219T033000Z" in lines
    events = Calendar.from_ical(text).walk("VEVENT")
    assert len(events) == 1
    assert events[0].decoded("dtstart") == datetime(2026, 12, 20, 5, 30, tzinfo=UTC)
    assert str(events[0]["uid"]) == f"appointment-{appointment.pk}-{appointment.reference}@tanzim"
