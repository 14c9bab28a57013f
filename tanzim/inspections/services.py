"""Writes for inspections: checklists, plans, performing and scoring, findings, corrective
actions and referrals. Each workflow has one transition table (choices.py) and one transition
service here; a stale move is a 409.

Who does what: inspectors (national or provincial), province admins and the Kanoon plan and
oversee; an inspector performs; the office's manager reports corrective actions done. An office
never sees an inspection before it is completed (inspections may be unannounced).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.accounts.selectors import scope_for
from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.jalali import format_jalali
from tanzim.common.normalize import normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.feedback.choices import SERIOUS_CATEGORIES
from tanzim.feedback.models import Complaint
from tanzim.inspections.choices import (
    ACTION_ALLOWED,
    INSPECTION_ALLOWED,
    OPEN_INSPECTION,
    REFERABLE,
    RESULT_VALUE,
    ActionStatus,
    ChecklistStatus,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    ReferralStatus,
    Severity,
)
from tanzim.inspections.models import (
    Checklist,
    ChecklistItem,
    CorrectiveAction,
    CorrectiveActionEvent,
    Finding,
    Inspection,
    InspectionAnswer,
    InspectionEvent,
    InspectionEvidence,
    InspectionPlan,
    ViolationReferral,
)
from tanzim.notify.services import message_enqueue
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office, Province

OVERSIGHT_ROLES = (Role.INSPECTOR, Role.PROVINCE_ADMIN, Role.KANOON_ADMIN)
DEFAULT_CHECKLIST = "office-standard"
NOTE_MAX = 4000


# --- permissions ----------------------------------------------------------------------------------


def can_oversee(user: Any, office: Office) -> bool:
    """Plan, review and verify: an inspector, province admin or the Kanoon covering the office."""
    if not getattr(user, "is_authenticated", False):
        return False
    return scope_for(user).can_act_for_office(office, *OVERSIGHT_ROLES)


def can_perform(user: Any, inspection: Inspection) -> bool:
    """Fill in the checklist: an inspector covering the office, the one assigned if there is one."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not scope_for(user).can_act_for_office(inspection.office, Role.INSPECTOR):
        return False
    return inspection.inspector_id in (None, user.pk)


def is_office_manager(user: Any, office: Office) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return scope_for(user).can_act_for_office(office, Role.OFFICE_MANAGER)


def _require_oversight(user: Any, office: Office) -> None:
    if can_oversee(user, office):
        return
    if is_office_manager(user, office):
        raise PermissionDeniedError(_("Only the Kanoon's inspectors and administrators can do this."))
    raise NotFoundError(_("Inspection not found."), code="inspection_not_found")


def is_inspector_for(user: User, office: Office) -> bool:
    return scope_for(user).can_act_for_office(office, Role.INSPECTOR)


# --- checklists -------------------------------------------------------------------------------------


def checklist_current(code: str = DEFAULT_CHECKLIST) -> Checklist | None:
    return Checklist.objects.filter(code=code, status=ChecklistStatus.PUBLISHED).first()


