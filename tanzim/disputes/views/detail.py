"""One dispute's page: what the user may do on it, and everything it shows."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.accounts.permissions import COUNTER, has_role, is_office_staff
from tanzim.common.views import scoped_view
from tanzim.disputes import rules, selectors, services
from tanzim.disputes.choices import FINAL, DisputeStatus, PartyRole, SettlementStatus
from tanzim.disputes.forms import (
    ArbitrationExtendForm,
    ArbitrationForm,
    ArbitratorForm,
    AssignForm,
    AwardForm,
    AwardNoticeForm,
    DeclarationForm,
    DocumentForm,
    ExpectedForm,
    ExtendForm,
    FailForm,
    PastSessionForm,
    ProposalForm,
    ReferForm,
    SessionForm,
    SessionRecordForm,
    TrackForm,
    TrackingForm,
    TriageCorrectForm,
    VoidForm,
)
from tanzim.disputes.models import Dispute
from tanzim.disputes.views._common import _dispute
from tanzim.notify.selectors import outbox_recent
from tanzim.offices.models import Office


def _permissions(dispute: Dispute, access: selectors.Access, settlement, arbitration) -> dict[str, bool]:
    status = dispute.status
    office_side = access.staff or access.convener
    live_settlement = settlement is not None and settlement.status in (
        SettlementStatus.DRAFT,
        SettlementStatus.SIGNING,
    )
    return {
        "can_triage": access.staff and status == DisputeStatus.INTAKE,
        "can_edit_parties": access.staff and status not in FINAL,
        "can_invite": office_side
        and status in (DisputeStatus.TRIAGED, DisputeStatus.INVITED)
        and dispute.invite_attempts < settings.DISPUTES_INVITE_MAX_TRIES,
        "can_respond": (access.role == PartyRole.RESPONDENT or access.staff)
        and status == DisputeStatus.INVITED,
        "can_assign": access.staff and status not in FINAL,
        "can_schedule": office_side and status in (DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION),
        "can_draft": office_side
        and status in (DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION)
        and (
            settlement is None
            or settlement.status in (SettlementStatus.DRAFT, SettlementStatus.SIGNED, SettlementStatus.VOIDED)
        ),
        "can_open": office_side and settlement is not None and settlement.status == SettlementStatus.DRAFT,
        "can_void": office_side and live_settlement,
        "can_fail": office_side and status in (DisputeStatus.INVITED, DisputeStatus.MEDIATION),
        "can_leave": access.role == PartyRole.RESPONDENT
        and not office_side
        and status == DisputeStatus.MEDIATION,
        "can_withdraw": (access.role == PartyRole.CLAIMANT or access.staff)
        and status
        in (
            DisputeStatus.INTAKE,
            DisputeStatus.TRIAGED,
            DisputeStatus.INVITED,
            DisputeStatus.MEDIATION,
            DisputeStatus.ARBITRATION,
        ),
        "can_refer": access.staff
        and status in (DisputeStatus.INTAKE, DisputeStatus.TRIAGED, DisputeStatus.FAILED),
        "can_close": access.staff and status == DisputeStatus.FAILED,
        "can_extend": (access.staff or access.mediator) and status == DisputeStatus.MEDIATION,
        "can_track": (access.staff or access.mediator)
        and dispute.is_criminal
        and status
        in (
            DisputeStatus.TRIAGED,
            DisputeStatus.INVITED,
            DisputeStatus.MEDIATION,
        ),
        "can_start_arbitration": access.staff
        and not rules.arbitration_refusal(dispute)
        and (status == DisputeStatus.FAILED or (status == DisputeStatus.ARBITRATION and arbitration is None)),
        "can_propose": access.party is not None
        and status in (DisputeStatus.INVITED, DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION),
        "can_upload": (office_side or access.party is not None) and status not in FINAL,
        "office_side": office_side,
    }


@scoped_view
@require_GET
def detail(request, pk: int):
    return detail_page(request, _dispute(request, pk))


def detail_page(request, dispute: Dispute, *, bound: dict | None = None, opened: str = "", status: int = 200):
    """The dispute's page. After a refused form (``bound``: its key in ``forms`` and the bound
    form), the page is shown again with what was typed, the form open (``opened``) and its
    errors next to the fields and in a summary, instead of a redirect that drops the input."""
    access = selectors.access_for(dispute=dispute, user=request.user)
    parties = {p.role: p for p in dispute.parties.all()}
    settlement = selectors.live_settlement(dispute=dispute) or selectors.signed_settlement(dispute=dispute)
    arbitration = selectors.live_arbitration(dispute=dispute)
    signed_roles = set()
    if settlement is not None:
        signed_roles = {s.party.role for s in settlement.signatures.all()}
    award = getattr(arbitration, "award", None) if arbitration else None
    perms = _permissions(dispute, access, settlement, arbitration)
    from tanzim.finance.selectors import payment_list_for

    # The newest attempt only: an expired one is replaced by the next press of "pay".
    fees = list(
        payment_list_for(user=request.user)
        .filter(reference_type="disputes.dispute", reference_id=str(dispute.pk))
        .order_by("-created_at", "-pk")[:1]
    )
    sign_for = []
    if settlement is not None and settlement.status == SettlementStatus.SIGNING:
        for role, party in parties.items():
            if role in signed_roles:
                continue
            if (access.party and access.party.pk == party.pk) or perms["office_side"]:
                sign_for.append(party)
    mediators = services.mediators_of(dispute.office) if perms["can_assign"] else []
    arbitrator_accounts = (
        _office_arbitrators(dispute.office) if perms["can_start_arbitration"] or arbitration else []
    )
    context = {
        "dispute": dispute,
        "access": access,
        "claimant": parties.get(PartyRole.CLAIMANT),
        "respondent": parties.get(PartyRole.RESPONDENT),
        "events": selectors.dispute_events(dispute=dispute),
        "sessions": dispute.sessions.select_related("convener").order_by("starts_at"),
        "proposals": dispute.proposals.select_related("party")[:10]
        if perms["office_side"] or access.staff
        else [],
        "documents": selectors.documents_for(dispute=dispute, access=access),
        "settlement": settlement,
        "signed_roles": signed_roles,
        "sign_for": sign_for,
        "arbitration": arbitration,
        "arbitrators": list(arbitration.arbitrators.all()) if arbitration else [],
        "award": award,
        "award_parties": selectors.award_deadlines_for(award=award) if award else [],
        "award_votes": list(award.votes.select_related("arbitrator")) if award else [],
        "arbitration_refusal": rules.arbitration_refusal(dispute)
        if access.staff and dispute.status in (DisputeStatus.FAILED, DisputeStatus.ARBITRATION)
        else "",
        "window_uncertain": rules.date_certainty(dispute.window_started_on, dispute.window_ends_on).uncertain,
        "referrals": dispute.referrals.order_by("created_at"),
        "fees": fees,
        "overdue": selectors.is_overdue(dispute),
        "now": timezone.now(),
        "forms": {
            "fail": FailForm(initial={"expected_status": dispute.status}),
            "refer": ReferForm(
                initial={"expected_status": dispute.status, "target": dispute.referral_target}
            ),
            "note": ExpectedForm(initial={"expected_status": dispute.status}),
            "assign": AssignForm(mediators=mediators),
            "session": SessionForm(initial={"minutes": 60}),
            "past_session": PastSessionForm(prefix="past", initial={"minutes": 60}),
            "record": SessionRecordForm(),
            "proposal": ProposalForm(),
            "document": DocumentForm(initial={"shared": True}),
            "void": VoidForm(),
            "extend": ExtendForm(),
            "track": TrackForm(initial={"track": dispute.criminal_track}),
            "tracking": TrackingForm(),
            "arbitration": ArbitrationForm(),
            "arbitrator": ArbitratorForm(
                arbitrators=arbitrator_accounts,
                seats=services.panel_seats(arbitration) if arbitration else (),
            ),
            "declaration": DeclarationForm(),
            "arbitration_extend": ArbitrationExtendForm(),
            "award": AwardForm(
                members=[a for a in arbitration.arbitrators.all() if a.status == "accepted"]
                if arbitration
                else ()
            ),
            "award_notice": AwardNoticeForm(initial={"notified_on": timezone.localdate()}),
        },
        "demo_messages": _demo_messages(request, access),
        "triage_preview": _triage_preview(dispute) if perms["can_triage"] else None,
        "can_correct_triage": access.staff and services.triage_correctable(dispute),
        "opened": opened,
        "past_session_days": settings.DISPUTES_PAST_SESSION_DAYS,
        "resolution_fee": _fee_before_signing(dispute, settlement, fees),
        # A link to the partners app's refer form (file, kind and nearest branch chosen there).
        "can_refer_partner": has_role(request.user, *COUNTER)
        and is_office_staff(request.user, dispute.office),
        **perms,
    }
    context["forms"]["triage_correct"] = TriageCorrectForm(
        initial={"expected_status": dispute.status, "path": dispute.path}
    )
    context["forms"].update(bound or {})
    return render(request, "disputes/detail.html", context, status=status)


def _triage_preview(dispute: Dispute):
    """What triage will decide for a dispute still at intake (nothing is written), or None."""
    from tanzim.common.errors import DomainError

    try:
        return services.triage_preview(
            category=dispute.category,
            claim_amount=dispute.claim_amount,
            offence_grade=dispute.offence_grade,
            offence_compoundable=dispute.offence_compoundable,
        )
    except DomainError:
        return None


def _fee_before_signing(dispute: Dispute, settlement, fees):
    """The office's resolution fee, shown before the signatures that make it due (None once a
    payment exists, or when no tariff line prices it)."""
    if settlement is None or (dispute.status in FINAL and dispute.status != DisputeStatus.SETTLED):
        return None
    if fees:
        return None
    return services.resolution_fee_quote(dispute)


def _office_arbitrators(office: Office) -> list[User]:
    now = timezone.now()
    return list(
        User.objects.filter(
            roles__role=Role.ARBITRATOR, roles__office=office, roles__valid_from__lte=now, is_active=True
        )
        .distinct()
        .order_by("pk")
    )


def _demo_messages(request, access) -> list:
    """In the embedded demo no SMS leaves the machine: show the party's newest text on their page."""
    if not settings.SHOW_OUTBOX_IN_UI or access.party is None or not access.party.mobile:
        return []
    return list(outbox_recent(to=access.party.mobile, limit=1))
