"""The public diagnosis (no account): one question per screen, "none of these" on every step.

The run's state sits in the session (the path walked, the dates given); the counters the
content report reads are anonymous (a step and a number, nothing else). A Kanoon preview of an
unpublished version (``?version=N``) runs the same pages without counting.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.fees import channel_prices
from tanzim.catalog.models import Service
from tanzim.common.errors import DomainError
from tanzim.common.jalali import parse_jalali
from tanzim.common.views import domain_errors_as_http
from tanzim.consult import selectors, services, trees
from tanzim.consult.choices import AnswerKind, NodeType, StartAction
from tanzim.consult.models import TreeVersion
from tanzim.offices.selectors import working_calendar

SESSION_KEY = "consult.diagnosis"
CARRY_KEY = "consult.carry"


def _preview_number(request: HttpRequest) -> int | None:
    raw = request.GET.get("version") or request.POST.get("version")
    return int(raw) if raw and raw.isdigit() else None


def _state_key(slug: str, number: int | None) -> str:
    return f"{slug}@{number}" if number is not None else slug


def _load(request: HttpRequest, version: TreeVersion, key: str) -> dict[str, Any] | None:
    state = request.session.get(SESSION_KEY, {}).get(key)
    if not state or state.get("v") != version.pk:
        return None
    return dict(state)


def _save(request: HttpRequest, key: str, state: dict[str, Any] | None) -> None:
    runs = dict(request.session.get(SESSION_KEY, {}))
    if state is None:
        runs.pop(key, None)
    else:
        runs[key] = state
    request.session[SESSION_KEY] = runs


def _start(request: HttpRequest, version: TreeVersion, key: str, counting: bool) -> dict[str, Any]:
    start = str(version.definition["start"])
    state = {"v": version.pk, "path": [start], "facts": {}, "answers": {}}
    if counting:
        services.step_reached(version_id=version.pk, node=start)
    _save(request, key, state)
    return state


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "consult/diagnosis_index.html",
        {"trees": selectors.tree_list_published(), "interviews": selectors.interview_list_published()},
    )


def _prices(service_code: str) -> dict[str, Any] | None:
    """The cheapest channel of the result's service and what it saves against the dearest."""
    service = Service.objects.filter(code=service_code, active=True).first() if service_code else None
    if service is None:
        return None
    try:
        prices = channel_prices(service=service)
    except DomainError:
        return None
    if not prices:
        return None
    labels = dict(ChannelKind.choices)
    rows = sorted(prices.items(), key=lambda item: item[1])
    cheapest, dearest = rows[0], rows[-1]
    return {
        "service": service,
        "rows": [{"channel": ch, "label": labels.get(ch, ch), "price": p} for ch, p in rows],
        "cheapest_label": labels.get(cheapest[0], cheapest[0]),
        "cheapest": cheapest[1],
        "saving": dearest[1] - cheapest[1],
        "dearest_label": labels.get(dearest[0], dearest[0]),
    }


@domain_errors_as_http
def run(request: HttpRequest, slug: str) -> HttpResponse:
    number = _preview_number(request)
    version = selectors.tree_version_for_run(slug=slug, actor=request.user, number=number)
    key = _state_key(slug, number)
    counting = number is None
    state = _load(request, version, key) or _start(request, version, key, counting)
    definition = version.definition
    error = ""
    if request.method == "POST":
        outcome = _answer(request, version, state, counting)
        if isinstance(outcome, str):
            error = outcome
        else:
            _save(request, key, outcome)
            url = reverse("consult:diagnosis", args=[slug])
            return HttpResponseRedirect(f"{url}?version={number}" if number is not None else url)
    current = state["path"][-1]
    node = definition["nodes"][current]
    context: dict[str, Any] = {
        "tree": version.tree,
        "version": version,
        "preview": number,
        "step": len(state["path"]),
        "can_go_back": len(state["path"]) > 1,
        "error": error,
    }
    if node.get("type") == NodeType.RESULT:
        result = trees.result_view(node)
        context.update(
            result=result,
            deadline=trees.deadline_of(
                node,
                state["facts"],
                calendar=working_calendar(),
                today=timezone.localdate(),
                abroad=bool(state.get("abroad")),
            ),
            prices=_prices(result["service"]),
            action_label=StartAction(result["action"]["kind"]).label if result["action"] else "",
            is_none=current == definition.get("none"),
        )
        return render(request, "consult/diagnosis_result.html", context)
    context.update(question=trees.question_view(node), node=current, typed=request.POST.get("date", ""))
    return render(request, "consult/diagnosis_step.html", context, status=400 if error else 200)


