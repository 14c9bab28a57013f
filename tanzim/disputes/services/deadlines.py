"""The deadlines the system acts on: reminders and "not contactable", closed mediation windows,
expired arbitration terms, failed disputes left idle. Each step is safe to run twice.
"""

from __future__ import annotations

from collections.abc import Callable
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


# Rows claimed per transaction: locked with SKIP LOCKED, so a second worker takes the next ones
# instead of waiting on (or redoing) these; small enough that a party acting on one of them
# waits only for its batch.
CLAIM_BATCH = 50


def _sweep(rows, act: Callable[[int], str], *, limit: int, tally: Callable[[str], None]) -> None:
    """Claim the due disputes of ``rows`` in batches (``FOR UPDATE SKIP LOCKED``) and act on each
    inside the batch's transaction; a row is handled once per run, whatever its outcome."""
    handled: list[int] = []
    while len(handled) < limit:
        with transaction.atomic():
            claimed = list(
                rows.exclude(pk__in=handled)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)[: min(CLAIM_BATCH, limit - len(handled))]
            )
            if not claimed:
                return
            for pk in claimed:
                tally(act(pk))
        handled.extend(claimed)


def deadlines_sweep(*, now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Run every deadline that has passed: reminders, not contactable, windows, terms, idle failures.

    The due disputes are claimed in batches with ``SKIP LOCKED`` (on PostgreSQL), so two
    workers sweeping at once share the work, each dispute handled by one of them; each step
    also re-reads and compare-and-sets, so a dispute moved meanwhile is skipped. An arbitration
    is claimed through its dispute (the lock order everywhere: the dispute, then its arbitration).
    """
    now = now or _now()
    today = tehran_date(now)
    counts: dict[str, int] = {}

    def tally(outcome: str) -> None:
        counts[outcome] = counts.get(outcome, 0) + 1

    def expire_terms(dispute_id: int) -> str:
        due = Arbitration.objects.filter(
            dispute_id=dispute_id, status=ArbitrationStatus.ACTIVE, term_ends_on__lt=today
        ).values_list("pk", flat=True)
        outcomes = [arbitration_expire(arbitration_id=pk, now=now) for pk in due]
        return next((o for o in outcomes if o != "skipped"), "skipped")

    invited = Dispute.objects.filter(status=DisputeStatus.INVITED, due_at__lt=now)
    _sweep(invited, lambda pk: invitation_follow_up(dispute_id=pk, now=now), limit=limit, tally=tally)
    mediating = Dispute.objects.filter(status=DisputeStatus.MEDIATION, window_ends_on__lt=today)
    _sweep(mediating, lambda pk: mediation_expire(dispute_id=pk, now=now), limit=limit, tally=tally)
    terms = Arbitration.objects.filter(status=ArbitrationStatus.ACTIVE, term_ends_on__lt=today)
    _sweep(Dispute.objects.filter(pk__in=terms.values("dispute_id")), expire_terms, limit=limit, tally=tally)
    idle = Dispute.objects.filter(status=DisputeStatus.FAILED, due_at__lt=now)
    _sweep(idle, lambda pk: failed_idle_close(dispute_id=pk, now=now), limit=limit, tally=tally)
    counts.pop("skipped", None)
    return counts
