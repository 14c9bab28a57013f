"""Outreach states and kinds: stable English values, translated labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MissionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ASSIGNED = "assigned", _("Team assigned")
    CONFIRMED = "confirmed", _("Team confirmed")
    APPROVED = "approved", _("Approved by the Kanoon")
    HELD = "held", _("Held")
    REPORTED = "reported", _("Reported")
    REIMBURSED = "reimbursed", _("Reimbursed")
    CANCELLED = "cancelled", _("Cancelled")


S = MissionStatus
ALLOWED: dict[str, frozenset[str]] = {
    S.PLANNED: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.HELD, S.CANCELLED}),
    S.HELD: frozenset({S.REPORTED}),
    S.REPORTED: frozenset({S.REIMBURSED}),
    S.REIMBURSED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Shown to the public as upcoming.
PUBLIC = (S.ASSIGNED, S.CONFIRMED, S.APPROVED)
# Approved by the Kanoon (the ground for free services holds).
APPROVED_STATES = (S.APPROVED, S.HELD, S.REPORTED, S.REIMBURSED)


class MissionAction(models.TextChoices):
    """What a transition endpoint is asked to do (``{"action", "expected_status"}``)."""

    APPROVE = "approve", _("Approve")
    HOLD = "hold", _("Mark as held")
    CANCEL = "cancel", _("Cancel")


ACTION_TARGET = {
    MissionAction.APPROVE: S.APPROVED,
    MissionAction.HOLD: S.HELD,
    MissionAction.CANCEL: S.CANCELLED,
}


class ServiceKind(models.TextChoices):
    """What a mission offers (the services of a village service day)."""

    SANA = "sana", _("SANA registration")
    COMPLAINT = "complaint", _("Complaint")
    PETITION = "petition", _("Petition")
    BRIEF = "brief", _("Brief")
    NOTICE = "notice", _("Notice retrieval")
    ADVICE = "advice", _("Legal advice")


class CostKind(models.TextChoices):
    PER_DIEM = "per_diem", _("Per-diem (per person per day)")
    TRAVEL_KM = "travel_km", _("Travel (per kilometre, round trip)")


class SyncOutcome(models.TextChoices):
    CREATED = "created", _("Recorded")
    DUPLICATE = "duplicate", _("Already recorded")
    CONFLICT = "conflict", _("Conflict")
