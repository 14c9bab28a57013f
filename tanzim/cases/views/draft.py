"""The draft of a request: details, parties, documents, originals confirmed, then submit.

Every form round keeps what the person typed: a refusal re-renders the draft with it.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tanzim.cases import selectors, services
from tanzim.cases.choices import EDITABLE, CaseStatus, PartyRole
from tanzim.cases.forms import (
    CaseDetailsForm,
    DocumentForm,
    ExpectedStatusForm,
    PartyForm,
)
from tanzim.cases.models import Case
from tanzim.cases.receipt import fee_lines
from tanzim.cases.views._common import _conflicts_escape, _Stale
from tanzim.cases.views.detail import _conflict_message, _render_case, _viewer
from tanzim.catalog.choices import ChannelKind
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.jalali import format_jalali
from tanzim.common.views import run_service, scoped_view


def _render_draft(request, case: Case, *, status: int = 200, **bound):
    viewer = _viewer(request, case)
    try:
        quote = services.quote_for(case)
    except DomainError:
        quote = None
    context = {
        "case": case,
        **viewer,
        "details_form": bound.get("details_form")
        or CaseDetailsForm(
            initial={
                "title": case.title,
                "claim_text": case.claim_text,
                "claim_amount": case.claim_amount,
                "proceeding": case.proceeding,
                "judgment_notified_on": format_jalali(case.judgment_notified_on, persian_digits=False)
                if case.judgment_notified_on
                else "",
                "applicant_abroad": case.applicant_abroad,
            }
        ),
        "party_form": bound.get("party_form") or PartyForm(prefix="party", initial=_next_party_role(case)),
        "document_form": bound.get("document_form") or DocumentForm(prefix="doc"),
        "submit_form": ExpectedStatusForm(initial={"expected_status": case.status}),
        "submit_error": bound.get("submit_error"),
        "parties": case.parties.all(),
        "documents": case.documents.all(),
        "fees": fee_lines(quote.as_dict(), case.service) if quote else None,
        "on_behalf": viewer["is_staff"] and not viewer["is_applicant"],
        "remote": case.channel == ChannelKind.REMOTE,
        "in_person": case.channel == ChannelKind.IN_PERSON,
        "resubmit": case.status == CaseStatus.NEEDS_CORRECTION,
    }
    return render(request, "cases/draft.html", context, status=status)


def _next_party_role(case: Case) -> dict:
    roles = {p.role for p in case.parties.all()}
    if PartyRole.CLAIMANT not in roles:
        return {"role": PartyRole.CLAIMANT}
    if PartyRole.RESPONDENT not in roles:
        return {"role": PartyRole.RESPONDENT}
    return {"role": PartyRole.OTHER}


def _editable_case(request, pk) -> Case:
    """The case, if the user may edit it now; otherwise a 404 (out of scope) or a conflict."""
    case = selectors.case_get_for(user=request.user, pk=pk)
    viewer = _viewer(request, case)
    if not viewer["can_edit"]:
        if case.status not in EDITABLE:
            raise ConflictError(_("This request can no longer be edited."), code="case_not_editable")
        raise PermissionDeniedError(_("Only the applicant can edit a remote request."), code="applicant_only")
    return case


def _draft_post(form_class=None, prefix: str | None = None):
    """POST handlers of the draft page. If the request left draft meanwhile (submitted from another
    tab, or by the office on the citizen's behalf) the case page explains it, with what was typed."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, pk, *args, **kwargs):
            try:
                case = _editable_case(request, pk)
            except ConflictError as exc:
                if form_class is None:
                    messages.error(request, str(exc.message))
                    return redirect("cases:detail", pk=pk)
                case = selectors.case_get_for(user=request.user, pk=pk)
                typed = form_class(request.POST, prefix=prefix)
                return _render_case(
                    request, case, bound={"draft": typed}, conflict=str(exc.message), status=409
                )
            return view(request, case, *args, **kwargs)

        return scoped_view(require_POST(wrapper))

    return decorator


@scoped_view
@require_GET
def draft(request, pk):
    case = selectors.case_get_for(user=request.user, pk=pk)
    viewer = _viewer(request, case)
    if not viewer["can_edit"]:
        if case.status in EDITABLE and viewer["is_staff"]:
            messages.info(request, _("Only the applicant can edit a remote request."))
        return redirect("cases:detail", pk=case.pk)
    return _render_draft(request, case)


def _conflict_on_draft(request, case: Case, exc: ConflictError, **bound):
    """The draft changed under the person (submitted elsewhere): keep their input, explain, 409."""
    fresh = Case.objects.select_related("service", "office", "applicant").get(pk=case.pk)
    if fresh.status in EDITABLE:
        for form in bound.values():
            if hasattr(form, "add_error"):
                form.add_error(None, str(exc.message))
        return _render_draft(request, fresh, status=409, **bound)
    kept = {k: v for k, v in bound.items() if hasattr(v, "is_bound")}
    return _render_case(request, fresh, bound=kept, conflict=str(exc.message), status=409)


def _draft_round(request, case: Case, form, fn, *, bound: str, success: str):
    """A draft form posted: run the service; if the draft moved on meanwhile, a 409 keeps what was typed.

    Without a form (a remove button) a refusal is a message on the draft page.
    """
    if form is None:
        run_service(request, None, fn, success=success)
        return redirect("cases:draft", pk=case.pk)
    try:
        done = run_service(request, form, _conflicts_escape(fn), success=success)
    except _Stale as stale:
        return _conflict_on_draft(request, case, stale.conflict, **{bound: form})
    if done.ok:
        return redirect("cases:draft", pk=case.pk)
    return _render_draft(request, case, status=400, **{bound: form})


@_draft_post(CaseDetailsForm)
def draft_details(request, case):
    return _draft_round(
        request,
        case,
        CaseDetailsForm(request.POST),
        lambda data: services.case_update(case=case, actor=request.user, **data),
        bound="details_form",
        success=_("Saved."),
    )


@_draft_post(PartyForm, "party")
def party_add(request, case):
    form = PartyForm(request.POST, prefix="party")
    return _draft_round(
        request,
        case,
        form,
        lambda data: services.party_add(case=case, actor=request.user, **form.service_kwargs()),
        bound="party_form",
        success=_("Party added."),
    )


@_draft_post()
def party_remove(request, case, party_id):
    party = case.parties.filter(pk=party_id).first()
    if party is None:
        raise Http404()
    remove = functools.partial(services.party_remove, party=party, actor=request.user)
    return _draft_round(request, case, None, remove, bound="", success=_("Party removed."))


@_draft_post(DocumentForm, "doc")
def document_add(request, case):
    return _draft_round(
        request,
        case,
        DocumentForm(request.POST, request.FILES, prefix="doc"),
        lambda data: services.document_add(
            case=case, actor=request.user, upload=data["file"], title=data["title"]
        ),
        bound="document_form",
        success=_("Document uploaded."),
    )


@_draft_post()
def document_remove(request, case, document_id):
    document = case.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404()
    remove = functools.partial(services.document_remove, document=document, actor=request.user)
    return _draft_round(request, case, None, remove, bound="", success=_("Document removed."))


@_draft_post()
def confirm_originals(request, case):
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Tick the box to confirm that the copies match the originals."))
        return redirect("cases:draft", pk=case.pk)
    services.case_confirm_originals(case=case, actor=request.user)
    messages.success(request, _("Thank you. The copies are confirmed against the originals."))
    return redirect("cases:draft", pk=case.pk)


@scoped_view
@require_POST
def submit(request, pk):
    case = selectors.case_get_for(user=request.user, pk=pk)
    form = ExpectedStatusForm(request.POST)
    try:
        done = run_service(
            request,
            form,
            _conflicts_escape(lambda data: services.case_submit(case=case, actor=request.user, **data)),
        )
    except _Stale as stale:
        fresh = Case.objects.select_related("service", "office", "applicant").get(pk=case.pk)
        return _render_case(request, fresh, conflict=_conflict_message(case, stale.conflict), status=409)
    if not done.ok:
        refusal = " ".join(form.non_field_errors()) or _("Reload the page and try again.")
        return _render_draft(request, case, status=400, submit_error=refusal)
    messages.success(
        request,
        _("The request was submitted. Tracking code: %(code)s") % {"code": done.value.tracking_code_display},
    )
    return redirect("cases:detail", pk=case.pk)
