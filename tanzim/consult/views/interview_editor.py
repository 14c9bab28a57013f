"""The Kanoon's editor of drafting interviews: JSON with a page-by-page preview, versions,
publishing (the same shape as the trees' editor)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tanzim.accounts.permissions import is_kanoon
from tanzim.common.errors import DomainError
from tanzim.common.forms import BootstrapForm
from tanzim.common.views import form_add_domain_error, run_service, scoped_view
from tanzim.consult import interviews
from tanzim.consult.models import Interview
from tanzim.consult.services.interview_editor import interview_version_publish, interview_version_save


class InterviewDefinitionForm(BootstrapForm):
    definition = forms.CharField(
        label=gettext_lazy("Pages and questions (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "dir": "ltr", "spellcheck": "false"}),
        max_length=400_000,
    )
    note = forms.CharField(label=gettext_lazy("What changed"), max_length=300, required=False)


def _interview(request: HttpRequest, slug: str) -> Interview:
    if not is_kanoon(request.user):
        raise Http404()
    interview = Interview.objects.filter(slug=slug).first()
    if interview is None:
        raise Http404()
    return interview


def _preview(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "number": index + 1,
            "title": interviews._text(page, "title"),
            "fields": [
                (f.get("key"), interviews.label(f), f.get("type", "text")) for f in page.get("fields", [])
            ],
        }
        for index, page in enumerate(definition["pages"])
    ]


@scoped_view
def interview_list(request: HttpRequest) -> HttpResponse:
    if not is_kanoon(request.user):
        raise Http404()
    return render(
        request,
        "consult/interview_list.html",
        {"interviews": Interview.objects.select_related("published").order_by("position", "slug")},
    )


@scoped_view
def interview_edit(request: HttpRequest, slug: str) -> HttpResponse:
    interview = _interview(request, slug)
    versions = list(interview.versions.all()[:30])
    latest = versions[0] if versions else None
    initial = json.dumps(latest.definition, ensure_ascii=False, indent=1) if latest else ""
    form = InterviewDefinitionForm(request.POST or None, initial={"definition": initial})
    preview = None
    if request.method == "POST" and form.is_valid():
        intent = request.POST.get("intent", "preview")
        try:
            try:
                definition = json.loads(form.cleaned_data["definition"])
            except ValueError as exc:
                raise DomainError(
                    fields={"definition": [_("This is not valid JSON: %(error)s") % {"error": exc}]}
                ) from exc
            if intent == "preview":
                problems = interviews.validate_definition(definition)
                if problems:
                    raise DomainError(fields={"definition": [str(p) for p in problems]})
                preview = _preview(definition)
            else:
                version = interview_version_save(
                    interview=interview,
                    actor=request.user,
                    definition=definition,
                    note=form.cleaned_data.get("note") or "",
                    publish=intent == "publish",
                )
                messages.success(request, _("Version %(n)s saved.") % {"n": version.number})
                return redirect("consult:interview-edit", slug=interview.slug)
        except DomainError as exc:
            form_add_domain_error(form, exc)
    return render(
        request,
        "consult/interview_edit.html",
        {"interview": interview, "form": form, "versions": versions, "preview": preview},
        status=400 if form.errors else 200,
    )


@require_POST
@scoped_view
def interview_publish(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    interview = _interview(request, slug)
    version = interview.versions.filter(number=number).first()
    if version is None:
        raise Http404()
    run_service(
        request,
        None,
        lambda: interview_version_publish(version=version, actor=request.user),
        success=_("Published."),
    )
    return redirect("consult:interview-edit", slug=interview.slug)
