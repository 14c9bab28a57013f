"""Reads of the consult app. Public reads (published trees and interviews) need no account;
the editor's and the content report's reads are the Kanoon's; a run belongs to its owner."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import can_act_for_office, is_kanoon, scope_for
from tanzim.common.errors import NotFoundError
from tanzim.consult.choices import ConsultationMode, ConsultationStatus, Outcome
from tanzim.consult.models import (
    Consultant,
    Consultation,
    DraftRun,
    Interview,
    InterviewVersion,
    NonePath,
    StepStat,
    Tree,
    TreeVersion,
)


def tree_not_found() -> NotFoundError:
    return NotFoundError(_("Diagnosis not found."), code="tree_not_found")


def tree_list_published() -> QuerySet[Tree]:
    return Tree.objects.filter(published__isnull=False)


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


# --- consultations --------------------------------------------------------------------------------


def consultation_not_found() -> NotFoundError:
    return NotFoundError(_("Consultation not found."), code="consultation_not_found")


def consultant_for(*, user: Any) -> Consultant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Consultant.objects.select_related("office").filter(user=user).first()


def consultants_available() -> list[Consultant]:
    """Consultants who may advise today (active, licence or approval valid)."""
    from tanzim.consult.workflows import may_advise

    found = (
        Consultant.objects.select_related("user", "office")
        .filter(active=True)
        .order_by("office__code", "pk")[:200]
    )
    return [c for c in found if may_advise(c)]


def consultation_get_for(*, user: Any, reference: str) -> Consultation:
    """The citizen, the consultant, the office's managers and the Kanoon read a consultation;
    anyone else gets the same 404 as for a reference that does not exist."""
    consultation = (
        Consultation.objects.select_related(
            "consultant__user", "consultant__office", "office", "citizen", "payment"
        )
        .filter(reference=reference)
        .first()
    )
    if consultation is None or not getattr(user, "is_authenticated", False):
        raise consultation_not_found()
    if user.pk in (consultation.citizen_id, consultation.consultant.user_id):
        return consultation
    if is_kanoon(user) or can_act_for_office(user, consultation.office, Role.OFFICE_MANAGER):
        return consultation
    raise consultation_not_found()


def consultation_list_for_citizen(*, user: Any) -> QuerySet[Consultation]:
    return (
        Consultation.objects.filter(citizen=user).select_related("consultant__user").order_by("-created_at")
    )


def consultant_desk(*, consultant: Consultant) -> dict[str, Any]:
    """The inbox (written questions by deadline), the docket (booked times) and the recent answers."""
    mine = Consultation.objects.filter(consultant=consultant).select_related("citizen")
    return {
        "inbox": list(
            mine.filter(mode=ConsultationMode.WRITTEN, status=ConsultationStatus.BOOKED).order_by(
                "answer_due_at"
            )[:100]
        ),
        "docket": list(
            mine.filter(status=ConsultationStatus.BOOKED)
            .exclude(mode=ConsultationMode.WRITTEN)
            .order_by("starts_at")[:100]
        ),
        "to_close": list(mine.filter(status=ConsultationStatus.ANSWERED).order_by("answered_at")[:100]),
        "closed": list(mine.filter(status=ConsultationStatus.CLOSED).order_by("-closed_at")[:20]),
    }


def consultation_figures(*, user: Any) -> list[dict[str, Any]]:
    """Per office: load, answers within the deadline, outcomes, share closed without a visit.
    An office manager sees their offices, the Kanoon every office; anyone else nothing (404)."""
    from django.db.models import Count, F, Q

    rows = Consultation.objects.all()
    if not is_kanoon(user):
        scope = scope_for(user)
        if not scope.has(Role.OFFICE_MANAGER):
            raise consultation_not_found()
        rows = rows.filter(scope.offices_q(Role.OFFICE_MANAGER))
    figures = (
        rows.values("office__code", "office__name_fa")
        .annotate(
            total=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            on_time=Count(
                "pk",
                filter=Q(
                    mode=ConsultationMode.WRITTEN,
                    answered_at__isnull=False,
                    answered_at__lte=F("answer_due_at"),
                ),
            ),
            written_answered=Count("pk", filter=Q(mode=ConsultationMode.WRITTEN, answered_at__isnull=False)),
            refunded=Count("pk", filter=Q(status=ConsultationStatus.REFUNDED)),
            closed=Count("pk", filter=Q(status=ConsultationStatus.CLOSED)),
            no_visit=Count(
                "pk",
                filter=Q(status=ConsultationStatus.CLOSED) & ~Q(outcome__in=[Outcome.REFERRED_TO_LAWYER]),
            ),
            started_request=Count("pk", filter=Q(outcome=Outcome.STARTED_REQUEST)),
            started_dispute=Count("pk", filter=Q(outcome=Outcome.STARTED_DISPUTE)),
        )
        .order_by("office__code")
    )
    result = []
    for row in figures:
        written = row["written_answered"] + row["refunded"]
        result.append(
            {
                **row,
                "on_time_pct": round(100 * row["on_time"] / written) if written else None,
                "no_visit_pct": round(100 * row["no_visit"] / row["closed"]) if row["closed"] else None,
            }
        )
    return result


def requests_from_diagnosis() -> int:
    """Drafts finished from a diagnosis (a request started from it): a dashboard figure."""
    return DraftRun.objects.filter(finished_at__isnull=False).exclude(source_tree="").count()
