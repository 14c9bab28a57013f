"""Triage: the Kanoon's rule applied to a dispute (whether offices may resolve it and how), shown
before it is committed (``triage_preview``), applied (``dispute_triage``) and corrected by a
clerk with a reason (``dispute_triage_correct``).

Family claims (مهریه، نفقه، جهیزیه) go to settlement first whatever the amount: the peace-court
ceiling limits the court's jurisdiction to *decide* them, not an attempt at settlement (the rule
is data, ``TriageRule.over_ceiling_path``; docs/legal.md, "Family disputes").

The reason is kept in Persian and in English, so a page in either language reads it in its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.money import format_rials
from tanzim.disputes import rules
from tanzim.disputes.choices import (
    CriminalTrack,
    DisputeCategory,
    DisputeStatus,
    EventSubject,
    ReferralReason,
    ReferralTarget,
    ResolutionPath,
)
from tanzim.disputes.models import Dispute, TriageRule
from tanzim.disputes.selectors import access_for
from tanzim.disputes.services._common import _audit, _event, _lock, _require, _text
from tanzim.disputes.services.ladder import dispute_transition
from tanzim.disputes.services.referral import referral_create


@dataclass(frozen=True)
class TriageDecision:
    eligible: bool
    path: str
    referral_target: str
    note: str
    rule: TriageRule | None
    halves_court_fee: bool
    above_ceiling: bool = False

    @property
    def path_label(self) -> str:
        return str(ResolutionPath(self.path).label)

    @property
    def referral_label(self) -> str:
        return str(ReferralTarget(self.referral_target).label) if self.referral_target else ""


def _amount(rials: int) -> str:
    """An amount in the active language's digits."""
    return format_rials(rials, persian_digits=not (translation.get_language() or "fa").startswith("en"))


def triage_decide(*, category: str, claim_amount: int | None) -> TriageDecision:
    """Apply the Kanoon's rule for a category and amount: eligible or not, which path, why
    (the reason in the active language)."""
    rule = TriageRule.objects.filter(category=category).first()
    if rule is None:
        return TriageDecision(
            eligible=False,
            path=ResolutionPath.COURT,
            referral_target=ReferralTarget.COURT,
            note=str(_("No triage rule covers this category; the competent court decides.")),
            rule=None,
            halves_court_fee=False,
        )
    if rule.requires_amount and claim_amount is None:
        raise DomainError(
            _("This kind of dispute needs the claim amount."),
            code="amount_required",
            fields={"claim_amount": [_("This kind of dispute needs the claim amount.")]},
        )
    if not rule.eligible:
        return TriageDecision(
            eligible=False,
            path=ResolutionPath.COURT,
            referral_target=rule.referral_target,
            note=rule.note or str(_("Offices may not resolve this kind of dispute.")),
            rule=rule,
            halves_court_fee=False,
        )
    ceiling = rule.ceiling
    if ceiling is not None and claim_amount is not None and claim_amount > ceiling:
        path = rule.over_ceiling_path
        if path == ResolutionPath.COURT:
            note = _("The claim is above the ceiling of %(ceiling)s rials.") % {"ceiling": _amount(ceiling)}
        else:
            note = _(
                "The claim is above the peace court's ceiling of %(ceiling)s rials, so the peace court "
                "cannot decide it; settlement is still attempted first. If it fails, the file goes "
                "to the %(target)s."
            ) % {
                "ceiling": _amount(ceiling),
                "target": ReferralTarget(rule.over_ceiling_referral_target).label,
            }
        return TriageDecision(
            eligible=path != ResolutionPath.COURT,
            path=path,
            referral_target=rule.over_ceiling_referral_target,
            note=str(note),
            rule=rule,
            halves_court_fee=False,
            above_ceiling=True,
        )
    return TriageDecision(
        eligible=True,
        path=rule.path,
        referral_target=rule.referral_target,
        note=rule.note,
        rule=rule,
        halves_court_fee=rule.halves_court_fee,
    )


def triage_preview(
    *,
    category: str,
    claim_amount: int | None,
    offence_grade: int | None = None,
    offence_compoundable: bool | None = None,
) -> TriageDecision:
    """What triage would decide, without writing anything: shown before the clerk commits."""
    decision = triage_decide(category=category, claim_amount=claim_amount)
    if decision.path == ResolutionPath.CRIMINAL_MEDIATION:
        refusal = rules.art_82_refusal(grade=offence_grade, compoundable=offence_compoundable)
        if refusal:
            decision = TriageDecision(
                eligible=False,
                path=ResolutionPath.COURT,
                referral_target=ReferralTarget.PROSECUTOR,
                note=refusal,
                rule=decision.rule,
                halves_court_fee=False,
            )
    return decision


def _decision_in(language: str, dispute: Dispute) -> TriageDecision:
    with translation.override(language):
        return triage_preview(
            category=dispute.category,
            claim_amount=dispute.claim_amount,
            offence_grade=dispute.offence_grade,
            offence_compoundable=dispute.offence_compoundable,
        )


