"""The award: recorded within the term and delivered (art. 482), then complied with, or packed
for an enforcement request (art. 488).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.disputes import rules
from tanzim.disputes.choices import (
    ArbitrationStatus,
    ArbitratorStatus,
    ComplianceStatus,
    DisputeStatus,
    EventSubject,
    PartyRole,
    ReferralPurpose,
    ReferralReason,
    ReferralTarget,
)
from tanzim.disputes.models import Arbitration, Award, Dispute, Referral
from tanzim.disputes.selectors import access_for
from tanzim.disputes.services._common import (
    _audit,
    _event,
    _int_or_none,
    _lock,
    _now,
    _parties,
    _pk,
    _require,
    _text,
    logger,
)
from tanzim.disputes.services.arbitration import _lock_arbitration
from tanzim.disputes.services.ladder import arbitration_transition, award_transition, dispute_transition
from tanzim.disputes.services.referral import _referral_pack


def award_record(
    *,
    arbitration: Arbitration,
    actor: User,
    reasoning: str,
    decision: str,
    decided_on: date | None = None,
    amount: int | None = None,
    in_favour_of: str | None = None,
    dissent: str = "",
) -> Award:
    """Record the reasoned award (art. 482) within the term and deliver it to the parties."""
    reasoning, decision = _text(reasoning, limit=20000), _text(decision, limit=10000)
    errors: dict[str, list] = {}
    if not reasoning:
        errors["reasoning"] = [_("An award gives its reasons (art. 482).")]
    if not decision:
        errors["decision"] = [_("Write the decision.")]
    if in_favour_of not in (None, "", *PartyRole.values):
        errors["in_favour_of"] = [_("Choose the claimant or the respondent.")]
    try:
        amount = _int_or_none(amount, "amount")
    except DomainError as exc:
        errors.update(exc.fields)
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    with transaction.atomic():
        dispute, arbitration = _lock_arbitration(arbitration)
        access = access_for(dispute=dispute, user=actor)
        _require(access, "staff", "arbitrator")
        if (
            access.arbitrator is not None
            and not access.staff
            and access.arbitrator.status != ArbitratorStatus.ACCEPTED
        ):
            raise PermissionDeniedError(_("Only an appointed arbitrator records the award."))
        if arbitration.status != ArbitrationStatus.ACTIVE:
            raise ConflictError(_("The arbitration is not running."), code="term_not_running")
        now = _now()
        today = tehran_date(now)
        decided_on = decided_on or today
        if decided_on > today:
            raise DomainError(fields={"decided_on": [_("The award date cannot be in the future.")]})
        if arbitration.all_notified_on and decided_on < arbitration.all_notified_on:
            raise DomainError(
                fields={"decided_on": [_("The award cannot predate the appointment of the arbitrators.")]}
            )
        if decided_on > arbitration.term_ends_on or today > arbitration.term_ends_on:
            raise DomainError(
                _("The arbitration term ended on %(day)s; an award after the term has no effect (art. 484).")
                % {"day": format_jalali(arbitration.term_ends_on)},
                code="award_after_term",
            )
        parties = _parties(dispute)
        abroad = any(p.resident_abroad for p in parties.values())
        cal = rules.calendar()
        award = Award.objects.create(
            arbitration=arbitration,
            decided_on=decided_on,
            reasoning=reasoning,
            decision=decision,
            amount=amount,
            in_favour_of=parties.get(in_favour_of) if in_favour_of else None,
            dissent=_text(dissent, limit=10000),
            delivered_at=now,
            compliance_due=rules.award_compliance().due(today, cal, resident_abroad=abroad),
            annulment_deadline=rules.award_annulment().due(today, cal, resident_abroad=abroad),
            recorded_by=actor,
        )
        _event(
            dispute, subject=EventSubject.AWARD, subject_id=award.pk, to=ComplianceStatus.PENDING, actor=actor
        )
        _audit(
            "award.recorded",
            dispute=dispute,
            actor=actor,
            obj=award,
            amount=amount,
            in_favour_of=in_favour_of or "",
        )
        arbitration_transition(arbitration=arbitration, to=ArbitrationStatus.AWARDED, actor=actor)
        dispute = dispute_transition(
            dispute=dispute,
            to=DisputeStatus.AWARDED,
            actor=actor,
            expected_status=DisputeStatus.ARBITRATION,
            extra={"due_at": rules.end_of_day(award.compliance_due)},
        )
        from tanzim.finance import services as finance

        try:
            with transaction.atomic():
                finance.dispute_resolved_record(
                    office=dispute.office, reference=dispute.reference, resolved_at=now
                )
        except DomainError:
            logger.warning("disputes: could not record dispute %s as resolved", dispute.pk)
        from tanzim.disputes.tasks import render_award_pdf

        award_id = award.pk
        transaction.on_commit(lambda: render_award_pdf.delay(award_id))
    return award


def _lock_award(award: Award | int) -> tuple[Dispute, Award]:
    award_id = _pk(award)
    dispute_id = Award.objects.filter(pk=award_id).values_list("arbitration__dispute_id", flat=True).first()
    if dispute_id is None:
        raise NotFoundError()
    dispute = _lock(dispute_id)
    return dispute, Award.objects.select_for_update().select_related("arbitration__dispute").get(pk=award_id)


def award_mark_complied(*, award: Award, actor: User, note: str = "") -> Award:
    """The party who won (or the office) confirms the award was complied with."""
    with transaction.atomic():
        dispute, award = _lock_award(award)
        access = access_for(dispute=dispute, user=actor)
        winner = award.in_favour_of
        if not (winner and access.party and access.party.pk == winner.pk):
            _require(access, "staff")
        award = award_transition(
            award=award, to=ComplianceStatus.COMPLIED, actor=actor, reason=_text(note, limit=300)
        )
        Dispute.objects.filter(pk=dispute.pk).update(due_at=None, updated_at=_now())
    return award


def award_request_enforcement(*, award: Award, actor: User, note: str = "") -> Referral:
    """The award was not complied with in time: pack the file for an enforcement request (art. 488)."""
    with transaction.atomic():
        dispute, award = _lock_award(award)
        access = access_for(dispute=dispute, user=actor)
        winner = award.in_favour_of
        is_winner = bool(winner and access.party and access.party.pk == winner.pk)
        if not is_winner:
            _require(access, "staff")
        if not rules.is_past(award.compliance_due, now=_now()):
            raise ConflictError(
                _("The other party has until %(day)s to comply.")
                % {"day": format_jalali(award.compliance_due)},
                code="compliance_period_running",
            )
        on_behalf = winner.user if winner and not is_winner else None
        award = award_transition(
            award=award, to=ComplianceStatus.ENFORCEMENT, actor=actor, on_behalf_of=on_behalf
        )
        referral = _referral_pack(
            dispute=dispute,
            actor=actor,
            purpose=ReferralPurpose.ENFORCEMENT,
            target=ReferralTarget.COURT,
            reason=ReferralReason.AWARD_NOT_COMPLIED,
            note=note,
        )
        Dispute.objects.filter(pk=dispute.pk).update(due_at=None, updated_at=_now())
    return referral
