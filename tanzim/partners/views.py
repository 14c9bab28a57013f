"""Pages: an office refers a file and follows it; a partner's staff work their desk (acknowledge,
upload the outcome); the citizen sees where the file went, what the partner needs, the outcome;
figures by partner; the Kanoon's dead-letter list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tanzim.accounts.permissions import COUNTER, OVERSIGHT, has_role, is_kanoon
from tanzim.audit.services import record_read
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.files import file_redirect
from tanzim.common.normalize import normalize_text
from tanzim.common.views import run_service, scoped_view
from tanzim.partners import metrics, selectors, services
from tanzim.partners.choices import AT_PARTNER, PartnerKind, ReferralStatus
from tanzim.partners.forms import DocumentForm, OutcomeForm, ReferForm, StepForm
from tanzim.partners.models import Delivery, ReferralDocument


def _resolve_file(actor: Any, reference: str) -> dict[str, Any]:
    """The dispute or the request a reference names, as ``referral_prepare`` takes it."""
    from tanzim.cases.models import Case
    from tanzim.disputes.models import Dispute

    dispute = Dispute.objects.filter(reference=reference).first()
    if dispute is not None:
        return {"dispute": dispute}
    case = Case.objects.filter(tracking_code=reference).first()
    if case is not None:
        return {"case": case}
    raise DomainError(
        fields={"file_reference": [_("No dispute or request has this reference.")]}, code="file_not_found"
    )


def _prefill(user: Any, reference: str, partner_kind: str) -> dict[str, Any]:
    """What the refer form starts with for a file the clerk's office holds: the file, the kind
    (of the asked partner kind, the partner nearest the office first) and that partner's nearest
    branch. A file outside the clerk's offices gets only its reference back, as typed."""
    from tanzim.accounts.permissions import is_office_staff

    initial: dict[str, Any] = {"file_reference": reference}
    try:
        found = _resolve_file(user, reference)
    except DomainError:
        return initial
    office = next(iter(found.values())).office
    if not is_office_staff(user, office):
        return initial
    if not partner_kind and "dispute" in found:
        partner_kind = found["dispute"].referral_target or PartnerKind.COUNCIL
    if partner_kind in PartnerKind.values:
        choice = selectors.kind_nearest(partner_kind=partner_kind, office=office)
        if choice is not None:
            initial["kind"], initial["branch"] = choice
    return initial


@scoped_view
def refer(request: HttpRequest) -> HttpResponse:
    """An office's clerk refers a dispute or a request to a partner body (from the dispute's
    page: the file, the kind and the nearest branch already chosen)."""
    if not has_role(request.user, *COUNTER):
        raise PermissionDenied
    initial: dict[str, Any] = {}
    if request.GET.get("file"):
        initial = _prefill(
            request.user,
            normalize_text(request.GET["file"][:20]).replace(" ", "").upper(),
            request.GET.get("partner_kind", ""),
        )
    form = ReferForm(request.POST or None, initial=initial)
    if request.method == "POST":

        def prepare(data: dict[str, Any]) -> Any:
            return services.referral_prepare(
                actor=request.user,
                kind=data["kind"],
                branch=data.get("branch"),
                note=data["note"],
                **_resolve_file(request.user, data["file_reference"]),
            )

        try:
            outcome = run_service(request, form, prepare, success=_("The referral was prepared."))
        except NotFoundError:
            form.add_error("file_reference", _("No dispute or request has this reference."))
            outcome = None
        if outcome is not None and outcome.ok:
            return redirect("partners:detail", pk=outcome.value.pk)
    return render(request, "partners/refer.html", {"form": form}, status=400 if form.errors else 200)


@scoped_view
def office_list(request: HttpRequest) -> HttpResponse:
    """The referrals an office's staff (or overseers) follow, open ones first."""
    rows = selectors.referral_list_for(user=request.user)
    if not has_role(request.user, *COUNTER, *OVERSIGHT):
        raise PermissionDenied
    status = request.GET.get("status", "")
    if status in ReferralStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/list.html",
        {
            "page": page,
            "statuses": ReferralStatus.choices,
            "status": status,
            "title": _("Referrals to partners"),
        },
    )


@scoped_view
def partner_desk(request: HttpRequest) -> HttpResponse:
    """A partner's staff: the referrals addressed to their partner or branch."""
    members = list(selectors.memberships_for(request.user))
    if not members:
        raise PermissionDenied
    rows = selectors.partner_desk_for(user=request.user)
    open_rows = rows.filter(
        status__in=(ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.IN_PROGRESS)
    )
    done_rows = rows.exclude(pk__in=open_rows.values("pk"))[:30]
    # The files to act on, the soonest due first, a page at a time (a branch may hold thousands).
    page = Paginator(open_rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/desk.html",
        {"members": members, "open_rows": page, "done_rows": done_rows},
    )


@scoped_view
def mine(request: HttpRequest) -> HttpResponse:
    """The citizen's files at partner bodies."""
    rows = selectors.citizen_referrals_for(user=request.user)
    return render(request, "partners/mine.html", {"rows": rows})