def _answer(
    request: HttpRequest, version: TreeVersion, state: dict[str, Any], counting: bool
) -> dict[str, Any] | str:
    """The state after the posted move, or the error to show on the same step."""
    definition = version.definition
    action = request.POST.get("action", "answer")
    path: list[str] = list(state["path"])
    current = path[-1]
    if action == "restart":
        start = str(definition["start"])
        if counting:
            services.step_reached(version_id=version.pk, node=start)
        return {"v": version.pk, "path": [start], "facts": {}, "answers": {}}
    if action == "back":
        if len(path) > 1:
            left = path.pop()
            state["answers"].pop(left, None)
            state["answers"].pop(path[-1], None)
        return {**state, "path": path}
    if request.POST.get("node") != current:  # a second tab or the browser's back button
        return state
    node = definition["nodes"][current]
    if node.get("type") == NodeType.RESULT:
        return state
    none = definition.get("none")
    if action == "none" and none:
        if counting:
            services.step_none_of_these(version_id=version.pk, path=path)
            services.step_reached(version_id=version.pk, node=str(none))
        return {**state, "path": [*path, str(none)]}
    facts = dict(state["facts"])
    if node.get("answer") == AnswerKind.DATE:
        if request.POST.get("unknown") and node.get("unknown_next"):
            value = "unknown"
        else:
            try:
                day = parse_jalali(request.POST.get("date", ""))
            except Exception as exc:  # ValidationError with its translated message
                return str(getattr(exc, "messages", [exc])[0])
            if day > timezone.localdate():
                return _("This date is in the future.")
            value = day.isoformat()
            facts[str(node["fact"])] = value
    else:
        value = request.POST.get("value", "")
    try:
        target = trees.next_step(definition, current, value)
    except DomainError:
        return _("Choose one of the answers, or “none of these”.")
    if counting:
        services.step_answered(version_id=version.pk, node=current)
        services.step_reached(version_id=version.pk, node=target)
    answers = {**state["answers"], current: value}
    return {**state, "path": [*path, target], "facts": facts, "answers": answers}


def summary_of(definition: dict[str, Any], state: dict[str, Any]) -> list[tuple[str, str]]:
    """The questions answered and the answers, in the reader's language (carried to what comes next)."""
    lines = []
    for key in state["path"][:-1]:
        node = definition["nodes"].get(key, {})
        if node.get("type") != NodeType.QUESTION:
            continue
        view = trees.question_view(node)
        value = state["answers"].get(key, "")
        if view["answer"] == AnswerKind.DATE:
            fact = state["facts"].get(str(node.get("fact")), "")
            shown = fact or _("I do not know")
        else:
            shown = next((o["label"] for o in view["options"] if o["value"] == value), _("none of these"))
        lines.append((view["text"], shown))
    return lines


@require_POST
@domain_errors_as_http
def start(request: HttpRequest, slug: str) -> HttpResponse:
    """The one button on a result: starts the right thing with the answers carried over."""
    version = selectors.tree_version_for_run(slug=slug)
    state = _load(request, version, slug)
    if state is None:
        return redirect("consult:diagnosis", slug=slug)
    node = version.definition["nodes"][state["path"][-1]]
    action = dict(node.get("action") or {})
    kind = action.get("kind")
    request.session[CARRY_KEY] = {
        "tree": slug,
        "facts": state["facts"],
        "summary": summary_of(version.definition, state),
        "service": node.get("service") or "",
    }
    if kind == StartAction.INTERVIEW:
        try:
            return redirect("consult:interview-start", slug=action.get("target"))
        except NoReverseMatch:
            return redirect("consult:index")
    if kind == StartAction.REQUEST:
        return redirect("cases:channel", service=action.get("target") or node.get("service"))
    if kind == StartAction.DISPUTE:
        return redirect("disputes:new")
    if kind == StartAction.APPOINTMENT:
        return redirect(f"{reverse('scheduling:find')}?{urlencode({'service': node.get('service', '')})}")
    try:
        return redirect("consult:book")
    except NoReverseMatch:
        return redirect("consult:index")
