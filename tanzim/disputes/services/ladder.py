"""The dispute ladder on the engine: one transition service for the dispute, one per
sub-workflow (session, settlement, arbitration, arbitrator, award, referral), and the moves any
stage may make by hand (fail, withdraw, close).

The workflows themselves are declared in ``tanzim/disputes/workflows.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.audit.workflow import Workflow, transition
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.disputes.choices import (
    FINAL,
    MANUAL_FAILURE_REASONS,
    OUTCOME,
    ArbitrationStatus,
    DisputeStatus,
    FailureReason,
    PartyRole,
    ReferralTarget,
    RespondentResponse,
    SessionResult,
    SessionStatus,
    SettlementStatus,
)
from tanzim.disputes.models import Arbitration, Arbitrator, Award, Dispute, Referral, Session, Settlement
from tanzim.disputes.selectors import access_for
from tanzim.disputes.services._common import (
    _date_text,
    _idle_due,
    _lock,
    _now,
    _parties,
    _pk,
    _require,
    _send_concluded,
    _sms,
    _text,
)
from tanzim.disputes.workflows import ARBITRATION, ARBITRATOR, AWARD, DISPUTE, REFERRAL, SESSION, SETTLEMENT

# SMS to the parties when the dispute reaches a stage.
NOTIFY_ON: dict[str, str] = {
    DisputeStatus.SETTLED: "disputes.settled",
    DisputeStatus.FAILED: "disputes.failed",
    DisputeStatus.AWARDED: "disputes.awarded",
    DisputeStatus.REFERRED: "disputes.referred",
    DisputeStatus.WITHDRAWN: "disputes.withdrawn",
}


def _fk_ids(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Other fields a move writes, a related object given by its id (what the engine sets back)."""
    return {
        f"{name}_id" if isinstance(value, models.Model) else name: getattr(value, "pk", value)
        for name, value in changes.items()
    }


