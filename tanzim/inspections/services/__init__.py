"""Writes of the inspections app, by sub-workflow: checklists and plans, performing an inspection,
corrective actions, referrals to the violations board. Each status change goes through the
engine (``inspections.workflows``); a stale move is a 409."""

from tanzim.inspections.access import can_perform, is_inspector_for, is_office_manager
from tanzim.inspections.services.actions import (
    corrective_action_add,
    corrective_action_transition,
    corrective_actions_remind_overdue,
)
from tanzim.inspections.services.free_services import (
    free_service_sample_check,
    free_service_sample_draw,
    sample_size,
)
from tanzim.inspections.services.inspections import (
    draw_up_findings,
    finding_add,
    inspection_answer,
    inspection_evidence_add,
    inspection_transition,
    score_answers,
)
from tanzim.inspections.services.plans import (
    checklist_current,
    checklist_new_version,
    checklist_publish,
    inspection_plan_create,
    inspection_schedule,
    inspection_trigger_for_complaint,
)
from tanzim.inspections.services.referrals import referral_create, referral_record_decision

__all__ = [
    "can_perform",
    "checklist_current",
    "checklist_new_version",
    "checklist_publish",
    "corrective_action_add",
    "corrective_action_transition",
    "corrective_actions_remind_overdue",
    "draw_up_findings",
    "finding_add",
    "free_service_sample_check",
    "free_service_sample_draw",
    "inspection_answer",
    "inspection_evidence_add",
    "inspection_plan_create",
    "inspection_schedule",
    "inspection_transition",
    "inspection_trigger_for_complaint",
    "is_inspector_for",
    "is_office_manager",
    "referral_create",
    "referral_record_decision",
    "sample_size",
    "score_answers",
]