def _context(request: HttpRequest, referral: Any, access: Any, **forms: Any) -> dict[str, Any]:
    have = {d.requirement_id: d for d in referral.documents.all() if d.requirement_id}
    checklist = [(line, have.get(line.pk)) for line in referral.kind.checklist.all()]
    open_ = referral.status in services.referrals.OPEN
    partner_side = access.partner or access.staff
    return {
        "referral": referral,
        "access": access,
        "checklist": checklist,
        "missing": [line for line, doc in checklist if line.required and doc is None],
        "citizen_tasks": [line for line, doc in checklist if line.citizen_task and doc is None],
        "documents": referral.documents.select_related("requirement"),
        "outcome_documents": [d for d in referral.documents.all() if d.is_outcome],
        "events": referral.events.select_related("actor").order_by("created_at", "pk"),
        "overdue": selectors.is_overdue(referral),
        "can_attach": access.staff and open_,
        "can_send": access.staff and referral.status == ReferralStatus.PREPARED,
        "can_cancel": access.staff and referral.status == ReferralStatus.PREPARED,
        "can_close": access.staff and referral.status in (ReferralStatus.OUTCOME, ReferralStatus.RETURNED),
        "can_ack": partner_side and referral.status == ReferralStatus.SENT,
        "can_start": partner_side and referral.status == ReferralStatus.RECEIVED,
        "can_outcome": partner_side
        and referral.status in (ReferralStatus.RECEIVED, ReferralStatus.IN_PROGRESS),
        "can_return": partner_side and referral.status in AT_PARTNER,
        "document_form": forms.get("document_form") or DocumentForm(),
        "step_form": forms.get("step_form") or StepForm(initial={"expected_status": referral.status}),
        "outcome_form": forms.get("outcome_form")
        or OutcomeForm(initial={"expected_status": referral.status}),
    }


@scoped_view
def detail(request: HttpRequest, pk: str) -> HttpResponse:
    referral, access = selectors.referral_get_for(user=request.user, pk=pk)
    return render(request, "partners/detail.html", _context(request, referral, access))


@scoped_view
@require_POST
def attach(request: HttpRequest, pk: str) -> HttpResponse:
    referral, access = selectors.referral_get_for(user=request.user, pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    outcome = run_service(
        request,
        form,
        lambda data: services.referral_document_add(
            referral=referral, actor=request.user, upload=data["file"], requirement=data["requirement"]
        ),
        success=_("The document was added."),
    )
    if outcome.ok:
        return redirect("partners:detail", pk=referral.pk)
    context = _context(request, referral, access, document_form=form)
    return render(request, "partners/detail.html", context, status=400)


@scoped_view
@require_POST
def step(request: HttpRequest, pk: str) -> HttpResponse:
    referral, access = selectors.referral_get_for(user=request.user, pk=pk)
    form = StepForm(request.POST)
    outcome = run_service(
        request,
        form,
        lambda data: services.referral_act(
            referral=referral,
            actor=request.user,
            action=data["action"],
            expected_status=data["expected_status"] or None,
            partner_reference=data["partner_reference"],
            reason=data["reason"],
        ),
        success=_("Saved."),
    )
    if outcome.ok:
        return redirect("partners:detail", pk=referral.pk)
    referral, access = selectors.referral_get_for(user=request.user, pk=pk)
    context = _context(request, referral, access, step_form=form)
    return render(request, "partners/detail.html", context, status=400)


@scoped_view
@require_POST
def outcome(request: HttpRequest, pk: str) -> HttpResponse:
    referral, access = selectors.referral_get_for(user=request.user, pk=pk)
    form = OutcomeForm(request.POST, request.FILES)
    result = run_service(
        request,
        form,
        lambda data: services.referral_record_outcome(
            referral=referral,
            actor=request.user,
            outcome_code=data["outcome_code"],
            note=data["note"],
            upload=data.get("file"),
            expected_status=data["expected_status"] or None,
        ),
        success=_("The outcome was recorded."),
    )
    if result.ok:
        return redirect("partners:detail", pk=referral.pk)
    referral, access = selectors.referral_get_for(user=request.user, pk=pk)
    context = _context(request, referral, access, outcome_form=form)
    return render(request, "partners/detail.html", context, status=400)


@scoped_view
def document(request: HttpRequest, pk: str, doc: str) -> HttpResponse:
    referral, access = selectors.referral_get_for(user=request.user, pk=pk)
    found = ReferralDocument.objects.filter(
        referral=referral, pk=int(doc) if str(doc).isdigit() else 0
    ).first()
    if found is None:
        raise NotFoundError()
    if access.citizen and not (access.staff or access.partner or access.reader) and not found.is_outcome:
        raise NotFoundError()
    record_read(
        actor=request.user, obj=found, office=referral.office_id, purpose="partners.referral_document"
    )
    return file_redirect(
        found,
        user=request.user,
        filename=f"{referral.reference}-{found.pk}{found.extension}",
        content_type=found.content_type,
    )


@scoped_view
def figures(request: HttpRequest) -> HttpResponse:
    """Referrals by partner and kind against the expected times (overseers and offices)."""
    if not has_role(request.user, *COUNTER, *OVERSIGHT):
        raise PermissionDenied
    rows = metrics.referral_figures(selectors.referral_list_for(user=request.user))
    return render(request, "partners/metrics.html", {"rows": rows})


@scoped_view
def dead_letters(request: HttpRequest) -> HttpResponse:
    if not is_kanoon(request.user):
        raise PermissionDenied
    rows = selectors.dead_letters(user=request.user)[:200]
    return render(request, "partners/dead_letters.html", {"rows": rows})


@scoped_view
@require_POST
def replay(request: HttpRequest, pk: str) -> HttpResponse:
    if not is_kanoon(request.user):
        raise PermissionDenied
    delivery = Delivery.objects.filter(pk=int(pk) if str(pk).isdigit() else 0).first()
    if delivery is None:
        raise NotFoundError()
    run_service(
        request,
        None,
        lambda: services.delivery_replay(delivery=delivery, actor=request.user),
        success=_("Sent again."),
    )
    messages.info(request, _("Event %(id)s.") % {"id": delivery.event_id})
    return redirect("partners:dead_letters")
