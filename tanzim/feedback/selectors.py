"""Reads for surveys and complaints, always through the actor's scope. Out of scope is a 404.

Anonymity toward the office (docs/privacy.md): an office manager sees a month's averages and
comments only as *published*: snapshots taken by the nightly task once at least
FEEDBACK_PUBLISH_BATCH new answers have arrived, so reading before and after one answer shows
no difference, and a difference never isolates one answer. No figure computed from fewer than
FEEDBACK_MIN_RESPONSES_SHOWN answers is shown to anyone (``metrics.shown_figures``). Comments
carry their month, nothing finer, in a seeded random order. The Kanoon, its inspectors and
province admins read live figures under the same minimum, and still no identities.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import OVERSIGHT, can_oversee, scope_for
from tanzim.audit import services as audit
from tanzim.cases.models import Case
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.feedback import metrics, periods
from tanzim.feedback.choices import OPEN
from tanzim.feedback.models import (
    Complaint,
    ComplaintAttachment,
    Questionnaire,
    SurveyInvitation,
    SurveyPublication,
    SurveyResponse,
)
from tanzim.feedback.services import invitation_for_token, publish_batch
from tanzim.offices.models import Office, Province
from tanzim.scheduling.models import Appointment

# --- the survey page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyLink:
    """What the public survey page needs: the state of the link, never who it was sent to."""

    state: str  # "open", "answered", "expired"
    office: Office
    questionnaire: Questionnaire
    expires_at: Any


def survey_link(*, token: str, ip: str | None = None, now=None) -> SurveyLink:
    invitation: SurveyInvitation = invitation_for_token(token, ip=ip)
    now = now or timezone.now()
    if invitation.used_at is not None:
        state = "answered"
    elif invitation.expires_at <= now:
        state = "expired"
    else:
        state = "open"
    return SurveyLink(state, invitation.office, invitation.questionnaire, invitation.expires_at)


def questionnaire_current() -> Questionnaire | None:
    return Questionnaire.objects.filter(active=True).prefetch_related("items").first()


# --- results -----------------------------------------------------------------------------------


def _results_offices(user: Any, roles=(Role.OFFICE_MANAGER, *OVERSIGHT)) -> QuerySet[Office]:
    scope = scope_for(user)
    roles = [r for r in roles if scope.has(r)]
    if not roles:
        return Office.objects.none()
    return Office.objects.filter(_office_q(scope, roles))


def _office_q(scope, roles) -> Q:
    """Scope.offices_q is written for a foreign key; on the Office table itself the key is pk."""
    if any(role in scope.national_roles for role in roles):
        return Q()
    condition = Q(pk__in=[])
    offices = set().union(*(scope.office_ids.get(role, ()) for role in roles))
    provinces = set().union(*(scope.province_ids.get(role, ()) for role in roles))
    if offices:
        condition |= Q(pk__in=sorted(offices))
    if provinces:
        condition |= Q(province_id__in=sorted(provinces))
    return condition


def results_offices_for(*, user: Any) -> QuerySet[Office]:
    """Offices whose survey and complaint results this person may see."""
    return _results_offices(user).select_related("province", "city").order_by("province__name_fa", "code")


def oversight_offices_for(*, user: Any) -> QuerySet[Office]:
    """Offices this person oversees for the Kanoon (inspector, province admin, Kanoon admin)."""
    return (
        _results_offices(user, OVERSIGHT)
        .select_related("province", "city")
        .order_by("province__name_fa", "code")
    )


def results_office_get_for(*, user: Any, code: str) -> Office:
    office = results_offices_for(user=user).filter(code=str(code)[:12]).first()
    if office is None:
        raise NotFoundError(_("Office not found."), code="office_not_found")
    return office


def reads_live_figures(user: Any, office: Office) -> bool:
    """True for the Kanoon side (live figures); False for the office's own manager (published only)."""
    return can_oversee(user, office)


@dataclass(frozen=True)
class MonthResult:
    period: int
    figures: metrics.SurveyFigures
    published_at: Any  # when the office's snapshot of this month was taken (None: live or never)

    @property
    def shown(self) -> bool:
        return self.figures.shown


@dataclass(frozen=True)
class OfficeResults:
    office: Office
    months: list[MonthResult]
    total: metrics.SurveyFigures
    complaints: metrics.OfficeComplaintMetrics
    minimum_shown: int
    publish_batch: int
    oversight: bool
    published_at: Any  # the newest snapshot in the range (office view), None otherwise

    @property
    def total_shown(self) -> bool:
        return self.total.shown


