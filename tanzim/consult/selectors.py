"""Reads of the consult app. Public reads (published trees and interviews) need no account;
the editor's and the content report's reads are the Kanoon's; a run belongs to its owner."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.common.errors import NotFoundError
from tanzim.consult.models import DraftRun, Interview, InterviewVersion, NonePath, StepStat, Tree, TreeVersion


def tree_not_found() -> NotFoundError:
    return NotFoundError(_("Diagnosis not found."), code="tree_not_found")


def tree_list_published() -> QuerySet[Tree]:
    return Tree.objects.filter(published__isnull=False).only(
        "slug", "family", "title_fa", "title_en", "position"
    )


def tree_version_for_run(*, slug: str, actor: Any = None, number: int | None = None) -> TreeVersion:
    """The published version; a given ``number`` (a preview) only for the Kanoon — for anyone
    else it is the same 404 as a tree that does not exist."""
    if number is not None:
        if not is_kanoon(actor):
            raise tree_not_found()
        version = TreeVersion.objects.select_related("tree").filter(tree__slug=slug, number=number).first()
    else:
        tree = Tree.objects.select_related("published").filter(slug=slug, published__isnull=False).first()
        version = tree.published if tree else None
        if version is not None:
            version.tree = tree  # type: ignore[assignment]  # saves a query: the tree is in hand
    if version is None:
        raise tree_not_found()
    return version


def tree_list_for_edit(*, actor: Any) -> QuerySet[Tree]:
    if not is_kanoon(actor):
        raise tree_not_found()
    return Tree.objects.select_related("published")


def tree_get_for_edit(*, actor: Any, slug: str) -> Tree:
    tree = tree_list_for_edit(actor=actor).filter(slug=slug).first()
    if tree is None:
        raise tree_not_found()
    return tree


def tree_version_get(*, actor: Any, slug: str, number: int) -> TreeVersion:
    tree = tree_get_for_edit(actor=actor, slug=slug)
    version = tree.versions.filter(number=number).first()
    if version is None:
        raise tree_not_found()
    return version


def content_report(*, actor: Any, slug: str | None = None) -> list[dict[str, Any]]:
    """Per tree version: each step's reached / answered / none / drop-off, and the top "none of
    these" paths — the counters are anonymous by construction."""
    trees = tree_list_for_edit(actor=actor)
    if slug:
        trees = trees.filter(slug=slug)
    report = []
    for tree in trees:
        versions = list(tree.versions.filter(step_stats__isnull=False).distinct())
        for version in versions:
            nodes = version.definition.get("nodes", {})
            steps = []
            for stat in StepStat.objects.filter(version=version).order_by("-reached", "node"):
                node = nodes.get(stat.node, {})
                is_question = node.get("type") == "question"
                dropped = max(0, stat.reached - stat.answered - stat.none_of_these) if is_question else 0
                steps.append(
                    {
                        "node": stat.node,
                        "text": node.get("text_fa") or node.get("title_fa") or stat.node,
                        "question": is_question,
                        "reached": stat.reached,
                        "answered": stat.answered,
                        "none_of_these": stat.none_of_these,
                        "dropped": dropped,
                        "drop_rate": round(100 * dropped / stat.reached)
                        if stat.reached and is_question
                        else None,
                    }
                )
            paths = list(NonePath.objects.filter(version=version).order_by("-count")[:10])
            report.append({"tree": tree, "version": version, "steps": steps, "none_paths": paths})
    return report


def interview_list_published() -> QuerySet[Interview]:
    return Interview.objects.filter(published__isnull=False)


def interview_version_for_run(*, slug: str) -> InterviewVersion:
    interview = (
        Interview.objects.select_related("published").filter(slug=slug, published__isnull=False).first()
    )
    if interview is None or interview.published is None:
        raise NotFoundError(_("Interview not found."), code="interview_not_found")
    version = interview.published
    version.interview = interview
    return version


def draft_not_found() -> NotFoundError:
    return NotFoundError(_("Draft not found."), code="draft_not_found")


def draft_get(*, token: str, user: Any) -> DraftRun:
    """A run by its resume key; a run that has an owner opens only for that owner (else the same
    404 as a key that does not exist)."""
    try:
        key = uuid.UUID(str(token))
    except ValueError:
        raise draft_not_found() from None
    run = DraftRun.objects.select_related("version__interview", "case").filter(token=key).first()
    if run is None:
        raise draft_not_found()
    if run.user_id is not None and run.user_id != getattr(user, "pk", None):
        raise draft_not_found()
    return run


def draft_list_for(*, user: Any) -> QuerySet[DraftRun]:
    return DraftRun.objects.filter(user=user).select_related("version__interview").order_by("-updated_at")
