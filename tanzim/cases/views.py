"""Case pages: the citizen's journey (start, draft, submit, fix, pay, track, receipt) and the office's desk.

Views parse input, call one service or selector, and render. Scoping is the selectors' job:
another office's case is a 404. Every action form carries the status the person saw, so a
move made on a stale page is refused with a clear message, and what they typed is kept.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.forms import CharField, HiddenInput
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tanzim.accounts.permissions import COUNTER, is_office_staff
from tanzim.accounts.selectors import scope_for
from tanzim.accounts.services import citizen_register_at_counter
from tanzim.cases import selectors, services
from tanzim.cases.choices import EDITABLE, OFFICE_TURN, CaseStatus, PartyRole, ProceedingStage
from tanzim.cases.forms import (
    CancelForm,
    CaseDetailsForm,
    CaseStartForm,
    CloseForm,
    CorrectionForm,
    DocumentForm,
    ExpectedStatusForm,
    PartyForm,
    RejectForm,
    SearchForm,
    VerifyForm,
    WalkInForm,
)
from tanzim.cases.models import Case
from tanzim.cases.receipt import fee_lines, receipt_pdf
from tanzim.cases.tasks import file_case
from tanzim.cases.tracking import clean_tracking_code
from tanzim.cases.workflows import is_applicant_move
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.fees import channel_prices
from tanzim.catalog.selectors import offices_for_service, service_get, service_list
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.identifiers import is_valid_national_code
from tanzim.common.jalali import format_jalali
from tanzim.common.normalize import digits_only
from tanzim.common.views import run_service, scoped_view
from tanzim.finance import selectors as finance_selectors
from tanzim.finance import services as finance_services
from tanzim.finance.choices import PaymentStatus
from tanzim.finance.forms import free_service_ground_values
from tanzim.offices.models import Office
from tanzim.offices.selectors import province_list

WAITING_FOR_CITIZEN = (CaseStatus.NEEDS_CORRECTION, CaseStatus.AWAITING_PAYMENT)
WORKLIST_PAGE = 50


class _Stale(Exception):
    """A conflict carried past ``run_service`` (which would put it on the form): the page answers 409."""

    def __init__(self, conflict: ConflictError):
        super().__init__(str(conflict.message))
        self.conflict = conflict


def _conflicts_escape(fn):
    def call(*args):
        try:
            return fn(*args)
        except ConflictError as exc:
            raise _Stale(exc) from exc

    return call


def _staff_office_ids(user) -> list[int]:
    scope = scope_for(user)
    return sorted(set().union(*(scope.office_ids.get(role, ()) for role in COUNTER)))


def _require_staff(user) -> list[int]:
    office_ids = _staff_office_ids(user)
    if not office_ids:
        raise PermissionDenied(_("This page is for the staff of an office."))
    return office_ids


def _case_payments(user, case: Case):
    return finance_selectors.payment_list_for(user=user).filter(
        reference_type="cases.case", reference_id=str(case.pk)
    )


def _payment_to_show(user, case: Case):
    """The captured payment if there is one, else the newest attempt."""
    payments = list(_case_payments(user, case).order_by("-created_at", "-pk")[:10])
    captured = [p for p in payments if p.status == PaymentStatus.CAPTURED]
    return captured[0] if captured else (payments[0] if payments else None)


# --- starting a request (citizen) ------------------------------------------------------------


@require_GET
def start(request):
    """Step 1: which service. Public, so anyone can see what is possible before signing in."""
    services_by_category: dict[str, list] = {}
    for service in service_list():
        services_by_category.setdefault(service.get_category_display(), []).append(service)
    return render(request, "cases/start.html", {"groups": services_by_category})


def _channel_options(service) -> list[dict]:
    prices = channel_prices(service=service)
    dearest = max(prices.values()) if prices else 0
    options = []
    for channel in service.channels:  # remote first: what Tanzim offers first
        price = prices[channel]
        saving = dearest - price
        options.append(
            {
                "channel": channel,
                "label": ChannelKind(channel).label,
                "price": price,
                "saving": saving,
                "saving_pct": (saving * 100 // dearest) if dearest else 0,
            }
        )
    return options


@require_GET
def choose_channel(request, service):
    """Step 2: the channel chooser, cheapest-to-serve first, with each channel's price and saving."""
    try:
        svc = service_get(code=service)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    options = _channel_options(svc)
    return render(
        request,
        "cases/channel.html",
        {"service": svc, "options": options, "recommended": options[0]["channel"] if options else None},
    )


