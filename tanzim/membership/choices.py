"""States and kinds of the membership app: the opening checklist, loans."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Step(models.TextChoices):
    """Where an admitted applicant stands on the way from the exam to an open office."""

    DOCUMENTS = "documents", _("Documents")
    PLACE = "place", _("Choosing a place")
    PREMISES = "premises", _("Premises approval")
    EQUIPMENT = "equipment", _("Equipment and connectivity")
    TRAINING = "training", _("Training and final test")
    GUARANTEE = "guarantee", _("Guarantee or deposit")
    LICENCE = "licence", _("Licence")
    OPENED = "opened", _("Office opened")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: The steps in the order an applicant goes through them (the final states last).
STEP_ORDER: tuple[str, ...] = (
    Step.DOCUMENTS,
    Step.PLACE,
    Step.PREMISES,
    Step.EQUIPMENT,
    Step.TRAINING,
    Step.GUARANTEE,
    Step.LICENCE,
    Step.OPENED,
)
OPEN_STEPS: tuple[str, ...] = STEP_ORDER[:-1]
FINAL_STEPS: frozenset[str] = frozenset({Step.OPENED, Step.WITHDRAWN})


class Owner(models.TextChoices):
    """Who must act for a step to move on."""

    APPLICANT = "applicant", _("Applicant")
    PROVINCE = "province", _("Province")
    KANOON = "kanoon", _("Kanoon")
    INSPECTOR = "inspector", _("Inspector")


STEP_OWNER: dict[str, str] = {
    Step.DOCUMENTS: Owner.PROVINCE,
    Step.PLACE: Owner.APPLICANT,
    Step.PREMISES: Owner.INSPECTOR,
    Step.EQUIPMENT: Owner.PROVINCE,
    Step.TRAINING: Owner.KANOON,
    Step.GUARANTEE: Owner.KANOON,
    Step.LICENCE: Owner.KANOON,
}

#: Days each step may take before the applicant (or its owner) is reminded and it counts as late.
STEP_DAYS: dict[str, int] = {
    Step.DOCUMENTS: 21,
    Step.PLACE: 10,
    Step.PREMISES: 45,
    Step.EQUIPMENT: 21,
    Step.TRAINING: 45,
    Step.GUARANTEE: 21,
    Step.LICENCE: 10,
}

# Each open step moves to the next, back to itself (sent back with a reason), or is withdrawn.
STEP_ALLOWED: dict[str, frozenset[str]] = {
    step: frozenset({step, STEP_ORDER[i + 1], Step.WITHDRAWN}) for i, step in enumerate(OPEN_STEPS)
}
STEP_ALLOWED[Step.PLACE] = frozenset({Step.PREMISES, Step.WITHDRAWN})
STEP_ALLOWED[Step.OPENED] = frozenset()
STEP_ALLOWED[Step.WITHDRAWN] = frozenset()


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", _("Identity card")
    DEGREE = "degree", _("Degree certificate")
    CLEARANCE = "clearance", _("Clearance certificate")
    NO_CONFLICT = "no_conflict", _("No-conflict declaration")
    PREMISES_PHOTO = "premises_photo", _("Photo of the premises")
    FLOOR_PLAN = "floor_plan", _("Floor plan")


APPLICANT_DOCUMENTS: tuple[str, ...] = (
    DocumentKind.IDENTITY,
    DocumentKind.DEGREE,
    DocumentKind.CLEARANCE,
    DocumentKind.NO_CONFLICT,
)
PREMISES_DOCUMENTS: tuple[str, ...] = (DocumentKind.PREMISES_PHOTO, DocumentKind.FLOOR_PLAN)


class LoanStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting in the queue")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DISBURSED = "disbursed", _("Paid out, being repaid")
    REPAID = "repaid", _("Repaid")


LOAN_ALLOWED: dict[str, frozenset[str]] = {
    LoanStatus.SUBMITTED: frozenset({LoanStatus.APPROVED, LoanStatus.REJECTED}),
    LoanStatus.APPROVED: frozenset({LoanStatus.DISBURSED, LoanStatus.REJECTED}),
    LoanStatus.DISBURSED: frozenset({LoanStatus.REPAID}),
    LoanStatus.REJECTED: frozenset(),
    LoanStatus.REPAID: frozenset(),
}
LOAN_LIVE: tuple[str, ...] = (LoanStatus.SUBMITTED, LoanStatus.APPROVED, LoanStatus.DISBURSED)


class CertificateKind(models.TextChoices):
    CLERK_TRAINING = "clerk_training", _("Office clerk training certificate")
    MEDIATION = "mediation", _("Mediator's certificate")
    ARBITRATION = "arbitration", _("Arbitrator's certificate")
    CONSULTATION = "consultation", _("Legal consultant's licence")


#: The certificate each staff role needs; the role lasts only as long as the certificate.
ROLE_CERTIFICATE: dict[str, str] = {
    "clerk": CertificateKind.CLERK_TRAINING,
    "mediator": CertificateKind.MEDIATION,
    "arbitrator": CertificateKind.ARBITRATION,
    "consultant": CertificateKind.CONSULTATION,
}


class PolicyKind(models.TextChoices):
    BASIC = "basic", _("Basic insurance")
    SUPPLEMENTARY = "supplementary", _("Supplementary insurance")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, being reviewed")
    PAID = "paid", _("Paid")
    REFUSED = "refused", _("Refused")


CLAIM_ALLOWED: dict[str, frozenset[str]] = {
    ClaimStatus.SUBMITTED: frozenset({ClaimStatus.PAID, ClaimStatus.REFUSED}),
    ClaimStatus.PAID: frozenset(),
    ClaimStatus.REFUSED: frozenset(),
}


class LoanDocumentKind(models.TextChoices):
    APPLICATION_FORM = "application", _("Signed application form")
    SUPPORTING = "supporting", _("Supporting document")
    CONTRACT = "contract", _("Loan contract")


#: Who gives each loan document: the member their form and papers, the Kanoon the contract.
LOAN_MEMBER_DOCUMENTS: tuple[str, ...] = (LoanDocumentKind.APPLICATION_FORM, LoanDocumentKind.SUPPORTING)