def office_results_for(*, user: Any, office: Office, period_from: int, period_to: int) -> OfficeResults:
    """An office's survey results month by month and over the range, plus its complaint figures.

    The office's manager reads the published snapshots only (batches of at least
    FEEDBACK_PUBLISH_BATCH new answers, taken by the nightly task); the Kanoon side reads live
    figures. Either way every figure goes through ``metrics.shown_figures`` (≥ 5 answers).
    """
    if not results_offices_for(user=user).filter(pk=office.pk).exists():
        raise NotFoundError(_("Office not found."), code="office_not_found")
    if period_to < period_from or len(periods.months_between(period_from, period_to)) > 24:
        raise DomainError(_("Choose at most 24 months."), code="period_range_too_long")
    oversight = reads_live_figures(user, office)
    published_at = None
    if oversight:
        live = metrics.survey_metrics_by_period(
            office_id=office.pk, period_from=period_from, period_to=period_to
        )
        months = [MonthResult(p, metrics.shown_figures(m), None) for p, m in live.items()]
        total = metrics.survey_metrics(
            period_from=period_from, period_to=period_to, office_ids=[office.pk]
        ).offices[office.pk]
    else:
        published, total = metrics.published_survey_metrics_by_period(
            office_id=office.pk, period_from=period_from, period_to=period_to
        )
        months = [
            MonthResult(p, metrics.shown_figures(m.metrics), m.published_at) for p, m in published.items()
        ]
        stamps = [m.published_at for m in published.values() if m.published_at is not None]
        published_at = max(stamps) if stamps else None
    complaints = metrics.complaint_metrics(
        period_from=period_from, period_to=period_to, office_ids=[office.pk]
    )[office.pk]
    return OfficeResults(
        office=office,
        months=sorted(months, key=lambda m: m.period, reverse=True),
        total=metrics.shown_figures(total),
        complaints=complaints,
        minimum_shown=metrics.minimum_shown(),
        publish_batch=publish_batch(),
        oversight=oversight,
        published_at=published_at,
    )


@dataclass(frozen=True)
class Comment:
    period: int
    text: str


def _shuffled(texts: list[str], seed: int) -> list[str]:
    """A fixed random order for a seed: the same on every reload, unrelated to when anyone answered."""
    order = list(texts)
    random.Random(seed).shuffle(order)
    return order


def office_comments_for(*, user: Any, office: Office, period: int, limit: int = 200) -> list[Comment]:
    """Comments of one month: text and month only, in a random order that says nothing of time.

    The office's manager reads the comments of its published snapshot (shuffled with the
    snapshot's seed, new at each publication); the Kanoon side reads every comment, shuffled with a
    seed that changes with each new answer. Nothing is shown below the minimum number of answers.
    """
    if not results_offices_for(user=user).filter(pk=office.pk).exists():
        raise NotFoundError(_("Office not found."), code="office_not_found")
    responses = SurveyResponse.objects.filter(office=office, period=period)
    if reads_live_figures(user, office):
        count = responses.count()
        seed = int.from_bytes(
            hashlib.sha256(f"{settings.SECRET_KEY}:comments:{office.pk}:{period}:{count}".encode()).digest()[
                :8
            ],
            "big",
        )
    else:
        publication = SurveyPublication.objects.filter(office=office, period=period).first()
        if publication is None:
            return []
        responses = responses.filter(pk__lte=publication.up_to)
        count, seed = publication.responses, publication.seed
    if count < metrics.minimum_shown():
        return []
    # Sorted by id only to make the seeded shuffle repeatable; the order shown is the shuffle's.
    texts = list(responses.exclude(comment="").order_by("pk").values_list("comment", flat=True))
    return [Comment(period, text) for text in _shuffled(texts, seed)[:limit]]


@dataclass(frozen=True)
class ResultsRow:
    office: Office
    survey: metrics.SurveyFigures
    complaints: metrics.OfficeComplaintMetrics


@dataclass(frozen=True)
class ResultsTable:
    period_from: int
    period_to: int
    prior_weight: int
    network_mean: float | None  # None below the minimum number of answers
    rows: list[ResultsRow]


def results_table_for(
    *, user: Any, period_from: int, period_to: int, province: Province | None = None
) -> ResultsTable:
    """Every office this person oversees (optionally one province), with its live figures (≥ 5 rule)."""
    offices = list(oversight_offices_for(user=user).filter(**({"province": province} if province else {})))
    ids = [o.pk for o in offices]
    survey = metrics.survey_metrics(period_from=period_from, period_to=period_to, office_ids=ids)
    complaints = metrics.complaint_metrics(period_from=period_from, period_to=period_to, office_ids=ids)
    return ResultsTable(
        period_from=period_from,
        period_to=period_to,
        prior_weight=survey.prior_weight,
        network_mean=metrics.shown_mean(survey.network_mean, survey.network_responses),
        rows=[ResultsRow(o, metrics.shown_figures(survey.offices[o.pk]), complaints[o.pk]) for o in offices],
    )


