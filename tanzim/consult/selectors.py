"""Reads of the consult app. Public reads (published trees and interviews) need no account;
the editor's and the content report's reads are the Kanoon's; a run belongs to its owner."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import can_act_for_office, is_kanoon, scope_for
from tanzim.common.errors import NotFoundError
from tanzim.common.jalali import TEHRAN
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
from tanzim.offices.models import Office


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


#: A closed consultation "ended without a visit" when its citizen booked no visit to an office
#: (an appointment on a counter slot, in person or semi-in-person) in the days after it closed.
NO_VISIT_DAYS = 30


def _figure_scope(user: Any, field_name: str = "office") -> Q | None:
    """None: every office (the Kanoon, or the system's read when ``user`` is None); else the
    office manager's offices; anyone else gets a 404."""
    if user is None or is_kanoon(user):
        return None
    scope = scope_for(user)
    if not scope.has(Role.OFFICE_MANAGER):
        raise consultation_not_found()
    return scope.offices_q(Role.OFFICE_MANAGER, field_name=field_name)


def _grouped(
    rows: QuerySet, field: str, measures: dict[str, Any], *, start: Any, end: Any, by_day: bool
) -> list[dict[str, Any]]:
    """One aggregate query: ``measures`` per office (and per Tehran day of ``field``) over
    [start, end) of ``field``."""
    if start is not None:
        rows = rows.filter(**{f"{field}__gte": start})
    if end is not None:
        rows = rows.filter(**{f"{field}__lt": end})
    keys = ["office_id"]
    if by_day:
        rows = rows.annotate(day=TruncDate(field, tzinfo=TEHRAN))
        keys.append("day")
    return list(rows.values(*keys).annotate(**measures).order_by(*keys))


def consultation_figures(
    *, user: Any = None, start: Any = None, end: Any = None, by_day: bool = False
) -> list[dict[str, Any]]:
    """Per office (and per Tehran day with ``by_day``): consultations booked, written questions
    answered against their deadline, closures without a visit, requests and disputes started.

    Each figure is counted on the day of its own event, so daily rows add up to any period:
    ``consultations`` on the booking (paid or free; unpaid and dropped ones are not counted),
    ``written_due`` / ``on_time`` / ``refunded`` / ``answer_seconds`` on the day the written
    question was answered or refunded (a refund is the deadline missed), ``closed`` /
    ``no_visit`` / ``started_request`` / ``started_dispute`` on the closing day. ``start`` and
    ``end`` bound those days ([start, end), aware datetimes). Four queries whatever the number of
    offices and days. An office manager sees their offices, the Kanoon every office, the system
    (``user=None``: ranking, dashboards) every office; anyone else nothing (404)."""
    from tanzim.scheduling.choices import SLOT_CHANNELS, AppointmentStatus
    from tanzim.scheduling.models import Appointment

    office_q = _figure_scope(user)
    base = Consultation.objects.all()
    if office_q is not None:
        base = base.filter(office_q)
    written = Q(mode=ConsultationMode.WRITTEN)
    window = {"start": start, "end": end, "by_day": by_day}
    booked = _grouped(
        base.exclude(status=ConsultationStatus.AWAITING_PAYMENT).exclude(
            status=ConsultationStatus.CANCELLED, payment__isnull=True
        ),
        "created_at",
        {
            "consultations": Count("pk"),
            "calls": Count("pk", filter=~written),
            "written": Count("pk", filter=written),
        },
        **window,
    )
    answered = _grouped(
        base.filter(written, answered_at__isnull=False),
        "answered_at",
        {
            "on_time": Count("pk", filter=Q(answered_at__lte=F("answer_due_at"))),
            "answered_late": Count("pk", filter=Q(answered_at__gt=F("answer_due_at"))),
            "answer_seconds": Sum(
                ExpressionWrapper(F("answered_at") - F("created_at"), output_field=DurationField())
            ),
        },
        **window,
    )
    refunded = _grouped(
        base.filter(written, status=ConsultationStatus.REFUNDED),
        "status_changed_at",
        {"refunded": Count("pk")},
        **window,
    )
    visit = Appointment.objects.filter(
        citizen=OuterRef("citizen"),
        channel__in=sorted(SLOT_CHANNELS),
        start__gte=OuterRef("closed_at"),
        start__lt=ExpressionWrapper(
            OuterRef("closed_at") + timedelta(days=NO_VISIT_DAYS), output_field=DateTimeField()
        ),
    ).exclude(status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.RESCHEDULED])
    closed = _grouped(
        base.filter(status=ConsultationStatus.CLOSED, closed_at__isnull=False).annotate(
            visited=Exists(visit)
        ),
        "closed_at",
        {
            "closed": Count("pk"),
            "no_visit": Count("pk", filter=Q(visited=False)),
            "started_request": Count("pk", filter=Q(outcome=Outcome.STARTED_REQUEST)),
            "started_dispute": Count("pk", filter=Q(outcome=Outcome.STARTED_DISPUTE)),
            "referred": Count("pk", filter=Q(outcome=Outcome.REFERRED_TO_LAWYER)),
        },
        **window,
    )
    zero = {
        "consultations": 0,
        "calls": 0,
        "written": 0,
        "on_time": 0,
        "answered_late": 0,
        "answer_seconds": 0,
        "refunded": 0,
        "closed": 0,
        "no_visit": 0,
        "started_request": 0,
        "started_dispute": 0,
        "referred": 0,
    }
    merged: dict[tuple, dict[str, Any]] = {}
    for part in (booked, answered, refunded, closed):
        for row in part:
            key = (row["office_id"], row.get("day"))
            target = merged.setdefault(
                key, {"office_id": row["office_id"], **({"day": row["day"]} if by_day else {}), **zero}
            )
            for name, value in row.items():
                if name in zero:
                    target[name] = value.total_seconds() if isinstance(value, timedelta) else (value or 0)
    offices = {
        pk: (code, name)
        for pk, code, name in Office.objects.filter(pk__in={k[0] for k in merged}).values_list(
            "pk", "code", "name_fa"
        )
    }
    result = []
    for key in sorted(merged, key=lambda k: (offices.get(k[0], ("", ""))[0], k[1] or date.min)):
        row = merged[key]
        code, name = offices.get(row["office_id"], ("", ""))
        answered_n = row["on_time"] + row["answered_late"]
        due = answered_n + row["refunded"]
        result.append(
            {
                **row,
                "answer_seconds": round(row["answer_seconds"]),
                "office__code": code,
                "office__name_fa": name,
                "written_due": due,
                "written_answered": answered_n,
                "on_time_pct": round(100 * row["on_time"] / due) if due else None,
                "no_visit_pct": round(100 * row["no_visit"] / row["closed"]) if row["closed"] else None,
                "mean_answer_hours": round(row["answer_seconds"] / 3600 / answered_n, 1)
                if answered_n
                else None,
            }
        )
    return result


def requests_from_diagnosis(
    *, user: Any = None, start: Any = None, end: Any = None, by_day: bool = False
) -> list[dict[str, Any]]:
    """Requests started from a diagnosis: drafting interviews opened from a diagnosis result and
    finished into a case draft, per office of the case (and per Tehran day of finishing), one
    query. Scoped as ``consultation_figures``."""
    office_q = _figure_scope(user, field_name="case__office")
    rows = DraftRun.objects.filter(finished_at__isnull=False, case__isnull=False).exclude(source_tree="")
    rows = rows.annotate(office_id=F("case__office_id"))
    if office_q is not None:
        rows = rows.filter(office_q)
    return _grouped(rows, "finished_at", {"requests": Count("pk")}, start=start, end=end, by_day=by_day)
