from django.db import models
from django.utils.translation import gettext_lazy as _


class OfficeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class LicenceKind(models.TextChoices):
    ARBITRATION = "arbitration", _("Arbitration")
    MEDIATION = "mediation", _("Mediation and peace-making")
    CONSULTATION = "consultation", _("Consultation")
    ENFORCEMENT_PILOT = "enforcement_pilot", _("Civil enforcement pilot")


class Weekday(models.IntegerChoices):
    # Python's numbering (Monday = 0) so date.weekday() compares directly.
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")


class HolidayKind(models.TextChoices):
    SOLAR = "solar", _("Solar (fixed)")
    LUNAR = "lunar", _("Lunar (moves every year)")
    OTHER = "other", _("Declared")
