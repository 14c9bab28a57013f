"""Outreach writes: missions, field capture, reimbursement (one module per sub-workflow)."""

from tanzim.outreach.services.field import ItemResult, field_service_record, field_sync, team_office_for
from tanzim.outreach.services.missions import (
    REPORT_WINDOW_DAYS,
    mission_approve,
    mission_cancel,
    mission_hold,
    mission_plan,
    mission_report,
    mission_transition,
    report_deadline,
    team_assign,
    team_confirm,
)
from tanzim.outreach.services.reimburse import mission_claims, mission_reimburse, reimbursement_run

__all__ = [
    "REPORT_WINDOW_DAYS",
    "ItemResult",
    "field_service_record",
    "field_sync",
    "mission_approve",
    "mission_cancel",
    "mission_claims",
    "mission_hold",
    "mission_plan",
    "mission_reimburse",
    "mission_report",
    "mission_transition",
    "reimbursement_run",
    "report_deadline",
    "team_assign",
    "team_confirm",
    "team_office_for",
]