def oversight_provinces_for(*, user: Any) -> QuerySet[Province]:
    scope = scope_for(user)
    if any(r in scope.national_roles for r in OVERSIGHT):
        return Province.objects.all()
    ids = set().union(*(scope.province_ids.get(r, ()) for r in OVERSIGHT))
    return Province.objects.filter(pk__in=sorted(ids))


# --- complaints --------------------------------------------------------------------------------


def complaint_list_for(*, user: Any) -> QuerySet[Complaint]:
    """Citizens see their own complaints; handlers those about the offices they cover; an office
    manager those about their office (without the complainant's identity, see ``complaint_viewer``)."""
    if not getattr(user, "is_authenticated", False):
        return Complaint.objects.none()
    scope = scope_for(user)
    condition = Q(complainant=user)
    handler_roles = [r for r in OVERSIGHT if scope.has(r)]
    if handler_roles:
        condition |= scope.offices_q(*handler_roles)
    if scope.has(Role.OFFICE_MANAGER):
        condition |= scope.offices_q(Role.OFFICE_MANAGER)
    return Complaint.objects.filter(condition).select_related(
        "office", "office__province", "complainant", "handler"
    )


def complaint_get_for(*, user: Any, reference: str) -> Complaint:
    complaint = complaint_list_for(user=user).filter(reference=str(reference).upper()[:12]).first()
    if complaint is None:
        raise NotFoundError(_("Complaint not found."), code="complaint_not_found")
    return complaint


def complaint_viewer(user: Any, complaint: Complaint) -> str:
    """How this person sees the complaint: "handler", "complainant" or "office" (no identity)."""
    if can_oversee(user, complaint.office):
        return "handler"
    if getattr(user, "pk", None) == complaint.complainant_id:
        return "complainant"
    return "office"


def complaint_worklist_for(
    *, user: Any, status: str | None = None, province_id: int | None = None, overdue: bool = False
) -> QuerySet[Complaint]:
    """Open complaints the handler covers, the most urgent first."""
    scope = scope_for(user)
    roles = [r for r in OVERSIGHT if scope.has(r)]
    if not roles:
        return Complaint.objects.none()
    complaints = Complaint.objects.filter(scope.offices_q(*roles)).select_related(
        "office", "office__province", "handler"
    )
    complaints = complaints.filter(status=status) if status else complaints.filter(status__in=sorted(OPEN))
    if province_id:
        complaints = complaints.filter(office__province_id=province_id)
    if overdue:
        complaints = complaints.filter(due_at__lt=timezone.now())
    return complaints.order_by("due_at", "pk")


def complaint_events(*, complaint: Complaint):
    return complaint.events.select_related("actor").order_by("created_at", "pk")


def attachment_open_for(*, user: Any, reference: str, attachment_id: int) -> ComplaintAttachment:
    """A confidential read: the complainant or a handler only (not the office), and logged."""
    complaint = complaint_get_for(user=user, reference=reference)
    if complaint_viewer(user, complaint) == "office":
        raise NotFoundError()
    attachment = complaint.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFoundError()
    audit.record_read(actor=user, obj=attachment, office=complaint.office_id, purpose="complaint attachment")
    return attachment


def offices_visited_by(*, user: Any) -> QuerySet[Office]:
    """Offices a citizen dealt with (requests, appointments): the likely subjects of a complaint."""
    if not getattr(user, "is_authenticated", False):
        return Office.objects.none()
    case_offices = Case.objects.filter(applicant=user).values("office_id")
    visit_offices = Appointment.objects.filter(citizen=user).values("office_id")
    return Office.objects.filter(Q(pk__in=case_offices) | Q(pk__in=visit_offices)).order_by("name_fa")


def complaint_links_for(*, user: Any) -> tuple[QuerySet[Case], QuerySet[Appointment]]:
    """The citizen's own requests and appointments, to link to a complaint."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none(), Appointment.objects.none()
    cases = (
        Case.objects.filter(applicant=user).select_related("office", "service").order_by("-created_at")[:50]
    )
    visits = (
        Appointment.objects.filter(citizen=user).select_related("office", "service").order_by("-start")[:50]
    )
    return cases, visits


__all__ = [
    "attachment_open_for",
    "complaint_get_for",
    "complaint_list_for",
    "complaint_viewer",
    "complaint_worklist_for",
    "office_comments_for",
    "office_results_for",
    "oversight_provinces_for",
    "questionnaire_current",
    "results_office_get_for",
    "results_offices_for",
    "results_table_for",
    "survey_link",
]
