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
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.common.calendar import WorkingCalendar
from tanzim.common.deadlines import DeadlineRule, period_days
from tanzim.common.jalali import TEHRAN, format_jalali, tehran_date
from tanzim.common.normalize import to_persian_digits
from tanzim.disputes.choices import CriminalTrack, DisputeCategory, FilingLimit, ResolutionPath
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


# --- settle first (art. 106 Islamic Penal Code, Cheque Law art. 11) and art. 82 eligibility ------


def art_82_refusal(*, grade: int | None, compoundable: bool | None) -> str:
    """Why an offence may not go to art. 82 mediation, or "" when it may.

    Art. 82 of the Criminal Procedure Code lets the prosecutor refer compoundable offences and
    ta'zir offences of grades 6 to 8 (a setting) to mediation; any other complaint goes to the
    prosecutor.
    """
    if compoundable or grade in settings.DISPUTES_CRIMINAL_MEDIATION_GRADES:
        return ""
    grades = settings.DISPUTES_CRIMINAL_MEDIATION_GRADES
    return str(
        _(
            "Criminal mediation (art. 82) is only for compoundable offences and ta'zir offences of "
            "grades %(low)s to %(high)s. This complaint goes to the prosecutor."
        )
        % {"low": _digits(min(grades)), "high": _digits(max(grades))}
    )


def _persian() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).startswith("fa")


def _digits(number: int) -> str:
    return to_persian_digits(str(number)) if _persian() else str(number)


def _day(day: date) -> str:
    return format_jalali(day, persian_digits=_persian(), long=True)


def limit_end(start: date, *, months: int) -> date:
    """The last day of a time limit of ``months`` running from the day after ``start``.

    A month is 30 days (art. 443) and the day of the event does not count. These are limits of
    a right (to complain, to present a cheque), not court periods after a notice: the last day
    does not move over holidays (art. 444 is not applied). Each choice gives the earlier of the
    possible readings, so the date shown is never later than one a court could hold.
    """
    return start + timedelta(days=period_days(months=months))


@dataclass(frozen=True)
class FilingClock:
    """The time limit to file that keeps running while a dispute is mediated (none: ``limit == ""``)."""

    limit: str = ""
    deadline: date | None = None


def filing_clock(
    *,
    category: str,
    today: date,
    offence_compoundable: bool | None = None,
    knowledge_date: date | None = None,
    cheque_date: date | None = None,
    dishonour_date: date | None = None,
    offence_grade: int | None = None,
) -> FilingClock:
    """Which time limit runs for this dispute, and its last day.

    - A compoundable offence: a complaint within a year of learning of it (art. 106 IPC).
    - A cheque: presented to the bank within six months of its date; once dishonoured, a
      criminal complaint within six months of the certificate (Cheque Law art. 11). When that
      right is already lost, only the civil claim remains, which no short limit threatens.
    - Anything else (a civil money claim): no time-critical limit.
    """
    if category == DisputeCategory.CRIMINAL and offence_compoundable and knowledge_date:
        return FilingClock(
            FilingLimit.COMPOUNDABLE_COMPLAINT,
            limit_end(knowledge_date, months=settings.DISPUTES_COMPOUNDABLE_COMPLAINT_MONTHS),
        )
    if category == DisputeCategory.CHEQUE and cheque_date:
        presentation = limit_end(cheque_date, months=settings.DISPUTES_CHEQUE_PRESENTATION_MONTHS)
        if dishonour_date is None:
            clock = FilingClock(FilingLimit.CHEQUE_PRESENTATION, presentation)
        elif dishonour_date > presentation:
            return FilingClock()  # presented too late: no criminal complaint, the civil claim remains
        else:
            clock = FilingClock(
                FilingLimit.CHEQUE_COMPLAINT,
                limit_end(dishonour_date, months=settings.DISPUTES_CHEQUE_COMPLAINT_MONTHS),
            )
        return clock if clock.deadline and clock.deadline >= today else FilingClock()
    return FilingClock()


def longest_mediation_end(start: date, *, criminal: bool) -> date:
    """The last day a mediation begun on ``start`` could run to: its window and every extension
    the law allows (art. 82: the longer of the two criminal tracks, each extended once)."""
    tracks = (CriminalTrack.MEDIATION, CriminalTrack.WAIVER) if criminal else ("",)
    cal = calendar()
    ends = []
    for track in tracks:
        window = mediation_window(criminal_track=track)
        end = window.rule.due(start, cal)
        for _extension in range(window.max_extensions):
            end = window.rule.due(end, cal)
        ends.append(end)
    return max(ends)


@dataclass(frozen=True)
class SettleFirst:
    """May this dispute be mediated before the request is filed, and what the citizen must be told."""

    clock: FilingClock
    settle_by: date | None = None
    mediation_could_end: date | None = None
    refusal: str = ""
    code: str = ""

    @property
    def allowed(self) -> bool:
        return not self.refusal


def settle_first(*, clock: FilingClock, today: date, criminal: bool) -> SettleFirst:
    """Refuse to divert when the longest mediation would end later than the margin (a setting)
    before the time limit; then the request is filed first and mediated after."""
    if clock.deadline is None:
        return SettleFirst(clock)
    if clock.deadline < today:
        return SettleFirst(
            clock,
            refusal=str(
                _("The time limit to file ended on %(deadline)s (%(limit)s).")
                % {"deadline": _day(clock.deadline), "limit": FilingLimit(clock.limit).label}
            ),
            code="filing_limit_passed",
        )
    settle_by = clock.deadline - timedelta(days=settings.DISPUTES_SETTLE_FIRST_MARGIN_DAYS)
    could_end = longest_mediation_end(today, criminal=criminal)
    if could_end > settle_by:
        return SettleFirst(
            clock,
            settle_by=settle_by,
            mediation_could_end=could_end,
            refusal=str(
                _(
                    "The last day to file is %(deadline)s. Mediation does not stop this time limit and "
                    "could run to %(end)s, so it cannot come first. File now and mediate after filing."
                )
                % {"deadline": _day(clock.deadline), "end": _day(could_end)}
            ),
            code="settle_first_deadline",
        )
    return SettleFirst(clock, settle_by=settle_by, mediation_could_end=could_end)


def deadline_warning(*, deadline: date, settle_by: date | None, file_first: bool = False) -> str:
    """The words every diversion with a running time limit shows on the page and in the SMS
    (in the active language)."""
    if file_first or settle_by is None:
        return str(
            _(
                "Your deadline to file is %(deadline)s. The request is filed first; mediation starts "
                "after filing."
            )
            % {"deadline": _day(deadline)}
        )
    return str(
        _(
            "Your deadline to file is %(deadline)s. Mediation does not stop it. If there is no "
            "settlement by %(settle_by)s, file by %(deadline)s."
        )
        % {"deadline": _day(deadline), "settle_by": _day(settle_by)}
    )