@scoped_view
def choose_office(request, service, channel):
    """Step 3: the office that will handle it (active, licensed for the service), then the draft."""
    svc = service_get(code=service)
    if channel not in svc.channels:
        raise Http404(_("This service is not offered on this channel."))
    province = request.GET.get("province") or None
    query = (request.GET.get("q") or "").strip()[:100] or None
    offices = offices_for_service(service=svc, province=province, q=query)
    form = CaseStartForm(request.POST or None, initial={"title": svc.name})
    if request.method == "POST" and form.is_valid():
        office = offices_for_service(service=svc).filter(code=form.cleaned_data["office"]).first()
        if office is None:
            form.add_error("office", _("Choose an office from the list."))
        else:
            create = functools.partial(
                services.case_create, actor=request.user, service=svc, channel=channel, office=office
            )
            done = run_service(request, form, lambda data: create(title=data["title"]))
            if done.ok:
                messages.success(
                    request,
                    _("Your draft is saved. Tracking code: %(code)s")
                    % {"code": done.value.tracking_code_display},
                )
                return redirect("cases:draft", pk=done.value.pk)
    page = Paginator(offices, 12).get_page(request.GET.get("page"))
    context = {
        "service": svc,
        "channel": channel,
        "channel_label": ChannelKind(channel).label,
        "form": form,
        "page": page,
        "provinces": province_list(),
        "province": province or "",
        "q": query or "",
        "selected": form["office"].value() or "",
    }
    template = "cases/_office_results.html" if request.headers.get("HX-Request") else "cases/office.html"
    return render(request, template, context, status=400 if form.errors else 200)


# --- the citizen's list ----------------------------------------------------------------------


@scoped_view
@require_GET
def my_cases(request):
    cases = (
        selectors.case_list_for(user=request.user)
        .filter(applicant=request.user)
        .order_by("-created_at", "-pk")
    )
    page = Paginator(cases, 20).get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {"page": page})


# --- the case page ---------------------------------------------------------------------------


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
        "can_try_settlement": (viewer["is_staff"] or viewer["is_applicant"]) and case.may_try_settlement,
        "can_download_receipt": bool(case.fee_snapshot) and (viewer["is_applicant"] or viewer["is_staff"]),
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


