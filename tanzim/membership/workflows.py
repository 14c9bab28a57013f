"""The membership app's workflows, declared for the engine (``tanzim.audit.workflow``).

- an applicant's checklist: one state per step; the step's owner approves (the next step) or
  sends it back (the same step, with a reason); the applicant or the Kanoon withdraws;
- a welfare loan: submitted → approved → disbursed → repaid, or rejected (the Kanoon).
"""

from __future__ import annotations

from typing import Any

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import can_oversee_province, has_role, is_kanoon
from tanzim.audit.workflow import Workflow
from tanzim.common.errors import PermissionDeniedError
from tanzim.membership.choices import (
    CLAIM_ALLOWED,
    LOAN_ALLOWED,
    STEP_ALLOWED,
    STEP_OWNER,
    LoanStatus,
    Owner,
    Step,
)
from tanzim.membership.models import (
    Application,
    ApplicationEvent,
    Claim,
    ClaimEvent,
    LoanApplication,
    LoanEvent,
)

SYSTEM = "system"


def may_act_as(actor: Any, application: Application, owner: str) -> bool:
    """Does ``actor`` act as ``owner`` (applicant, province, inspector, Kanoon) for this applicant?"""
    if owner == Owner.APPLICANT:
        return getattr(actor, "pk", None) == application.user_id
    if owner == Owner.PROVINCE:
        return can_oversee_province(actor, application.province_id, Role.PROVINCE_ADMIN, Role.KANOON_ADMIN)
    if owner == Owner.INSPECTOR:
        return has_role(actor, Role.INSPECTOR) or is_kanoon(actor)
    return is_kanoon(actor)


def _application_movers(
    application: Application, actor: Any, old: str, new: str, kinds: frozenset[str]
) -> None:
    if SYSTEM in kinds and actor is None:
        return
    if new == Step.WITHDRAWN:
        allowed = may_act_as(actor, application, Owner.APPLICANT) or is_kanoon(actor)
    else:
        allowed = may_act_as(actor, application, STEP_OWNER[old])
    if not allowed:
        raise PermissionDeniedError()


APPLICATION: Workflow[Application] = Workflow(
    name="membership.application",
    model=Application,
    table=STEP_ALLOWED,
    # A captured online guarantee completes its step with no person behind the move.
    movers={(Step.GUARANTEE, Step.LICENCE): frozenset({SYSTEM, Owner.KANOON})},
    authorize=_application_movers,
    stamps={"*": "status_changed_at"},
    event_model=ApplicationEvent,
    event_link=lambda application: {"application": application},
    office=lambda application: application.office_id,
)


def _loan_movers(loan: LoanApplication, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    if SYSTEM in kinds and actor is None:
        return
    if not is_kanoon(actor):
        raise PermissionDeniedError()


LOAN: Workflow[LoanApplication] = Workflow(
    name="membership.loan",
    model=LoanApplication,
    table=LOAN_ALLOWED,
    movers={LoanStatus.REPAID: frozenset({SYSTEM})},
    authorize=_loan_movers,
    stamps={
        "*": "status_changed_at",
        LoanStatus.APPROVED: "decided_at",
        LoanStatus.REJECTED: "decided_at",
        LoanStatus.DISBURSED: "disbursed_at",
    },
    event_model=LoanEvent,
    event_link=lambda loan: {"loan": loan},
    office=lambda loan: loan.office_id,
)


def _claim_movers(claim: Claim, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    if not is_kanoon(actor):
        raise PermissionDeniedError()


#: An insurance claim: submitted → paid (what the insurer paid, its reference) or refused (a reason).
CLAIM: Workflow[Claim] = Workflow(
    name="membership.claim",
    model=Claim,
    table=CLAIM_ALLOWED,
    authorize=_claim_movers,
    stamps={"*": "status_changed_at", "paid": "decided_at", "refused": "decided_at"},
    event_model=ClaimEvent,
    event_link=lambda claim: {"claim": claim},
    office=lambda claim: claim.enrolment.office_id,
)
