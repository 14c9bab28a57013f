"""Corrective actions: what an office must put right after an inspection, its workflow (reported
done by the office's manager, verified or reopened by oversight) and the overdue reminders."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import DomainError
from tanzim.common.i18n import bilingual
from tanzim.common.jalali import format_jalali
from tanzim.common.normalize import normalize_text
from tanzim.inspections.access import require_oversight
from tanzim.inspections.choices import CORRECTIVE_ACTION_MOVES, NOTE_MAX, ActionStatus
from tanzim.inspections.models import CorrectiveAction, CorrectiveActionEvent, Finding
from tanzim.inspections.services.inspections import inspect_evidence
from tanzim.inspections.workflows import CORRECTIVE_ACTION, check_mover
from tanzim.notify.services import message_enqueue


@transaction.atomic
def corrective_action_add(
    *, finding: Finding, actor: User, description: str, due_date: date | None = None
) -> CorrectiveAction:
    """What the office must put right, and by when (default INSPECTIONS_ACTION_DEFAULT_DAYS)."""
    finding = Finding.objects.select_related("inspection__office").get(pk=finding.pk)
    office = finding.inspection.office
    require_oversight(actor, office)
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
    move: str,
    note: str = "",
    upload=None,
    expected_status: str | None = None,
) -> CorrectiveAction:
    """Submit (the office's manager, with what was done), verify or reopen (oversight), cancel (oversight)."""
    if move not in CORRECTIVE_ACTION_MOVES:
        raise DomainError(fields={"action": [_("Unknown action.")]}, code="unknown_action")
    to = ActionStatus(CORRECTIVE_ACTION_MOVES[move])
    check_mover(
        CORRECTIVE_ACTION, CorrectiveAction.objects.select_related("office").get(pk=action.pk), actor, to
    )
    text = normalize_text(note or "")[:NOTE_MAX]
    if to == ActionStatus.SUBMITTED and len(text) < 5:
        raise DomainError(fields={"note": [_("Say what was done.")]}, code="note_required")
    if to in (ActionStatus.OPEN, ActionStatus.CANCELLED) and len(text) < 5:
        raise DomainError(fields={"note": [_("Give the reason.")]}, code="note_required")
    if upload is not None and to != ActionStatus.SUBMITTED:
        raise DomainError(fields={"file": [_("Proof is attached when reporting the action done.")]})
    inspected = inspect_evidence(upload) if upload is not None else None
    changes: dict[str, Any] = {}
    if to == ActionStatus.SUBMITTED:
        changes["response_note"] = text
    elif to != ActionStatus.CANCELLED:
        changes["review_note"] = text
    with transaction.atomic():
        current = transition(
            CORRECTIVE_ACTION,
            action,
            to,
            actor=actor,
            expected_status=expected_status,
            changes=changes,
            event_data={"note": text},
        )
        if inspected is not None:
            name = f"{hashlib.sha256(inspected.content).hexdigest()}{_extension(inspected.content_type)}"
            current.evidence.save(name, ContentFile(inspected.content), save=False)
            current.evidence_type = inspected.content_type
            current.save(update_fields=["evidence", "evidence_type", "updated_at"])
    return CorrectiveAction.objects.select_related("office").get(pk=current.pk)


def _extension(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(content_type, "")


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
                        "office": bilingual(action.office, language="en" if english else "fa"),
                        "due": format_jalali(action.due_date, persian_digits=not english),
                        "url": settings.SITE_URL.rstrip("/") + reverse("inspections:actions"),
                    },
                    dedupe_key=f"action-overdue:{action.pk}:{manager.pk}",
                )
            count += 1
    return count