def dispute_triage(*, dispute: Dispute, actor: User, expected_status: str | None = None) -> Dispute:
    """Intake → triaged with a recommended path; an out-of-scope dispute goes straight to court."""
    with transaction.atomic():
        dispute = _lock(dispute)
        _require(access_for(dispute=dispute, user=actor), "staff")
        if dispute.status != DisputeStatus.INTAKE:
            raise ConflictError(_("This dispute was already triaged."), code="already_triaged")
        if expected_status and expected_status != dispute.status:
            raise ConflictError(code="stale_status")
        decision = _decision_in("fa", dispute)
        note_en = _decision_in("en", dispute).note
        active = note_en if (translation.get_language() or "fa").startswith("en") else decision.note
        fields = {
            "eligible": decision.eligible,
            "path": decision.path,
            "triage_rule": decision.rule,
            "triage_note": decision.note[:300],
            "triage_note_en": note_en[:300],
            "referral_target": decision.referral_target,
            "halves_court_fee": decision.halves_court_fee,
            "criminal_track": CriminalTrack.MEDIATION
            if decision.path == ResolutionPath.CRIMINAL_MEDIATION
            else "",
        }
        if decision.eligible:
            return dispute_transition(
                dispute=dispute,
                to=DisputeStatus.TRIAGED,
                actor=actor,
                reason=active,
                expected_status=DisputeStatus.INTAKE,
                extra=fields,
            )
        Dispute.objects.filter(pk=dispute.pk).update(**fields)
        dispute.refresh_from_db()
        referral_create(
            dispute=dispute,
            actor=actor,
            reason=ReferralReason.OUT_OF_SCOPE,
            target=decision.referral_target,
            note=active,
        )
        return Dispute.objects.select_related("office").get(pk=dispute.pk)


#: The paths a clerk may correct a triage to.
CORRECTABLE_TO = (
    ResolutionPath.MEDIATION,
    ResolutionPath.CRIMINAL_MEDIATION,
    ResolutionPath.ARBITRATION,
    ResolutionPath.COURT,
)


def triage_correctable(dispute: Dispute) -> bool:
    """A triage can be corrected until the respondent is invited (the path decides the invitation)."""
    return dispute.status == DisputeStatus.TRIAGED


def dispute_triage_correct(
    *,
    dispute: Dispute,
    actor: User,
    path: str,
    reason: str,
    target: str = "",
    expected_status: str | None = None,
) -> Dispute:
    """A clerk corrects the triage before the respondent is invited: another path, with a reason.

    The reason replaces the triage note (in both languages: it is the clerk's own words), one
    event row and an audit event record the old and new path. Correcting to court refers the
    dispute (the file is packed, as at triage). Criminal matters are not arbitrable, and only a
    criminal complaint takes criminal mediation (the art. 82 check applies again).
    """
    reason = _text(reason, limit=300)
    errors: dict[str, list] = {}
    if path not in CORRECTABLE_TO:
        errors["path"] = [_("Choose a path.")]
    if not reason:
        errors["reason"] = [_("Say why the triage is corrected.")]
    if target and target not in ReferralTarget.values:
        errors["target"] = [_("Choose where the file goes.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    with transaction.atomic():
        dispute = _lock(dispute)
        _require(access_for(dispute=dispute, user=actor), "staff")
        if expected_status and expected_status != dispute.status:
            raise ConflictError(code="stale_status")
        if not triage_correctable(dispute):
            raise ConflictError(
                _("The triage can be corrected only before the respondent is invited."),
                code="triage_not_correctable",
            )
        criminal = dispute.category == DisputeCategory.CRIMINAL
        refusal = ""
        if path == ResolutionPath.ARBITRATION and criminal:
            refusal = rules.arbitration_refusal(dispute)
        elif path == ResolutionPath.CRIMINAL_MEDIATION:
            refusal = (
                rules.art_82_refusal(grade=dispute.offence_grade, compoundable=dispute.offence_compoundable)
                if criminal
                else str(_("Only a criminal complaint goes to criminal mediation."))
            )
        elif criminal and path == ResolutionPath.MEDIATION:
            refusal = str(_("A criminal complaint goes to criminal mediation, not civil mediation."))
        if refusal:
            raise DomainError(refusal, code="path_not_allowed", fields={"path": [refusal]})
        old_path = dispute.path
        if path == old_path:
            raise DomainError(
                _("The dispute is already on this path."),
                code="same_path",
                fields={"path": [_("The dispute is already on this path.")]},
            )
        note = str(_("Triage corrected: %(reason)s")) % {"reason": reason}
        with translation.override("fa"):
            note_fa = str(_("Triage corrected: %(reason)s")) % {"reason": reason}
        with translation.override("en"):
            note_en = str(_("Triage corrected: %(reason)s")) % {"reason": reason}
        fields: dict[str, Any] = {
            "path": path,
            "eligible": path != ResolutionPath.COURT,
            "triage_note": note_fa[:300],
            "triage_note_en": note_en[:300],
            "criminal_track": CriminalTrack.MEDIATION if path == ResolutionPath.CRIMINAL_MEDIATION else "",
            "halves_court_fee": dispute.halves_court_fee and path != ResolutionPath.COURT,
        }
        if path == ResolutionPath.COURT:
            fields["referral_target"] = target or (
                ReferralTarget.PROSECUTOR if criminal else ReferralTarget.COURT
            )
        elif target:
            fields["referral_target"] = target
        Dispute.objects.filter(pk=dispute.pk).update(**fields)
        dispute.refresh_from_db()
        _event(
            dispute,
            subject=EventSubject.DISPUTE,
            frm=dispute.status,
            to=dispute.status,
            actor=actor,
            reason=note[:300],
        )
        _audit(
            "dispute.triage_corrected",
            dispute=dispute,
            actor=actor,
            old_path=old_path,
            new_path=path,
            reason=reason,
        )
        if path == ResolutionPath.COURT:
            referral_create(
                dispute=dispute,
                actor=actor,
                reason=ReferralReason.OUT_OF_SCOPE,
                target=dispute.referral_target,
                note=note,
            )
        return Dispute.objects.select_related("office").get(pk=dispute.pk)
