"""The apps are layers: an app imports only the apps to its left (CONTRIBUTING.md, "Layers").

A lower app that must tell a higher one something sends a signal; a string model reference is
not an import. Tests, migrations and the test helpers in ``tanzim/testing`` may reach anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ORDER = [
    "common",
    "audit",
    "notify",
    "offices",
    "accounts",
    "catalog",
    "finance",
    "cases",
    "scheduling",
    "disputes",
    "consult",
    "partners",
    "enforcement",
    "feedback",
    "inspections",
    "outreach",
    "ranking",
    "membership",
    "dashboards",
    "opendata",
    "privacy",
    "web",
]
ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    """The tanzim apps a module imports, at any depth of the module (lazy imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found |= {name.split(".")[1] for name in names if name.startswith("tanzim.") and name.count(".") >= 1}
    return found


def _modules(app: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / app).rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def test_every_app_is_placed_in_the_layer_order():
    apps = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"testing"}
    assert apps == set(ORDER)


@pytest.mark.parametrize("app", ORDER)
def test_an_app_imports_only_the_apps_to_its_left(app):
    rank = ORDER.index(app)
    upward = sorted(
        f"{path.relative_to(ROOT)} imports tanzim.{other}"
        for path in _modules(app)
        for other in _imports(path)
        if other in ORDER and ORDER.index(other) > rank
    )
    assert upward == []


MAX_MODULE_LINES = 800


def test_no_module_outgrows_what_a_reader_can_hold():
    """A module past ~800 lines is split into a package by sub-workflow (CONTRIBUTING.md, "Layout")."""
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in ROOT.rglob("*.py")
        if not {"migrations", "tests"} & set(path.parts)
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }

    assert too_long == {}
