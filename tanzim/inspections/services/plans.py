"""Checklists (versioned) and planning: one inspection, a plan of many, and the complaint trigger.

Who does what: inspectors (national or provincial), province admins and the Kanoon plan; the
system plans an inspection when complaints call for one. An office never sees an inspection
before it is completed (inspections may be unannounced).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.accounts.permissions import OVERSIGHT, has_role, is_kanoon
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.jalali import format_jalali
from tanzim.common.normalize import normalize_text
from tanzim.feedback.choices import SERIOUS_CATEGORIES
from tanzim.feedback.models import Complaint
from tanzim.inspections import selectors
from tanzim.inspections.access import is_inspector_for, require_oversight
from tanzim.inspections.choices import OPEN_INSPECTION, ChecklistStatus, InspectionKind, InspectionStatus
from tanzim.inspections.models import Checklist, ChecklistItem, Inspection, InspectionEvent, InspectionPlan
from tanzim.inspections.workflows import CHECKLIST
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office, Province

DEFAULT_CHECKLIST = "office-standard"


# --- checklists -------------------------------------------------------------------------------------


def checklist_current(code: str = DEFAULT_CHECKLIST) -> Checklist | None:
    return Checklist.objects.filter(code=code, status=ChecklistStatus.PUBLISHED).first()


@transaction.atomic
def checklist_new_version(*, checklist: Checklist, actor: User) -> Checklist:
    """A draft copy of a checklist with the next version number, items included."""
    if not is_kanoon(actor):
        raise PermissionDeniedError()
    latest = Checklist.objects.select_for_update().filter(code=checklist.code).order_by("-version").first()
    draft = Checklist.objects.create(
        code=checklist.code,
        version=(latest or checklist).version + 1,
        title_fa=checklist.title_fa,
        title_en=checklist.title_en,
        status=ChecklistStatus.DRAFT,
    )
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                checklist=draft,
                position=item.position,
                text_fa=item.text_fa,
                text_en=item.text_en,
                guidance_fa=item.guidance_fa,
                guidance_en=item.guidance_en,
                weight=item.weight,
                critical=item.critical,
                evidence_required=item.evidence_required,
            )
            for item in checklist.items.all()
        ]
    )
    audit.record(
        actor=actor, action="inspections.checklist.drafted", obj=draft, data={"version": draft.version}
    )
    return draft


@transaction.atomic
def checklist_publish(*, checklist: Checklist, actor: User) -> Checklist:
    """Publish a draft; the previously published version of the same code is retired (kept)."""
    if not is_kanoon(actor):
        raise PermissionDeniedError()
    current = Checklist.objects.select_for_update().get(pk=checklist.pk)
    if current.status != ChecklistStatus.DRAFT:
        raise ConflictError(_("Only a draft checklist can be published."), code="checklist_not_draft")
    if not current.items.exists():
        raise DomainError(_("A checklist needs at least one item."), code="checklist_empty")
    published = Checklist.objects.filter(code=current.code, status=ChecklistStatus.PUBLISHED)
    for previous in published.select_for_update():
        transition(
            CHECKLIST, previous, ChecklistStatus.RETIRED, actor=actor, audit_data={"by": current.version}
        )
    return transition(
        CHECKLIST,
        current,
        ChecklistStatus.PUBLISHED,
        actor=actor,
        expected_status=ChecklistStatus.DRAFT,
        audit_data={"version": current.version},
    )


# --- planning ---------------------------------------------------------------------------------------


def _inspector_ok(inspector: User | None, office: Office) -> None:
    if inspector is not None and not is_inspector_for(inspector, office):
        raise DomainError(
            fields={"inspector": [_("This person is not an inspector for this office.")]},
            code="not_an_inspector",
        )


@transaction.atomic
def inspection_schedule(
    *,
    actor: User | None,
    office: Office,
    kind: str,
    scheduled_for: date | None = None,
    inspector: User | None = None,
    checklist: Checklist | None = None,
    reasons: Iterable[str] = (),
    priority: int = 0,
    plan: InspectionPlan | None = None,
    complaint_refs: Iterable[str] = (),
) -> Inspection:
    """Plan one inspection of one office. ``actor=None`` is the system (complaint triggers)."""
    if actor is not None:
        require_oversight(actor, office)
    kind = InspectionKind(kind)
    if office.status == OfficeStatus.CLOSED:
        raise ConflictError(_("This office is closed."), code="office_closed")
    checklist = checklist or checklist_current()
    if checklist is None or checklist.status != ChecklistStatus.PUBLISHED:
        raise DomainError(fields={"checklist": [_("Choose a published checklist.")]}, code="no_checklist")
    _inspector_ok(inspector, office)
    if scheduled_for and scheduled_for < timezone.localdate():
        raise DomainError(fields={"scheduled_for": [_("The date is in the past.")]}, code="date_in_past")
    now = timezone.now()
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                plan=plan,
                office=office,
                checklist=checklist,
                kind=kind,
                status=InspectionStatus.PLANNED,
                priority=max(0, min(100, int(priority))),
                reasons=[str(r) for r in reasons],
                complaint_refs=list(complaint_refs),
                scheduled_for=scheduled_for,
                inspector=inspector,
                created_by=actor,
                status_changed_at=now,
            )
    except IntegrityError:
        raise ConflictError(
            _("%(office)s already has an open inspection.") % {"office": office.name},
            code="inspection_already_open",
        ) from None
    InspectionEvent.objects.create(
        inspection=inspection, created_at=now, from_status="", to_status=InspectionStatus.PLANNED, actor=actor
    )
    audit.record(
        actor=actor,
        action="inspections.inspection.planned",
        obj=inspection,
        data={"kind": kind, "priority": inspection.priority},
    )
    return inspection


@transaction.atomic
def inspection_plan_create(
    *,
    actor: User,
    kind: str,
    province: Province | None = None,
    count: int = 10,
    scheduled_for: date | None = None,
    inspector: User | None = None,
    name: str = "",
    note: str = "",
    now: datetime | None = None,
) -> InspectionPlan:
    """A batch of inspections: periodic (longest since the last inspection first) or risk-based
    (highest risk first: low satisfaction, complaints, overdue cases, time since inspection)."""
    kind = InspectionKind(kind)
    if kind not in (InspectionKind.PERIODIC, InspectionKind.RISK_BASED):
        raise DomainError(
            fields={"kind": [_("Plan periodic or risk-based inspections here.")]}, code="invalid_kind"
        )
    if not 1 <= int(count) <= 500:
        raise DomainError(fields={"count": [_("Between 1 and 500 offices.")]}, code="invalid_count")
    if not has_role(actor, *OVERSIGHT):
        raise PermissionDeniedError()
    if (
        province is not None
        and not selectors.oversight_provinces_for(user=actor).filter(pk=province.pk).exists()
    ):
        raise NotFoundError(_("Province not found."), code="province_not_found")
    if kind == InspectionKind.RISK_BASED and province is None:
        raise DomainError(
            fields={"province": [_("Choose a province for a risk-based plan.")]}, code="province_required"
        )
    candidates = (
        selectors.office_risks(user=actor, province=province, now=now)
        if kind == InspectionKind.RISK_BASED
        else selectors.periodic_due(user=actor, province=province, now=now)
    )
    candidates = [c for c in candidates if not c.open_inspection and c.score > 0][: int(count)]
    if not candidates:
        raise ConflictError(
            _("No office needs an inspection of this kind right now."), code="nothing_to_plan"
        )
    label = name.strip()[:200] or str(
        _("%(kind)s inspections, %(day)s") % {"kind": kind.label, "day": format_jalali(now or timezone.now())}
    )
    plan = InspectionPlan.objects.create(
        name=label, kind=kind, province=province, note=normalize_text(note)[:2000], created_by=actor
    )
    for candidate in candidates:
        try:
            inspection_schedule(
                actor=actor,
                office=candidate.office,
                kind=kind,
                scheduled_for=scheduled_for,
                inspector=inspector
                if inspector is not None and is_inspector_for(inspector, candidate.office)
                else None,
                reasons=candidate.reasons,
                priority=candidate.score,
                plan=plan,
            )
        except ConflictError:
            continue  # planned by someone else in the meantime
    audit.record(
        actor=actor,
        action="inspections.plan.created",
        obj=plan,
        data={"kind": kind, "offices": len(candidates)},
    )
    return plan


@transaction.atomic
def inspection_trigger_for_complaint(*, complaint_id: int, outcome: str | None = None) -> Inspection | None:
    """System: repeated complaints, or one upheld serious one, call for an inspection of the office.

    If the office already has an open inspection, its priority rises and the complaint is
    added to its reasons instead. Safe to call twice for the same complaint.
    """
    complaint = Complaint.objects.select_related("office").filter(pk=complaint_id).first()
    if complaint is None or complaint.office.status == OfficeStatus.CLOSED:
        return None
    office = complaint.office
    # Counted up to this complaint, so a replayed signal decides as the first delivery did.
    window = complaint.created_at - timedelta(days=settings.INSPECTIONS_COMPLAINT_WINDOW_DAYS)
    recent = (
        Complaint.objects.filter(office=office, created_at__gte=window, created_at__lte=complaint.created_at)
        .exclude(status="withdrawn")
        .count()
    )
    serious_upheld = outcome in ("upheld", "partly_upheld") and complaint.category in SERIOUS_CATEGORIES
    repeated = recent >= settings.INSPECTIONS_COMPLAINT_TRIGGER_COUNT
    if not (serious_upheld or repeated):
        return None
    reason = (
        str(_("Upheld serious complaint %(ref)s") % {"ref": complaint.reference})
        if serious_upheld
        else str(
            _("%(n)s complaints in %(days)s days")
            % {"n": recent, "days": settings.INSPECTIONS_COMPLAINT_WINDOW_DAYS}
        )
    )
    priority = min(100, 40 + 10 * recent + (30 if serious_upheld else 0))
    existing = (
        Inspection.objects.select_for_update()
        .filter(office=office, status__in=sorted(OPEN_INSPECTION))
        .first()
    )
    if existing is not None:
        if complaint.reference in existing.complaint_refs and not serious_upheld:
            return existing
        existing.complaint_refs = sorted({*existing.complaint_refs, complaint.reference})
        if reason not in existing.reasons:
            existing.reasons = [*existing.reasons, reason]
        existing.priority = max(existing.priority, priority)
        existing.save(update_fields=["complaint_refs", "reasons", "priority", "updated_at"])
        audit.record(
            action="inspections.inspection.priority_raised",
            obj=existing,
            office=office,
            data={"complaint": complaint.reference, "priority": existing.priority},
        )
        return existing
    try:
        return inspection_schedule(
            actor=None,
            office=office,
            kind=InspectionKind.COMPLAINT,
            reasons=[reason],
            priority=priority,
            complaint_refs=[complaint.reference],
        )
    except (ConflictError, DomainError):
        return None
