from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    NEEDS_CORRECTION = "needs_correction", _("Needs correction")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    VERIFIED = "verified", _("Verified")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FILED = "filed", _("Filed with the judiciary")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


# The one transition table of the case workflow. Nothing else decides what may follow what.
ALLOWED: dict[str, frozenset[str]] = {
    CaseStatus.DRAFT: frozenset({CaseStatus.SUBMITTED, CaseStatus.CANCELLED}),
    CaseStatus.SUBMITTED: frozenset({CaseStatus.IN_REVIEW, CaseStatus.CANCELLED}),
    CaseStatus.IN_REVIEW: frozenset({CaseStatus.NEEDS_CORRECTION, CaseStatus.VERIFIED, CaseStatus.REJECTED}),
    CaseStatus.NEEDS_CORRECTION: frozenset({CaseStatus.RESUBMITTED, CaseStatus.CANCELLED}),
    CaseStatus.RESUBMITTED: frozenset({CaseStatus.IN_REVIEW, CaseStatus.CANCELLED}),
    CaseStatus.VERIFIED: frozenset({CaseStatus.AWAITING_PAYMENT}),
    CaseStatus.AWAITING_PAYMENT: frozenset({CaseStatus.PAID, CaseStatus.CANCELLED}),
    CaseStatus.PAID: frozenset({CaseStatus.FILED}),
    CaseStatus.FILED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
    CaseStatus.CANCELLED: frozenset(),
    CaseStatus.REJECTED: frozenset(),
}

EDITABLE = frozenset({CaseStatus.DRAFT, CaseStatus.NEEDS_CORRECTION})
OPEN = frozenset(ALLOWED) - {CaseStatus.CLOSED, CaseStatus.CANCELLED, CaseStatus.REJECTED}
# Statuses in which the office has the next move (the worklist).
OFFICE_TURN = frozenset(
    {CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW, CaseStatus.RESUBMITTED, CaseStatus.VERIFIED, CaseStatus.PAID}
)


class PartyRole(models.TextChoices):
    CLAIMANT = "claimant", _("Claimant / applicant")
    RESPONDENT = "respondent", _("Respondent / addressee")
    OTHER = "other", _("Other party")
    REPRESENTATIVE = "representative", _("Lawyer / representative")


class PartyKind(models.TextChoices):
    NATURAL = "natural", _("Natural person")
    LEGAL = "legal", _("Legal entity")


class CancelReason(models.TextChoices):
    APPLICANT_WITHDREW = "applicant_withdrew", _("The applicant withdrew")
    DUPLICATE = "duplicate", _("Duplicate request")
    NOT_PAID = "not_paid", _("Not paid in time")
    OTHER = "other", _("Other")


class RejectReason(models.TextChoices):
    NOT_COMPETENT = "not_competent", _("Not a service this office can provide")
    INCOMPLETE = "incomplete", _("Documents incomplete after correction")
    IDENTITY = "identity", _("Identity could not be verified")
    UNLAWFUL = "unlawful", _("The request is not lawful")
    OTHER = "other", _("Other")


class IdentityMethod(models.TextChoices):
    IN_PERSON = "in_person", _("Checked in person at the office")
    ADAPTER = "adapter", _("Verified electronically")


class ProceedingStage(models.TextChoices):
    """Which stage of proceedings a request starts: a first-instance petition or complaint, or a
    review of a judgment. A review's period (appeal, art. 336; cassation) runs from the notice of
    the judgment and mediation does not stop it, so a review is never sent to resolution first.
    """

    FIRST_INSTANCE = "first_instance", _("First instance")
    APPEAL = "appeal", _("Appeal (tajdid-nazar)")
    CASSATION = "cassation", _("Cassation (farjam)")


# Reviews of a judgment: never diverted to mediation or peace-making.
REVIEW_STAGES = frozenset({ProceedingStage.APPEAL, ProceedingStage.CASSATION})
# Statuses in which a request may be sent to dispute resolution ("try to settle first").
SETTLE_FIRST_STATUSES = frozenset(
    {
        CaseStatus.SUBMITTED,
        CaseStatus.IN_REVIEW,
        CaseStatus.RESUBMITTED,
        CaseStatus.VERIFIED,
        CaseStatus.AWAITING_PAYMENT,
        CaseStatus.PAID,
        CaseStatus.FILED,
    }
)
