"""Pages around a consultation: the office's staff make it free on a recorded ground, files are
attached and downloaded (scoped like the consultation), the consultant reads the draft sent for
review, and the Kanoon registers consultants."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit.services import record_read
from tanzim.common.files import file_redirect
from tanzim.common.forms import JalaliDateField
from tanzim.common.views import run_service, scoped_view
from tanzim.consult import documents, selectors
from tanzim.consult.choices import ConsultantBasis
from tanzim.consult.models import Consultant
from tanzim.consult.services import support
from tanzim.finance.forms import add_free_service_ground_fields, free_service_ground_values
from tanzim.finance.services import missions_open_for


class FreeGroundForm(forms.Form):
    """The ground of a free consultation and its evidence (finance's own fields and rules)."""

    def __init__(self, *args: Any, office: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_free_service_ground_fields(self, missions=missions_open_for(offices=[office]))
        if "decision_date" not in self.fields:
            self.fields["decision_date"] = JalaliDateField(
                label=gettext_lazy("Date of the Kanoon's decision"),
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )


def ground_values(data: dict[str, Any]) -> dict[str, Any]:
    values = free_service_ground_values(data)
    if data.get("decision_date"):
        values["decision_date"] = data["decision_date"]
    return values


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("What is this file?"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    file = forms.FileField(
        label=gettext_lazy("File (PDF, JPEG or PNG)"),
        widget=forms.FileInput(
            attrs={"class": "form-control", "accept": "application/pdf,image/jpeg,image/png"}
        ),
    )


class ConsultantForm(forms.Form):
    national_code = forms.CharField(
        label=gettext_lazy("National code"),
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "dir": "ltr", "inputmode": "numeric"}),
    )
    office = forms.CharField(
        label=gettext_lazy("Office code"),
        max_length=12,
        widget=forms.TextInput(attrs={"class": "form-control", "dir": "ltr"}),
    )
    basis = forms.ChoiceField(
        label=gettext_lazy("Advises as"),
        choices=ConsultantBasis.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    licence_number = forms.CharField(
        label=gettext_lazy("Licence or approval number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Required for a consultant the Kanoon approved."),
        widget=forms.TextInput(attrs={"class": "form-control", "dir": "ltr"}),
    )


def _detail_again(request: HttpRequest, consultation: Any, **extra: Any) -> HttpResponse:
    from tanzim.consult.views.consultations import detail_context

    return render(
        request, "consult/consultation.html", detail_context(request, consultation, **extra), status=400
    )


@require_POST
@scoped_view
def make_free(request: HttpRequest, reference: str) -> HttpResponse:
    consultation = selectors.consultation_get_for(user=request.user, reference=reference)
    form = FreeGroundForm(request.POST, request.FILES, office=consultation.office)
    done = run_service(
        request,
        form,
        lambda data: support.consultation_make_free(
            consultation=consultation, actor=request.user, **ground_values(data)
        ),
        success=_("The consultation is free: the Kanoon reimburses the office."),
    )
    if not done.ok:
        return _detail_again(request, consultation, free_form=form, may_waive=True)
    return redirect("consult:consultation", reference=reference)


@require_POST
@scoped_view
def document_add(request: HttpRequest, reference: str) -> HttpResponse:
    consultation = selectors.consultation_get_for(user=request.user, reference=reference)
    form = DocumentForm(request.POST, request.FILES)
    done = run_service(
        request,
        form,
        lambda data: support.consultation_document_add(
            consultation=consultation, actor=request.user, upload=data["file"], title=data["title"]
        ),
        success=_("The file is attached."),
    )
    if not done.ok:
        return _detail_again(request, consultation, document_form=form)
    return redirect("consult:consultation", reference=reference)


@require_GET
@scoped_view
def document_download(request: HttpRequest, reference: str, document_id: int) -> HttpResponse:
    consultation = selectors.consultation_get_for(user=request.user, reference=reference)
    document = support.consultation_document_get(consultation=consultation, document_id=document_id)
    record_read(
        actor=request.user, obj=consultation, office=consultation.office_id, purpose="consult.document"
    )
    return file_redirect(
        document,
        user=request.user,
        content_type=document.content_type,
        filename=f"{consultation.reference}-{document.pk}{document.extension}",
    )


@require_GET
@scoped_view
def review_draft_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    """The document sent for review, as the citizen would download it: for the consultation's
    consultant (and the citizen); nobody else."""
    consultation = selectors.consultation_get_for(user=request.user, reference=reference)
    if consultation.draft is None or request.user.pk not in (
        consultation.citizen_id,
        consultation.consultant.user_id,
    ):
        raise Http404()
    run = consultation.draft
    language = (request.LANGUAGE_CODE or "fa")[:2]
    response = HttpResponse(
        documents.document_pdf(run.version.definition, run.answers, language), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{consultation.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@scoped_view
def consultants(request: HttpRequest) -> HttpResponse:
    """The Kanoon's register: who may advise, under what, and the form to record one."""
    if not is_kanoon(request.user):
        raise Http404()
    form = ConsultantForm(request.POST or None)
    if request.method == "POST":
        done = run_service(
            request,
            form,
            lambda data: support.consultant_register_from_form(
                actor=request.user,
                national_code=data["national_code"],
                office_code=data["office"],
                basis=data["basis"],
                licence_number=data["licence_number"],
            ),
            success=_("The consultant is recorded."),
        )
        if done.ok:
            return redirect("consult:consultants")
    rows = Consultant.objects.select_related("user", "office").order_by("office__code", "pk")[:500]
    return render(
        request,
        "consult/consultants.html",
        {"form": form, "rows": rows},
        status=400 if form.errors else 200,
    )


@require_POST
@scoped_view
def consultant_toggle(request: HttpRequest) -> HttpResponse:
    """Suspend or reactivate the consultant the form names (no id in the address)."""
    if not is_kanoon(request.user):
        raise Http404()
    raw = request.POST.get("consultant", "")
    consultant = Consultant.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if consultant is None:
        raise Http404()
    run_service(
        request,
        None,
        lambda: support.consultant_set_active(
            actor=request.user, consultant=consultant, active=not consultant.active
        ),
        success=_("Saved."),
    )
    return redirect("consult:consultants")