@transaction.atomic
def checklist_new_version(*, checklist: Checklist, actor: User) -> Checklist:
    """A draft copy of a checklist with the next version number, items included."""
    if not scope_for(actor).is_kanoon:
        raise PermissionDeniedError()
    latest = Checklist.objects.select_for_update().filter(code=checklist.code).order_by("-version").first()
    draft = Checklist.objects.create(
        code=checklist.code,
        version=latest.version + 1,
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
    if not scope_for(actor).is_kanoon:
        raise PermissionDeniedError()
    current = Checklist.objects.select_for_update().get(pk=checklist.pk)
    if current.status != ChecklistStatus.DRAFT:
        raise ConflictError(_("Only a draft checklist can be published."), code="checklist_not_draft")
    if not current.items.exists():
        raise DomainError(_("A checklist needs at least one item."), code="checklist_empty")
    Checklist.objects.filter(code=current.code, status=ChecklistStatus.PUBLISHED).update(
        status=ChecklistStatus.RETIRED
    )
    current.status, current.published_at = ChecklistStatus.PUBLISHED, timezone.now()
    current.save(update_fields=["status", "published_at"])
    audit.record(
        actor=actor, action="inspections.checklist.published", obj=current, data={"version": current.version}
    )
    return current


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
        _require_oversight(actor, office)
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
    from tanzim.inspections import selectors

    kind = InspectionKind(kind)
    if kind not in (InspectionKind.PERIODIC, InspectionKind.RISK_BASED):
        raise DomainError(
            fields={"kind": [_("Plan periodic or risk-based inspections here.")]}, code="invalid_kind"
        )
    if not 1 <= int(count) <= 500:
        raise DomainError(fields={"count": [_("Between 1 and 500 offices.")]}, code="invalid_count")
    scope = scope_for(actor)
    if not scope.has(*OVERSIGHT_ROLES):
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


# --- performing ---------------------------------------------------------------------------------------


def score_answers(items: Iterable[ChecklistItem], results: dict[int, str]) -> tuple[float | None, int]:
    """Weighted score 0-100 over the items that apply, capped when a critical item failed.

    Returns (score, critical failures); the score is None when no item applies.
    """
    earned = possible = 0.0
    critical_failures = 0
    for item in items:
        result = results.get(item.pk)
        value = RESULT_VALUE.get(result) if result else None
        if value is None:
            continue
        earned += item.weight * value
        possible += item.weight
        if item.critical and result == ItemResult.NON_COMPLIANT:
            critical_failures += 1
    if possible == 0:
        return None, critical_failures
    score = round(100 * earned / possible, 1)
    if critical_failures:
        score = min(score, float(settings.INSPECTIONS_CRITICAL_SCORE_CAP))
    return score, critical_failures


def _lock(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("office", "checklist").get(pk=inspection.pk)


def _require_performer(actor: Any, inspection: Inspection) -> None:
    if can_perform(actor, inspection):
        return
    visible_to_office = inspection.status == InspectionStatus.COMPLETED and is_office_manager(
        actor, inspection.office
    )
    if can_oversee(actor, inspection.office) or visible_to_office:
        raise PermissionDeniedError(
            _("Only the inspector assigned to this inspection can fill it in."), code="not_the_inspector"
        )
    raise NotFoundError(_("Inspection not found."), code="inspection_not_found")


def _complete_checks(inspection: Inspection) -> tuple[dict[int, InspectionAnswer], list[ChecklistItem]]:
    items = list(inspection.checklist.items.all())
    answers = {a.item_id: a for a in inspection.answers.all()}
    evidence = set(inspection.evidence.values_list("item_id", flat=True))
    errors: dict[str, list] = {}
    for item in items:
        answer = answers.get(item.pk)
        key = f"item_{item.pk}"
        if answer is None:
            errors[key] = [_("Not answered yet.")]
        elif answer.result == ItemResult.NON_COMPLIANT and not answer.note.strip():
            errors[key] = [_("Say what was found.")]
        elif (
            item.evidence_required and answer.result != ItemResult.NOT_APPLICABLE and item.pk not in evidence
        ):
            errors[key] = [_("This item needs a photo or document as evidence.")]
    if errors:
        raise DomainError(
            ngettext_lazy(
                "%(n)s item needs attention before the inspection can be completed.",
                "%(n)s items need attention before the inspection can be completed.",
                "n",
            )
            % {"n": len(errors)},
            code="inspection_incomplete",
            fields=errors,
        )
    return answers, items


def _notify_office(inspection: Inspection) -> None:
    now = timezone.now()
    managers = (
        RoleAssignment.objects.filter(office=inspection.office, role=Role.OFFICE_MANAGER, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .select_related("user")
    )
    for assignment in managers:
        manager = assignment.user
        if not manager.mobile:
            continue
        english = (manager.preferred_language or "fa").startswith("en")
        message_enqueue(
            template="inspections.completed",
            to=manager.mobile,
            recipient=manager,
            context={
                "office": inspection.office.name_en if english else inspection.office.name_fa,
                "score": f"{inspection.score:.0f}" if inspection.score is not None else "—",
                "url": settings.SITE_URL.rstrip("/")
                + reverse("inspections:detail", kwargs={"pk": inspection.pk}),
            },
            dedupe_key=f"inspection-done:{inspection.pk}:{manager.pk}",
        )


def inspection_transition(
    *, inspection: Inspection, actor: User, to: str, note: str = "", expected_status: str | None = None
) -> Inspection:
    """Move an inspection: start (the inspector), complete (scored, findings drawn up), cancel (reason)."""
    to = InspectionStatus(to)
    text = normalize_text(note or "")[:300]
    with transaction.atomic():
        current = _lock(inspection)
        old = current.status
        if to in (InspectionStatus.IN_PROGRESS, InspectionStatus.COMPLETED):
            _require_performer(actor, current)
        else:
            _require_oversight(actor, current.office)
        if expected_status and expected_status != old:
            raise ConflictError(code="stale_status")
        if to not in INSPECTION_ALLOWED[old]:
            raise ConflictError(
                _("An inspection that is “%(status)s” cannot become “%(to)s”.")
                % {"status": current.get_status_display(), "to": to.label},
                code="transition_not_allowed",
            )
        now = timezone.now()
        changes: dict[str, Any] = {"status": to, "status_changed_at": now, "updated_at": now}
        if to == InspectionStatus.IN_PROGRESS:
            changes.update(started_at=now, inspector=current.inspector or actor)
        elif to == InspectionStatus.COMPLETED:
            answers, items = _complete_checks(current)
            score, critical = score_answers(items, {k: a.result for k, a in answers.items()})
            if score is None:
                raise DomainError(_("At least one item must apply."), code="nothing_applies")
            changes.update(
                completed_at=now,
                score=score,
                critical_failures=critical,
                summary=normalize_text(note or "")[:NOTE_MAX],
            )
        elif to == InspectionStatus.CANCELLED and len(text) < 5:
            raise DomainError(
                fields={"note": [_("Say why the inspection is cancelled.")]}, code="reason_required"
            )
        if not Inspection.objects.filter(pk=current.pk, status=old).update(**changes):
            raise ConflictError(code="stale_status")
        InspectionEvent.objects.create(
            inspection=current, created_at=now, from_status=old, to_status=to, actor=actor, note=text
        )
        current.refresh_from_db()
        if to == InspectionStatus.COMPLETED:
            draw_up_findings(current, answers, items, actor, now)
            _notify_office(current)
        audit.record(
            actor=actor,
            action=f"inspections.inspection.{to}",
            obj=current,
            office=current.office_id,
            data={"from": old, "score": current.score},
        )
    return current


def draw_up_findings(
    inspection: Inspection,
    answers: dict[int, InspectionAnswer],
    items: list[ChecklistItem],
    actor: User,
    now: datetime,
) -> None:
    """A finding per failed or partly met item (critical items failed → critical findings)."""
    existing = set(inspection.findings.filter(item__isnull=False).values_list("item_id", flat=True))
    for item in items:
        answer = answers[item.pk]
        if answer.result not in (ItemResult.NON_COMPLIANT, ItemResult.PARTIAL) or item.pk in existing:
            continue
        if answer.result == ItemResult.PARTIAL:
            severity = Severity.MINOR
        else:
            severity = Severity.CRITICAL if item.critical else Severity.MAJOR
        text = f"{item.text_fa}\n{answer.note}".strip() if answer.note else item.text_fa
        Finding.objects.create(
            inspection=inspection,
            item=item,
            severity=severity,
            description=text,
            created_by=actor,
            created_at=now,
        )


@transaction.atomic
def inspection_answer(
    *, inspection: Inspection, actor: User, item_id: int, result: str, note: str = ""
) -> InspectionAnswer:
    """Record (or change) the result of one item while the inspection is in progress."""
    current = _lock(inspection)
    _require_performer(actor, current)
    if current.status != InspectionStatus.IN_PROGRESS:
        raise ConflictError(
            _("Start the inspection before answering items."), code="inspection_not_in_progress"
        )
    if result not in ItemResult.values:
        raise DomainError(fields={"result": [_("Choose a result.")]}, code="invalid_result")
    item = current.checklist.items.filter(pk=item_id).first() if str(item_id).isdigit() else None
    if item is None:
        raise DomainError(fields={"item": [_("This checklist has no such item.")]}, code="unknown_item")
    text = normalize_text(note or "")
    if len(text) > NOTE_MAX:
        raise DomainError(
            fields={"note": [_("At most %(max)s characters.") % {"max": NOTE_MAX}]}, code="note_too_long"
        )
    answer, _created = InspectionAnswer.objects.update_or_create(
        inspection=current,
        item=item,
        defaults={"result": result, "note": text, "answered_by": actor, "answered_at": timezone.now()},
    )
    return answer


def _inspect_evidence(upload) -> Any:
    limit = settings.INSPECTIONS_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    message = _("The file is larger than %(mb)s MB.") % {"mb": max(1, limit // (1024 * 1024))}
    if size is not None and size > limit:
        raise DomainError(message, code="file_too_large", fields={"file": [message]})
    inspected = inspect_upload(upload)
    if inspected.size > limit:
        raise DomainError(message, code="file_too_large", fields={"file": [message]})
    return inspected


@transaction.atomic
def inspection_evidence_add(
    *, inspection: Inspection, actor: User, item_id: int, upload
) -> InspectionEvidence:
    """A photo or document for one item, checked by content (PDF, JPEG or PNG)."""
    current = _lock(inspection)
    _require_performer(actor, current)
    if current.status != InspectionStatus.IN_PROGRESS:
        raise ConflictError(
            _("Evidence is added while the inspection is in progress."), code="inspection_not_in_progress"
        )
    item = current.checklist.items.filter(pk=item_id).first() if str(item_id).isdigit() else None
    if item is None:
        raise DomainError(fields={"item": [_("This checklist has no such item.")]}, code="unknown_item")
    inspected = _inspect_evidence(upload)
    if current.evidence.filter(item=item, sha256=inspected.sha256).exists():
        raise ConflictError(_("This file is already attached to the item."), code="duplicate_file")
    evidence = InspectionEvidence(
        inspection=current,
        item=item,
        name=normalize_text(getattr(upload, "name", ""))[:120] or "evidence",
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
        uploaded_by=actor,
    )
    evidence.file.save(f"{inspected.sha256}{evidence.extension}", ContentFile(inspected.content), save=False)
    evidence.save()
    audit.record(
        actor=actor,
        action="inspections.evidence.added",
        obj=current,
        office=current.office_id,
        data={"item": item.pk},
    )
    return evidence


# --- findings, corrective actions, referrals --------------------------------------------------------


@transaction.atomic
def finding_add(
    *, inspection: Inspection, actor: User, severity: str, description: str, item_id: int | None = None
) -> Finding:
    current = _lock(inspection)
    _require_oversight(actor, current.office)
    if current.status not in (InspectionStatus.IN_PROGRESS, InspectionStatus.COMPLETED):
        raise ConflictError(
            _("Findings are recorded during or after the inspection."), code="inspection_not_started"
        )
    if severity not in Severity.values:
        raise DomainError(fields={"severity": [_("Choose a severity.")]}, code="invalid_severity")
    text = normalize_text(description or "")
    if len(text) < 5:
        raise DomainError(fields={"description": [_("Describe the finding.")]}, code="description_required")
    item = None
    if item_id:
        item = current.checklist.items.filter(pk=item_id).first()
        if item is None:
            raise DomainError(fields={"item": [_("This checklist has no such item.")]}, code="unknown_item")
        if current.findings.filter(item=item).exists():
            raise ConflictError(_("This item already has a finding."), code="finding_exists")
    finding = Finding.objects.create(
        inspection=current,
        item=item,
        severity=severity,
        description=text[:NOTE_MAX],
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="inspections.finding.added",
        obj=finding,
        office=current.office_id,
        data={"severity": severity},
    )
    return finding


@transaction.atomic
def corrective_action_add(
    *, finding: Finding, actor: User, description: str, due_date: date | None = None
) -> CorrectiveAction:
    """What the office must put right, and by when (default INSPECTIONS_ACTION_DEFAULT_DAYS)."""
    finding = Finding.objects.select_related("inspection__office").get(pk=finding.pk)
    office = finding.inspection.office
    _require_oversight(actor, office)
    text = normalize_text(description or "")
    if len(text) < 5:
        raise DomainError(
            fields={"description": [_("Say what the office must do.")]}, code="description_required"
        )
    today = timezone.localdate()
    due = due_date or today + timedelta(days=settings.INSPECTIONS_ACTION_DEFAULT_DAYS)
    if due < today:
        raise DomainError(fields={"due_date": [_("The due date is in the past.")]}, code="date_in_past")
    now = timezone.now()
    action = CorrectiveAction.objects.create(
        finding=finding,
        office=office,
        description=text[:NOTE_MAX],
        due_date=due,
        created_by=actor,
        created_at=now,
        status_changed_at=now,
    )
    CorrectiveActionEvent.objects.create(
        action=action, created_at=now, from_status="", to_status=ActionStatus.OPEN, actor=actor
    )
    audit.record(
        actor=actor, action="inspections.action.set", obj=action, office=office, data={"due": due.isoformat()}
    )
    return action


def corrective_action_transition(
    *,
    action: CorrectiveAction,
    actor: User,
    to: str,
    note: str = "",
    upload=None,
    expected_status: str | None = None,
) -> CorrectiveAction:
    """Submit (the office's manager, with what was done), verify or reopen (oversight), cancel (oversight)."""
    to = ActionStatus(to)
    text = normalize_text(note or "")[:NOTE_MAX]
    inspected = None
    with transaction.atomic():
        current = CorrectiveAction.objects.select_for_update().select_related("office").get(pk=action.pk)
        old = current.status
        if to == ActionStatus.SUBMITTED:
            if not is_office_manager(actor, current.office):
                if can_oversee(actor, current.office):
                    raise PermissionDeniedError(
                        _("The office's manager reports what was done."), code="not_office_manager"
                    )
                raise NotFoundError(_("Corrective action not found."), code="action_not_found")
        else:
            _require_oversight(actor, current.office)
        if expected_status and expected_status != old:
            raise ConflictError(code="stale_status")
        if to not in ACTION_ALLOWED[old]:
            raise ConflictError(
                _("A corrective action that is “%(status)s” cannot become “%(to)s”.")
                % {"status": current.get_status_display(), "to": to.label},
                code="transition_not_allowed",
            )
        if to == ActionStatus.SUBMITTED and len(text) < 5:
            raise DomainError(fields={"note": [_("Say what was done.")]}, code="note_required")
        if to in (ActionStatus.OPEN, ActionStatus.CANCELLED) and len(text) < 5:
            raise DomainError(fields={"note": [_("Give the reason.")]}, code="note_required")
        if upload is not None:
            if to != ActionStatus.SUBMITTED:
                raise DomainError(fields={"file": [_("Proof is attached when reporting the action done.")]})
            inspected = _inspect_evidence(upload)
        now = timezone.now()
        changes: dict[str, Any] = {"status": to, "status_changed_at": now, "updated_at": now}
        if to == ActionStatus.SUBMITTED:
            changes["response_note"] = text
        elif to != ActionStatus.CANCELLED:
            changes["review_note"] = text
        if not CorrectiveAction.objects.filter(pk=current.pk, status=old).update(**changes):
            raise ConflictError(code="stale_status")
        current.refresh_from_db()
        if inspected is not None:
            name = f"{hashlib.sha256(inspected.content).hexdigest()}{_extension(inspected.content_type)}"
            current.evidence.save(name, ContentFile(inspected.content), save=False)
            current.evidence_type = inspected.content_type
            current.save(update_fields=["evidence", "evidence_type", "updated_at"])
        CorrectiveActionEvent.objects.create(
            action=current, created_at=now, from_status=old, to_status=to, actor=actor, note=text
        )
        audit.record(
            actor=actor,
            action=f"inspections.action.{to}",
            obj=current,
            office=current.office_id,
            data={"from": old},
        )
    return current


def _extension(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(content_type, "")


@transaction.atomic
def referral_create(
    *, inspection: Inspection, actor: User, summary: str, finding_ids: Iterable[int]
) -> ViolationReferral:
    """Refer serious violations (major or critical findings) of a completed inspection to the board."""
    current = _lock(inspection)
    _require_oversight(actor, current.office)
    if current.status != InspectionStatus.COMPLETED:
        raise ConflictError(
            _("Refer violations once the inspection is completed."), code="inspection_not_completed"
        )
    if ViolationReferral.objects.filter(inspection=current).exists():
        raise ConflictError(_("This inspection was already referred."), code="already_referred")
    ids = {int(i) for i in finding_ids if str(i).isdigit()}
    findings = list(current.findings.filter(pk__in=ids, severity__in=sorted(REFERABLE)))
    if not findings or len(findings) != len(ids):
        raise DomainError(
            fields={"findings": [_("Choose the major or critical findings to refer.")]},
            code="no_serious_findings",
        )
    text = normalize_text(summary or "")
    if len(text) < 10:
        raise DomainError(
            fields={"summary": [_("Summarise the violations for the board.")]}, code="summary_required"
        )
    referral = ViolationReferral.objects.create(
        inspection=current, summary=text[:NOTE_MAX], referred_by=actor, referred_at=timezone.now()
    )
    referral.findings.set(findings)
    audit.record(
        actor=actor,
        action="inspections.referral.created",
        obj=referral,
        office=current.office_id,
        data={"findings": sorted(f.pk for f in findings)},
    )
    return referral


@transaction.atomic
def referral_record_decision(
    *, referral: ViolationReferral, actor: User, board_reference: str, board_decision: str
) -> ViolationReferral:
    current = (
        ViolationReferral.objects.select_for_update().select_related("inspection__office").get(pk=referral.pk)
    )
    _require_oversight(actor, current.inspection.office)
    if current.status != ReferralStatus.REFERRED:
        raise ConflictError(_("The board's decision is already recorded."), code="already_decided")
    decision = normalize_text(board_decision or "")
    if len(decision) < 5:
        raise DomainError(
            fields={"board_decision": [_("Record what the board decided.")]}, code="decision_required"
        )
    current.status = ReferralStatus.DECIDED
    current.board_reference = normalize_text(board_reference or "")[:60]
    current.board_decision = decision[:NOTE_MAX]
    current.decided_at = timezone.now()
    current.save(update_fields=["status", "board_reference", "board_decision", "decided_at"])
    audit.record(
        actor=actor, action="inspections.referral.decided", obj=current, office=current.inspection.office_id
    )
    return current


def corrective_actions_remind_overdue(*, today: date | None = None, limit: int = 2000) -> int:
    """System: tell the office's managers once about each open corrective action past its date."""
    today = today or timezone.localdate()
    count = 0
    due = CorrectiveAction.objects.filter(
        status=ActionStatus.OPEN, due_date__lt=today, reminded_at__isnull=True
    )
    for action_id in due.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            now = timezone.now()
            if not CorrectiveAction.objects.filter(pk=action_id, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            action = CorrectiveAction.objects.select_related("office").get(pk=action_id)
            managers = (
                RoleAssignment.objects.filter(
                    office=action.office, role=Role.OFFICE_MANAGER, valid_from__lte=now
                )
                .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
                .select_related("user")
            )
            for assignment in managers:
                manager = assignment.user
                if not manager.mobile:
                    continue
                english = (manager.preferred_language or "fa").startswith("en")
                message_enqueue(
                    template="inspections.action_overdue",
                    to=manager.mobile,
                    recipient=manager,
                    context={
                        "office": action.office.name_en if english else action.office.name_fa,
                        "due": format_jalali(action.due_date, persian_digits=not english),
                        "url": settings.SITE_URL.rstrip("/") + reverse("inspections:actions"),
                    },
                    dedupe_key=f"action-overdue:{action.pk}:{manager.pk}",
                )
            count += 1
    return count
