"""Reads for cases, always through the actor's scope. Outside scope is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import Lead
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import COUNTER, OFFICE_READERS, scope_for
from tanzim.audit import services as audit
from tanzim.cases.choices import OFFICE_TURN, CaseStatus, ProceedingStage
from tanzim.cases.models import Case, CaseEvent, Document
from tanzim.cases.tracking import clean_tracking_code
from tanzim.catalog.choices import ChannelKind
from tanzim.common.deadlines import DeadlineRule
from tanzim.common.errors import NotFoundError
from tanzim.common.identifiers import is_valid_national_code
from tanzim.common.normalize import digits_only
from tanzim.offices.selectors import working_calendar


def case_list_for(*, user) -> QuerySet[Case]:
    """Citizens see their own cases; staff see their offices'; province admins their province's."""
    scope = scope_for(user)
    base = Case.objects.select_related("service", "office", "applicant")
    staff_roles = [r for r in OFFICE_READERS if scope.has(r)]
    condition = Q(applicant=user) if user.is_authenticated else Q(pk__in=[])
    if staff_roles:
        condition |= scope.offices_q(*staff_roles)
    return base.filter(condition)


def case_get_for(*, user, pk: int | str) -> Case:
    case = case_list_for(user=user).filter(pk=pk).first() if str(pk).isdigit() else None
    if case is None:
        raise NotFoundError(_("Case not found."), code="case_not_found")
    return case


def worklist_for(*, user, office_id: int | None = None, status: str | None = None) -> QuerySet[Case]:
    """The office's turn, most urgent first: overdue, then by deadline."""
    scope = scope_for(user)
    cases = Case.objects.filter(scope.offices_q(*COUNTER), status__in=OFFICE_TURN)
    if not scope.has(*COUNTER):
        return Case.objects.none()
    if office_id:
        cases = cases.filter(office_id=office_id)
    if status:
        cases = cases.filter(status=status)
    return cases.select_related("service", "applicant", "office").order_by(
        F("due_at").asc(nulls_last=True), "pk"
    )


def case_search_for(*, user, query: str) -> QuerySet[Case]:
    """By tracking code (any typing of it) or by a party's national code, within the actor's scope."""
    cases = case_list_for(user=user)
    code = clean_tracking_code(query)
    if code:
        return cases.filter(tracking_code=code)
    digits = digits_only(query)
    if len(digits) == 10 and is_valid_national_code(digits):
        return cases.filter(Q(applicant__national_code=digits) | Q(parties__national_code=digits)).distinct()
    return cases.none()


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor", "on_behalf_of").order_by("created_at", "pk")


def document_open_for(*, user, document_id: int, purpose: str = "view") -> Document:
    """A confidential read: scoped like the case, and logged."""
    document = Document.objects.select_related("case").filter(pk=document_id).first()
    if document is None:
        raise NotFoundError()
    case_get_for(user=user, pk=document.case_id)
    audit.record_read(actor=user, obj=document, office=document.case.office_id, purpose=purpose)
    return document


def is_overdue(case: Case) -> bool:
    return bool(case.due_at and case.status in OFFICE_TURN and case.due_at < timezone.now())


# --- metrics ------------------------------------------------------------------------------


def _scoped_for_metrics(user, office_id=None, province_id=None) -> QuerySet[Case]:
    scope = scope_for(user)
    cases = (
        Case.objects.filter(scope.offices_q(*OFFICE_READERS))
        if scope.has(*OFFICE_READERS)
        else Case.objects.none()
    )
    if office_id:
        cases = cases.filter(office_id=office_id)
    if province_id:
        cases = cases.filter(office__province_id=province_id)
    return cases


def channel_metrics(*, user, office_id=None, province_id=None) -> dict:
    """Cases per channel and the share handled with no visit (remote) — the announcement's aim."""
    cases = _scoped_for_metrics(user, office_id, province_id).exclude(status=CaseStatus.DRAFT)
    rows = dict(cases.values_list("channel").annotate(n=Count("pk")).order_by())
    total = sum(rows.values())
    return {
        "by_channel": {ch: rows.get(ch, 0) for ch in ChannelKind.values},
        "total": total,
        "no_visit_share": (rows.get(ChannelKind.REMOTE, 0) / total) if total else None,
    }


def overdue_count(*, user, office_id=None, province_id=None) -> int:
    return (
        _scoped_for_metrics(user, office_id, province_id)
        .filter(status__in=OFFICE_TURN, due_at__lt=timezone.now())
        .count()
    )


def time_in_status(*, user, office_id=None, province_id=None, since=None) -> dict[str, timedelta | None]:
    """Mean time spent in each status, from consecutive event rows (one per transition)."""
    cases = _scoped_for_metrics(user, office_id, province_id)
    # A note (a partner's outcome) keeps the status: it is not a new stay in it.
    events = CaseEvent.objects.filter(case__in=cases).exclude(from_status=F("to_status"))
    if since:
        events = events.filter(created_at__gte=since)
    timed = events.annotate(
        left_at=Window(
            Lead("created_at"), partition_by=[F("case_id")], order_by=[F("created_at").asc(), F("pk")]
        )
    )
    result: dict[str, list[timedelta]] = {}
    for status, entered, left in timed.values_list("to_status", "created_at", "left_at"):
        if left is not None:
            result.setdefault(status, []).append(left - entered)
    return {s: (sum(v, timedelta()) / len(v)) if v else None for s, v in result.items()}


@dataclass(frozen=True)
class ReviewDeadline:
    """The last day to file a review of a judgment, and the holiday years it is not sure of."""

    last_day: date
    period_days: int
    unconfirmed_years: tuple[int, ...] = ()


def review_deadline(case: Case) -> ReviewDeadline | None:
    """An appeal's or a cassation request's last day from the notice of the judgment.

    A free period (art. 445) whose last day moves past holidays (art. 444); two months for an
    applicant living abroad (art. 446). None for a first-instance request or before the notice
    is recorded.
    """
    periods: dict[str, int] = {
        ProceedingStage.APPEAL: settings.CASES_APPEAL_DAYS,
        ProceedingStage.CASSATION: settings.CASES_CASSATION_DAYS,
    }
    days = periods.get(case.proceeding)
    if days is None or case.judgment_notified_on is None:
        return None
    rule, calendar = DeadlineRule(days=days), working_calendar()
    last_day = rule.due(case.judgment_notified_on, calendar, resident_abroad=case.applicant_abroad)
    years = calendar.unconfirmed_years(case.judgment_notified_on, last_day)
    return ReviewDeadline(
        last_day=last_day,
        period_days=rule.period_days(case.applicant_abroad),
        unconfirmed_years=tuple(year for year, _status in years),
    )
