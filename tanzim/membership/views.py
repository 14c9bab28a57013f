"""Pages: the applicant's checklist, the reviewer's page, the import, the pipeline, loans."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import can_act_for_office, has_role, is_kanoon
from tanzim.audit import services as audit
from tanzim.common.charts import trend
from tanzim.common.files import file_redirect
from tanzim.common.jalali import format_jalali
from tanzim.common.views import run_service, scoped_view
from tanzim.inspections.choices import ItemResult
from tanzim.inspections.services.plans import checklist_current
from tanzim.membership import selectors, services
from tanzim.membership.choices import STEP_ORDER, STEP_OWNER, DocumentKind, Step
from tanzim.membership.forms import (
    DocumentForm,
    EquipmentForm,
    ExamImportForm,
    GuaranteeForm,
    LicenceForm,
    LoanDocumentForm,
    LoanForm,
    PremisesForm,
    SendBackForm,
    StaffForm,
    TrainingForm,
)
from tanzim.membership.models import ApplicationDocument, LoanProgramme, StaffCertificate
from tanzim.membership.services.guarantee import GUARANTEE_RIALS
from tanzim.membership.services.loan_documents import loan_document_add
from tanzim.membership.services.steps import documents_missing
from tanzim.membership.workflows import may_act_as
from tanzim.offices.models import Office


def _steps(application):
    index = STEP_ORDER.index(application.status) if application.status in STEP_ORDER else -1
    return [
        {
            "value": step,
            "label": Step(step).label,
            "done": index > i,
            "current": index == i,
            "owner": STEP_OWNER.get(step, ""),
        }
        for i, step in enumerate(STEP_ORDER)
    ]


@scoped_view
def home(request):
    """The applicant's own checklist; reviewers land on the pipeline."""
    application = selectors.own_application(user=request.user)
    if application is None:
        if selectors.can_see_pipeline(request.user):
            return redirect("membership:pipeline")
        raise Http404()
    forms_by_step = {
        Step.DOCUMENTS: DocumentForm(),
        Step.PREMISES: PremisesForm(initial={"premises_address": application.premises_address}),
        Step.EQUIPMENT: EquipmentForm(initial=application.equipment or None),
        Step.GUARANTEE: GuaranteeForm(),
    }
    upload_form: DocumentForm | None = None
    step_form = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "upload":
            form = DocumentForm(request.POST, request.FILES)
            outcome = run_service(
                request,
                form,
                lambda d: services.document_add(
                    application=application, actor=request.user, kind=d["kind"], upload=d["file"]
                ),
                success=_("The document was added."),
            )
            upload_form = form
        elif action == "place":
            place = selectors.places_for(application=application).filter(pk=request.POST.get("place")).first()
            if place is None:
                raise Http404()
            outcome = run_service(
                request,
                None,
                lambda: services.place_choose(
                    application=application,
                    actor=request.user,
                    place=place,
                    expected_status=request.POST.get("expected_status"),
                ),
                success=_("The place is yours."),
            )
        elif action == "pay_guarantee":
            outcome = run_service(
                request,
                None,
                lambda: services.guarantee_payment_open(application=application, actor=request.user),
            )
            if outcome.ok:
                from tanzim.finance.services import payment_start

                return redirect(payment_start(payment=outcome.value))
        elif action == "submit":
            form_class = {
                Step.PREMISES: PremisesForm,
                Step.EQUIPMENT: EquipmentForm,
                Step.GUARANTEE: GuaranteeForm,
            }.get(application.status)
            if form_class is None:
                outcome = run_service(
                    request,
                    None,
                    lambda: services.step_submit(application=application, actor=request.user),
                    success=_("Handed in for review."),
                )
            else:
                form = form_class(request.POST)
                outcome = run_service(
                    request,
                    form,
                    lambda d: services.step_submit(application=application, actor=request.user, data=d),
                    success=_("Handed in for review."),
                )
                step_form = form
        else:
            raise Http404()
        if outcome.ok:
            return redirect("membership:home")
        application.refresh_from_db()
    context = {
        "application": application,
        "steps": _steps(application),
        "documents": application.documents.all(),
        "missing": [DocumentKind(k).label for k in documents_missing(application)],
        "places": selectors.places_for(application=application) if application.status == Step.PLACE else [],
        "form": step_form or forms_by_step.get(application.status),
        "guarantee_rials": GUARANTEE_RIALS,
        "document_form": upload_form
        or (
            forms_by_step[Step.DOCUMENTS]
            if application.status == Step.DOCUMENTS
            else DocumentForm(initial={"kind": DocumentKind.PREMISES_PHOTO})
        ),
    }
    return render(request, "membership/home.html", context, status=200 if request.method == "GET" else 400)


@scoped_view
def document(request, pk: int):
    doc = get_object_or_404(ApplicationDocument.objects.select_related("application"), pk=pk)
    selectors.application_get_for(user=request.user, pk=doc.application_id)
    audit.record_read(actor=request.user, obj=doc, purpose="applicant document")
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        doc.content_type, ""
    )
    return file_redirect(
        doc, user=request.user, content_type=doc.content_type, filename=f"{doc.kind}{extension}"
    )


