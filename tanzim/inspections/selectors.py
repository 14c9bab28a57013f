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
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import OVERSIGHT, can_oversee, scope_for
from tanzim.audit import services as audit
from tanzim.cases.selectors import overdue_count
from tanzim.common.errors import NotFoundError
from tanzim.common.jalali import JalaliMonth
from tanzim.feedback import metrics as feedback_metrics
from tanzim.feedback import periods
from tanzim.finance.choices import PaymentStatus
from tanzim.finance.models import FreeServiceCap, FreeServiceGrant, Payment
from tanzim.finance.services.free import Cap
from tanzim.inspections.choices import OPEN_INSPECTION, ActionStatus, InspectionStatus, SampleVerdict
from tanzim.inspections.models import (
    CorrectiveAction,
    FreeServiceSample,
    Inspection,
    InspectionEvidence,
)
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
    audit.record_read(
        actor=user, obj=evidence, office=evidence.inspection.office_id, purpose="inspection evidence"
    )
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
        # Masked below five answers like every survey figure (docs/privacy.md): a score from
        # three answers would let an inspector who knows the visits guess a person's answer.
        shrunk = feedback_metrics.shown_figures(s).shrunk_score
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


# --- free services: the month's figures and the inspectors' sample (note to art. 505 CPC) ---------


@dataclass(frozen=True)
class FreeServiceMonth:
    """One office's free services of a month: how many, its cap, what was sampled and found."""

    office: Office
    month: JalaliMonth
    granted: int = 0
    reimbursed: int = 0  # rials the Kanoon pays the office for them (captured free payments)
    cap_count: int | None = None
    cap_rials: int | None = None
    sampled: int = 0
    pending: int = 0
    failed: int = 0

    @property
    def cap_reached(self) -> bool:
        by_count = self.cap_count is not None and self.granted >= self.cap_count
        return by_count or (self.cap_rials is not None and self.reimbursed >= self.cap_rials)


def free_service_caps(*, office_ids: Iterable[int], month: JalaliMonth) -> dict[int, Cap]:
    """Each office's cap for the month in two queries, with ``free_service_cap_for``'s precedence:
    this office this month, this office, every office this month, the settings' default."""
    ids = sorted(set(office_ids))
    rows = {
        (row.office_id, row.month): row
        for row in FreeServiceCap.objects.filter(
            Q(office_id__in=ids) | Q(office__isnull=True), month__in=[month.key, 0]
        )
    }
    default = Cap(
        max_count=settings.FINANCE_FREE_SERVICE_CAP_COUNT,
        max_rials=settings.FINANCE_FREE_SERVICE_CAP_RIALS or None,
    )
    caps = {}
    for office_id in ids:
        caps[office_id] = default
        for key in ((office_id, month.key), (office_id, 0), (None, month.key), (None, 0)):
            if key in rows:
                caps[office_id] = Cap(max_count=rows[key].max_count, max_rials=rows[key].max_rials)
                break
    return caps


