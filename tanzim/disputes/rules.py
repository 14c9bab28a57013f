"""The legal periods of dispute resolution, read from settings (never numbers in the code).

Windows in which something must happen (mediation, the arbitration term) end on their last
counted day; periods for an action after a notice (complying with or annulling an award) are
free periods under art. 445. Either way a last day that is a holiday moves to the next
working day (art. 444) of the national working calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings

from tanzim.common.calendar import WorkingCalendar
from tanzim.common.deadlines import DeadlineRule
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.disputes.choices import CriminalTrack
from tanzim.offices.selectors import working_calendar


@dataclass(frozen=True)
class Window:
    rule: DeadlineRule
    max_extensions: int


def mediation_window(*, criminal_track: str = "") -> Window:
    """The window of a mediation attempt: civil (councils law) or criminal (art. 82)."""
    if criminal_track == CriminalTrack.WAIVER:
        months, extensions = (
            settings.DISPUTES_CRIMINAL_WAIVER_MONTHS,
            settings.DISPUTES_CRIMINAL_MAX_EXTENSIONS,
        )
    elif criminal_track == CriminalTrack.MEDIATION:
        months, extensions = (
            settings.DISPUTES_CRIMINAL_MEDIATION_MONTHS,
            settings.DISPUTES_CRIMINAL_MAX_EXTENSIONS,
        )
    else:
        months, extensions = settings.DISPUTES_MEDIATION_MONTHS, settings.DISPUTES_MEDIATION_MAX_EXTENSIONS
    return Window(
        rule=DeadlineRule(months=months, abroad_months=0, free_period=False), max_extensions=extensions
    )


def arbitration_term(*, agreed_days: int | None = None) -> DeadlineRule:
    """Art. 484: three months from notification of all arbitrators unless the parties agreed a term."""
    if agreed_days:
        return DeadlineRule(days=agreed_days, abroad_months=0, free_period=False)
    return DeadlineRule(months=settings.DISPUTES_ARBITRATION_TERM_MONTHS, abroad_months=0, free_period=False)


def award_compliance() -> DeadlineRule:
    """Art. 488: comply within 20 days of notice of the award (art. 446 for residents abroad)."""
    return DeadlineRule(days=settings.DISPUTES_AWARD_COMPLIANCE_DAYS)


def award_annulment() -> DeadlineRule:
    """Art. 490: a petition to annul the award within 20 days of notice (art. 446 for residents abroad)."""
    return DeadlineRule(days=settings.DISPUTES_AWARD_ANNULMENT_DAYS)


def calendar() -> WorkingCalendar:
    return working_calendar()


def end_of_day(day: date) -> datetime:
    """The last instant of a Tehran day: what a deadline date means as a timestamp."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=TEHRAN)


def is_past(day: date | None, *, now: datetime) -> bool:
    """True once the Tehran date of ``now`` is after ``day``."""
    return day is not None and tehran_date(now) > day


def reminder_due(*, sent_at: datetime) -> datetime:
    """When the next invitation try is due: a few working days after the last one, end of that day."""
    day = calendar().add_working_days(tehran_date(sent_at), settings.DISPUTES_INVITE_REMINDER_WORKING_DAYS)
    return end_of_day(day)