def dispute_transition(
    *,
    dispute: Dispute,
    to: str,
    actor: Any,
    reason: str = "",
    expected_status: str | None = None,
    on_behalf_of: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> Dispute:
    """Move a dispute along the ladder. A stale move (someone moved it first) is a 409.

    ``extra`` holds the other fields that change with the stage (deadline, failure reason…);
    ``due_at`` in it is the new stage's deadline, otherwise the dispute has none.
    """
    try:
        to = DisputeStatus(to).value
    except ValueError as exc:
        raise DomainError(fields={"to": [_("Unknown stage.")]}) from exc
    changes = {"due_at": None, **(extra or {})}
    with transaction.atomic():
        moved = transition(
            DISPUTE,
            _pk(dispute),
            to,
            actor=actor,
            expected_status=expected_status,
            reason=reason,
            on_behalf_of=on_behalf_of,
            changes=_fk_ids(changes),
            event_data={"due_at": changes["due_at"]},
            audit_data={"failure_reason": changes.get("failure_reason", "")},
        )
        current = Dispute.objects.select_related("office", "office__province", "mediator", "case").get(
            pk=moved.pk
        )
        _after_transition(current, to, actor)
    return current


def _after_transition(dispute: Dispute, new: str, actor: Any) -> None:
    if new in FINAL or new == DisputeStatus.FAILED:
        _wind_down(dispute, actor)
    template = NOTIFY_ON.get(new)
    if template:

        def context(language: str) -> dict[str, Any]:
            return {
                "reason": dispute.get_failure_reason_display() if dispute.failure_reason else "",
                "target": ReferralTarget(dispute.referral_target).label if dispute.referral_target else "",
                "due": _date_text(dispute.due_at, language),
            }

        for party in _parties(dispute).values():
            _sms(
                party,
                template,
                dispute=dispute,
                dedupe_key=f"dispute:{dispute.pk}:{new}:{dispute.status_changed_at.timestamp():.0f}:{party.role}",
                context=context,
            )
    if new in FINAL:
        _send_concluded(dispute, OUTCOME[new])


def _wind_down(dispute: Dispute, actor: Any) -> None:
    """A dispute that stops its current attempt leaves no open settlement, session or arbitration."""
    settlement = dispute.settlements.filter(
        status__in=[SettlementStatus.DRAFT, SettlementStatus.SIGNING]
    ).first()
    if settlement is not None:
        settlement_transition(
            settlement=settlement,
            to=SettlementStatus.VOIDED,
            actor=actor,
            reason=str(_("The attempt ended.")),
            changes={"voided_at": _now(), "void_reason": str(_("The attempt ended."))[:300]},
        )
    now = _now()
    for session in dispute.sessions.filter(status=SessionStatus.SCHEDULED):
        if dispute.status == DisputeStatus.SETTLED and session.starts_at <= now:
            # The parties met and settled: the session took place (the report lists it as held).
            session_transition(
                session=session,
                to=SessionStatus.HELD,
                actor=actor,
                reason=SessionResult.AGREEMENT,
                changes={
                    "result": SessionResult.AGREEMENT,
                    "recorded_at": now,
                    "claimant_attended": True,
                    "respondent_attended": True,
                },
            )
        else:
            session_transition(
                session=session,
                to=SessionStatus.CANCELLED,
                actor=actor,
                reason="settled before the session"
                if dispute.status == DisputeStatus.SETTLED
                else "attempt ended",
            )
    if dispute.status in FINAL:
        arbitration = dispute.arbitrations.filter(
            status__in=[ArbitrationStatus.FORMING, ArbitrationStatus.ACTIVE]
        ).first()
        if arbitration is not None:
            arbitration_transition(arbitration=arbitration, to=ArbitrationStatus.ENDED, actor=actor)


def _sub_move(
    workflow: Workflow[Any],
    obj: Any,
    to: str,
    *,
    actor: Any,
    dispute_id: int,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    on_behalf_of: Any = None,
) -> Any:
    return transition(
        workflow,
        obj,
        to,
        actor=actor,
        reason=reason,
        on_behalf_of=on_behalf_of,
        changes=changes,
        audit_data={"dispute": dispute_id},
    )


def session_transition(
    *, session: Session, to: str, actor: Any, reason: str = "", changes: Mapping[str, Any] | None = None
) -> Session:
    return _sub_move(
        SESSION, session, to, actor=actor, dispute_id=session.dispute_id, reason=reason, changes=changes
    )


def settlement_transition(
    *, settlement: Settlement, to: str, actor: Any, reason: str = "", changes: Mapping[str, Any] | None = None
) -> Settlement:
    return _sub_move(
        SETTLEMENT,
        settlement,
        to,
        actor=actor,
        dispute_id=settlement.dispute_id,
        reason=reason,
        changes=changes,
    )


def arbitration_transition(
    *,
    arbitration: Arbitration,
    to: str,
    actor: Any,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> Arbitration:
    return _sub_move(
        ARBITRATION,
        arbitration,
        to,
        actor=actor,
        dispute_id=arbitration.dispute_id,
        reason=reason,
        changes=changes,
    )


def arbitrator_transition(
    *,
    arbitrator: Arbitrator,
    to: str,
    actor: Any,
    dispute: Dispute,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> Arbitrator:
    return _sub_move(
        ARBITRATOR, arbitrator, to, actor=actor, dispute_id=dispute.pk, reason=reason, changes=changes
    )


def award_transition(
    *, award: Award, to: str, actor: Any, reason: str = "", on_behalf_of: Any = None
) -> Award:
    return _sub_move(
        AWARD,
        award,
        to,
        actor=actor,
        dispute_id=award.arbitration.dispute_id,
        reason=reason,
        on_behalf_of=on_behalf_of,
    )


def referral_transition(
    *, referral: Referral, to: str, actor: Any, reason: str = "", changes: Mapping[str, Any] | None = None
) -> Referral:
    return _sub_move(
        REFERRAL, referral, to, actor=actor, dispute_id=referral.dispute_id, reason=reason, changes=changes
    )


def dispute_fail(
    *, dispute: Dispute, actor: User, reason: str, note: str = "", expected_status: str | None = None
) -> Dispute:
    """Record a coded failure by hand (the mediator or the office; the respondent may withdraw)."""
    if reason not in [r.value for r in MANUAL_FAILURE_REASONS]:
        raise DomainError(fields={"reason": [_("Choose a reason.")]})
    with transaction.atomic():
        dispute = _lock(dispute)
        access = access_for(dispute=dispute, user=actor)
        _require(access, "staff", "convener", "respondent")
        if access.party and not (access.staff or access.convener) and reason != FailureReason.PARTY_WITHDREW:
            raise PermissionDeniedError(_("A party can only withdraw."), code="party_can_only_withdraw")
        if dispute.status not in (DisputeStatus.INVITED, DisputeStatus.MEDIATION):
            raise ConflictError(
                _("A dispute at stage “%(status)s” cannot fail this way.")
                % {"status": dispute.get_status_display()},
                code="transition_not_allowed",
            )
        extra = {
            "failure_reason": reason,
            "outcome_note": _text(note, limit=500),
            "due_at": _idle_due(_now()),
        }
        if reason == FailureReason.NOT_CONTACTABLE:
            extra["respondent_response"] = RespondentResponse.NOT_CONTACTABLE
        elif reason == FailureReason.RESPONDENT_DECLINED:
            extra.update(respondent_response=RespondentResponse.DECLINED, responded_at=_now())
        return dispute_transition(
            dispute=dispute,
            to=DisputeStatus.FAILED,
            actor=actor,
            reason=note,
            expected_status=expected_status or dispute.status,
            extra=extra,
        )


def dispute_withdraw(
    *, dispute: Dispute, actor: User, note: str = "", expected_status: str | None = None
) -> Dispute:
    """The claimant withdraws (or the office records it for them)."""
    with transaction.atomic():
        dispute = _lock(dispute)
        access = access_for(dispute=dispute, user=actor)
        _require(access, "claimant", "staff")
        claimant = _parties(dispute)[PartyRole.CLAIMANT]
        on_behalf = claimant.user if access.role != PartyRole.CLAIMANT else None
        return dispute_transition(
            dispute=dispute,
            to=DisputeStatus.WITHDRAWN,
            actor=actor,
            on_behalf_of=on_behalf,
            reason=note,
            expected_status=expected_status or dispute.status,
            extra={"failure_reason": FailureReason.PARTY_WITHDREW, "outcome_note": _text(note, limit=500)},
        )


def dispute_close(
    *, dispute: Dispute, actor: User | None, note: str = "", expected_status: str | None = None
) -> Dispute:
    """A failed dispute nobody takes further is closed (by the office, or after the idle period)."""
    return dispute_transition(
        dispute=dispute,
        to=DisputeStatus.CLOSED,
        actor=actor,
        reason=note or (str(_("No next step was asked for.")) if actor is None else ""),
        expected_status=expected_status or DisputeStatus.FAILED,
        extra={"outcome_note": _text(note, limit=500)} if note else None,
    )
