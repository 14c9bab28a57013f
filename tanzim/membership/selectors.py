"""Reads of the membership app, each scoped to the acting user (out of scope: the same 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import has_role, is_kanoon, scope_for
from tanzim.common.errors import NotFoundError
from tanzim.common.jalali import JalaliMonth, jalali_month_range, tehran_date
from tanzim.membership.choices import OPEN_STEPS, STEP_ORDER, Step
from tanzim.membership.models import (
    Application,
    ApplicationEvent,
    Claim,
    ClaimDocument,
    Enrolment,
    Instalment,
    InsurancePolicy,
    LoanApplication,
    LoanDocument,
    LoanProgramme,
    Place,
)
from tanzim.offices.models import Province

#: The end-of-year target: every admitted applicant's office opened by the last day of Esfand.
STUCK_DAYS = 14


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_see_pipeline(user: Any) -> bool:
    return _signed_in(user) and (is_kanoon(user) or has_role(user, Role.PROVINCE_ADMIN, Role.INSPECTOR))


def _province_ids(user: Any) -> list[int] | None:
    """None: every province; otherwise the provinces the user's province-admin roles cover."""
    if is_kanoon(user) or has_role(user, Role.INSPECTOR):
        return None
    scope = scope_for(user)
    return sorted(scope.province_ids.get(Role.PROVINCE_ADMIN, ()))


def applications_for(*, user: Any) -> QuerySet[Application]:
    """Applicants the user may see: their own; a province's; every one for the Kanoon and inspectors."""
    rows = Application.objects.select_related("province", "place__city", "user", "office")
    if not _signed_in(user):
        return rows.none()
    own = Q(user_id=user.pk)
    if not can_see_pipeline(user):
        return rows.filter(own)
    provinces = _province_ids(user)
    if provinces is None:
        return rows
    return rows.filter(own | Q(province_id__in=provinces))


