"""Diagnosis trees as data: validation of a definition, and the runner's pure steps.

A definition (JSON) is ``{"start": key, "none": key, "nodes": {key: node}}``. A node is either a
question (``answer``: ``choice`` with ``options`` each going ``next`` somewhere, or ``date`` going
``next`` and storing the date as the ``fact`` it names) or a result (information, a ``deadline``
computed from a fact, a catalogue ``service`` whose channels are priced, ``mediation`` advice and
an ``action``: what the one button starts). ``none`` is the result "none of these" leads to (a
person). docs/consult.md has a worked example.

Saving refuses a definition with a dead end (an edge to no step, a question with no way on),
a cycle, a step nobody can reach, or a time-critical question asked after an ordinary one —
each error names the path that shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from tanzim.common.calendar import WorkingCalendar
from tanzim.common.deadlines import DeadlineRule
from tanzim.common.errors import DomainError
from tanzim.common.i18n import is_english
from tanzim.consult.choices import AnswerKind, NodeType, StartAction

MAX_NODES = 500
KEY_MAX = 64
ARROW = " → "


def _text(node: Mapping[str, Any], field: str) -> str:
    if is_english():
        english = node.get(f"{field}_en")
        if english:
            return str(english)
    return str(node.get(f"{field}_fa") or "")


def edges(node: Mapping[str, Any]) -> list[str]:
    """The steps a node leads to (a result leads nowhere)."""
    if node.get("type") != NodeType.QUESTION:
        return []
    if node.get("answer") == AnswerKind.DATE:
        targets = [node.get("next")]
        if node.get("unknown_next"):
            targets.append(node["unknown_next"])
        return [str(t) if t is not None else "" for t in targets]
    return [str(option.get("next") or "") for option in node.get("options") or [] if isinstance(option, dict)]


def _check_node(key: str, node: Any, nodes: Mapping[str, Any], errors: list[str]) -> None:
    if not isinstance(node, dict):
        errors.append(_("Step “%(key)s” is not an object.") % {"key": key})
        return
    kind = node.get("type")
    if kind not in NodeType.values:
        errors.append(_("Step “%(key)s” has an unknown type.") % {"key": key})
        return
    if len(key) > KEY_MAX or not key:
        errors.append(_("Step “%(key)s”: a step's name has 1 to 64 characters.") % {"key": key[:KEY_MAX]})
    if kind == NodeType.RESULT:
        if not node.get("title_fa"):
            errors.append(_("Result “%(key)s” has no Persian title.") % {"key": key})
        action = node.get("action")
        if action is not None and (
            not isinstance(action, dict) or action.get("kind") not in StartAction.values
        ):
            errors.append(_("Result “%(key)s” starts an unknown action.") % {"key": key})
        deadline = node.get("deadline")
        if deadline is not None:
            if not isinstance(deadline, dict) or not deadline.get("fact"):
                errors.append(_("Result “%(key)s”: a deadline needs the fact it runs from.") % {"key": key})
            else:
                try:
                    rule_of(deadline)
                except (TypeError, ValueError):
                    errors.append(_("Result “%(key)s”: the deadline's period is not valid.") % {"key": key})
        return
    if not node.get("text_fa"):
        errors.append(_("Question “%(key)s” has no Persian text.") % {"key": key})
    answer = node.get("answer", AnswerKind.CHOICE)
    if answer not in AnswerKind.values:
        errors.append(_("Question “%(key)s” has an unknown kind of answer.") % {"key": key})
        return
    if answer == AnswerKind.DATE:
        if not node.get("fact"):
            errors.append(_("Date question “%(key)s” does not name the fact it records.") % {"key": key})
    else:
        options = node.get("options")
        if not isinstance(options, list) or not options:
            errors.append(_("Dead end: question “%(key)s” has no answers to go on with.") % {"key": key})
            return
        values = [o.get("value") if isinstance(o, dict) else None for o in options]
        if None in values or len(set(values)) != len(values):
            errors.append(_("Question “%(key)s”: each answer needs its own value.") % {"key": key})
        for option in options:
            if isinstance(option, dict) and not option.get("label_fa"):
                errors.append(_("Question “%(key)s”: an answer has no Persian label.") % {"key": key})
    for target in edges(node):
        if target not in nodes:
            errors.append(
                _("Dead end: %(path)s leads to no step.") % {"path": f"{key}{ARROW}{target or '∅'}"}
            )


def _walk(start: str, nodes: Mapping[str, Any], errors: list[str]) -> set[str]:
    """Depth-first from the start: reports cycles and critical-after-ordinary paths, returns the
    reachable steps. Iterative (a 500-step tree must not hit Python's recursion limit)."""
    reachable: set[str] = set()
    done: set[tuple[str, bool]] = set()
    cycles: set[frozenset[str]] = set()
    late_critical: set[str] = set()
    # (node, seen_ordinary, path, iterator over its children)
    stack: list[tuple[str, bool, list[str], Any]] = []

    def push(key: str, seen_ordinary: bool, path: list[str]) -> None:
        node = nodes[key]
        critical = bool(node.get("critical")) and node.get("type") == NodeType.QUESTION
        if critical and seen_ordinary and key not in late_critical:
            late_critical.add(key)
            errors.append(
                _("A time-critical question comes after an ordinary one: %(path)s.")
                % {"path": ARROW.join([*path, key])}
            )
        ordinary = seen_ordinary or (node.get("type") == NodeType.QUESTION and not critical)
        reachable.add(key)
        children = [t for t in edges(node) if t in nodes]
        stack.append((key, ordinary, [*path, key], iter(children)))

    push(start, False, [])
    on_path = {start}
    while stack:
        key, ordinary, path, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            on_path.discard(key)
            done.add((key, ordinary))
            continue
        if child in on_path:
            loop = [*path[path.index(child) :], child]
            signature = frozenset(loop)
            if signature not in cycles:
                cycles.add(signature)
                errors.append(_("Cycle: %(path)s.") % {"path": ARROW.join(loop)})
            continue
        if (child, ordinary) in done:
            continue
        push(child, ordinary, path)
        on_path.add(child)
    return reachable


def validate(definition: Any) -> list[str]:
    """Every problem of a definition, each a sentence naming its path; [] when it may be saved."""
    if not isinstance(definition, dict):
        return [_("The definition must be a JSON object.")]
    nodes = definition.get("nodes")
    if not isinstance(nodes, dict) or not nodes:
        return [_("The tree has no steps.")]
    if len(nodes) > MAX_NODES:
        return [_("A tree has at most %(max)s steps.") % {"max": MAX_NODES}]
    errors: list[str] = []
    start = definition.get("start")
    if start not in nodes:
        errors.append(_("The start step “%(key)s” does not exist.") % {"key": start})
    none = definition.get("none")
    if none is not None and (none not in nodes or nodes[none].get("type") != NodeType.RESULT):
        errors.append(_("“None of these” must lead to a result step."))
    for key, node in nodes.items():
        _check_node(str(key), node, nodes, errors)
    if start not in nodes or not all(isinstance(node, dict) for node in nodes.values()):
        return errors
    reachable = _walk(str(start), nodes, errors)
    if none:
        reachable.add(none)
    for key in nodes:
        if key not in reachable:
            errors.append(_("Step “%(key)s” cannot be reached from the start.") % {"key": key})
    return errors


def check(definition: Any) -> None:
    """Raise the refusal a save shows (every problem, with its path) if the definition is not valid."""
    errors = validate(definition)
    if errors:
        raise DomainError(
            _("The tree cannot be saved: %(count)s problems.") % {"count": len(errors)},
            code="tree_invalid",
            fields={"definition": errors},
        )


def rule_of(deadline: Mapping[str, Any]) -> DeadlineRule:
    return DeadlineRule(
        days=int(deadline.get("days", 0)),
        months=int(deadline.get("months", 0)),
        years=int(deadline.get("years", 0)),
        abroad_months=int(deadline.get("abroad_months", 0)),
        free_period=bool(deadline.get("free_period", False)),
    )


# --- the runner's steps ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    label: str
    due: date | None  # None: the fact it runs from was not given
    passed: bool
    days_left: int | None
    note: str


def next_step(definition: Mapping[str, Any], key: str, value: str) -> str:
    """Where an answer leads; a DomainError for an answer the step does not offer."""
    node = definition["nodes"][key]
    if node.get("answer") == AnswerKind.DATE:
        target = node.get("unknown_next") if value == "unknown" else node.get("next")
        if target:
            return str(target)
    else:
        for option in node.get("options") or []:
            if str(option.get("value")) == value:
                return str(option["next"])
    raise DomainError(fields={"value": [_("Choose one of the answers.")]}, code="unknown_answer")


def question_view(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "text": _text(node, "text"),
        "help": _text(node, "help"),
        "answer": node.get("answer", AnswerKind.CHOICE),
        "critical": bool(node.get("critical")),
        "allow_unknown": bool(node.get("unknown_next")),
        "options": [
            {"value": str(o.get("value")), "label": _text(o, "label")} for o in node.get("options") or []
        ],
    }


def deadline_of(
    result: Mapping[str, Any],
    facts: Mapping[str, str],
    *,
    calendar: WorkingCalendar,
    today: date,
    abroad: bool = False,
) -> Deadline | None:
    spec = result.get("deadline")
    if not spec:
        return None
    label = _text(spec, "label")
    raw = facts.get(str(spec.get("fact")))
    if not raw:
        return Deadline(label=label, due=None, passed=False, days_left=None, note=_text(spec, "unknown"))
    due = rule_of(spec).due(date.fromisoformat(raw), calendar, resident_abroad=abroad)
    passed = due < today
    return Deadline(
        label=label,
        due=due,
        passed=passed,
        days_left=None if passed else (due - today).days,
        note=_text(spec, "passed" if passed else "note"),
    )


def result_view(result: Mapping[str, Any]) -> dict[str, Any]:
    paragraphs = [p for p in _text(result, "body").split("\n") if p.strip()]
    return {
        "title": _text(result, "title"),
        "paragraphs": paragraphs,
        "mediation": bool(result.get("mediation")),
        "mediation_text": _text(result, "mediation"),
        "service": result.get("service") or "",
        "action": dict(result.get("action") or {}),
    }


def outline(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The editor's preview: every step in the order a reader meets them, with where each answer goes."""
    nodes = definition.get("nodes") or {}
    order: list[str] = []
    seen: set[str] = set()
    queue = [str(definition.get("start"))]
    if definition.get("none"):
        queue.append(str(definition["none"]))
    while queue:
        key = queue.pop(0)
        if key in seen or key not in nodes:
            continue
        seen.add(key)
        order.append(key)
        queue.extend(edges(nodes[key]))
    order.extend(k for k in nodes if k not in seen)
    rows = []
    for key in order:
        node = nodes[key]
        if node.get("type") == NodeType.RESULT:
            rows.append({"key": key, "result": True, "text": _text(node, "title"), "edges": []})
        else:
            view = question_view(node)
            if view["answer"] == AnswerKind.DATE:
                pairs = [(_("date"), str(node.get("next")))]
                if node.get("unknown_next"):
                    pairs.append((_("I do not know"), str(node["unknown_next"])))
            else:
                pairs = [
                    (o["label"], str(raw.get("next")))
                    for o, raw in zip(view["options"], node["options"], strict=False)
                ]
            rows.append(
                {
                    "key": key,
                    "result": False,
                    "text": view["text"],
                    "critical": view["critical"],
                    "edges": pairs,
                }
            )
    return rows
