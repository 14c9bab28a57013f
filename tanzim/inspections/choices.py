from django.db import models
from django.utils.translation import gettext_lazy as _


class ChecklistStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


# A published version is frozen; publishing the next one retires it.
CHECKLIST_ALLOWED: dict[str, frozenset[str]] = {
    ChecklistStatus.DRAFT: frozenset({ChecklistStatus.PUBLISHED}),
    ChecklistStatus.PUBLISHED: frozenset({ChecklistStatus.RETIRED}),
    ChecklistStatus.RETIRED: frozenset(),
}


class InspectionKind(models.TextChoices):
    PERIODIC = "periodic", _("Periodic")
    RISK_BASED = "risk_based", _("Risk-based")
    COMPLAINT = "complaint", _("Complaint-triggered")
    FOLLOW_UP = "follow_up", _("Follow-up")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_INSPECTION = frozenset({InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS})

# The one transition table of the inspection workflow.
INSPECTION_ALLOWED: dict[str, frozenset[str]] = {
    InspectionStatus.PLANNED: frozenset({InspectionStatus.IN_PROGRESS, InspectionStatus.CANCELLED}),
    InspectionStatus.IN_PROGRESS: frozenset({InspectionStatus.COMPLETED, InspectionStatus.CANCELLED}),
    InspectionStatus.COMPLETED: frozenset(),
    InspectionStatus.CANCELLED: frozenset(),
}

# What a person does to an inspection (the API's and the pages' "action"), and its target.
INSPECTION_ACTIONS: dict[str, str] = {
    "start": InspectionStatus.IN_PROGRESS,
    "complete": InspectionStatus.COMPLETED,
    "cancel": InspectionStatus.CANCELLED,
}


class ItemResult(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    PARTIAL = "partial", _("Partly compliant")
    NON_COMPLIANT = "non_compliant", _("Not compliant")
    NOT_APPLICABLE = "not_applicable", _("Does not apply")


# Share of an item's weight each result earns; "does not apply" leaves the item out.
RESULT_VALUE: dict[str, float | None] = {
    ItemResult.COMPLIANT: 1.0,
    ItemResult.PARTIAL: 0.5,
    ItemResult.NON_COMPLIANT: 0.0,
    ItemResult.NOT_APPLICABLE: None,
}


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


# Findings of these severities may be referred to the violations board.
REFERABLE = frozenset({Severity.MAJOR, Severity.CRITICAL})


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Reported done")
    VERIFIED = "verified", _("Verified")
    CANCELLED = "cancelled", _("Cancelled")


# The one transition table of corrective actions. A rejected report goes back to open.
ACTION_ALLOWED: dict[str, frozenset[str]] = {
    ActionStatus.OPEN: frozenset({ActionStatus.SUBMITTED, ActionStatus.CANCELLED}),
    ActionStatus.SUBMITTED: frozenset({ActionStatus.VERIFIED, ActionStatus.OPEN}),
    ActionStatus.VERIFIED: frozenset(),
    ActionStatus.CANCELLED: frozenset(),
}

# What a person does to a corrective action, and its target.
CORRECTIVE_ACTION_MOVES: dict[str, str] = {
    "submit": ActionStatus.SUBMITTED,
    "verify": ActionStatus.VERIFIED,
    "reopen": ActionStatus.OPEN,
    "cancel": ActionStatus.CANCELLED,
}


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", _("Referred to the violations board")
    DECIDED = "decided", _("Decided by the board")


REFERRAL_ALLOWED: dict[str, frozenset[str]] = {
    ReferralStatus.REFERRED: frozenset({ReferralStatus.DECIDED}),
    ReferralStatus.DECIDED: frozenset(),
}

# The longest note, summary or description kept.
NOTE_MAX = 4000


class SampleVerdict(models.TextChoices):
    """What the inspector found when checking a sampled free service's ground and evidence."""

    PENDING = "pending", _("Not checked yet")
    HOLDS = "holds", _("The evidence holds")
    FAILS = "fails", _("The evidence does not hold")
