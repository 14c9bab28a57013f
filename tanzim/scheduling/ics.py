"""Calendar export: an iCalendar (RFC 5545) file per appointment and an "add to calendar" link."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment

PRODID = "-//Tanzim//Appointments//FA"


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    """TEXT values: backslash, semicolon, comma and newlines are escaped (RFC 5545 §3.3.11)."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1)."""
    out, current, size = [], "", 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _details(appointment: Appointment) -> tuple[str, str, str]:
    office = appointment.office
    summary = _("Appointment: %(service)s at %(office)s") % {
        "service": appointment.service.name,
        "office": office.name,
    }
    description = _(
        "Code %(reference)s. Check in up to %(minutes)s minutes early. Bring your national card."
    ) % {
        "reference": appointment.reference,
        "minutes": settings.SCHEDULING_CHECKIN_EARLY_MINUTES,
    }
    location = (
        f"{office.name}، {office.address}"
        if translation.get_language() != "en"
        else f"{office.name}, {office.address}"
    )
    return summary, description, location


def appointment_ics(appointment: Appointment, *, now: datetime | None = None) -> str:
    """One VEVENT with a reminder two hours before; a cancelled booking exports as CANCELLED."""
    now = now or datetime.now(UTC)
    summary, description, location = _details(appointment)
    office = appointment.office
    url = settings.SITE_URL.rstrip("/") + reverse("scheduling:detail", args=[appointment.pk])
    cancelled = appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.RESCHEDULED)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if cancelled else 'PUBLISH'}",
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.pk}-{appointment.reference}@tanzim",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(appointment.start)}",
        f"DTEND:{_stamp(appointment.end)}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        f"LOCATION:{escape(location)}",
        f"GEO:{office.latitude:.6f};{office.longitude:.6f}",
        f"URL:{url}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"SEQUENCE:{1 if cancelled else 0}",
    ]
    if not cancelled:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape(summary)}",
            "TRIGGER:-PT2H",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def add_to_calendar_url(appointment: Appointment) -> str:
    """A Google Calendar "create event" link (opened only when the citizen clicks it)."""
    summary, description, location = _details(appointment)
    dates = f"{_stamp(appointment.start)}/{_stamp(appointment.end)}"
    query = urlencode(
        {"action": "TEMPLATE", "text": summary, "dates": dates, "details": description, "location": location}
    )
    return f"https://calendar.google.com/calendar/render?{query}"


def ics_filename(appointment: Appointment) -> str:
    return f"tanzim-appointment-{appointment.reference}.ics"
