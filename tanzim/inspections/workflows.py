"""The inspection app's workflows, declared for the engine (``tanzim.audit.workflow``).

- a checklist version: draft → published → retired (the Kanoon);
- an inspection: planned → in progress → completed, or cancelled (the inspector performs,
  oversight cancels);
- a corrective action: open → reported done → verified, or back to open, or cancelled (the
  office's manager reports, oversight decides);
- a referral to the violations board: referred → decided (oversight records the decision).
"""

from __future__ import annotations

from typing import Any

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit.workflow import Workflow
from tanzim.common.errors import PermissionDeniedError
from tanzim.inspections.access import require_office_manager, require_oversight, require_performer
from tanzim.inspections.choices import (
    ACTION_ALLOWED,
    CHECKLIST_ALLOWED,
    INSPECTION_ALLOWED,
    REFERRAL_ALLOWED,
    ActionStatus,
    ChecklistStatus,
    InspectionStatus,
    ReferralStatus,
)
from tanzim.inspections.models import (
    Checklist,
    CorrectiveAction,
    CorrectiveActionEvent,
    Inspection,
    InspectionEvent,
    ViolationReferral,
)

PERFORMER = "performer"
OVERSIGHT = "oversight"
MANAGER = "manager"


def _kanoon_only(checklist: Checklist, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    if not is_kanoon(actor):
        raise PermissionDeniedError()


def _inspection_movers(inspection: Inspection, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    if PERFORMER in kinds:
        require_performer(actor, inspection)
    else:
        require_oversight(actor, inspection.office)


def _action_movers(action: CorrectiveAction, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    if MANAGER in kinds:
        require_office_manager(actor, action.office)
    else:
        require_oversight(actor, action.office)


def _referral_movers(
    referral: ViolationReferral, actor: Any, old: str, new: str, kinds: frozenset[str]
) -> None:
    require_oversight(actor, referral.inspection.office)


CHECKLIST: Workflow[Checklist] = Workflow(
    name="inspections.checklist",
    model=Checklist,
    table=CHECKLIST_ALLOWED,
    authorize=_kanoon_only,
    stamps={ChecklistStatus.PUBLISHED: "published_at"},
)

INSPECTION: Workflow[Inspection] = Workflow(
    name="inspections.inspection",
    model=Inspection,
    table=INSPECTION_ALLOWED,
    movers={
        InspectionStatus.IN_PROGRESS: frozenset({PERFORMER}),
        InspectionStatus.COMPLETED: frozenset({PERFORMER}),
        InspectionStatus.CANCELLED: frozenset({OVERSIGHT}),
    },
    authorize=_inspection_movers,
    stamps={
        "*": "status_changed_at",
        InspectionStatus.IN_PROGRESS: "started_at",
        InspectionStatus.COMPLETED: "completed_at",
    },
    event_model=InspectionEvent,
    event_link=lambda inspection: {"inspection": inspection},
    office=lambda inspection: inspection.office_id,
)

CORRECTIVE_ACTION: Workflow[CorrectiveAction] = Workflow(
    name="inspections.action",
    model=CorrectiveAction,
    table=ACTION_ALLOWED,
    movers={
        ActionStatus.SUBMITTED: frozenset({MANAGER}),
        ActionStatus.VERIFIED: frozenset({OVERSIGHT}),
        ActionStatus.OPEN: frozenset({OVERSIGHT}),
        ActionStatus.CANCELLED: frozenset({OVERSIGHT}),
    },
    authorize=_action_movers,
    stamps={"*": "status_changed_at"},
    event_model=CorrectiveActionEvent,
    event_link=lambda action: {"action": action},
    office=lambda action: action.office_id,
)

REFERRAL: Workflow[ViolationReferral] = Workflow(
    name="inspections.referral",
    model=ViolationReferral,
    table=REFERRAL_ALLOWED,
    authorize=_referral_movers,
    stamps={ReferralStatus.DECIDED: "decided_at"},
    office=lambda referral: referral.inspection.office_id,
)


def check_mover(workflow: Workflow[Any], obj: Any, actor: Any, new: str) -> None:
    """Ask the workflow's own rule early, so "who may" is answered before "what is missing".

    The engine asks again at the move; this only orders the refusals as people expect them.
    """
    old = getattr(obj, workflow.field)
    if workflow.authorize is not None:
        workflow.authorize(obj, actor, old, new, workflow.kinds(old, new))