@scoped_view
def import_exam(request):
    if not is_kanoon(request.user):
        raise PermissionDenied
    form = ExamImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        outcome = run_service(
            request,
            form,
            lambda d: services.exam_import(
                actor=request.user,
                content=d["file"].read(),
                file_name=d["file"].name,
                exam_year=d["exam_year"],
            ),
        )
        if outcome.ok:
            messages.success(request, _("%(n)s applicants were imported.") % {"n": outcome.value.rows})
            return redirect("membership:pipeline")
    return render(request, "membership/import.html", {"form": form}, status=400 if form.errors else 200)


def _burn_chart(pipeline, persian: bool):
    return trend(
        pipeline.burn_labels,
        [
            (_("Target"), pipeline.burn_ideal, False),
            (_("Not yet open (%)"), pipeline.burn_actual, True),
        ],
        title=_("Applicants not yet open, % of all, by month of this year"),
        persian=persian,
    )


@scoped_view
def pipeline(request):
    data = selectors.pipeline_for(user=request.user)
    persian = (get_language() or "fa").startswith("fa")
    rows = [
        (province, [data.counts.get(province.pk, {}).get(step, 0) for step in data.steps])
        for province in data.provinces
    ]
    context = {
        "pipeline": data,
        "steps": [(s, Step(s).label) for s in data.steps],
        "rows": rows,
        "totals": [data.totals.get(s, 0) for s in data.steps],
        "chart": _burn_chart(data, persian),
        "can_import": is_kanoon(request.user),
        "now": timezone.now(),
        "applicants": selectors.applications_for(user=request.user)
        .exclude(user_id=request.user.pk)
        .exclude(status__in=[Step.OPENED, Step.WITHDRAWN])
        .order_by("status_changed_at", "pk")[:30],
    }
    return render(request, "membership/pipeline.html", context)


@scoped_view
def pipeline_csv(request):
    data = selectors.pipeline_for(user=request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="membership-pipeline.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Province"), *[str(Step(s).label) for s in data.steps], str(Step.WITHDRAWN.label)])
    for province in data.provinces:
        counts = data.counts.get(province.pk, {})
        writer.writerow(
            [province.name, *[counts.get(s, 0) for s in data.steps], counts.get(Step.WITHDRAWN, 0)]
        )
    writer.writerow([])
    writer.writerow([_("Stuck since"), _("Applicant"), _("Province"), _("Step")])
    for application in data.stuck:
        writer.writerow(
            [
                format_jalali(application.status_changed_at, persian_digits=False),
                application.full_name,
                application.province.name,
                application.get_status_display(),
            ]
        )
    return response


@scoped_view
def review(request, pk: int):
    """The page of one applicant for the people who decide its steps."""
    application = selectors.application_get_for(user=request.user, pk=pk)
    if application.user_id == request.user.pk and not selectors.can_see_pipeline(request.user):
        return redirect("membership:home")
    owner = STEP_OWNER.get(application.status)
    may_decide = owner is not None and may_act_as(request.user, application, owner)
    send_back, training, licence = SendBackForm(), TrainingForm(), LicenceForm()
    checklist = checklist_current() if application.status == Step.PREMISES else None
    inspection_error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        expected = request.POST.get("expected_status")
        if action == "approve":
            outcome = run_service(
                request,
                None,
                lambda: services.step_approve(
                    application=application, actor=request.user, expected_status=expected
                ),
                success=_("Approved."),
            )
        elif action == "send_back":
            send_back = SendBackForm(request.POST)
            outcome = run_service(
                request,
                send_back,
                lambda d: services.step_send_back(
                    application=application, actor=request.user, reason=d["reason"], expected_status=expected
                ),
                success=_("Sent back to the applicant."),
            )
        elif action == "training":
            training = TrainingForm(request.POST)
            outcome = run_service(
                request,
                training,
                lambda d: services.training_record(
                    application=application,
                    actor=request.user,
                    hours=d["hours"],
                    score=d["score"],
                    expected_status=expected,
                ),
                success=_("The training was recorded."),
            )
        elif action == "licence":
            licence = LicenceForm(request.POST)
            outcome = run_service(
                request,
                licence,
                lambda d: services.licence_issue(
                    application=application, actor=request.user, kinds=d["kinds"], expected_status=expected
                ),
                success=_("The licence was issued and the office is open."),
            )
        elif action == "inspect":
            results = {
                int(key[7:]): value
                for key, value in request.POST.items()
                if key.startswith("result_") and key[7:].isdigit()
            }
            outcome = run_service(
                request,
                None,
                lambda: services.premises_inspect(
                    application=application,
                    actor=request.user,
                    results=results,
                    note=request.POST.get("note", ""),
                ),
                success=_("The inspection was recorded."),
            )
        else:
            raise Http404()
        if outcome.ok:
            return redirect("membership:review", pk=application.pk)
        application.refresh_from_db()
    context = {
        "application": application,
        "steps": _steps(application),
        "documents": application.documents.all(),
        "events": application.events.select_related("actor").order_by("-created_at", "-pk")[:20],
        "inspections": application.inspections.all()[:5],
        "may_decide": may_decide,
        "send_back": send_back,
        "training": training,
        "licence": licence,
        "checklist_items": list(checklist.items.order_by("position")) if checklist and may_decide else [],
        "results": ItemResult.choices,
        "inspection_error": inspection_error,
    }
    return render(request, "membership/review.html", context, status=200 if request.method == "GET" else 400)


