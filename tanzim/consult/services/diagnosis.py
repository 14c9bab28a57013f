"""Diagnosis trees: saving versions (validated), publishing, loading the seed trees, and the
anonymous step counters the content report reads."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit.services import record
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.consult import trees
from tanzim.consult.choices import ProblemFamily
from tanzim.consult.models import NonePath, StepStat, Tree, TreeVersion

DATA = Path(__file__).resolve().parents[1] / "data" / "trees"


def _require_kanoon(actor: Any) -> None:
    if not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon edits diagnosis trees."), code="not_kanoon")


def parse_definition(text: str) -> Any:
    """The editor's JSON text as data; a refusal that names the line of a syntax error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError(
            fields={
                "definition": [
                    _("Not valid JSON (line %(line)s): %(error)s") % {"line": exc.lineno, "error": exc.msg}
                ]
            },
            code="tree_not_json",
        ) from exc


@transaction.atomic
def tree_create(*, actor: Any, slug: str, family: str, title_fa: str, title_en: str = "") -> Tree:
    _require_kanoon(actor)
    if family not in ProblemFamily.values:
        raise DomainError(fields={"family": [_("Unknown problem family.")]})
    if not title_fa.strip():
        raise DomainError(fields={"title_fa": [_("This field is required.")]})
    if Tree.objects.filter(slug=slug).exists():
        raise DomainError(fields={"slug": [_("A tree with this short name exists.")]}, code="tree_exists")
    tree = Tree.objects.create(slug=slug, family=family, title_fa=title_fa.strip(), title_en=title_en.strip())
    record(actor=actor, action="consult.tree.created", obj=tree, data={"slug": slug})
    return tree


@transaction.atomic
def tree_version_save(
    *, tree: Tree, actor: Any, definition: Any, note: str = "", publish: bool = False
) -> TreeVersion:
    """Save a new version after validation (a dead end or a cycle is refused, its path shown)."""
    if actor is not None:
        _require_kanoon(actor)
    trees.check(definition)
    tree = Tree.objects.select_for_update().get(pk=tree.pk)
    number = (tree.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = TreeVersion.objects.create(
        tree=tree,
        number=number,
        definition=definition,
        node_count=len(definition["nodes"]),
        note=note[:300],
        created_by=actor,
    )
    record(
        actor=actor,
        action="consult.tree.version_saved",
        obj=version,
        data={"tree": tree.slug, "number": number},
    )
    if publish:
        tree_version_publish(version=version, actor=actor)
    return version


@transaction.atomic
def tree_version_publish(*, version: TreeVersion, actor: Any) -> TreeVersion:
    if actor is not None:
        _require_kanoon(actor)
    tree = Tree.objects.select_for_update().get(pk=version.tree_id)
    if tree.published_id == version.pk:
        raise ConflictError(_("This version is already published."), code="already_published")
    now = timezone.now()
    TreeVersion.objects.filter(pk=version.pk, published_at__isnull=True).update(published_at=now)
    tree.published = version
    tree.save(update_fields=["published", "updated_at"])
    record(actor=actor, action="consult.tree.published", obj=tree, data={"number": version.number})
    version.refresh_from_db()
    return version


def trees_load(*, path: Path = DATA) -> int:
    """Create each seed tree that does not exist yet (idempotent); returns how many were made."""
    made = 0
    for file in sorted(path.glob("*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        if Tree.objects.filter(slug=data["slug"]).exists():
            continue
        with transaction.atomic():
            tree = Tree.objects.create(
                slug=data["slug"],
                family=data["family"],
                title_fa=data["title_fa"],
                title_en=data.get("title_en", ""),
                position=data.get("position", 100),
            )
            tree_version_save(tree=tree, actor=None, definition=data["definition"], note="seed", publish=True)
        made += 1
    return made


# --- anonymous counters ---------------------------------------------------------------------------


def _bump(version_id: int, node: str, field: str) -> None:
    updated = StepStat.objects.filter(version_id=version_id, node=node).update(**{field: F(field) + 1})
    if updated:
        return
    try:
        with transaction.atomic():
            StepStat.objects.create(version_id=version_id, node=node, **{field: 1})
    except IntegrityError:  # created by a parallel visitor between the update and the insert
        StepStat.objects.filter(version_id=version_id, node=node).update(**{field: F(field) + 1})


def step_reached(*, version_id: int, node: str) -> None:
    _bump(version_id, node, "reached")


def step_answered(*, version_id: int, node: str) -> None:
    _bump(version_id, node, "answered")


def step_none_of_these(*, version_id: int, path: list[str]) -> None:
    """Count "none of these" at the last step of ``path`` and the path itself (no person, no time)."""
    if not path:
        return
    _bump(version_id, path[-1], "none_of_these")
    key = hashlib.sha256("/".join(path).encode()).hexdigest()
    updated = NonePath.objects.filter(version_id=version_id, path_key=key).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                NonePath.objects.create(version_id=version_id, path_key=key, path=path, count=1)
        except IntegrityError:
            NonePath.objects.filter(version_id=version_id, path_key=key).update(count=F("count") + 1)