@scoped_view
@require_GET
def document_download(request, pk, document_id):
    """A confidential read: scoped like the case and logged by the selector."""
    document = selectors.document_open_for(user=request.user, document_id=document_id, purpose="page")
    if document.case_id != int(pk):
        raise Http404()
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        filename=f"{document.case.tracking_code}-{document.pk}{document.extension}",
    )
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


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
    if not case.fee_snapshot:
        raise Http404(_("A draft has no receipt yet."))
    pdf = receipt_pdf(case=case, payment=_payment_to_show(request.user, case))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tanzim-{case.tracking_code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the office's desk -----------------------------------------------------------------------


@scoped_view
@require_GET
def worklist(request):
    """The office's turn, most urgent first; overdue cases highlighted, counts per status."""
    office_ids = _require_staff(request.user)
    offices = list(Office.objects.filter(pk__in=office_ids).order_by("code"))
    office_id = request.GET.get("office") or ""
    office_id = int(office_id) if office_id.isdigit() and int(office_id) in office_ids else None
    tab = request.GET.get("tab") or "office"
    status = request.GET.get("status") or ""
    now = timezone.now()
    if tab == "citizen":
        base = (
            selectors.case_list_for(user=request.user)
            .filter(office_id__in=[office_id] if office_id else office_ids, status__in=WAITING_FOR_CITIZEN)
            .order_by("status_changed_at", "pk")
        )
        statuses = WAITING_FOR_CITIZEN
    else:
        base = selectors.worklist_for(user=request.user, office_id=office_id)
        statuses = [s for s in CaseStatus.values if s in OFFICE_TURN]
    counts = {
        row["status"]: row
        for row in base.order_by()
        .values("status")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now)))
    }
    cases = base.filter(status=status) if status in statuses else base
    if request.GET.get("overdue") and tab != "citizen":
        cases = cases.filter(due_at__lt=now)
    page = Paginator(cases, WORKLIST_PAGE).get_page(request.GET.get("page"))
    rows = [(case, selectors.is_overdue(case)) for case in page]
    tabs = [
        {
            "status": s,
            "label": CaseStatus(s).label,
            "n": counts.get(s, {}).get("n", 0),
            "late": counts.get(s, {}).get("late", 0) if tab != "citizen" else 0,
        }
        for s in statuses
    ]
    return render(
        request,
        "cases/worklist.html",
        {
            "page": page,
            "rows": rows,
            "tabs": tabs,
            "tab": tab,
            "status": status if status in statuses else "",
            "total": sum(t["n"] for t in tabs),
            "total_late": sum(t["late"] for t in tabs),
            "offices": offices,
            "office_id": office_id,
            "overdue_only": bool(request.GET.get("overdue")),
        },
    )


@scoped_view
def walk_in(request):
    """A clerk identifies a walk-in citizen and opens a request for them, then drafts it with them."""
    office_ids = _require_staff(request.user)
    offices = list(Office.objects.filter(pk__in=office_ids).order_by("code"))
    # Filings (petitions, complaints, notices) are most of the counter's work: list them first.
    in_person = sorted(service_list().filter(in_person=True), key=lambda s: (s.category != "filing", s.name))
    missions = finance_services.missions_open_for(offices=offices)
    form = WalkInForm(
        request.POST or None, request.FILES or None, services=in_person, offices=offices, missions=missions
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        office = next(o for o in offices if str(o.pk) == data["office"])

        @transaction.atomic  # no account is left behind if the request cannot be opened
        def open_request(data):
            citizen = citizen_register_at_counter(
                actor=request.user,
                national_code=data["national_code"],
                mobile=data["mobile"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
            return services.case_create(
                actor=request.user,
                applicant=citizen,
                service=service_get(code=data["service"]),
                channel=ChannelKind.IN_PERSON,
                office=office,
                title=data["title"],
                proceeding=data["proceeding"] or ProceedingStage.FIRST_INSTANCE,
                free_service=data["free_service"],
                **(free_service_ground_values(data) if data["free_service"] else {}),
            )

        done = run_service(request, form, open_request)
        if done.ok:
            messages.success(
                request,
                _("Request opened for %(name)s. Tracking code: %(code)s")
                % {"name": done.value.applicant.display_name, "code": done.value.tracking_code_display},
            )
            return redirect("cases:draft", pk=done.value.pk)
    return render(request, "cases/walk_in.html", {"form": form}, status=400 if form.errors else 200)


@scoped_view
@require_GET
def search(request):
    """By tracking code (typed any way: Persian digits, dashes) or by a party's national code."""
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        digits = digits_only(query)
        code = clean_tracking_code(query)
        if code is None and len(digits) == 16:
            form.add_error("q", _("This tracking code has a typo: its check digit does not match."))
        elif code is None and not (len(digits) == 10 and is_valid_national_code(digits)):
            form.add_error("q", _("Enter a 16-digit tracking code or a valid 10-digit national code."))
        else:
            results = list(
                selectors.case_search_for(user=request.user, query=query).order_by("-created_at")[:50]
            )
            if code and len(results) == 1:
                return redirect("cases:detail", pk=results[0].pk)
    return render(
        request,
        "cases/search.html",
        {"form": form, "results": results},
        status=400 if form.errors else 200,
    )
