"""The Kanoon's editor of diagnosis trees (JSON with an outline preview, versions, publishing)
and the content report (where people drop off, where they pick "none of these")."""

from __future__ import annotations

import json

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tanzim.common.errors import DomainError
from tanzim.common.forms import BootstrapForm
from tanzim.common.views import form_add_domain_error, run_service, scoped_view
from tanzim.consult import selectors, services, trees
from tanzim.consult.choices import ProblemFamily


class TreeForm(BootstrapForm):
    slug = forms.SlugField(label=gettext_lazy("Short name (in the address)"), max_length=60)
    family = forms.ChoiceField(label=gettext_lazy("Problem family"), choices=ProblemFamily.choices)
    title_fa = forms.CharField(label=gettext_lazy("Title (Persian)"), max_length=200)
    title_en = forms.CharField(label=gettext_lazy("Title (English)"), max_length=200, required=False)


class DefinitionForm(BootstrapForm):
    definition = forms.CharField(
        label=gettext_lazy("Steps (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "dir": "ltr", "spellcheck": "false"}),
        max_length=400_000,
    )
    note = forms.CharField(label=gettext_lazy("What changed"), max_length=300, required=False)


@scoped_view
def tree_list(request: HttpRequest) -> HttpResponse:
    trees_qs = selectors.tree_list_for_edit(actor=request.user)
    form = TreeForm(request.POST or None)
    if request.method == "POST":
        outcome = run_service(
            request,
            form,
            lambda data: services.tree_create(actor=request.user, **data),
            success=_("Tree created. Write its first version."),
        )
        if outcome.ok:
            return redirect("consult:tree-edit", slug=outcome.value.slug)
    return render(request, "consult/tree_list.html", {"trees": trees_qs, "form": form})


@scoped_view
def tree_edit(request: HttpRequest, slug: str) -> HttpResponse:
    tree = selectors.tree_get_for_edit(actor=request.user, slug=slug)
    versions = list(tree.versions.all()[:30])
    latest = versions[0] if versions else None
    initial = json.dumps(latest.definition, ensure_ascii=False, indent=1) if latest else ""
    form = DefinitionForm(request.POST or None, initial={"definition": initial})
    outline = None
    if request.method == "POST" and form.is_valid():
        intent = request.POST.get("intent", "preview")
        try:
            definition = services.parse_definition(form.cleaned_data["definition"])
            if intent == "preview":
                trees.check(definition)
                outline = trees.outline(definition)
            else:
                version = services.tree_version_save(
                    tree=tree,
                    actor=request.user,
                    definition=definition,
                    note=form.cleaned_data.get("note") or "",
                    publish=intent == "publish",
                )
                from django.contrib import messages

                messages.success(
                    request,
                    _("Version %(n)s saved.") % {"n": version.number}
                    + (" " + _("It is now published.") if intent == "publish" else ""),
                )
                return redirect("consult:tree-edit", slug=tree.slug)
        except DomainError as exc:
            form_add_domain_error(form, exc)
    status = 400 if form.errors else 200
    return render(
        request,
        "consult/tree_edit.html",
        {"tree": tree, "versions": versions, "form": form, "outline": outline},
        status=status,
    )


@require_POST
@scoped_view
def tree_publish(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = selectors.tree_version_get(actor=request.user, slug=slug, number=number)
    run_service(
        request,
        None,
        lambda: services.tree_version_publish(version=version, actor=request.user),
        success=_("Version %(n)s is now published.") % {"n": number},
    )
    return redirect("consult:tree-edit", slug=slug)


@scoped_view
def content_report(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("tree") or None
    report = selectors.content_report(actor=request.user, slug=slug)
    return render(request, "consult/content_report.html", {"report": report, "slug": slug})
