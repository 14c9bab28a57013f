"""The office manager's home: today (live, small queries on one office), this month against last
month and the province (rollups), the office's ranking and what would move it, and alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tanzim.accounts.choices import Role
from tanzim.accounts.selectors import scope_for
from tanzim.cases.choices import OFFICE_TURN
from tanzim.cases.models import Case
from tanzim.common.errors import NotFoundError
from tanzim.common.jalali import TEHRAN, JalaliMonth, jalali_month_range
from tanzim.dashboards import indicators as registry
from tanzim.dashboards import selectors
from tanzim.disputes.choices import OPEN as DISPUTE_OPEN
from tanzim.disputes.models import Dispute
from tanzim.feedback.choices import OPEN as COMPLAINT_OPEN
from tanzim.feedback.models import Complaint
from tanzim.inspections.choices import ActionStatus
from tanzim.inspections.models import CorrectiveAction
from tanzim.offices.models import Office
from tanzim.scheduling.choices import AppointmentStatus, TicketStatus
from tanzim.scheduling.models import Appointment, QueueTicket

HOME_CODES = (
    "in_person_share",
    "remote_uptake",
    "request_days",
    "settlement_rate",
    "kept_out_per_1000",
    "no_show_rate",
    "queue_wait",
    "satisfaction",
    "complaints_per_1000",
)
DEADLINE_SOON = timedelta(days=1)
DISPUTE_WEEK = timedelta(days=7)
CORRECTIVE_SOON = timedelta(days=3)


@dataclass
class Alert:
    text: str
    url: str = ""


def managed_office(user: Any) -> Office | None:
    """The first office the user manages or works the counter of (their home's office)."""
    scope = scope_for(user)
    ids = sorted(scope.office_ids.get(Role.OFFICE_MANAGER, frozenset()))
    if not ids:
        return None
    return Office.objects.select_related("province").filter(pk=ids[0]).first()


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=TEHRAN)
    return start, start + timedelta(days=1)


def today_figures(*, office: Office, now: datetime | None = None) -> dict[str, int]:
    """The office's day so far, live: four small queries on one office's rows."""
    now = now or timezone.now()
    day = timezone.localtime(now, TEHRAN).date()
    start, end = _day_bounds(day)
    queue = QueueTicket.objects.filter(office=office, day=day).aggregate(
        waiting=Count("pk", filter=Q(status=TicketStatus.WAITING)),
        at_counter=Count("pk", filter=Q(status=TicketStatus.CALLED)),
        served=Count("pk", filter=Q(status=TicketStatus.SERVED)),
    )
    appointments = Appointment.objects.filter(office=office, start__gte=start, start__lt=end).aggregate(
        appointments=Count(
            "pk", filter=~Q(status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.RESCHEDULED])
        ),
        checked_in=Count("pk", filter=Q(status__in=[AppointmentStatus.CHECKED_IN, AppointmentStatus.SERVED])),
    )
    requests = Case.objects.filter(office=office, status__in=OFFICE_TURN, due_at__isnull=False).aggregate(
        due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=end)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        due_soon=Count("pk", filter=Q(due_at__gte=now, due_at__lt=now + DEADLINE_SOON)),
    )
    disputes = Dispute.objects.filter(office=office, status__in=DISPUTE_OPEN, due_at__isnull=False).aggregate(
        disputes_this_week=Count("pk", filter=Q(due_at__gte=now, due_at__lt=now + DISPUTE_WEEK)),
        disputes_soon=Count("pk", filter=Q(due_at__gte=now, due_at__lt=now + 2 * DEADLINE_SOON)),
        disputes_overdue=Count("pk", filter=Q(due_at__lt=now)),
    )
    return {k: int(v or 0) for k, v in {**queue, **appointments, **requests, **disputes}.items()}


