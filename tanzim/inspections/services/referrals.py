"""Referrals of serious violations (major or critical findings) to the violations board, and the
board's decision."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.normalize import normalize_text
from tanzim.inspections.access import require_oversight
from tanzim.inspections.choices import NOTE_MAX, REFERABLE, InspectionStatus, ReferralStatus
from tanzim.inspections.models import Inspection, ViolationReferral
from tanzim.inspections.services.inspections import lock_inspection
from tanzim.inspections.workflows import REFERRAL


@transaction.atomic
def referral_create(
    *, inspection: Inspection, actor: User, summary: str, finding_ids: Iterable[int]
) -> ViolationReferral:
    """Refer serious violations (major or critical findings) of a completed inspection to the board."""
    current = lock_inspection(inspection)
    require_oversight(actor, current.office)
    if current.status != InspectionStatus.COMPLETED:
        raise ConflictError(
            _("Refer violations once the inspection is completed."), code="inspection_not_completed"
        )
    if ViolationReferral.objects.filter(inspection=current).exists():
        raise ConflictError(_("This inspection was already referred."), code="already_referred")
    ids = {int(i) for i in finding_ids if str(i).isdigit()}
    findings = list(current.findings.filter(pk__in=ids, severity__in=sorted(REFERABLE)))
    if not findings or len(findings) != len(ids):
        raise DomainError(
            fields={"findings": [_("Choose the major or critical findings to refer.")]},
            code="no_serious_findings",
        )
    text = normalize_text(summary or "")
    if len(text) < 10:
        raise DomainError(
            fields={"summary": [_("Summarise the violations for the board.")]}, code="summary_required"
        )
    referral = ViolationReferral.objects.create(
        inspection=current, summary=text[:NOTE_MAX], referred_by=actor, referred_at=timezone.now()
    )
    referral.findings.set(findings)
    audit.record(
        actor=actor,
        action="inspections.referral.created",
        obj=referral,
        office=current.office_id,
        data={"findings": sorted(f.pk for f in findings)},
    )
    return referral


@transaction.atomic
def referral_record_decision(
    *, referral: ViolationReferral, actor: User, board_reference: str, board_decision: str
) -> ViolationReferral:
    current = (
        ViolationReferral.objects.select_for_update().select_related("inspection__office").get(pk=referral.pk)
    )
    require_oversight(actor, current.inspection.office)
    if current.status != ReferralStatus.REFERRED:
        raise ConflictError(_("The board's decision is already recorded."), code="already_decided")
    decision = normalize_text(board_decision or "")
    if len(decision) < 5:
        raise DomainError(
            fields={"board_decision": [_("Record what the board decided.")]}, code="decision_required"
        )
    changes = {
        "board_reference": normalize_text(board_reference or "")[:60],
        "board_decision": decision[:NOTE_MAX],
    }
    return transition(REFERRAL, current, ReferralStatus.DECIDED, actor=actor, changes=changes)
