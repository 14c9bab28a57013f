from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyDimension(models.TextChoices):
    """What a survey item measures (CourTools access and fairness). Each has its own column.

    A new questionnaire version may reword an item but keeps its dimension, so answers stay
    comparable across versions and the metrics read one column per dimension.
    """

    ACCESS = "access", _("Reaching the office")
    COURTESY = "courtesy", _("Courtesy and respect")
    CLARITY = "clarity", _("Clear explanations")
    TIMELINESS = "timeliness", _("Time taken")
    FAIRNESS = "fairness", _("Fair treatment")
    OVERALL = "overall", _("Overall satisfaction")


DIMENSIONS: tuple[str, ...] = tuple(SurveyDimension.values)
# Scores of 4 and 5 on the overall item count as "satisfied" (share satisfied, Wilson bound).
SATISFIED_FROM = 4
SCALE = (1, 2, 3, 4, 5)


class InvitationSource(models.TextChoices):
    """The event that earned a citizen a survey invitation."""

    VISIT = "visit", _("Visit served")
    WALK_IN = "walk_in", _("Walk-in served")
    CASE_FILED = "case_filed", _("Request filed")
    CASE_CLOSED = "case_closed", _("Request closed")
    DISPUTE = "dispute", _("Dispute concluded")


class ComplaintCategory(models.TextChoices):
    CONDUCT = "conduct", _("Rude or disrespectful behaviour")
    OVERCHARGING = "overcharging", _("Charged more than the tariff, or no receipt")
    DELAY = "delay", _("Unreasonable delay")
    REFUSAL = "refusal", _("Refused to provide a service")
    ERROR = "error", _("Mistake in my request or documents")
    PRIVACY = "privacy", _("My personal data was mishandled")
    CORRUPTION = "corruption", _("Asked for a bribe or an unofficial payment")
    OTHER = "other", _("Something else")


# Categories serious enough that one upheld complaint calls for an inspection.
SERIOUS_CATEGORIES = frozenset(
    {ComplaintCategory.OVERCHARGING, ComplaintCategory.PRIVACY, ComplaintCategory.CORRUPTION}
)


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Under investigation")
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    DISMISSED = "dismissed", _("Dismissed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


DECIDED = frozenset({ComplaintStatus.UPHELD, ComplaintStatus.PARTLY_UPHELD, ComplaintStatus.DISMISSED})
CLOSED = DECIDED | {ComplaintStatus.WITHDRAWN}
OPEN = frozenset(ComplaintStatus.values) - CLOSED

# The one transition table of the complaint workflow. Nothing else decides what may follow what.
ALLOWED: dict[str, frozenset[str]] = {
    ComplaintStatus.RECEIVED: frozenset({ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.WITHDRAWN}),
    # A complaint plainly outside the Kanoon's remit may be dismissed on acknowledgement.
    ComplaintStatus.ACKNOWLEDGED: frozenset(
        {ComplaintStatus.INVESTIGATING, ComplaintStatus.DISMISSED, ComplaintStatus.WITHDRAWN}
    ),
    ComplaintStatus.INVESTIGATING: frozenset(
        {
            ComplaintStatus.UPHELD,
            ComplaintStatus.PARTLY_UPHELD,
            ComplaintStatus.DISMISSED,
            ComplaintStatus.WITHDRAWN,
        }
    ),
    ComplaintStatus.UPHELD: frozenset(),
    ComplaintStatus.PARTLY_UPHELD: frozenset(),
    ComplaintStatus.DISMISSED: frozenset(),
    ComplaintStatus.WITHDRAWN: frozenset(),
}


class ComplaintAction(models.TextChoices):
    """What a person does to a complaint; each maps to exactly one target status."""

    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    INVESTIGATE = "investigate", _("Start the investigation")
    UPHOLD = "uphold", _("Uphold")
    PARTLY_UPHOLD = "partly_uphold", _("Partly uphold")
    DISMISS = "dismiss", _("Dismiss")
    WITHDRAW = "withdraw", _("Withdraw")


ACTION_TARGET: dict[str, str] = {
    ComplaintAction.ACKNOWLEDGE: ComplaintStatus.ACKNOWLEDGED,
    ComplaintAction.INVESTIGATE: ComplaintStatus.INVESTIGATING,
    ComplaintAction.UPHOLD: ComplaintStatus.UPHELD,
    ComplaintAction.PARTLY_UPHOLD: ComplaintStatus.PARTLY_UPHELD,
    ComplaintAction.DISMISS: ComplaintStatus.DISMISSED,
    ComplaintAction.WITHDRAW: ComplaintStatus.WITHDRAWN,
}