def application_get_for(*, user: Any, pk: Any) -> Application:
    try:
        return applications_for(user=user).get(pk=int(pk))
    except (Application.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundError() from exc


def own_application(*, user: Any) -> Application | None:
    if not _signed_in(user):
        return None
    return (
        Application.objects.select_related("province", "place__city", "office")
        .filter(user_id=user.pk)
        .first()
    )


def places_for(*, application: Application) -> QuerySet[Place]:
    return (
        Place.objects.filter(province_id=application.province_id)
        .select_related("city")
        .order_by("city__name_fa")
    )


# --- the pipeline -------------------------------------------------------------------------------


@dataclass
class Pipeline:
    steps: list[str]
    provinces: list[Province]
    counts: dict[int, dict[str, int]]  # province id → step → applicants
    totals: dict[str, int]
    stuck: list[Application]
    total: int
    opened: int
    burn_labels: list[str]
    burn_actual: list[float | None]
    burn_ideal: list[float | None]


def year_end(today: date) -> date:
    """The last day of the Jalali year ``today`` falls in."""
    month = JalaliMonth.of(today)
    return jalali_month_range(month.year, 12)[1]


def pipeline_for(*, user: Any, now: datetime | None = None, province: Province | None = None) -> Pipeline:
    """Counts by step and province, who is stuck longest, and the burn-down to the year's end."""
    if not can_see_pipeline(user):
        raise NotFoundError()
    now = now or timezone.now()
    rows = applications_for(user=user)
    if province is not None:
        rows = rows.filter(province=province)
    counts: dict[int, dict[str, int]] = {}
    totals: dict[str, int] = dict.fromkeys([*STEP_ORDER, Step.WITHDRAWN], 0)
    for province_id, status, n in (
        rows.order_by().values_list("province_id", "status").annotate(n=Count("pk"))
    ):
        counts.setdefault(province_id, {})[status] = n
        totals[status] += n
    provinces = list(Province.objects.filter(pk__in=counts.keys()).order_by("name_fa"))
    stuck = list(
        rows.filter(status__in=OPEN_STEPS, status_changed_at__lt=now - timedelta(days=STUCK_DAYS)).order_by(
            "status_changed_at", "pk"
        )[:50]
    )
    total = sum(n for status, n in totals.items() if status != Step.WITHDRAWN)
    labels, actual, ideal = _burn_down(rows, now=now, total=total)
    return Pipeline(
        steps=list(STEP_ORDER),
        provinces=provinces,
        counts=counts,
        totals=totals,
        stuck=stuck,
        total=total,
        opened=totals[Step.OPENED],
        burn_labels=labels,
        burn_actual=actual,
        burn_ideal=ideal,
    )


def _burn_down(
    rows: QuerySet[Application], *, now: datetime, total: int
) -> tuple[list[str], list[float | None], list[float | None]]:
    """Per Jalali month of this year: the share (%) not yet opened at the month's end, and the
    straight line from 100% at the first import to 0% on the last day of the year."""
    today = tehran_date(now)
    this_month = JalaliMonth.of(today)
    months = [JalaliMonth(this_month.year, m) for m in range(1, 13)]
    opened_at = sorted(
        tehran_date(at)
        for at in ApplicationEvent.objects.filter(
            application__in=rows.order_by().values("pk"), to_status=Step.OPENED
        ).values_list("created_at", flat=True)
    )
    first = rows.order_by("created_at").values_list("created_at", flat=True).first()
    start = JalaliMonth.of(tehran_date(first)).month if first else this_month.month
    labels: list[str] = []
    actual: list[float | None] = []
    ideal: list[float | None] = []
    span = max(1, 12 - start + 1)
    for month in months:
        labels.append(str(month.month))
        end = jalali_month_range(month.year, month.month)[1]
        if month.month < start:
            actual.append(None)
            ideal.append(None)
            continue
        ideal.append(round(100 * (1 - (month.month - start + 1) / span), 1))
        if month.month > this_month.month or not total:
            actual.append(None)
        else:
            done = sum(1 for day in opened_at if day <= end)
            actual.append(round(100 * (total - done) / total, 1))
    return labels, actual, ideal


# --- loans -------------------------------------------------------------------------------------


def programmes_open() -> QuerySet[LoanProgramme]:
    return LoanProgramme.objects.filter(active=True)


def loans_for(*, user: Any) -> QuerySet[LoanApplication]:
    rows = LoanApplication.objects.select_related("programme", "office", "member")
    if not _signed_in(user):
        return rows.none()
    if is_kanoon(user):
        return rows
    return rows.filter(member_id=user.pk)


def loan_get_for(*, user: Any, pk: Any) -> LoanApplication:
    try:
        return loans_for(user=user).get(pk=int(pk))
    except (LoanApplication.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundError() from exc


def loan_queue(*, programme: LoanProgramme | None = None) -> QuerySet[LoanApplication]:
    """The queue in its one public order: first submitted, first considered."""
    rows = LoanApplication.objects.filter(status="submitted").select_related("programme", "office")
    if programme is not None:
        rows = rows.filter(programme=programme)
    return rows.order_by("submitted_at", "pk")


def instalment_get_for(*, user: Any, pk: Any) -> Instalment:
    try:
        return Instalment.objects.select_related("loan").get(Q(loan__in=loans_for(user=user)), pk=int(pk))
    except (Instalment.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundError() from exc


def policies_open() -> QuerySet[InsurancePolicy]:
    return InsurancePolicy.objects.filter(active=True).order_by("kind", "code")


def enrolments_for(*, user: Any) -> QuerySet[Enrolment]:
    """The member's own enrolments (the Kanoon sees every one)."""
    rows = Enrolment.objects.select_related("policy", "office").prefetch_related("dependants")
    if not _signed_in(user):
        return rows.none()
    if is_kanoon(user):
        return rows
    return rows.filter(member_id=user.pk)


def enrolment_get_for(*, user: Any, pk: Any) -> Enrolment:
    try:
        return enrolments_for(user=user).get(pk=int(pk))
    except (Enrolment.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundError() from exc


def claims_for(*, user: Any) -> QuerySet[Claim]:
    """The member's own claims; the Kanoon's review sees all. Another's claim is not found."""
    rows = Claim.objects.select_related(
        "enrolment__policy", "enrolment__office", "dependant"
    ).prefetch_related("documents")
    if not _signed_in(user):
        return rows.none()
    if is_kanoon(user):
        return rows
    return rows.filter(enrolment__member_id=user.pk)


def claim_get_for(*, user: Any, pk: Any) -> Claim:
    try:
        return claims_for(user=user).get(pk=int(pk))
    except (Claim.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundError() from exc


def claim_document_get_for(*, user: Any, pk: Any) -> ClaimDocument:
    try:
        return ClaimDocument.objects.select_related("claim").get(
            Q(claim__in=claims_for(user=user)), pk=int(pk)
        )
    except (ClaimDocument.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundError() from exc


def loan_document_get_for(*, user: Any, pk: Any) -> LoanDocument:
    """A loan's document for its member or the Kanoon; anyone else's is not found."""
    try:
        return LoanDocument.objects.select_related("loan").get(Q(loan__in=loans_for(user=user)), pk=int(pk))
    except (LoanDocument.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundError() from exc
