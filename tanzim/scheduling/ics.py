"""Calendar export: an iCalendar (RFC 5545) file per appointment and an "add to calendar" link.

The file is written by the ``icalendar`` library (escaping, folding at 75 octets without splitting a
Persian letter, CRLF line ends). Times are in UTC, to the whole minute; the calendar also carries
the offices' time zone, Asia/Tehran (UTC+03:30 all year: Iran has had no daylight saving time since
2022), so a client can show the office's own clock. The event's link opens the appointment on the
configured site (``SITE_URL``) through the citizen's sign-in by code, which returns to it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, Timezone, TimezoneStandard, vText
from icalendar.parser import Contentline

from tanzim.common.forms import local_digits
from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment

PRODID = "-//Tanzim//Appointments//FA"
TZID = "Asia/Tehran"
TEHRAN_OFFSET = timedelta(hours=3, minutes=30)


def _minute(value: datetime) -> datetime:
    """The instant in UTC, to the whole minute (appointments start on the minute)."""
    return value.astimezone(UTC).replace(second=0, microsecond=0)


def _stamp(value: datetime) -> str:
    return _minute(value).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    """TEXT values: backslash, semicolon, comma and newlines are escaped (RFC 5545 §3.3.11)."""
    return vText(str(text)).to_ical().decode("utf-8")


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1)."""
    return Contentline(line).to_ical().decode("utf-8")


def tehran_timezone() -> Timezone:
    """The VTIMEZONE of Asia/Tehran: one standard time, UTC+03:30, no daylight saving."""
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", TEHRAN_OFFSET)
    standard.add("tzoffsetto", TEHRAN_OFFSET)
    standard.add("tzname", "+0330")
    zone = Timezone()
    zone.add("tzid", TZID)
    zone.add_component(standard)
    return zone


def _details(appointment: Appointment) -> tuple[str, str, str]:
    office = appointment.office
    if appointment.remote:
        # A consultation call: nobody comes to the office, so no address and no national card.
        summary = _("Consultation (%(channel)s): %(office)s") % {
            "channel": appointment.get_channel_display(),
            "office": office.name,
        }
        description = _(
            "Code %(reference)s. The consultant calls you at this time; the page has the details."
        ) % {"reference": appointment.reference}
        return summary, description, str(appointment.get_channel_display())
    summary = _("Appointment: %(service)s at %(office)s") % {
        "service": appointment.service.name,
        "office": office.name,
    }
    description = _(
        "Code %(reference)s. Check in up to %(minutes)s minutes early. Bring your national card."
    ) % {
        "reference": appointment.reference,
        # The one number of the sentence in the reader's digits (the code is letters and digits
        # to be typed as they are).
        "minutes": local_digits(settings.SCHEDULING_CHECKIN_EARLY_MINUTES),
    }
    location = (
        f"{office.name}، {office.address}"
        if translation.get_language() != "en"
        else f"{office.name}, {office.address}"
    )
    return summary, description, location


def appointment_link(appointment: Appointment) -> str:
    """The appointment on the site, reached through the citizen's sign-in by code.

    A calendar opens the link in a browser that often has no session; the citizen's sign-in (not
    the staff's password page) takes them there, and a signed-in citizen is sent straight on.
    """
    page = reverse("scheduling:detail", args=[appointment.pk])
    return f"{settings.SITE_URL.rstrip('/')}{reverse('web:otp-request')}?{urlencode({'next': page})}"


def appointment_ics(appointment: Appointment, *, now: datetime | None = None) -> str:
    """One VEVENT with a reminder two hours before; a cancelled booking exports as CANCELLED."""
    summary, description, location = _details(appointment)
    office = appointment.office
    url = appointment_link(appointment)
    cancelled = appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.RESCHEDULED)

    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(tehran_timezone())

    event = Event()
    event.add("uid", f"appointment-{appointment.pk}-{appointment.reference}@tanzim")
    event.add("dtstamp", _minute(now or datetime.now(UTC)))
    event.add("dtstart", _minute(appointment.start))
    event.add("dtend", _minute(appointment.end))
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", location)
    if not appointment.remote:
        event.add("geo", (round(office.latitude, 6), round(office.longitude, 6)))
    event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", 1 if cancelled else 0)
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(hours=-2))
        event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


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
