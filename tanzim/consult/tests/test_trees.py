"""Diagnosis trees as data: validation on save (dead ends, cycles, critical-first, reachability)."""

from __future__ import annotations

import copy
import json

import pytest
from django.utils import translation

from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.consult import services, trees
from tanzim.consult.models import Tree, TreeVersion


@pytest.fixture(autouse=True)
def _english_messages():
    """The refusals are asserted in English (Persian is the default language)."""
    with translation.override("en"):
        yield


def choice(text: str, *options: tuple[str, str], critical: bool = False) -> dict:
    node: dict = {
        "type": "question",
        "text_fa": text,
        "options": [{"value": v, "label_fa": v, "next": n} for v, n in options],
    }
    if critical:
        node["critical"] = True
    return node


def result(title: str = "نتیجه") -> dict:
    return {"type": "result", "title_fa": title}


GOOD = {
    "start": "a",
    "none": "n",
    "nodes": {
        "a": choice("الف", ("x", "b"), ("y", "r")),
        "b": choice("ب", ("x", "r")),
        "r": result(),
        "n": result("شخص"),
    },
}


def test_a_valid_tree_has_no_problems():
    assert trees.validate(GOOD) == []


def test_it_refuses_a_dead_end_and_shows_the_path():
    bad = copy.deepcopy(GOOD)
    bad["nodes"]["b"]["options"][0]["next"] = "missing"
    assert trees.validate(bad) == ["Dead end: b → missing leads to no step."]


def test_a_question_without_answers_is_a_dead_end():
    bad = copy.deepcopy(GOOD)
    bad["nodes"]["b"]["options"] = []
    assert any("Dead end" in e and "“b”" in e for e in trees.validate(bad))


def test_it_refuses_a_cycle_and_shows_the_path():
    bad = copy.deepcopy(GOOD)
    bad["nodes"]["b"]["options"].append({"value": "z", "label_fa": "z", "next": "a"})
    assert "Cycle: a → b → a." in trees.validate(bad)


def test_it_refuses_a_step_nobody_reaches():
    bad = copy.deepcopy(GOOD)
    bad["nodes"]["lost"] = result()
    assert trees.validate(bad) == ["Step “lost” cannot be reached from the start."]


def test_it_refuses_a_time_critical_question_after_an_ordinary_one():
    bad = copy.deepcopy(GOOD)
    bad["nodes"]["b"]["critical"] = True
    assert trees.validate(bad) == ["A time-critical question comes after an ordinary one: a → b."]


def test_none_of_these_must_lead_to_a_result():
    bad = copy.deepcopy(GOOD)
    bad["none"] = "a"
    assert "“None of these” must lead to a result step." in trees.validate(bad)


def test_a_deep_tree_is_checked_without_recursion_limits():
    nodes = {f"q{i}": choice(str(i), ("next", f"q{i + 1}")) for i in range(450)}
    nodes["q450"] = result()
    assert trees.validate({"start": "q0", "nodes": nodes}) == []


@pytest.mark.django_db
def test_a_refused_save_keeps_nothing_and_names_every_problem(personas):
    tree = services.tree_create(actor=personas.kanoon_admin, slug="t", family="rent", title_fa="آزمایش")
    bad = copy.deepcopy(GOOD)
    bad["nodes"]["b"]["options"][0]["next"] = "a"
    with pytest.raises(DomainError) as refused:
        services.tree_version_save(tree=tree, actor=personas.kanoon_admin, definition=bad)
    assert refused.value.code == "tree_invalid"
    assert refused.value.fields["definition"] == ["Cycle: a → b → a."]
    assert not TreeVersion.objects.filter(tree=tree).exists()


@pytest.mark.django_db
def test_versions_are_numbered_and_publishing_switches_the_runner(personas):
    tree = services.tree_create(actor=personas.kanoon_admin, slug="t", family="rent", title_fa="آزمایش")
    v1 = services.tree_version_save(tree=tree, actor=personas.kanoon_admin, definition=GOOD, publish=True)
    v2 = services.tree_version_save(tree=tree, actor=personas.kanoon_admin, definition=GOOD, note="متن بهتر")
    tree.refresh_from_db()
    assert (v1.number, v2.number) == (1, 2)
    assert tree.published_id == v1.pk
    services.tree_version_publish(version=v2, actor=personas.kanoon_admin)
    tree.refresh_from_db()
    assert tree.published_id == v2.pk


@pytest.mark.django_db
def test_only_the_kanoon_edits_trees(personas):
    for user in (personas.clerk_a, personas.consultant_a, personas.citizen, personas.inspector):
        with pytest.raises(PermissionDeniedError):
            services.tree_create(actor=user, slug="x", family="rent", title_fa="x")


@pytest.mark.django_db
def test_the_seed_trees_are_published_and_valid():
    slugs = set(Tree.objects.filter(published__isnull=False).values_list("slug", flat=True))
    assert {
        "bounced-cheque",
        "mahrieh",
        "nafaqeh",
        "rent",
        "neighbour",
        "inheritance",
        "crime",
        "enforcement",
    } <= slugs
    for version in TreeVersion.objects.filter(note="seed"):
        assert trees.validate(version.definition) == []
    assert services.trees_load() == 0  # idempotent


def test_a_json_syntax_error_names_its_line():
    with pytest.raises(DomainError) as refused:
        services.parse_definition('{\n"start": }')
    assert "line 2" in refused.value.fields["definition"][0]
    assert json.loads(json.dumps(GOOD)) == GOOD
