"""The legal periods of dispute resolution, read from settings (never numbers in the code).

Windows in which something must happen (mediation, the arbitration term) end on their last
counted day; periods for an action after a notice (complying with or annulling an award) are
free periods under art. 445. Either way a last day that is a holiday moves to the next
working day (art. 444) of the national working calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tanzim.common.calendar import WorkingCalendar
from tanzim.common.deadlines import DeadlineRule
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.disputes.choices import CriminalTrack, DisputeCategory, ResolutionPath
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


# --- arbitration and the award (arts. 454, 464, 482, 484, 488, 490) ------------------------------


def arbitration_refusal(dispute) -> str:
    """Why this dispute may not go to arbitration, or "" when it may.

    Criminal matters are not arbitrable: a criminal complaint, or a dispute on the criminal
    mediation path (art. 82 Criminal Procedure Code), never reaches an arbitral award.
    """
    if (
        dispute.category == DisputeCategory.CRIMINAL
        or dispute.path == ResolutionPath.CRIMINAL_MEDIATION
        or dispute.criminal_track
    ):
        return str(
            _(
                "Criminal matters cannot be referred to arbitration. A criminal complaint goes to "
                "criminal mediation or to the prosecutor."
            )
        )
    return ""


def majority_of(panel_size: int) -> int:
    """Votes an award needs (art. 482): more than half of the whole panel."""
    return panel_size // 2 + 1


def arbitration_term_end(start: date, *, agreed_days: int | None = None) -> date:
    """The last day of the arbitrators' mandate (art. 484), counted from ``start``.

    The term is the mandate the parties or the law gave the arbitrators, not a period for a
    party's action after a notice, so art. 444 does not move it: a last day on a holiday stays.
    """
    return start + timedelta(days=arbitration_term(agreed_days=agreed_days).period_days())


def award_party_deadlines(
    notified_on: date, *, resident_abroad: bool, cal: WorkingCalendar | None = None
) -> tuple[date, date]:
    """One party's last days to comply (art. 488) and to petition for annulment (art. 490), each
    running from that party's own notice; two months only if that party lives abroad (art. 446)."""
    cal = cal or calendar()
    return (
        award_compliance().due(notified_on, cal, resident_abroad=resident_abroad),
        award_annulment().due(notified_on, cal, resident_abroad=resident_abroad),
    )


@dataclass(frozen=True)
class Certainty:
    """Whether a deadline could still move: it reaches a Jalali year whose holiday table is not confirmed."""

    uncertain: bool = False
    years: tuple[tuple[int, str], ...] = ()

    @property
    def as_api(self) -> list[dict[str, object]]:
        return [{"year": year, "status": status} for year, status in self.years]


def date_certainty(
    start: date | None, end: date | None, *, rolls: bool = True, cal: WorkingCalendar | None = None
) -> Certainty:
    """The one "is this date certain" check for every deadline of a dispute.

    A deadline that moves to the next working day (art. 444) is uncertain when a Jalali year
    from ``start`` to ``end`` has lunar holidays missing or only estimated
    (``WorkingCalendar.unconfirmed_years``). One that does not move over holidays (``rolls=False``,
    the arbitration term) does not depend on the table and is always certain.
    """
    if start is None or end is None or not rolls:
        return Certainty()
    years = tuple((cal or calendar()).unconfirmed_years(start, end))
    return Certainty(uncertain=bool(years), years=years)