def free_service_months_in(*, scope: Any, month: JalaliMonth) -> list[FreeServiceMonth]:
    """The offices of ``scope``'s oversight with free services or a sample in ``month``, by code."""
    where = _oversight_q(scope)
    granted = dict(
        FreeServiceGrant.objects.filter(where, month=month.key)
        .values_list("office_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reimbursed = dict(
        Payment.objects.filter(
            _oversight_q(scope, "free_grants__office"),
            free_grants__month=month.key,
            status=PaymentStatus.CAPTURED,
        )
        .values_list("free_grants__office_id")
        .annotate(total=Sum("subsidy"))
        .order_by()
    )
    samples = {
        row["office_id"]: row
        for row in FreeServiceSample.objects.filter(where, month=month.key)
        .values("office_id")
        .annotate(
            n=Count("pk"),
            pending=Count("pk", filter=Q(verdict=SampleVerdict.PENDING)),
            failed=Count("pk", filter=Q(verdict=SampleVerdict.FAILS)),
        )
        .order_by()
    }
    ids = set(granted) | set(samples)
    caps = free_service_caps(office_ids=ids, month=month)
    rows = []
    for office in Office.objects.filter(pk__in=sorted(ids)).select_related("province").order_by("code"):
        sample = samples.get(office.pk, {})
        rows.append(
            FreeServiceMonth(
                office=office,
                month=month,
                granted=granted.get(office.pk, 0),
                reimbursed=reimbursed.get(office.pk) or 0,
                cap_count=caps[office.pk].max_count,
                cap_rials=caps[office.pk].max_rials,
                sampled=sample.get("n", 0),
                pending=sample.get("pending", 0),
                failed=sample.get("failed", 0),
            )
        )
    return rows


def free_service_overview(*, user: Any, month: JalaliMonth) -> list[FreeServiceMonth]:
    """The inspectors' list of the month: the offices they oversee that had free services."""
    if not getattr(user, "is_authenticated", False):
        return []
    return free_service_months_in(scope=scope_for(user), month=month)


def free_service_failures_in(*, scope: Any, checked_since: datetime) -> list[tuple[Office, int, int]]:
    """(office, sample month key, how many) of the sampled free services found without valid
    evidence since a moment, newest month first."""
    rows = (
        FreeServiceSample.objects.filter(
            _oversight_q(scope), verdict=SampleVerdict.FAILS, checked_at__gte=checked_since
        )
        .values_list("office_id", "month")
        .annotate(n=Count("pk"))
        .order_by("-month", "office_id")
    )
    offices = Office.objects.in_bulk([office_id for office_id, _month, _n in rows])
    return [(offices[office_id], month, n) for office_id, month, n in rows if office_id in offices]


@dataclass(frozen=True)
class SampleRow:
    """A sampled free service as the inspector checks it."""

    sample: FreeServiceSample
    reference: str  # the case's tracking code, or the payment's reference
    case_id: int | None
    service: str
    ground: str
    card_masked: str
    normal_price: int | None
    has_document: bool


def mask_card_number(number: str) -> str:
    """A card or file number with all but its last four digits hidden: ``••••5678``."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    if not digits:
        return ""
    return "••••" + digits[-4:] if len(digits) > 4 else "••••"


def free_service_office_get_for(*, user: Any, code: Any) -> Office:
    """An office the user oversees, by code; any other (or none) is the same 404."""
    office = (
        oversight_offices_for(user=user).filter(code=str(code)[:20]).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if office is None:
        raise NotFoundError(_("Office not found."), code="office_not_found")
    return office


def free_service_samples_for(*, user: Any, office: Office, month: JalaliMonth) -> list[SampleRow]:
    """The office's sampled free services of the month, with what the inspector needs to check them."""
    from tanzim.cases.models import Case
    from tanzim.catalog.models import Service
    from tanzim.finance.services.free import ground_label

    if not can_oversee(user, office):
        raise NotFoundError(_("Office not found."), code="office_not_found")
    samples = list(
        FreeServiceSample.objects.filter(office=office, month=month.key)
        .select_related("grant", "grant__mission", "grant__payment", "finding", "checked_by", "inspection")
        .order_by("verdict", "pk")
    )
    case_ids = [
        int(s.grant.reference_id)
        for s in samples
        if s.grant.reference_type == "cases.case" and s.grant.reference_id.isdigit()
    ]
    cases = Case.objects.select_related("service").in_bulk(case_ids)
    payments = {
        (p.reference_type, p.reference_id): p
        for p in Payment.objects.filter(
            office=office,
            reference_id__in=[s.grant.reference_id for s in samples],
            status__in=[PaymentStatus.CAPTURED, PaymentStatus.PENDING],
        ).order_by("created_at")
    }
    services = {s.code: s for s in Service.objects.all()}
    rows = []
    for sample in samples:
        grant = sample.grant
        case = cases.get(int(grant.reference_id)) if grant.reference_type == "cases.case" else None
        payment = grant.payment or payments.get((grant.reference_type, grant.reference_id))
        if case is not None:
            reference, service = case.tracking_code_display, case.service.name
            price = (case.fee_snapshot or {}).get("office_fee")
        else:
            reference = payment.short_reference if payment is not None else grant.reference_id
            known = services.get(payment.service_code) if payment is not None else None
            service = known.name if known is not None else (payment.service_code if payment else "")
            price = None
        if price is None and payment is not None:
            # The payment's fee is what the client paid (0); its quote keeps the normal price.
            price = (payment.quote or {}).get("office_fee", payment.office_fee + payment.subsidy)
        rows.append(
            SampleRow(
                sample=sample,
                reference=reference,
                case_id=case.pk if case is not None else None,
                service=str(service),
                ground=ground_label(grant),
                card_masked=mask_card_number(grant.evidence_number),
                normal_price=int(price) if price is not None else None,
                has_document=bool(grant.document_sha256),
            )
        )
    return rows


def free_service_sample_get_for(*, user: Any, pk: Any) -> FreeServiceSample:
    """One sampled free service of an office the user oversees; otherwise the same 404 as a missing id."""
    sample = (
        FreeServiceSample.objects.select_related("office", "grant").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if sample is None or not can_oversee(user, sample.office):
        raise NotFoundError(_("Sampled free service not found."), code="sample_not_found")
    return sample


def free_service_document_open_for(*, user: Any, sample_pk: Any) -> FreeServiceGrant:
    """A sampled free service's confirmation document: a confidential read, scoped and logged."""
    sample = free_service_sample_get_for(user=user, pk=sample_pk)
    grant = sample.grant
    if not grant.document_sha256 or not grant.document:
        raise NotFoundError(_("Sampled free service not found."), code="sample_not_found")
    audit.record_read(actor=user, obj=grant, office=sample.office_id, purpose="inspection_sample")
    return grant


@dataclass(frozen=True)
class SampleMonth:
    month: JalaliMonth
    sampled: int
    pending: int
    failed: int

    @property
    def label(self) -> str:
        return self.month.label(get_language() or "fa")


def free_service_sample_months(*, user: Any, office: Office, last: int = 6) -> list[SampleMonth]:
    """The office's latest months with sampled free services (the inspection page links them)."""
    if not can_oversee(user, office):
        return []
    rows = (
        FreeServiceSample.objects.filter(office=office)
        .values("month")
        .annotate(
            n=Count("pk"),
            pending=Count("pk", filter=Q(verdict=SampleVerdict.PENDING)),
            failed=Count("pk", filter=Q(verdict=SampleVerdict.FAILS)),
        )
        .order_by("-month")[:last]
    )
    return [SampleMonth(JalaliMonth.from_key(r["month"]), r["n"], r["pending"], r["failed"]) for r in rows]
