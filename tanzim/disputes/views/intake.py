"""Intake: a clerk opens a dispute at the office, or a request goes to resolution first."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tanzim.cases import selectors as case_selectors
from tanzim.common.errors import DomainError
from tanzim.common.views import run_service, scoped_view
from tanzim.disputes import services
from tanzim.disputes.forms import FromCaseForm, IntakeForm
from tanzim.disputes.views._common import _detail, _staff_offices


@scoped_view
@require_http_methods(["GET", "POST"])
def new(request):
    """Open a dispute at the counter. The first press shows what triage will decide and why
    (nothing is written); the clerk then opens it, or changes the details and checks again."""
    offices = _staff_offices(request.user)
    if not offices:
        raise PermissionDenied(_("This page is for the staff of an office."))
    form = IntakeForm(request.POST or None, initial={"category": request.GET.get("category") or ""})
    office = next((o for o in offices if str(o.pk) == request.POST.get("office")), offices[0])
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        checked = run_service(
            request,
            form,
            lambda data: services.triage_preview(
                category=data["category"],
                claim_amount=data["claim_amount"],
                offence_grade=form.time_facts().get("offence_grade"),
                offence_compoundable=form.time_facts().get("offence_compoundable"),
            ),
        )
        preview = checked.value if checked.ok else None
    elif request.method == "POST":

        def open_dispute(data):
            try:
                return services.dispute_open(
                    actor=request.user,
                    office=office,
                    category=data["category"],
                    claim_amount=data["claim_amount"],
                    summary=data["summary"],
                    claimant=services.PartyInput(
                        name=data["claimant_name"],
                        national_code=data["claimant_national_code"],
                        mobile=data["claimant_mobile"],
                    ),
                    respondent=services.PartyInput(
                        name=data["respondent_name"],
                        national_code=data["respondent_national_code"],
                        mobile=data["respondent_mobile"],
                    ),
                    **form.time_facts(),
                )
            except DomainError as exc:  # "claimant.mobile" is the form's "claimant_mobile"
                exc.fields = {name.replace(".", "_"): errors for name, errors in exc.fields.items()}
                raise

        opened = run_service(request, form, open_dispute)
        if opened.ok:
            dispute = opened.value
            messages.success(request, _("Dispute %(ref)s opened.") % {"ref": dispute.reference_display})
            run_service(request, None, lambda: services.dispute_triage(dispute=dispute, actor=request.user))
            return _detail(dispute)
    return render(
        request, "disputes/new.html", {"form": form, "offices": offices, "office": office, "preview": preview}
    )


@scoped_view
@require_http_methods(["GET", "POST"])
def from_case(request, case_id: int):
    """Send a petition or complaint to resolution first; an appeal or cassation never goes.

    When a time limit would run out during mediation the service refuses, and the page offers
    to file the request now and mediate after filing (the same form, ``file_first`` set).
    """
    from tanzim.cases.selectors import case_get_for

    case = case_get_for(user=request.user, pk=case_id)
    form = FromCaseForm(request.POST or None)
    refused: list[str] = []

    def open_dispute(data):
        try:
            return services.dispute_open_from_case(
                case=case,
                actor=request.user,
                category=data["category"],
                respondent_mobile=data["respondent_mobile"] or "",
                file_first=request.POST.get("file_first") == "on",
                **form.time_facts(),
            )
        except DomainError as exc:
            refused.append(exc.code or "")
            raise

    if request.method == "POST" and not case.is_review:
        opened = run_service(request, form, open_dispute)
        if opened.ok:
            dispute = opened.value
            run_service(request, None, lambda: services.dispute_triage(dispute=dispute, actor=request.user))
            return _detail(dispute)
    offer_file_first = "settle_first_deadline" in refused
    return render(
        request,
        "disputes/from_case.html",
        {
            "form": form,
            "case": case,
            "offer_file_first": offer_file_first,
            "review_deadline": case_selectors.review_deadline(case),
        },
    )
