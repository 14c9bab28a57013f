"""The award: recorded within the term and delivered (art. 482), then complied with, or packed
for an enforcement request (art. 488).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.disputes import rules
from tanzim.disputes.choices import (
    ArbitrationStatus,
    ArbitratorStatus,
    ArbitratorVote,
    ComplianceStatus,
    DisputeStatus,
    EventSubject,
    NoticeMethod,
    PartyRole,
    ReferralPurpose,
    ReferralReason,
    ReferralTarget,
)
from tanzim.disputes.models import Arbitration, Award, AwardNotice, AwardVote, Dispute, Party, Referral
from tanzim.disputes.selectors import access_for
from tanzim.disputes.services._common import (
    _audit,
    _date_text,
    _event,
    _int_or_none,
    _lock,
    _now,
    _parties,
    _pk,
    _require,
    _sms,
    _text,
    logger,
)
from tanzim.disputes.services.arbitration import _lock_arbitration
from tanzim.disputes.services.ladder import arbitration_transition, award_transition, dispute_transition
from tanzim.disputes.services.referral import _referral_pack


def _votes(arbitration: Arbitration, votes: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Check each member's vote and signature (art. 482): every member of the panel once, the
    award carried by a majority of the whole panel, a member for it signs it."""
    members = {a.pk: a for a in arbitration.arbitrators.filter(status=ArbitratorStatus.ACCEPTED)}
    if votes is None and len(members) == 1:
        (only,) = members.values()
        return [{"arbitrator": only, "vote": ArbitratorVote.FOR, "signed": True, "dissent": ""}]
    cleaned: list[dict[str, Any]] = []
    seen: set[int] = set()
    for row in votes or ():
        member = members.get(_pk(row["arbitrator"])) if row.get("arbitrator") is not None else None
        vote = row.get("vote")
        if member is None or member.pk in seen:
            raise DomainError(fields={"votes": [_("A vote must come from a member of the panel, once.")]})
        if vote not in ArbitratorVote.values:
            raise DomainError(fields={"votes": [_("A vote is for or against the award.")]})
        signed = bool(row.get("signed", vote == ArbitratorVote.FOR))
        if vote == ArbitratorVote.FOR and not signed:
            raise DomainError(
                _("%(name)s votes for the award and must sign it.") % {"name": member.name},
                fields={"votes": [_("A member who votes for the award signs it.")]},
            )
        seen.add(member.pk)
        cleaned.append(
            {
                "arbitrator": member,
                "vote": vote,
                "signed": signed,
                "dissent": _text(row.get("dissent"), limit=5000),
            }
        )
    if seen != set(members):
        raise DomainError(
            _("Record the vote of every member of the panel."),
            code="votes_missing",
            fields={"votes": [_("Record the vote of every member of the panel.")]},
        )
    in_favour = sum(1 for v in cleaned if v["vote"] == ArbitratorVote.FOR)
    needed = rules.majority_of(arbitration.panel_size)
    if in_favour < needed:
        raise DomainError(
            _(
                "No award: %(for)s of the %(size)s arbitrators voted for it; an award needs the votes and "
                "signatures of a majority of the panel, at least %(needed)s (art. 482)."
            )
            % {"for": in_favour, "size": arbitration.panel_size, "needed": needed},
            code="no_majority",
            fields={"votes": [_("Not a majority of the panel.")]},
        )
    return cleaned


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
    votes: Sequence[Mapping[str, Any]] | None = None,
) -> Award:
    """Record the reasoned award (art. 482) within the term, with each member's vote and signature.

    A panel decides by the majority of all its members; a member against it signs with a dissent
    or refuses to sign, and the refusal is noted on the award. The periods to comply and to ask
    for annulment run from each party's own notice (``award_notice_record``), not from today.
    """
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
        refusal = rules.arbitration_refusal(dispute)
        if refusal:
            raise DomainError(refusal, code="criminal_not_arbitrable")
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
        term_end = arbitration.term_ends_on
        if term_end is None or decided_on > term_end or today > term_end:
            raise DomainError(
                _("The arbitration term ended on %(day)s; an award after the term has no effect (art. 484).")
                % {"day": format_jalali(term_end) if term_end else "—"},
                code="award_after_term",
            )
        cleaned_votes = _votes(arbitration, votes)
        parties = _parties(dispute)
        award = Award.objects.create(
            arbitration=arbitration,
            decided_on=decided_on,
            reasoning=reasoning,
            decision=decision,
            amount=amount,
            in_favour_of=parties.get(in_favour_of) if in_favour_of else None,
            dissent=_text(dissent, limit=10000),
            delivered_at=now,
            compliance_due=None,
            annulment_deadline=None,
            recorded_by=actor,
        )
        AwardVote.objects.bulk_create(
            AwardVote(
                award=award,
                arbitrator=v["arbitrator"],
                vote=v["vote"],
                signed_at=now if v["signed"] else None,
                dissent=v["dissent"],
            )
            for v in cleaned_votes
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
            votes={str(v["arbitrator"].pk): [v["vote"], v["signed"]] for v in cleaned_votes},
        )
        arbitration_transition(arbitration=arbitration, to=ArbitrationStatus.AWARDED, actor=actor)
        dispute = dispute_transition(
            dispute=dispute,
            to=DisputeStatus.AWARDED,
            actor=actor,
            expected_status=DisputeStatus.ARBITRATION,
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


def must_comply(award: Award, party: Party) -> bool:
    """Whether the award binds this party to act: every party but the one it is in favour of."""
    return award.in_favour_of_id != party.pk


def award_notice_record(
    *, award: Award, party: Party | str, actor: User, notified_on: date, method: str
) -> AwardNotice:
    """Record the notice of the award to one party (art. 485) and that party's own periods from it:
    to comply (art. 488) and to petition for annulment (art. 490), two months only if that party
    lives abroad (art. 446)."""
    role = party.role if isinstance(party, Party) else party
    errors: dict[str, list] = {}
    if role not in PartyRole.values:
        errors["party"] = [_("Choose the claimant or the respondent.")]
    if method not in NoticeMethod.values:
        errors["method"] = [_("Say how the award reached the party.")]
    if not isinstance(notified_on, date):
        errors["notified_on"] = [_("Give the day of the notice.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    with transaction.atomic():
        dispute, award = _lock_award(award)
        _require(access_for(dispute=dispute, user=actor), "staff")
        now = _now()
        if notified_on > tehran_date(now):
            raise DomainError(fields={"notified_on": [_("The notice cannot be in the future.")]})
        if notified_on < award.decided_on:
            raise DomainError(fields={"notified_on": [_("The notice cannot come before the award.")]})
        target = _parties(dispute).get(role)
        if target is None:
            raise NotFoundError()
        if AwardNotice.objects.filter(award=award, party=target).exists():
            raise ConflictError(_("The notice to this party is already recorded."), code="notice_exists")
        compliance_due, annulment_due = rules.award_party_deadlines(
            notified_on, resident_abroad=target.resident_abroad
        )
        notice = AwardNotice.objects.create(
            award=award,
            party=target,
            notified_on=notified_on,
            method=method,
            resident_abroad=target.resident_abroad,
            compliance_due=compliance_due,
            annulment_due=annulment_due,
            recorded_by=actor,
            recorded_at=now,
        )
        _event(
            dispute,
            subject=EventSubject.AWARD,
            subject_id=award.pk,
            frm=award.compliance,
            to=f"notified_{role}"[:20],
            actor=actor,
            reason=str(NoticeMethod(method).label),
        )
        _audit(
            "award.notified",
            dispute=dispute,
            actor=actor,
            obj=award,
            party=role,
            notified_on=notified_on.isoformat(),
            method=method,
            compliance_due=compliance_due.isoformat(),
            annulment_due=annulment_due.isoformat(),
        )
        _award_deadlines_refresh(dispute, award)
        binds = must_comply(award, target)
        _sms(
            target,
            "disputes.award_notified",
            dispute=dispute,
            dedupe_key=f"dispute-award:{award.pk}:notice:{role}",
            context=lambda language: {
                "on": _date_text(notified_on, language),
                "comply": (
                    str(
                        _("Comply with it by %(day)s (art. 488). ")
                        % {"day": _date_text(compliance_due, language)}
                    )
                    if binds
                    else ""
                ),
                "annul": _date_text(annulment_due, language),
            },
        )
        from tanzim.disputes.tasks import render_award_pdf

        award_id = award.pk
        transaction.on_commit(lambda: render_award_pdf.delay(award_id))
    return notice


def _award_deadlines_refresh(dispute: Dispute, award: Award) -> None:
    """The award's own dates are the latest of the parties': compliance once every party bound by it
    is notified, annulment once every party is. The PDF is made again to show the new notice."""
    notices = {n.party_id: n for n in award.notices.all()}
    parties = list(_parties(dispute).values())
    bound = [p for p in parties if must_comply(award, p)]
    compliance_due = (
        max(notices[p.pk].compliance_due for p in bound)
        if bound and all(p.pk in notices for p in bound)
        else None
    )
    annulment = (
        max(notices[p.pk].annulment_due for p in parties) if all(p.pk in notices for p in parties) else None
    )
    Award.objects.filter(pk=award.pk).update(
        compliance_due=compliance_due, annulment_deadline=annulment, pdf="", pdf_sha256=""
    )
    award.compliance_due, award.annulment_deadline = compliance_due, annulment
    if award.compliance == ComplianceStatus.PENDING and dispute.status == DisputeStatus.AWARDED:
        Dispute.objects.filter(pk=dispute.pk).update(
            due_at=rules.end_of_day(compliance_due) if compliance_due else None, updated_at=_now()
        )


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
        if award.compliance_due is None:
            raise ConflictError(
                _(
                    "The award has not been notified to every party who must comply; "
                    "their period has not started."
                ),
                code="awaiting_notice",
            )
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
