"""Guided drafting pages: an interview one page at a time (checked as typed), save and resume by
link, a review where any answer can be edited, then — signed in — the document and the case draft.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tanzim.catalog.models import Service
from tanzim.catalog.selectors import offices_for_service
from tanzim.common import formatting
from tanzim.common.errors import DomainError
from tanzim.common.money_words import number_in_words
from tanzim.common.views import domain_errors_as_http, scoped_view
from tanzim.consult import documents, interviews, selectors
from tanzim.consult.choices import FieldType
from tanzim.consult.models import DraftRun
from tanzim.consult.services import drafting
from tanzim.consult.trees import _text
from tanzim.consult.views.diagnosis import CARRY_KEY
from tanzim.offices.models import Office

MAX_OFFICES = 300


def _page_view(definition: dict[str, Any], index: int) -> dict[str, Any]:
    page = definition["pages"][index]
    return {
        "title": _text(page, "title"),
        "help": _text(page, "help"),
        "fields": [
            {
                **field,
                "label": interviews.label(field),
                "help": _text(field, "help"),
                "required": field.get("required", True),
                "options": [
                    {"value": str(o["value"]), "label": interviews.label(o)} for o in field.get("options", [])
                ],
            }
            for field in page.get("fields", [])
        ],
    }


def _typed(field: dict[str, Any], value: str) -> str:
    """A stored answer as it goes back into its input (a Jalali date, digits of an amount)."""
    if not value:
        return ""
    if field.get("type") == FieldType.DATE:
        from datetime import date

        return formatting.jalali_date(date.fromisoformat(value), "date", "en")
    return value


@domain_errors_as_http
def interview_start(request: HttpRequest, slug: str) -> HttpResponse:
    version = selectors.interview_version_for_run(slug=slug)
    carry = request.session.get(CARRY_KEY) or {}
    if request.method == "POST":
        run = drafting.draft_start(
            version=version,
            user=request.user,
            facts=carry.get("facts") or {},
            source_tree=carry.get("tree", ""),
        )
        request.session.pop(CARRY_KEY, None)
        return redirect("consult:draft-page", token=run.token, page=0)
    definition = version.definition
    carried = [
        interviews.label(interviews.fields_of(definition)[key])
        for fact, key in (definition.get("from_facts") or {}).items()
        if (carry.get("facts") or {}).get(fact)
    ]
    return render(
        request,
        "consult/interview_start.html",
        {
            "interview": version.interview,
            "pages": [_text(p, "title") for p in definition["pages"]],
            "carried": carried,
        },
    )


@domain_errors_as_http
def draft_page(request: HttpRequest, token: str, page: int) -> HttpResponse:
    run = selectors.draft_get(token=token, user=request.user)
    definition = run.version.definition
    if not 0 <= page < len(definition["pages"]) or page > run.page:
        return redirect(
            "consult:draft-page", token=run.token, page=min(run.page, len(definition["pages"]) - 1)
        )
    if run.finished_at:
        return redirect("consult:draft-done", token=run.token)
    errors: dict[str, list[str]] = {}
    values = {
        key: _typed(field, run.answers.get(key, ""))
        for key, field in interviews.fields_of(definition).items()
    }
    reviewing = request.GET.get("review") == "1" or request.POST.get("review") == "1"
    if request.method == "POST":
        values.update({k: request.POST.get(k, "") for k in values if k in request.POST})
        try:
            drafting.draft_save_page(run=run, page=page, data=request.POST)
        except DomainError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.fields.items()}
        else:
            if request.POST.get("intent") == "later":
                messages.success(request, _("Saved. Keep this page's address to come back to your draft."))
                return redirect("consult:draft-saved", token=run.token)
            if reviewing or page + 1 >= len(definition["pages"]):
                return redirect("consult:draft-review", token=run.token)
            return redirect("consult:draft-page", token=run.token, page=page + 1)
    view = _page_view(definition, page)
    for field in view["fields"]:
        field["value"] = values.get(field["key"], "")
        field["errors"] = errors.get(field["key"], [])
    return render(
        request,
        "consult/draft_page.html",
        {
            "run": run,
            "page": view,
            "index": page,
            "count": len(definition["pages"]),
            "errors": errors,
            "reviewing": reviewing,
        },
        status=400 if errors else 200,
    )


def _review_rows(run: DraftRun) -> list[dict[str, Any]]:
    definition = run.version.definition
    problems = drafting.draft_problems(run)
    sections = []
    for index, page in enumerate(definition["pages"]):
        rows = []
        for field in page.get("fields", []):
            rows.append(
                {
                    "key": field["key"],
                    "label": interviews.label(field),
                    "value": interviews.shown(field, run.answers.get(field["key"], "")),
                    "problems": problems.get(field["key"], []),
                }
            )
        sections.append({"index": index, "title": _text(page, "title"), "rows": rows})
    return sections


@domain_errors_as_http
def draft_review(request: HttpRequest, token: str) -> HttpResponse:
    run = selectors.draft_get(token=token, user=request.user)
    if run.finished_at:
        return redirect("consult:draft-done", token=run.token)
    sections = _review_rows(run)
    ready = not drafting.draft_problems(run)
    return render(
        request,
        "consult/draft_review.html",
        {
            "run": run,
            "sections": sections,
            "ready": ready,
            "paragraphs": interviews.body(run.version.definition, run.answers),
        },
    )


@domain_errors_as_http
def draft_saved(request: HttpRequest, token: str) -> HttpResponse:
    run = selectors.draft_get(token=token, user=request.user)
    return render(request, "consult/draft_saved.html", {"run": run})


def _offices_for(run: DraftRun) -> list[Office]:
    service = Service.objects.filter(code=run.version.interview.service_code).first()
    if service is None:
        return []
    return list(offices_for_service(service=service).order_by("code")[:MAX_OFFICES])


@domain_errors_as_http
def draft_finish(request: HttpRequest, token: str) -> HttpResponse:
    """Sign-in is asked for here, not earlier: the draft waits, the answers are kept."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    run = selectors.draft_get(token=token, user=request.user)
    if run.finished_at:
        return redirect("consult:draft-done", token=run.token)
    offices = _offices_for(run)
    error = ""
    if request.method == "POST":
        office = next((o for o in offices if str(o.pk) == request.POST.get("office")), None)
        if office is None:
            error = _("Choose the office that will handle the request.")
        else:
            try:
                drafting.draft_finish(run=run, actor=request.user, office=office)
            except DomainError as exc:
                error = str(exc.message)
            else:
                messages.success(request, _("Your document is ready and your request is drafted."))
                return redirect("consult:draft-done", token=run.token)
    return render(
        request,
        "consult/draft_finish.html",
        {"run": run, "offices": offices, "error": error, "chosen": request.POST.get("office", "")},
        status=400 if error else 200,
    )


