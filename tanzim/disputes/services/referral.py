"""Referral to a council, court or prosecutor with the file packed, and its tracking reference."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.normalize import normalize_text
from tanzim.disputes.choices import (
    DisputeCategory,
    DisputeStatus,
    EventSubject,
    FailureReason,
    PartyRole,
    ReferralPurpose,
    ReferralReason,
    ReferralStatus,
    ReferralTarget,
)
from tanzim.disputes.models import Dispute, Referral
from tanzim.disputes.selectors import access_for
from tanzim.disputes.services._common import _audit, _event, _lock, _now, _parties, _require, _sms, _text
from tanzim.disputes.services.ladder import dispute_transition, referral_transition


def referral_bundle(dispute: Dispute) -> dict[str, Any]:
    """The packed file: parties, claims, documents and the whole resolution history."""
    from tanzim.disputes.documents import bundle_for

    return bundle_for(dispute)


def _referral_pack(
    *, dispute: Dispute, actor: User, purpose: str, target: str, reason: str, note: str = ""
) -> Referral:
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                dispute=dispute,
                purpose=purpose,
                target=target,
                reason=reason,
                note=_text(note, limit=500),
                bundle=referral_bundle(dispute),
                created_by=actor,
            )
    except IntegrityError as exc:
        raise ConflictError(_("This dispute was already referred."), code="already_referred") from exc
    _event(
        dispute,
        subject=EventSubject.REFERRAL,
        subject_id=referral.pk,
        to=ReferralStatus.PACKED,
        actor=actor,
        reason=str(ReferralTarget(target).label),
    )
    _audit(
        "referral.packed",
        dispute=dispute,
        actor=actor,
        obj=referral,
        target=target,
        reason=reason,
        purpose=purpose,
    )
    return referral


def referral_create(
    *,
    dispute: Dispute,
    actor: User,
    reason: str | None = None,
    target: str | None = None,
    note: str = "",
    expected_status: str | None = None,
) -> Referral:
    """Refer the dispute to a council, peace court, court or prosecutor, with the file packed."""
    if target not in (None, "", *ReferralTarget.values):
        raise DomainError(fields={"target": [_("Choose where the dispute goes.")]})
    if reason not in (None, "", *ReferralReason.values) or reason == ReferralReason.AWARD_NOT_COMPLIED:
        raise DomainError(fields={"reason": [_("Choose a reason.")]})
    with transaction.atomic():
        dispute = _lock(dispute)
        _require(access_for(dispute=dispute, user=actor), "staff")
        if expected_status and expected_status != dispute.status:
            raise ConflictError(code="stale_status")
        if dispute.status not in (DisputeStatus.INTAKE, DisputeStatus.TRIAGED, DisputeStatus.FAILED):
            raise ConflictError(
                _("A dispute at stage “%(status)s” cannot be referred.")
                % {"status": dispute.get_status_display()},
                code="transition_not_allowed",
            )
        if not reason:
            if dispute.status == DisputeStatus.FAILED:
                reason = (
                    ReferralReason.RESPONDENT_DECLINED
                    if dispute.failure_reason == FailureReason.RESPONDENT_DECLINED
                    else ReferralReason.RESOLUTION_FAILED
                )
            else:
                reason = ReferralReason.CLAIMANT_CHOICE
        if not target:
            target = dispute.referral_target or (
                ReferralTarget.PROSECUTOR
                if dispute.category == DisputeCategory.CRIMINAL
                else ReferralTarget.COURT
            )
        Dispute.objects.filter(pk=dispute.pk).update(referral_target=target)
        dispute.referral_target = target
        referral = _referral_pack(
            dispute=dispute,
            actor=actor,
            purpose=ReferralPurpose.ADJUDICATION,
            target=target,
            reason=reason,
            note=note,
        )
        dispute_transition(
            dispute=dispute,
            to=DisputeStatus.REFERRED,
            actor=actor,
            reason=str(ReferralReason(reason).label),
            expected_status=dispute.status,
        )
    return Referral.objects.select_related("dispute").get(pk=referral.pk)


def referral_record_tracking(*, referral: Referral, actor: User, tracking_reference: str) -> Referral:
    """The receiving council, court or prosecutor gave a tracking reference: record it."""
    reference = normalize_text(tracking_reference or "").replace(" ", "")
    if not (4 <= len(reference) <= 40) or not all(ch.isalnum() or ch in "-/" for ch in reference):
        raise DomainError(
            fields={"tracking_reference": [_("Enter the reference as given (4 to 40 letters or digits).")]}
        )
    with transaction.atomic():
        dispute = _lock(referral.dispute_id)
        _require(access_for(dispute=dispute, user=actor), "staff")
        referral = referral_transition(
            referral=Referral.objects.select_related("dispute").get(pk=referral.pk),
            to=ReferralStatus.SENT,
            actor=actor,
            reason=reference,
            changes={"tracking_reference": reference, "sent_at": _now()},
        )
        claimant = _parties(dispute)[PartyRole.CLAIMANT]
        _sms(
            claimant,
            "disputes.referral_sent",
            dispute=dispute,
            dedupe_key=f"dispute-referral:{referral.pk}:sent",
            context=lambda language: {"target": ReferralTarget(referral.target).label, "tracking": reference},
        )
    return referral


def referral_partner_news(
    *, dispute: Dispute | int, word: str, reason: str = "", subject_id: int | None = None, actor: Any = None
) -> None:
    """A partner body's news about this dispute's file (received, outcome, returned) on its history.

    Called by the app that tracks referrals with partner bodies (``partners``, to the right of this
    one); ``word`` is one of ``PARTNER_NEWS``. No status of the dispute changes.
    """
    if word not in PARTNER_NEWS:
        raise ValueError(f"unknown partner news {word!r}")
    with transaction.atomic():
        dispute = _lock(dispute)
        _event(
            dispute, subject=EventSubject.REFERRAL, subject_id=subject_id, to=word, actor=actor, reason=reason
        )
        _audit(
            f"referral.{word}", dispute=dispute, actor=actor, partner_referral=subject_id, reason=reason[:300]
        )


#: What a partner body may report on a dispute's history (see ``history.SENTENCES``).
PARTNER_NEWS = frozenset(
    {"partner_prepared", "partner_sent", "partner_received", "partner_outcome", "partner_returned"}
)
