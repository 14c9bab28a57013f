"""Reads for inspections, scoped by the acting user; out of scope is a 404.

The Kanoon side (inspectors, province admins, the Kanoon) sees every inspection of the
offices it covers, planned ones included. An office's manager sees only completed
inspections of their office: plans are never shown in advance.

``latest_inspection_scores`` is the ranking's read: aggregate, no person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import OVERSIGHT, can_oversee, scope_for
from tanzim.cases.selectors import overdue_count
from tanzim.common.errors import NotFoundError
from tanzim.feedback import metrics as feedback_metrics
from tanzim.feedback import periods
from tanzim.inspections.choices import OPEN_INSPECTION, ActionStatus, InspectionStatus
from tanzim.inspections.models import CorrectiveAction, Inspection, InspectionEvidence
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office, Province

RISK_MONTHS = 3  # satisfaction is read over the last three months
OVERDUE_FULL = 10  # this many overdue cases give the full overdue share of the risk score
WEIGHTS = {"satisfaction": 35, "complaints": 25, "overdue": 20, "age": 20}


# --- scope --------------------------------------------------------------------------------------


def _oversight_q(scope, field_name: str = "office") -> Q:
    roles = [r for r in OVERSIGHT if scope.has(r)]
    return scope.offices_q(*roles, field_name=field_name) if roles else Q(pk__in=[])


def oversight_provinces_for(*, user: Any) -> QuerySet[Province]:
    scope = scope_for(user)
    if any(r in scope.national_roles for r in OVERSIGHT):
        return Province.objects.all()
    ids = set().union(*(scope.province_ids.get(r, ()) for r in OVERSIGHT))
    return Province.objects.filter(pk__in=sorted(ids))


def oversight_offices_for(*, user: Any, province: Province | None = None) -> QuerySet[Office]:
    scope = scope_for(user)
    roles = [r for r in OVERSIGHT if scope.has(r)]
    if not roles:
        return Office.objects.none()
    if any(r in scope.national_roles for r in roles):
        offices = Office.objects.all()
    else:
        ids = set().union(*(scope.province_ids.get(r, ()) for r in roles))
        offices = Office.objects.filter(province_id__in=sorted(ids))
    if province is not None:
        offices = offices.filter(province=province)
    return offices.exclude(status=OfficeStatus.CLOSED).select_related("province", "city")


def managed_office_ids(user: Any) -> list[int]:
    scope = scope_for(user)
    return sorted(scope.office_ids.get(Role.OFFICE_MANAGER, ()))


def inspection_list_for(*, user: Any) -> QuerySet[Inspection]:
    if not getattr(user, "is_authenticated", False):
        return Inspection.objects.none()
    scope = scope_for(user)
    condition = _oversight_q(scope)
    managed = managed_office_ids(user)
    if managed:
        condition |= Q(office_id__in=managed, status=InspectionStatus.COMPLETED)
    return Inspection.objects.filter(condition).select_related(
        "office", "office__province", "inspector", "checklist"
    )


def inspection_get_for(*, user: Any, pk: Any) -> Inspection:
    inspection = inspection_list_for(user=user).filter(pk=pk).first() if str(pk).isdigit() else None
    if inspection is None:
        raise NotFoundError(_("Inspection not found."), code="inspection_not_found")
    return inspection


def inspection_viewer(user: Any, inspection: Inspection) -> str:
    """ "oversight" (the Kanoon side) or "office" (the office's manager)."""
    return "oversight" if can_oversee(user, inspection.office) else "office"


@dataclass(frozen=True)
class ItemRow:
    item: Any
    answer: Any
    evidence: list


def inspection_items(*, inspection: Inspection) -> list[ItemRow]:
    """The checklist with each item's answer and evidence, in order (the perform page)."""
    answers = {a.item_id: a for a in inspection.answers.all()}
    evidence: dict[int, list] = {}
    for file in InspectionEvidence.objects.filter(inspection=inspection).order_by("uploaded_at"):
        evidence.setdefault(file.item_id, []).append(file)
    return [
        ItemRow(item, answers.get(item.pk), evidence.get(item.pk, []))
        for item in inspection.checklist.items.all()
    ]


def evidence_open_for(*, user: Any, pk: int) -> InspectionEvidence:
    evidence = InspectionEvidence.objects.select_related("inspection__office").filter(pk=pk).first()
    if evidence is None:
        raise NotFoundError()
    inspection_get_for(user=user, pk=evidence.inspection_id)
    return evidence


def corrective_action_list_for(
    *, user: Any, status: str | None = None, overdue: bool = False
) -> QuerySet[CorrectiveAction]:
    """Oversight sees the actions of the offices it covers; a manager their office's."""
    if not getattr(user, "is_authenticated", False):
        return CorrectiveAction.objects.none()
    scope = scope_for(user)
    condition = _oversight_q(scope)
    managed = managed_office_ids(user)
    if managed:
        condition |= Q(office_id__in=managed)
    actions = CorrectiveAction.objects.filter(condition).select_related(
        "office", "finding", "finding__inspection", "office__province"
    )
    if status:
        actions = actions.filter(status=status)
    if overdue:
        actions = actions.filter(status=ActionStatus.OPEN, due_date__lt=timezone.localdate())
    return actions.order_by("due_date", "pk")


def corrective_action_get_for(*, user: Any, pk: Any) -> CorrectiveAction:
    action = corrective_action_list_for(user=user).filter(pk=pk).first() if str(pk).isdigit() else None
    if action is None:
        raise NotFoundError(_("Corrective action not found."), code="action_not_found")
    return action


# --- the ranking's read -------------------------------------------------------------------------


@dataclass(frozen=True)
class LatestInspection:
    office_id: int
    inspection_id: int
    score: float
    completed_at: datetime
    critical_failures: int


def latest_inspection_scores(
    *, office_ids: Iterable[int] | None = None, as_of: datetime | None = None
) -> dict[int, LatestInspection]:
    """The most recent completed inspection of each office (as of a moment), for ranking."""
    done = Inspection.objects.filter(status=InspectionStatus.COMPLETED, score__isnull=False)
    if as_of is not None:
        done = done.filter(completed_at__lt=as_of)
    newest = done.filter(office_id=OuterRef("office_id")).order_by("-completed_at", "-pk").values("pk")[:1]
    rows = done.filter(pk=Subquery(newest))
    if office_ids is not None:
        rows = rows.filter(office_id__in=list(office_ids))
    return {
        office_id: LatestInspection(office_id, pk, score, completed_at, critical)
        for office_id, pk, score, completed_at, critical in rows.values_list(
            "office_id", "pk", "score", "completed_at", "critical_failures"
        )
        if score is not None and completed_at is not None
    }


# --- risk ---------------------------------------------------------------------------------------


@dataclass
class OfficeRisk:
    office: Office
    score: int = 0
    shrunk_satisfaction: float | None = None
    responses: int = 0
    complaints: int = 0
    upheld: int = 0
    overdue_cases: int = 0
    days_since_inspection: int | None = None
    last_score: float | None = None
    open_inspection: bool = False
    reasons: list[str] = field(default_factory=list)


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def _context(offices: list[Office], now: datetime) -> tuple[dict, set[int]]:
    ids = [o.pk for o in offices]
    latest = latest_inspection_scores(office_ids=ids)
    open_ids = set(
        Inspection.objects.filter(office_id__in=ids, status__in=sorted(OPEN_INSPECTION)).values_list(
            "office_id", flat=True
        )
    )
    return latest, open_ids


def _age_share(latest: LatestInspection | None, now: datetime) -> tuple[float, int | None]:
    period_days = settings.INSPECTIONS_PERIODIC_MONTHS * 30
    if latest is None:
        return 1.0, None
    days = (now - latest.completed_at).days
    return _clamp(days / period_days), days


def office_risks(*, user: Any, province: Province | None, now: datetime | None = None) -> list[OfficeRisk]:
    """Every office this person oversees (in one province), riskiest first.

    Risk 0-100: low satisfaction (shrunk score over the last three months) 35, complaints in
    the window 25, overdue cases 20, time since the last inspection 20.
    """
    now = now or timezone.now()
    offices = list(oversight_offices_for(user=user, province=province))
    if not offices:
        return []
    ids = [o.pk for o in offices]
    last = periods.period_of(now)
    survey = feedback_metrics.survey_metrics(
        period_from=periods.shift(last, -(RISK_MONTHS - 1)), period_to=last, office_ids=ids
    )
    complaints = feedback_metrics.complaint_counts(
        days=settings.INSPECTIONS_COMPLAINT_WINDOW_DAYS, office_ids=ids, now=now
    )
    latest, open_ids = _context(offices, now)
    threshold = settings.INSPECTIONS_LOW_SATISFACTION_TENTHS / 10
    trigger = settings.INSPECTIONS_COMPLAINT_TRIGGER_COUNT
    risks = []
    for office in offices:
        s = survey.offices[office.pk]
        c = complaints.get(office.pk, {"received": 0, "upheld": 0})
        overdue = overdue_count(user=user, office_id=office.pk)
        age, days = _age_share(latest.get(office.pk), now)
        shrunk = s.shrunk_score if s.responses else None
        risk = OfficeRisk(
            office=office,
            shrunk_satisfaction=shrunk,
            responses=s.responses,
            complaints=c["received"],
            upheld=c["upheld"],
            overdue_cases=overdue,
            days_since_inspection=days,
            last_score=latest[office.pk].score if office.pk in latest else None,
            open_inspection=office.pk in open_ids,
        )
        sat_share = _clamp((threshold + 0.5 - shrunk) / (threshold - 0.5)) if shrunk is not None else 0.0
        parts = {
            "satisfaction": sat_share,
            "complaints": _clamp((c["received"] + c["upheld"]) / trigger),
            "overdue": _clamp(overdue / OVERDUE_FULL),
            "age": age,
        }
        risk.score = round(sum(WEIGHTS[k] * v for k, v in parts.items()))
        if shrunk is not None and shrunk < threshold:
            risk.reasons.append(str(_("Low satisfaction: %(score).2f of 5") % {"score": shrunk}))
        if c["received"]:
            risk.reasons.append(
                str(
                    ngettext_lazy("%(n)s complaint, %(u)s upheld", "%(n)s complaints, %(u)s upheld", "n")
                    % {"n": c["received"], "u": c["upheld"]}
                )
            )
        if overdue:
            overdue_text = ngettext_lazy("%(n)s overdue request", "%(n)s overdue requests", "n")
            risk.reasons.append(str(overdue_text % {"n": overdue}))
        if days is None:
            risk.reasons.append(str(_("Never inspected")))
        elif age >= 1:
            risk.reasons.append(str(_("Last inspected %(days)s days ago") % {"days": days}))
        risks.append(risk)
    risks.sort(key=lambda r: (-r.score, r.office.code))
    return risks


def periodic_due(*, user: Any, province: Province | None, now: datetime | None = None) -> list[OfficeRisk]:
    """Offices due a periodic inspection (never inspected, or longer ago than the period), oldest first."""
    now = now or timezone.now()
    offices = list(oversight_offices_for(user=user, province=province))
    latest, open_ids = _context(offices, now)
    due = []
    for office in offices:
        age, days = _age_share(latest.get(office.pk), now)
        if age < 1:
            continue
        reason = (
            str(_("Never inspected"))
            if days is None
            else str(_("Last inspected %(days)s days ago") % {"days": days})
        )
        due.append(
            OfficeRisk(
                office=office,
                score=100 if days is None else 50 + min(50, days // 30),
                days_since_inspection=days,
                last_score=latest[office.pk].score if office.pk in latest else None,
                open_inspection=office.pk in open_ids,
                reasons=[reason],
            )
        )
    due.sort(
        key=lambda r: (
            -(r.days_since_inspection if r.days_since_inspection is not None else 10**6),
            r.office.code,
        )
    )
    return due


def status_counts_by_province(*, user: Any) -> list[dict]:
    """Inspections per province and status, plus open corrective actions (the Kanoon's overview)."""
    scope = scope_for(user)
    rows = (
        Inspection.objects.filter(_oversight_q(scope))
        .values("office__province_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    table: dict[int, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row["office__province_id"], {})[row["status"]] = row["n"]
    open_actions = dict(
        CorrectiveAction.objects.filter(_oversight_q(scope), status=ActionStatus.OPEN)
        .values_list("office__province_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result = []
    for province in oversight_provinces_for(user=user):
        counts = table.get(province.pk, {})
        result.append(
            {
                "province": province,
                "planned": counts.get(InspectionStatus.PLANNED, 0),
                "in_progress": counts.get(InspectionStatus.IN_PROGRESS, 0),
                "completed": counts.get(InspectionStatus.COMPLETED, 0),
                "open_actions": open_actions.get(province.pk, 0),
            }
        )
    return result
