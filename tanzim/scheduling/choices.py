from django.db import models
from django.utils.translation import gettext_lazy as _


class SlotStatus(models.TextChoices):
    OPEN = "open", _("Open")
    # No longer offered (hours or holidays changed) but kept because it holds bookings.
    CLOSED = "closed", _("Closed")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    SERVED = "served", _("Served")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")
    RESCHEDULED = "rescheduled", _("Moved to another time")


# Statuses that hold a place in the slot inventory.
HOLDING = frozenset({AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN})
# A booking the citizen may still cancel or move.
CHANGEABLE = frozenset({AppointmentStatus.BOOKED})
# An appointment the citizen came to (for no-show rates).
ATTENDED = frozenset({AppointmentStatus.CHECKED_IN, AppointmentStatus.SERVED})


class TicketKind(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment")
    WALK_IN = "walk_in", _("Walk-in")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called to a counter")
    SERVED = "served", _("Served")
    NO_SHOW = "no_show", _("Did not come when called")
    LEFT = "left", _("Left the queue")


class ReminderKind(models.TextChoices):
    CONFIRMATION = "confirmed", _("Confirmation")
    DAY_BEFORE = "reminder_24h", _("Reminder a day before")
    TWO_HOURS = "reminder_2h", _("Reminder two hours before")


class BookingChannel(models.TextChoices):
    """Why the citizen visits: the whole service in person, or the one verification visit."""

    IN_PERSON = "in_person", _("In person")
    SEMI_IN_PERSON = "semi_in_person", _("Semi-in-person (verification visit)")
    # A consultation call at a consultant's own time: no counter, no slot, no visit.
    VIDEO = "video", _("Video call (consultation)")
    PHONE = "phone", _("Phone call (consultation)")


#: Channels booked on the office's counter slots; the others are remote calls with no slot.
SLOT_CHANNELS = frozenset({BookingChannel.IN_PERSON, BookingChannel.SEMI_IN_PERSON})
REMOTE_CHANNELS = frozenset({BookingChannel.VIDEO, BookingChannel.PHONE})


class FlexibleRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for assignment")
    ASSIGNED = "assigned", _("Assigned")
    UNASSIGNED = "unassigned", _("No place found")
    WITHDRAWN = "withdrawn", _("Withdrawn")
