"""One case: its page, the moves a person may make on it, its documents, payment and receipt."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.db import transaction
from django.forms import CharField, HiddenInput
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tanzim.accounts.permissions import COUNTER, has_role, is_office_staff
from tanzim.cases import selectors, services
from tanzim.cases.choices import EDITABLE, CaseStatus
from tanzim.cases.forms import (
    CancelForm,
    CloseForm,
    CorrectionForm,
    ExpectedStatusForm,
    RejectForm,
    VerifyForm,
)
from tanzim.cases.models import Case
from tanzim.cases.receipt import fee_lines, receipt_pdf, receipt_ready
from tanzim.cases.tasks import file_case
from tanzim.cases.views._common import (
    _conflicts_escape,
    _payment_to_show,
    _Stale,
)
from tanzim.cases.workflows import is_applicant_move
from tanzim.catalog.choices import ChannelKind
from tanzim.common.errors import ConflictError
from tanzim.common.files import attachment_response, file_redirect
from tanzim.common.views import run_service, scoped_view
from tanzim.finance import services as finance_services


def _viewer(request, case: Case) -> dict:
    applicant = request.user.pk == case.applicant_id
    staff = is_office_staff(request.user, case.office)
    editable = case.status in EDITABLE and (applicant or (staff and case.channel != ChannelKind.REMOTE))
    return {"is_applicant": applicant, "is_staff": staff, "can_edit": editable}


def _available_actions(case: Case, viewer: dict) -> list[str]:
    status, staff, applicant = case.status, viewer["is_staff"], viewer["is_applicant"]
    actions = []
    if staff:
        if status in (CaseStatus.SUBMITTED, CaseStatus.RESUBMITTED):
            actions.append("start_review")
        if status == CaseStatus.IN_REVIEW:
            actions += ["request_correction", "verify", "reject"]
        if status == CaseStatus.FILED:
            actions.append("close")
    if is_applicant_move(status, CaseStatus.CANCELLED) and (staff or applicant):
        actions.append("cancel")
    return actions


ACTION_FORMS = {
    "start_review": ExpectedStatusForm,
    "request_correction": CorrectionForm,
    "verify": VerifyForm,
    "reject": RejectForm,
    "cancel": CancelForm,
    "close": CloseForm,
}


def _visit_booking_url(case: Case) -> str | None:
    """Where the applicant books the short visit of a semi-in-person request, if booking is installed."""
    visit_pending = case.status in (CaseStatus.SUBMITTED, CaseStatus.RESUBMITTED, CaseStatus.IN_REVIEW)
    if case.channel != ChannelKind.SEMI_IN_PERSON or not visit_pending:
        return None
    try:
        url = reverse("scheduling:office-times", args=[case.office.code])
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode({'service': case.service.code})}"


def _render_case(request, case: Case, *, bound=None, conflict: str = "", status: int = 200):
    viewer = _viewer(request, case)
    actions = _available_actions(case, viewer)
    forms = {
        name: ACTION_FORMS[name](prefix=name, initial={"expected_status": case.status}) for name in actions
    }
    bound = bound or {}
    for name, form in bound.items():
        if name in forms:
            forms[name] = form
    payment = _payment_to_show(request.user, case) if case.fee_snapshot else None
    events = list(selectors.case_events(case=case))
    context = {
        "case": case,
        **viewer,
        "forms": forms,
        "events": events,
        "outcome_note": events[-1].reason if events and case.status == CaseStatus.REJECTED else "",
        "parties": case.parties.all(),
        "documents": case.documents.all(),
        "overdue": selectors.is_overdue(case),
        "review_deadline": selectors.review_deadline(case),
        "fees": fee_lines(case.fee_snapshot, case.service) if case.fee_snapshot else None,
        "payment": payment,
        "can_pay": viewer["is_applicant"] and case.status == CaseStatus.AWAITING_PAYMENT,
        "can_take_counter_payment": viewer["is_staff"]
        and case.status == CaseStatus.AWAITING_PAYMENT
        and case.channel != ChannelKind.REMOTE,
        "can_refile": viewer["is_staff"] and case.status == CaseStatus.PAID,
        # A link to the partners app's refer form (Tazirat, Forensic Medicine...), the request chosen.
        "can_refer_partner": viewer["is_staff"]
        and has_role(request.user, *COUNTER)
        and case.status != CaseStatus.DRAFT,
        "can_try_settlement": (viewer["is_staff"] or viewer["is_applicant"]) and case.may_try_settlement,
        "can_download_receipt": receipt_ready(case) and (viewer["is_applicant"] or viewer["is_staff"]),
        "conflict": conflict,
        # What the person typed into a form that can no longer be used, so nothing is lost.
        "kept": _typed_text([form for name, form in bound.items() if name not in forms]),
        "remote": case.channel == ChannelKind.REMOTE,
        "visit_booking_url": _visit_booking_url(case) if viewer["is_applicant"] else None,
    }
    return render(request, "cases/detail.html", context, status=status)


def _typed_text(forms) -> list[tuple[str, str]]:
    """(label, text) of what was typed into forms that cannot be shown any more."""
    kept = []
    for form in forms:
        for name, field in form.fields.items():
            if isinstance(field.widget, HiddenInput) or not isinstance(field, CharField):
                continue
            value = form[name].value()
            if isinstance(value, str) and value.strip():
                kept.append((str(field.label), value))
    return kept


@scoped_view
@require_GET
def case_detail(request, pk):
    case = selectors.case_get_for(user=request.user, pk=pk)
    return _render_case(request, case)


def _conflict_text(case: Case) -> str:
    fresh = Case.objects.get(pk=case.pk)
    return _(
        "This request was changed by someone else while you had it open (it is now “%(status)s”). "
        "Reload the page to see the change; what you typed is kept below."
    ) % {"status": fresh.get_status_display()}


def _conflict_message(case: Case, exc: ConflictError) -> str:
    return _conflict_text(case) if exc.code == "stale_status" else str(exc.message)


SUCCESS = {
    "start_review": _("Review started."),
    "request_correction": _("The citizen was asked to correct the request."),
    "verify": _("Verified. The request is now waiting for payment."),
    "reject": _("The request was rejected."),
    "cancel": _("The request was cancelled."),
    "close": _("The request was closed."),
}


@scoped_view
@require_POST
def act(request, pk, action):
    """One endpoint for the workflow moves of the case page."""
    case = selectors.case_get_for(user=request.user, pk=pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404()
    form = form_class(request.POST, prefix=action)

    def move(data):
        if action == "cancel" and not is_office_staff(request.user, case.office):
            data = {**data, "reason": ""}  # the applicant withdraws; reasons are the office's choice
        return services.case_act(case=case, actor=request.user, action=action, **data)

    try:
        done = run_service(request, form, _conflicts_escape(move), success=SUCCESS[action])
    except _Stale as stale:
        fresh = Case.objects.select_related("service", "office", "applicant").get(pk=case.pk)
        text = _conflict_message(case, stale.conflict)
        return _render_case(request, fresh, bound={action: form}, conflict=text, status=409)
    if not done.ok:
        return _render_case(request, case, bound={action: form}, status=400)
    return redirect("cases:detail", pk=case.pk)


# --- the draft page --------------------------------------------------------------------------


@scoped_view
@require_GET
def document_download(request, pk, document_id):
    """A confidential read: scoped like the case and logged by the selector; served under /files/."""
    document = selectors.document_open_for(user=request.user, document_id=document_id, purpose="page")
    if document.case_id != int(pk):
        raise Http404()
    return file_redirect(
        document,
        user=request.user,
        content_type=document.content_type,
        filename=f"{document.case.tracking_code}-{document.pk}{document.extension}",
    )


# --- payment ---------------------------------------------------------------------------------


@scoped_view
@require_POST
def pay(request, pk):
    """The applicant pays online: open (or reopen) the payment and go to the gateway."""
    case = selectors.case_get_for(user=request.user, pk=pk)
    if case.applicant_id != request.user.pk:
        raise Http404()
    payment_open = functools.partial(services.case_payment_open, case=case, actor=request.user)
    done = run_service(request, None, lambda: finance_services.payment_start(payment=payment_open()))
    return redirect(done.value) if done.ok else redirect("cases:detail", pk=case.pk)


@scoped_view
@require_POST
def counter_payment(request, pk):
    """A clerk took the fee at the counter (card reader); the case moves on to paid and is filed."""
    case = selectors.case_get_for(user=request.user, pk=pk)
    if not is_office_staff(request.user, case.office):
        raise Http404()
    form = ExpectedStatusForm(request.POST, prefix="counter")
    if not form.is_valid() or form.cleaned_data["expected_status"] != case.status:
        return _render_case(request, case, conflict=_conflict_text(case), status=409)
    method = request.POST.get("counter-method") or "pos"

    @transaction.atomic
    def take_payment():
        payment = services.case_payment_open(case=case, actor=request.user)
        return finance_services.payment_record_at_counter(payment=payment, actor=request.user, method=method)

    run_service(request, None, take_payment, success=_("Payment recorded."))
    return redirect("cases:detail", pk=case.pk)


@scoped_view
@require_POST
def refile(request, pk):
    """Send a paid case to the judiciary now instead of waiting for the next automatic retry."""
    case = selectors.case_get_for(user=request.user, pk=pk)
    if not is_office_staff(request.user, case.office):
        raise Http404()
    if case.status == CaseStatus.PAID:
        file_case.delay(case.pk)
        messages.info(request, _("The request was sent to the judiciary again."))
    return redirect("cases:detail", pk=case.pk)


@scoped_view
@require_GET
def receipt(request, pk):
    """The Persian PDF receipt: for the applicant and the office's staff only."""
    case = selectors.case_get_for(user=request.user, pk=pk)
    if request.user.pk != case.applicant_id and not is_office_staff(request.user, case.office):
        raise Http404()
    if not receipt_ready(case):
        raise Http404(_("The receipt is issued once the fees are paid."))
    pdf = receipt_pdf(case=case, payment=_payment_to_show(request.user, case))
    return attachment_response(
        pdf, content_type="application/pdf", filename=f"tanzim-{case.tracking_code}.pdf"
    )


# --- the office's desk -----------------------------------------------------------------------
