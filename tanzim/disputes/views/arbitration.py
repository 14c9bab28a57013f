"""Arbitration: the agreement, the arbitrators, the term's extension, the award and its PDF."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tanzim.audit import services as audit
from tanzim.common.files import file_redirect
from tanzim.common.views import scoped_view
from tanzim.disputes import selectors, services
from tanzim.disputes.choices import ArbitratorStatus
from tanzim.disputes.forms import (
    ArbitrationExtendForm,
    ArbitrationForm,
    ArbitratorForm,
    AwardForm,
    AwardNoticeForm,
    DeclarationForm,
)
from tanzim.disputes.models import Arbitrator, Dispute
from tanzim.disputes.views._common import _act, _dispute
from tanzim.disputes.views.detail import _office_arbitrators


@scoped_view
@require_POST
def arbitration_new(request, pk: int):
    form = ArbitrationForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.arbitration_start(
            dispute=d,
            actor=request.user,
            agreement_kind=data["agreement_kind"],
            agreement_date=data["agreement_date"],
            agreement_text=data["agreement_text"],
            panel_size=data["panel_size"],
            agreed_term_days=data["agreed_term_days"],
        ),
        form=form,
        anchor="arbitration",
        success=_("Arbitration started: name the arbitrators."),
    )


def _arbitration_or_404(dispute: Dispute):
    arbitration = selectors.live_arbitration(dispute=dispute)
    if arbitration is None:
        raise Http404()
    return arbitration


@scoped_view
@require_POST
def arbitrator_new(request, pk: int):
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    accounts = _office_arbitrators(dispute.office)
    return _act(
        request,
        pk,
        lambda d, data: services.arbitrator_propose(
            arbitration=arbitration,
            actor=request.user,
            seat=data["seat"][0],
            number=data["seat"][1],
            user=next((u for u in accounts if str(u.pk) == data["account"]), None),
            name=data["name"],
            national_code=data["national_code"],
            mobile=data["mobile"],
            birth_date=data["birth_date"],
        ),
        form=ArbitratorForm(request.POST, arbitrators=accounts, seats=services.panel_seats(arbitration)),
        anchor="arbitration",
        success=_("Arbitrator proposed; they now make the eligibility declaration."),
    )


@scoped_view
@require_POST
def arbitrator_act(request, pk: int, arbitrator_id: int, action: str):
    dispute = _dispute(request, pk)
    arbitrator = Arbitrator.objects.filter(pk=arbitrator_id, arbitration__dispute=dispute).first()
    if arbitrator is None:
        raise Http404()
    user = request.user
    if action == "declare":

        def declare(d, data):
            result = services.arbitrator_declare(
                arbitrator=arbitrator,
                actor=user,
                grounds=data["grounds"],
                note=data["note"],
                birth_date=data["birth_date"],
            )
            if result.status == ArbitratorStatus.DISQUALIFIED:
                messages.error(
                    request,
                    _("Declaration recorded. This person is disqualified: %(grounds)s.")
                    % {"grounds": "، ".join(services.arbitrator_grounds(result))},
                )
            elif result.grounds:
                messages.warning(
                    request,
                    _(
                        "Declaration recorded. Both parties must agree before this person can serve: "
                        "%(grounds)s."
                    )
                    % {"grounds": "، ".join(services.arbitrator_grounds(result))},
                )
            else:
                messages.success(request, _("Declaration recorded: no disqualifying ground."))

        return _act(request, pk, declare, form=DeclarationForm(request.POST), anchor="arbitration")
    if action in ("waive-claimant", "waive-respondent"):
        role = action.split("-")[1]
        return _act(
            request,
            pk,
            lambda d: services.arbitrator_waive(arbitrator=arbitrator, party=role, actor=user),
            anchor="arbitration",
            success=_("The party's agreement was recorded."),
        )
    if action == "accept":
        return _act(
            request,
            pk,
            lambda d: services.arbitrator_accept(arbitrator=arbitrator, actor=user),
            anchor="arbitration",
            success=_("The arbitrator accepted and was notified."),
        )
    if action == "withdraw":
        reason = request.POST.get("reason") or _("Replaced")
        return _act(
            request,
            pk,
            lambda d: services.arbitrator_withdraw(arbitrator=arbitrator, actor=user, reason=reason),
            anchor="arbitration",
            success=_("The proposal was withdrawn; the seat is free."),
        )
    raise Http404()


@scoped_view
@require_POST
def arbitration_extend(request, pk: int):
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    form = ArbitrationExtendForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.arbitration_extend(
            arbitration=arbitration,
            actor=request.user,
            days=data["days"],
            agreed_by_both=data["agreed_by_both"],
            note=data["note"],
        ),
        form=form,
        anchor="arbitration",
        success=_("The term was extended."),
    )


@scoped_view
@require_POST
def award_new(request, pk: int):
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    form = AwardForm(request.POST, members=_members(arbitration))
    return _act(
        request,
        pk,
        lambda d, data: services.award_record(
            arbitration=arbitration,
            actor=request.user,
            reasoning=data["reasoning"],
            decision=data["decision"],
            decided_on=data["decided_on"],
            amount=data["amount"],
            in_favour_of=data["in_favour_of"] or None,
            dissent=data["dissent"],
            votes=form.votes(),
        ),
        form=form,
        anchor="arbitration",
        success=_("The award was recorded. Record each party's notice: their periods run from it."),
    )


def _members(arbitration) -> list[Arbitrator]:
    return list(arbitration.arbitrators.filter(status=ArbitratorStatus.ACCEPTED).order_by("number"))


@scoped_view
@require_POST
def award_notice(request, pk: int):
    """Record the notice of the award to one party (art. 485): that party's own periods start."""
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    award = getattr(arbitration, "award", None)
    if award is None:
        raise Http404()
    return _act(
        request,
        pk,
        lambda d, data: services.award_notice_record(
            award=award,
            party=data["party"],
            actor=request.user,
            notified_on=data["notified_on"],
            method=data["method"],
        ),
        form=AwardNoticeForm(request.POST),
        anchor="award",
        success=_("The notice was recorded and the party was told their own deadlines."),
    )


@scoped_view
@require_POST
def award_act(request, pk: int, action: str):
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    award = getattr(arbitration, "award", None)
    if award is None:
        raise Http404()
    if action == "complied":
        return _act(
            request,
            pk,
            lambda d: services.award_mark_complied(award=award, actor=request.user),
            anchor="arbitration",
            success=_("Recorded: the award was complied with."),
        )
    if action == "enforce":
        return _act(
            request,
            pk,
            lambda d: services.award_request_enforcement(award=award, actor=request.user),
            anchor="referrals",
            success=_("The file for the enforcement request is packed."),
        )
    raise Http404()


@scoped_view
@require_GET
def award_pdf(request, pk: int):
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    award = getattr(arbitration, "award", None)
    if award is None:
        raise Http404()
    if not award.pdf:
        services.award_store_pdf(award_id=award.pk)
        award.refresh_from_db()
    audit.record_read(actor=request.user, obj=award, office=dispute.office_id, purpose="award")
    return file_redirect(
        award,
        user=request.user,
        field="pdf",
        content_type="application/pdf",
        filename=f"award-{dispute.reference}.pdf",
    )
