"""Insurance pages: a manager enrols with dependants and claims; the Kanoon reviews claims and
downloads the insurer's file."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit import services as audit
from tanzim.common.files import file_redirect
from tanzim.common.views import run_service, scoped_view
from tanzim.membership import selectors
from tanzim.membership.choices import ClaimStatus
from tanzim.membership.forms import ClaimForm, ClaimPayForm, EnrolForm
from tanzim.membership.models import InsurancePolicy
from tanzim.membership.services.claims import claim_pay, claim_refuse, claim_submit, insurer_csv
from tanzim.membership.services.insurance import insurance_enrol
from tanzim.membership.views import _managed_offices


@scoped_view
def insurance(request):
    offices = _managed_offices(request.user)
    kanoon = is_kanoon(request.user)
    own_enrolments = selectors.enrolments_for(user=request.user).filter(member_id=request.user.pk)
    if not offices and not kanoon and not own_enrolments.exists():
        raise Http404()
    office = offices[0] if offices else None
    enrol_form = EnrolForm()
    claim_forms = {e.pk: ClaimForm(enrolment=e, prefix=f"e{e.pk}") for e in own_enrolments}
    failed = False
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "enrol" and office is not None:
            enrol_form = EnrolForm(request.POST)
            outcome = run_service(
                request,
                enrol_form,
                lambda d: insurance_enrol(
                    actor=request.user, office=office, policy=d["policy"], dependants=enrol_form.dependants()
                ),
                success=_("You are enrolled."),
            )
        elif action == "claim":
            enrolment = selectors.enrolment_get_for(user=request.user, pk=request.POST.get("enrolment"))
            form = ClaimForm(request.POST, request.FILES, enrolment=enrolment, prefix=f"e{enrolment.pk}")
            outcome = run_service(
                request,
                form,
                lambda d: claim_submit(
                    enrolment=enrolment,
                    actor=request.user,
                    amount=d["amount"],
                    description=d["description"],
                    uploads=d["documents"],
                    dependant_id=int(d["person"]) if d.get("person") else None,
                ),
                success=_("Your claim was submitted."),
            )
            claim_forms[enrolment.pk] = form
        elif action in ("pay", "refuse") and kanoon:
            claim = selectors.claim_get_for(user=request.user, pk=request.POST.get("claim"))
            if action == "pay":
                pay_form = ClaimPayForm(request.POST, prefix=f"c{claim.pk}")
                outcome = run_service(
                    request,
                    pay_form,
                    lambda d: claim_pay(
                        claim=claim,
                        actor=request.user,
                        paid_amount=d["paid_amount"],
                        reference=d["reference"],
                        expected_status=ClaimStatus.SUBMITTED,
                    ),
                    success=_("The payment was recorded."),
                )
            else:
                outcome = run_service(
                    request,
                    None,
                    lambda: claim_refuse(
                        claim=claim,
                        actor=request.user,
                        reason=request.POST.get("reason", ""),
                        expected_status=ClaimStatus.SUBMITTED,
                    ),
                    success=_("The claim was refused."),
                )
        else:
            raise Http404()
        if outcome.ok:
            return redirect("membership:insurance")
        failed = True
    context = {
        "office": office,
        "kanoon": kanoon,
        "policies": selectors.policies_open() if office else [],
        "enrol_form": enrol_form,
        "enrolments": [(e, claim_forms[e.pk]) for e in own_enrolments],
        "claims": selectors.claims_for(user=request.user)
        .filter(enrolment__member_id=request.user.pk)
        .order_by("-submitted_at"),
        "review": selectors.claims_for(user=request.user)
        .filter(status=ClaimStatus.SUBMITTED)
        .order_by("submitted_at", "pk")
        if kanoon
        else [],
        "all_policies": InsurancePolicy.objects.order_by("code") if kanoon else [],
    }
    if kanoon:
        context["review"] = [(c, ClaimPayForm(prefix=f"c{c.pk}")) for c in context["review"]]
    return render(request, "membership/insurance.html", context, status=400 if failed else 200)


@scoped_view
def claim_document(request, pk: int):
    document = selectors.claim_document_get_for(user=request.user, pk=pk)
    audit.record_read(actor=request.user, obj=document, purpose="insurance claim document")
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        document.content_type, ""
    )
    return file_redirect(
        document, user=request.user, content_type=document.content_type, filename=f"claim{extension}"
    )


@scoped_view
def insurer_export(request, code: str):
    if not is_kanoon(request.user):
        raise Http404()
    policy = get_object_or_404(InsurancePolicy, code=code)
    audit.record(actor=request.user, action="membership.insurance.exported", obj=policy)
    response = HttpResponse("\ufeff" + insurer_csv(policy=policy), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="insured-{policy.code}.csv"'
    return response
