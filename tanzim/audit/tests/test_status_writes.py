"""Every status change goes through the one engine (``tanzim.audit.workflow``).

A static scan of the source: outside the engine, no code may assign a workflow's status field,
``update()`` it, name it in ``update_fields`` or ``bulk_update``, or ``setattr`` it. Creating a
row in its initial state is allowed. A second check: every model with a ``status`` field has a
declared workflow, unless it is listed below with the reason it is not a state machine.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from django.apps import apps

from tanzim.audit.workflow import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "audit" / "workflow.py"

#: Models with a field called ``status`` that is not a workflow state, and why.
NOT_WORKFLOWS = {
    "cases.StatusSla": "the deadline table is keyed by a case status; it does not change state",
}


def _load_workflows() -> None:
    for config in apps.get_app_configs():
        if config.name.startswith("tanzim.") and (Path(config.path) / "workflows.py").exists():
            importlib.import_module(f"{config.name}.workflows")


def _status_fields() -> set[str]:
    _load_workflows()
    return {workflow.field for workflow in REGISTRY.values()} | {"status"}


def _sources() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.parts and "tests" not in path.parts and path != ENGINE
    ]


def _names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [n.value for n in node.elts if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return []


def _writes(tree: ast.AST, fields: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute) and sub.attr in fields:
                        found.append((node.lineno, f"assigns .{sub.attr}"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "update":
            found += [(node.lineno, f"update({kw.arg}=…)") for kw in node.keywords if kw.arg in fields]
        if name == "setattr" and len(node.args) >= 2 and set(_names(node.args[1])) & fields:
            found.append((node.lineno, "setattr of a status field"))
        for kw in node.keywords:
            if kw.arg == "update_fields" and set(_names(kw.value)) & fields:
                found.append((node.lineno, "update_fields names a status field"))
        if name == "bulk_update" and len(node.args) >= 2 and set(_names(node.args[1])) & fields:
            found.append((node.lineno, "bulk_update of a status field"))
    return found


def test_no_code_outside_the_engine_writes_a_status_field():
    fields = _status_fields()
    offences = [
        f"{path.relative_to(ROOT.parent)}:{line}: {what}"
        for path in _sources()
        for line, what in _writes(ast.parse(path.read_text(encoding="utf-8")), fields)
    ]
    assert offences == [], "status written outside tanzim/audit/workflow.py:\n" + "\n".join(offences)


def test_every_model_with_a_status_has_a_declared_workflow():
    _load_workflows()
    declared = {(w.model._meta.label, w.field) for w in REGISTRY.values()}
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("tanzim.")
        and any(f.name == "status" for f in model._meta.concrete_fields)
        and (model._meta.label, "status") not in declared
        and model._meta.label not in NOT_WORKFLOWS
    ]
    assert missing == []


def test_the_scan_catches_each_kind_of_write():
    source = """
obj.status = "x"
Model.objects.filter(pk=1).update(status="x")
obj.save(update_fields=["status", "updated_at"])
Model.objects.bulk_update(rows, ["status"])
setattr(obj, "status", "x")
Model.objects.create(status="draft")
"""
    kinds = [what for _line, what in _writes(ast.parse(source), {"status"})]
    assert kinds == [
        "assigns .status",
        "update(status=…)",
        "update_fields names a status field",
        "bulk_update of a status field",
        "setattr of a status field",
    ]
