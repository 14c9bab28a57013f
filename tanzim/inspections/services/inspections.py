"""Performing an inspection: answers and evidence item by item, the score, the inspection
workflow (start, complete, cancel) and the findings drawn up at completion or added by hand."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.i18n import bilingual
from tanzim.common.normalize import normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.inspections.access import require_oversight, require_performer
from tanzim.inspections.choices import (
    INSPECTION_ACTIONS,
    NOTE_MAX,
    RESULT_VALUE,
    InspectionStatus,
    ItemResult,
    Severity,
)
from tanzim.inspections.models import (
    ChecklistItem,
    Finding,
    Inspection,
    InspectionAnswer,
    InspectionEvidence,
)
from tanzim.inspections.workflows import INSPECTION, check_mover
from tanzim.notify.services import message_enqueue


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


def lock_inspection(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("office", "checklist").get(pk=inspection.pk)


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
                "office": bilingual(inspection.office, language="en" if english else "fa"),
                "score": f"{inspection.score:.0f}" if inspection.score is not None else "—",
                "url": settings.SITE_URL.rstrip("/")
                + reverse("inspections:detail", kwargs={"pk": inspection.pk}),
            },
            dedupe_key=f"inspection-done:{inspection.pk}:{manager.pk}",
        )


def inspection_transition(
    *, inspection: Inspection, actor: User, action: str, note: str = "", expected_status: str | None = None
) -> Inspection:
    """Start (the inspector), complete (scored, findings drawn up) or cancel (with a reason) an inspection."""
    if action not in INSPECTION_ACTIONS:
        raise DomainError(fields={"action": [_("Unknown action.")]}, code="unknown_action")
    to = InspectionStatus(INSPECTION_ACTIONS[action])
    text = normalize_text(note or "")
    with transaction.atomic():
        current = lock_inspection(inspection)
        check_mover(INSPECTION, current, actor, to)
        if to == InspectionStatus.CANCELLED and len(text) < 5:
            raise DomainError(
                fields={"note": [_("Say why the inspection is cancelled.")]}, code="reason_required"
            )
        changes: dict[str, Any] = {}
        if to == InspectionStatus.IN_PROGRESS:
            changes["inspector"] = current.inspector or actor
        elif to == InspectionStatus.COMPLETED and INSPECTION.can_move(current.status, to):
            answers, items = _complete_checks(current)
            score, critical = score_answers(items, {k: a.result for k, a in answers.items()})
            if score is None:
                raise DomainError(_("At least one item must apply."), code="nothing_applies")
            changes.update(score=score, critical_failures=critical, summary=text[:NOTE_MAX])
        now = timezone.now()
        moved = transition(
            INSPECTION,
            current,
            to,
            actor=actor,
            expected_status=expected_status,
            reason=text,
            changes=changes,
            audit_data={"score": changes.get("score", current.score)},
            now=now,
        )
        if to == InspectionStatus.COMPLETED:
            moved = lock_inspection(moved)
            draw_up_findings(moved, answers, items, actor, now)
            _notify_office(moved)
    return Inspection.objects.select_related("office", "checklist").get(pk=moved.pk)


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
    current = lock_inspection(inspection)
    require_performer(actor, current)
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


def inspect_evidence(upload) -> Any:
    """A photo or document checked by content (PDF, JPEG or PNG) and by size."""
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
    current = lock_inspection(inspection)
    require_performer(actor, current)
    if current.status != InspectionStatus.IN_PROGRESS:
        raise ConflictError(
            _("Evidence is added while the inspection is in progress."), code="inspection_not_in_progress"
        )
    item = current.checklist.items.filter(pk=item_id).first() if str(item_id).isdigit() else None
    if item is None:
        raise DomainError(fields={"item": [_("This checklist has no such item.")]}, code="unknown_item")
    inspected = inspect_evidence(upload)
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


@transaction.atomic
def finding_add(
    *, inspection: Inspection, actor: User, severity: str, description: str, item_id: int | None = None
) -> Finding:
    current = lock_inspection(inspection)
    require_oversight(actor, current.office)
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