@scoped_view
def draft_done(request: HttpRequest, token: str) -> HttpResponse:
    run = selectors.draft_get(token=token, user=request.user)
    if not run.finished_at:
        return redirect("consult:draft-review", token=run.token)
    return render(request, "consult/draft_done.html", {"run": run})


def _download(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    run = selectors.draft_get(token=token, user=request.user)
    definition, answers = run.version.definition, run.answers
    language = (request.LANGUAGE_CODE or "fa")[:2]
    name = run.version.interview.slug
    if kind == "pdf":
        response = HttpResponse(
            documents.document_pdf(definition, answers, language), content_type="application/pdf"
        )
    else:
        response = HttpResponse(
            documents.document_docx(definition, answers, language),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response["Cache-Control"] = "private, no-store"
    return response


@domain_errors_as_http
def draft_pdf(request: HttpRequest, token: str) -> HttpResponse:
    return _download(request, token, "pdf")


@domain_errors_as_http
def draft_docx(request: HttpRequest, token: str) -> HttpResponse:
    return _download(request, token, "docx")


@scoped_view
def my_drafts(request: HttpRequest) -> HttpResponse:
    return render(
        request, "consult/my_drafts.html", {"runs": selectors.draft_list_for(user=request.user)[:100]}
    )


def amount_words(request: HttpRequest) -> HttpResponse:
    """The amount being typed, read back in words (htmx, as the citizen types): 0 is refused."""
    field = {"type": FieldType.AMOUNT, "required": False}
    # htmx sends the input by its own name (the field's key): take the one value given.
    raw = request.GET.get("value") or next(iter(request.GET.values()), "")
    try:
        value = interviews.clean_value(field, raw, today=timezone.localdate())
    except Exception as exc:  # ValidationError: its message is shown under the field
        text, ok = str(getattr(exc, "messages", [exc])[0]), False
    else:
        text, ok = (number_in_words(int(value)) + " " + _("rials") if value else ""), True
    return render(request, "consult/_amount_words.html", {"text": text, "ok": ok})
