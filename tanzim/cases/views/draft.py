"""The draft of a request: details, parties, documents, originals confirmed, then submit.

The page is ONE form (``#draft-form``): every button — save, add a party, upload, remove, confirm,
submit — posts everything typed, to its own address (``formaction``). Each handler first saves the
typed details (``_save_typed_details``), so uploading a file or adding a party never drops the
petition text or the amount; a refusal re-renders the draft with what was typed and the errors
next to their fields and in the summary at the top.
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
from tanzim.common import formatting
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.jalali import format_jalali
from tanzim.common.views import run_service, scoped_view

DRAFT_FORM = "draft-form"


def _details_initial(case: Case) -> dict:
    return {
        "title": case.title,
        "claim_text": case.claim_text,
        "claim_amount": formatting.money(case.claim_amount),  # ۱۲۰٬۰۰۰٬۰۰۰ on a Persian page
        "proceeding": case.proceeding,
        "judgment_notified_on": format_jalali(case.judgment_notified_on, persian_digits=False)
        if case.judgment_notified_on
        else "",
        "applicant_abroad": case.applicant_abroad,
    }


def _in_draft_form(*forms) -> None:
    """Inputs that sit outside ``<form id="draft-form">`` on the page but belong to it."""
    for form in forms:
        for field in form.fields.values():
            field.widget.attrs["form"] = DRAFT_FORM


def _save_typed_details(request, case: Case) -> CaseDetailsForm | None:
    """Save the details the person typed, whichever button they pressed. ``None`` when nothing was
    typed or it was saved; the bound form, with its errors, when it cannot be saved."""
    if "title" not in request.POST:  # a post from elsewhere (an older page, a test): no details in it
        return None
    form = CaseDetailsForm(request.POST, initial=_details_initial(case))
    if not form.has_changed():
        return None
    save = _conflicts_escape(lambda data: services.case_update(case=case, actor=request.user, **data))
    if not run_service(request, form, save).ok:
        return form
    case.refresh_from_db()  # the service saved its own copy: the page shows what was stored
    return None


def _render_draft(request, case: Case, *, status: int = 200, **bound):
    viewer = _viewer(request, case)
    try:
        quote = services.quote_for(case)
    except DomainError:
        quote = None
    party_form = bound.get("party_form") or PartyForm(prefix="party", initial=_next_party_role(case))
    document_form = bound.get("document_form") or DocumentForm(prefix="doc")
    submit_form = ExpectedStatusForm(initial={"expected_status": case.status})
    _in_draft_form(party_form, document_form, submit_form)
    context = {
        "case": case,
        **viewer,
        "details_form": bound.get("details_form") or CaseDetailsForm(initial=_details_initial(case)),
        "party_form": party_form,
        "document_form": document_form,
        "submit_form": submit_form,
        "draft_form_id": DRAFT_FORM,
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
    """A draft button pressed: save the typed details, run the action's service; if the draft moved on
    meanwhile, a 409 keeps what was typed. A refusal of either re-renders the page with what was typed
    (400); without a form (a remove button) the action's refusal is a message on the draft page.
    """
    try:
        details = None if bound == "details_form" else _save_typed_details(request, case)
        if form is None:
            done = run_service(request, None, fn, success=success)
        else:
            done = run_service(request, form, _conflicts_escape(fn), success=success)
    except _Stale as stale:
        kept = {bound: form} if form is not None else {}
        typed = CaseDetailsForm(request.POST) if "title" in request.POST else None
        return _conflict_on_draft(
            request, case, stale.conflict, **kept, **({"details_form": typed} if typed else {})
        )
    if details is None and (done.ok or form is None):
        return redirect("cases:draft", pk=case.pk)
    failed = {} if done.ok or form is None else {bound: form}
    if details is not None:
        failed["details_form"] = details
    return _render_draft(request, case, status=400, **failed)


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
        details = _save_typed_details(request, case)
        if details is not None:
            return _render_draft(request, case, status=400, details_form=details)
        return redirect("cases:draft", pk=case.pk)
    confirm = functools.partial(services.case_confirm_originals, case=case, actor=request.user)
    return _draft_round(
        request,
        case,
        None,
        confirm,
        bound="",
        success=_("Thank you. The copies are confirmed against the originals."),
    )


@scoped_view
@require_POST
def submit(request, pk):
    case = selectors.case_get_for(user=request.user, pk=pk)
    form = ExpectedStatusForm(request.POST)
    if _viewer(request, case)["can_edit"]:
        try:
            details = _save_typed_details(request, case)
        except _Stale:
            details = None  # the draft moved on: the submission below meets the same conflict
        if details is not None:  # what was typed cannot be saved: say so before submitting anything
            return _render_draft(request, case, status=400, details_form=details)
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