# --- loans --------------------------------------------------------------------------------------


def _managed_offices(user) -> list[Office]:
    if not has_role(user, Role.OFFICE_MANAGER):
        return []
    candidates = Office.objects.filter(
        staff_roles__user=user, staff_roles__role=Role.OFFICE_MANAGER
    ).distinct()
    return [o for o in candidates if can_act_for_office(user, o, Role.OFFICE_MANAGER)]


@scoped_view
def loans(request):
    offices = _managed_offices(request.user)
    kanoon = is_kanoon(request.user)
    if not offices and not kanoon and not selectors.loans_for(user=request.user).exists():
        raise Http404()
    office = offices[0] if offices else None
    programmes = []
    for programme in selectors.programmes_open():
        check = services.loan_eligibility(programme=programme, office=office) if office else None
        programmes.append((programme, check, LoanForm(prefix=f"p{programme.pk}")))
    if request.method == "POST":
        action = request.POST.get("action")
        expected = request.POST.get("expected_status")
        if action == "apply" and office is not None:
            programme = get_object_or_404(LoanProgramme, pk=request.POST.get("programme"), active=True)
            form = LoanForm(request.POST, prefix=f"p{programme.pk}")
            outcome = run_service(
                request,
                form,
                lambda d: services.loan_apply(
                    programme=programme,
                    actor=request.user,
                    office=office,
                    amount=d["amount"],
                    purpose=d.get("purpose") or "",
                ),
                success=_("Your application joined the queue."),
            )
            programmes = [(p, c, form if p.pk == programme.pk else f) for p, c, f in programmes]
        elif action in ("approve", "reject", "disburse"):
            loan = selectors.loan_get_for(user=request.user, pk=request.POST.get("loan"))
            if action == "disburse":
                outcome = run_service(
                    request,
                    None,
                    lambda: services.loan_disburse(loan=loan, actor=request.user, expected_status=expected),
                    success=_("The loan was paid out."),
                )
            else:
                outcome = run_service(
                    request,
                    None,
                    lambda: services.loan_decide(
                        loan=loan,
                        actor=request.user,
                        approve=action == "approve",
                        reason=request.POST.get("reason", ""),
                        expected_status=expected,
                    ),
                    success=_("Decided."),
                )
        elif action == "loan_document":
            loan = selectors.loan_get_for(user=request.user, pk=request.POST.get("loan"))
            form = LoanDocumentForm(request.POST, request.FILES)
            outcome = run_service(
                request,
                form,
                lambda d: loan_document_add(loan=loan, actor=request.user, kind=d["kind"], upload=d["file"]),
                success=_("The document was added."),
            )
        elif action == "pay":
            instalment = selectors.instalment_get_for(user=request.user, pk=request.POST.get("instalment"))
            outcome = run_service(
                request,
                None,
                lambda: services.instalment_pay(instalment=instalment, actor=request.user),
                success=_("The instalment was recorded as paid."),
            )
        else:
            raise Http404()
        if outcome.ok:
            return redirect("membership:loans")
    own = (
        selectors.loans_for(user=request.user)
        .filter(member_id=request.user.pk)
        .prefetch_related("instalments", "documents")
    )
    context = {
        "office": office,
        "programmes": programmes,
        "own": own,
        "kanoon": kanoon,
        "queue": selectors.loan_queue() if kanoon else [],
        "approved": selectors.loans_for(user=request.user).filter(status="approved") if kanoon else [],
        "today": timezone.localdate(),
        "loan_document_form": LoanDocumentForm(),
    }
    return render(request, "membership/loans.html", context, status=200 if request.method == "GET" else 400)


@scoped_view
def staff(request):
    """The manager's staff and their certificates; adding one grants the role until it expires."""
    offices = _managed_offices(request.user)
    if not offices:
        raise Http404()
    office = offices[0]
    form = StaffForm(request.POST or None)
    if request.method == "POST":
        outcome = run_service(
            request,
            form,
            lambda d: services.staff_add(actor=request.user, office=office, **d),
            success=_("The staff member was added; the role lasts as long as the certificate."),
        )
        if outcome.ok:
            return redirect("membership:staff")
    context = {
        "office": office,
        "form": form,
        "certificates": StaffCertificate.objects.filter(office=office).select_related("user"),
        "today": timezone.localdate(),
    }
    return render(request, "membership/staff.html", context, status=400 if form.errors else 200)


@scoped_view
def loan_document(request, pk: int):
    document = selectors.loan_document_get_for(user=request.user, pk=pk)
    audit.record_read(actor=request.user, obj=document, purpose="loan document")
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        document.content_type, ""
    )
    return file_redirect(
        document,
        user=request.user,
        content_type=document.content_type,
        filename=f"{document.kind}{extension}",
    )
