"""Moves on the ladder posted from the dispute's page, and corrections to a party."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tanzim.common.views import scoped_view
from tanzim.disputes import selectors, services
from tanzim.disputes.choices import PartyRole
from tanzim.disputes.forms import (
    AssignForm,
    ExpectedForm,
    ExtendForm,
    FailForm,
    ReferForm,
    TrackForm,
    TriageCorrectForm,
)
from tanzim.disputes.views._common import _act, _dispute, _int


@scoped_view
@require_POST
def act(request, pk: int, action: str):
    user = request.user
    note_form = ExpectedForm(request.POST)
    note_form.is_valid()
    expected = note_form.cleaned_data.get("expected_status") or None
    note = note_form.cleaned_data.get("note") or ""
    simple = {
        "triage": lambda d: services.dispute_triage(dispute=d, actor=user, expected_status=expected),
        "invite": lambda d: services.dispute_invite(dispute=d, actor=user, expected_status=expected),
        "accept": lambda d: services.dispute_respond(
            dispute=d, actor=user, accept=True, note=note, expected_status=expected
        ),
        "decline": lambda d: services.dispute_respond(
            dispute=d, actor=user, accept=False, note=note, expected_status=expected
        ),
        "withdraw": lambda d: services.dispute_withdraw(
            dispute=d, actor=user, note=note, expected_status=expected
        ),
        "close": lambda d: services.dispute_close(dispute=d, actor=user, note=note, expected_status=expected),
        "leave": lambda d: services.dispute_fail(
            dispute=d, actor=user, reason="party_withdrew", note=note, expected_status=expected
        ),
    }
    success = {
        "triage": _("Triaged."),
        "invite": _("The respondent was sent a join code by SMS."),
        "accept": _("Thank you. The office will set a session."),
        "decline": _("Your answer was recorded."),
        "withdraw": _("The dispute was withdrawn."),
        "close": _("The dispute was closed."),
        "leave": _("Your withdrawal was recorded."),
    }
    if action in simple:
        return _act(request, pk, simple[action], success=str(success[action]))
    form: forms.Form
    if action == "fail":
        form = FailForm(request.POST)
        return _act(
            request,
            pk,
            lambda d, data: services.dispute_fail(
                dispute=d, actor=user, reason=data["reason"], note=note, expected_status=expected
            ),
            form=form,
            form_key="fail",
            success=_("The failure was recorded."),
        )
    if action == "refer":
        form = ReferForm(request.POST)
        form.is_valid()
        return _act(
            request,
            pk,
            lambda d: services.referral_create(
                dispute=d,
                actor=user,
                target=form.cleaned_data.get("target") or None,
                reason=form.cleaned_data.get("reason") or None,
                note=note,
                expected_status=expected,
            ),
            anchor="referrals",
            success=_("Referred; the file is packed."),
        )
    if action == "assign":
        dispute = _dispute(request, pk)
        form = AssignForm(request.POST, mediators=services.mediators_of(dispute.office))
        return _act(
            request,
            pk,
            lambda d, data: services.mediator_assign(dispute=d, actor=user, mediator=_int(data["mediator"])),
            form=form,
            success=_("Mediator assigned."),
        )
    if action == "extend":
        form = ExtendForm(request.POST)
        return _act(
            request,
            pk,
            lambda d, data: services.window_extend(dispute=d, actor=user, reason=data["reason"]),
            form=form,
            form_key="extend",
            success=_("The window was extended."),
        )
    if action == "track":
        form = TrackForm(request.POST)
        return _act(
            request,
            pk,
            lambda d, data: services.criminal_track_set(dispute=d, actor=user, track=data["track"]),
            form=form,
        )
    raise Http404()


@scoped_view
@require_POST
def party_edit(request, pk: int, role: str):
    dispute = _dispute(request, pk)
    if role not in PartyRole.values:
        raise Http404()
    party = selectors.party_of(dispute=dispute, role=role)
    mobile = request.POST.get("mobile", None)
    national_code = request.POST.get("national_code", None)
    return _act(
        request,
        pk,
        lambda d: services.party_update(
            party=party, actor=request.user, mobile=mobile, national_code=national_code
        ),
        anchor="parties",
        success=_("Saved."),
    )


@scoped_view
@require_POST
def triage_correct(request, pk: int):
    """A clerk corrects the triage with a reason, before the respondent is invited."""
    form = TriageCorrectForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.dispute_triage_correct(
            dispute=d,
            actor=request.user,
            path=data["path"],
            target=data["target"],
            reason=data["reason"],
            expected_status=data["expected_status"] or None,
        ),
        form=form,
        form_key="triage_correct",
        anchor="triage",
        success=_("The triage was corrected."),
    )