def alerts_for(*, office: Office, today: dict[str, int], now: datetime | None = None) -> list[Alert]:
    """A deadline about to pass, a corrective action due, a complaint unanswered."""
    now = now or timezone.now()
    day = timezone.localtime(now, TEHRAN).date()
    found: list[Alert] = []
    if today["due_soon"] or today["overdue"]:
        found.append(Alert(
            _("%(soon)s requests reach their deadline within a day; %(late)s are past it.")
            % {"soon": today["due_soon"], "late": today["overdue"]},
            reverse("cases:worklist"),
        ))  # fmt: skip
    if today["disputes_soon"] or today["disputes_overdue"]:
        found.append(Alert(
            _("%(soon)s disputes have a deadline within two days; %(late)s are past it.")
            % {"soon": today["disputes_soon"], "late": today["disputes_overdue"]},
            reverse("disputes:board"),
        ))  # fmt: skip
    actions = CorrectiveAction.objects.filter(
        office=office, status=ActionStatus.OPEN, due_date__lte=day + CORRECTIVE_SOON
    ).aggregate(due=Count("pk", filter=Q(due_date__gte=day)), late=Count("pk", filter=Q(due_date__lt=day)))
    if actions["due"] or actions["late"]:
        found.append(Alert(
            _("%(due)s corrective actions are due within three days; %(late)s are overdue.")
            % {"due": actions["due"], "late": actions["late"]},
            reverse("inspections:actions"),
        ))  # fmt: skip
    unanswered = Complaint.objects.filter(office=office, status__in=COMPLAINT_OPEN).aggregate(
        late=Count("pk", filter=Q(due_at__lt=now)), open=Count("pk")
    )
    if unanswered["late"]:
        found.append(Alert(
            _("%(n)s complaints are past their answer deadline.") % {"n": unanswered["late"]},
            reverse("feedback:complaints"),
        ))  # fmt: skip
    return found


@dataclass
class Comparison:
    indicator: registry.Indicator
    now: float | None
    last_month: float | None
    province: float | None
    better_than_last: bool | None
    better_than_province: bool | None


def month_comparison(*, user: Any, office: Office, today: date) -> tuple[JalaliMonth, list[Comparison]]:
    """This Jalali month so far against last month (whole) and the office's province (this month)."""
    month = JalaliMonth.of(today)
    first = jalali_month_range(month.year, month.month)[0]
    prev = month.shift(-1)
    prev_first, prev_end = jalali_month_range(prev.year, prev.month)
    now = selectors.indicator_values(HOME_CODES, first, today, user=user, office=office)[0]["values"]
    before = selectors.indicator_values(
        HOME_CODES, prev_first, prev_end - timedelta(days=1), user=user, office=office
    )
    province = selectors.indicator_values(HOME_CODES, first, today, province=office.province_id)[0]["values"]
    rows = []
    for code in HOME_CODES:
        indicator = registry.get(code)
        last = before[0]["values"][code]
        rows.append(Comparison(
            indicator, now[code], last, province[code],
            indicator.better(now[code], last), indicator.better(now[code], province[code]),
        ))  # fmt: skip
    return month, rows


def ranking_for(*, user: Any, office: Office) -> dict[str, Any] | None:
    """The office's latest ranking and the indicator that would move it most, if it has one."""
    from tanzim.ranking import selectors as ranking

    try:
        result = ranking.latest_result_for(user=user, code=office.code)
    except NotFoundError:
        return None
    explanation = ranking.explanation_for(result=result)
    return {"result": result, "explanation": explanation, "best": explanation.best_move}


def manager_home(*, user: Any, now: datetime | None = None) -> dict[str, Any] | None:
    """Everything the manager's home shows, or None for someone who manages no office."""
    office = managed_office(user)
    if office is None:
        return None
    now = now or timezone.now()
    today = today_figures(office=office, now=now)
    month, comparison = month_comparison(
        user=user, office=office, today=timezone.localtime(now, TEHRAN).date()
    )
    return {
        "office": office,
        "today": today,
        "alerts": alerts_for(office=office, today=today, now=now),
        "month": month,
        "comparison": comparison,
        "ranking": ranking_for(user=user, office=office),
    }
