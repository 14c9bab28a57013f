"""The deadlines the system acts on: reminders and "not contactable", closed mediation windows,
expired arbitration terms, failed disputes left idle. Each step is safe to run twice.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.disputes import rules
from tanzim.disputes.choices import ArbitrationStatus, DisputeStatus, FailureReason, RespondentResponse
from tanzim.disputes.models import Arbitration, Dispute, JoinCode
from tanzim.disputes.services._common import _idle_due, _now
from tanzim.disputes.services.arbitration import _lock_arbitration
from tanzim.disputes.services.invitation import dispute_invite
from tanzim.disputes.services.ladder import arbitration_transition, dispute_close, dispute_transition


def invitation_follow_up(*, dispute_id: int, now: datetime | None = None) -> str:
    """A try went unanswered: remind, or after the last try mark the respondent not contactable.

    Safe to run twice: it acts only on an invited dispute whose deadline has passed.
    """
    now = now or _now()
    dispute = Dispute.objects.filter(pk=dispute_id, status=DisputeStatus.INVITED, due_at__lt=now).first()
    if dispute is None:
        return "skipped"
    if dispute.invite_attempts < settings.DISPUTES_INVITE_MAX_TRIES:
        try:
            dispute_invite(dispute=dispute, actor=None, expected_status=DisputeStatus.INVITED)
        except (ConflictError, DomainError):
            return "skipped"
        return "reminded"
    try:
        dispute_transition(
            dispute=dispute,
            to=DisputeStatus.FAILED,
            actor=None,
            reason=str(_("No answer after %(n)s invitations.") % {"n": dispute.invite_attempts}),
            expected_status=DisputeStatus.INVITED,
            extra={
                "failure_reason": FailureReason.NOT_CONTACTABLE,
                "respondent_response": RespondentResponse.NOT_CONTACTABLE,
                "responded_at": None,
                "due_at": _idle_due(now),
            },
        )
    except ConflictError:
        return "skipped"
    JoinCode.objects.filter(party__dispute=dispute, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    return "not_contactable"


def mediation_expire(*, dispute_id: int, now: datetime | None = None) -> str:
    """The legal window closed without a settlement: the attempt fails. Safe to run twice."""
    now = now or _now()
    dispute = Dispute.objects.filter(pk=dispute_id, status=DisputeStatus.MEDIATION).first()
    if dispute is None or not rules.is_past(dispute.window_ends_on, now=now):
        return "skipped"
    try:
        dispute_transition(
            dispute=dispute,
            to=DisputeStatus.FAILED,
            actor=None,
            reason=str(_("The window closed on %(day)s.") % {"day": format_jalali(dispute.window_ends_on)}),
            expected_status=DisputeStatus.MEDIATION,
            extra={"failure_reason": FailureReason.WINDOW_EXPIRED, "due_at": _idle_due(now)},
        )
    except ConflictError:
        return "skipped"
    return "failed"


def failed_idle_close(*, dispute_id: int, now: datetime | None = None) -> str:
    now = now or _now()
    dispute = Dispute.objects.filter(pk=dispute_id, status=DisputeStatus.FAILED, due_at__lt=now).first()
    if dispute is None:
        return "skipped"
    try:
        dispute_close(dispute=dispute, actor=None, expected_status=DisputeStatus.FAILED)
    except ConflictError:
        return "skipped"
    return "closed"


def arbitration_expire(*, arbitration_id: int, now: datetime | None = None) -> str:
    """The term ran out without an award: the arbitration fails. Safe to run twice."""
    now = now or _now()
    arbitration = Arbitration.objects.filter(pk=arbitration_id, status=ArbitrationStatus.ACTIVE).first()
    if arbitration is None or not rules.is_past(arbitration.term_ends_on, now=now):
        return "skipped"
    with transaction.atomic():
        dispute, arbitration = _lock_arbitration(arbitration)
        if arbitration.status != ArbitrationStatus.ACTIVE:
            return "skipped"
        arbitration_transition(
            arbitration=arbitration,
            to=ArbitrationStatus.EXPIRED,
            actor=None,
            reason=str(_("The term ended on %(day)s.") % {"day": format_jalali(arbitration.term_ends_on)}),
        )
        if dispute.status == DisputeStatus.ARBITRATION:
            dispute_transition(
                dispute=dispute,
                to=DisputeStatus.FAILED,
                actor=None,
                expected_status=DisputeStatus.ARBITRATION,
                extra={"failure_reason": FailureReason.ARBITRATION_EXPIRED, "due_at": _idle_due(now)},
            )
    return "expired"


def deadlines_sweep(*, now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Run every deadline that has passed: reminders, not contactable, windows, terms, idle failures.

    Each step re-reads and compare-and-sets, so two sweeps at once do each thing once.
    """
    now = now or _now()
    today = tehran_date(now)
    counts: dict[str, int] = {}

    def tally(outcome: str) -> None:
        counts[outcome] = counts.get(outcome, 0) + 1

    for pk in Dispute.objects.filter(status=DisputeStatus.INVITED, due_at__lt=now).values_list(
        "pk", flat=True
    )[:limit]:
        tally(invitation_follow_up(dispute_id=pk, now=now))
    for pk in Dispute.objects.filter(status=DisputeStatus.MEDIATION, window_ends_on__lt=today).values_list(
        "pk", flat=True
    )[:limit]:
        tally(mediation_expire(dispute_id=pk, now=now))
    for pk in Arbitration.objects.filter(status=ArbitrationStatus.ACTIVE, term_ends_on__lt=today).values_list(
        "pk", flat=True
    )[:limit]:
        tally(arbitration_expire(arbitration_id=pk, now=now))
    for pk in Dispute.objects.filter(status=DisputeStatus.FAILED, due_at__lt=now).values_list(
        "pk", flat=True
    )[:limit]:
        tally(failed_idle_close(dispute_id=pk, now=now))
    counts.pop("skipped", None)
    return counts
