"""The Kanoon reimburses offices for a mission: its free services at their normal price, per-diem and travel.

Only a reported mission is paid, and only once its month has ended, after the checks: the
month's sample of free services is drawn for the inspectors, a service whose evidence an
inspector found not to hold is left out, as is a beneficiary served free by two offices on one
day and anything beyond the office's monthly cap in rials. Each office's amount is one ledger
transaction (REIMBURSEMENT): the office's receivable from the Kanoon and its mission revenue,
the Kanoon's mission expense and its payable to offices — the office's statement shows it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.jalali import JalaliMonth
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.ledger import Line, ledger_post, office_accounts, system_accounts
from tanzim.finance.services.free import free_service_cap_for
from tanzim.inspections.choices import SampleVerdict
from tanzim.inspections.models import FreeServiceSample
from tanzim.inspections.services.free_services import free_service_sample_draw
from tanzim.outreach.access import can_see
from tanzim.outreach.choices import APPROVED_STATES, MissionStatus
from tanzim.outreach.models import FieldService, Mission, Reimbursement
from tanzim.outreach.rates import rate_on
from tanzim.outreach.workflows import MISSION, mission_not_found

S = MissionStatus


@dataclass
class OfficeClaim:
    office_id: int
    services: int = 0
    services_rials: int = 0
    excluded: int = 0
    people: int = 0
    per_diem_rials: int = 0
    travel_rials: int = 0

    @property
    def total(self) -> int:
        return self.services_rials + self.per_diem_rials + self.travel_rials


def _guard(mission: Mission, actor: Any) -> None:
    if not is_kanoon(actor):
        if can_see(actor, mission):
            raise PermissionDeniedError(_("Only the Kanoon reimburses missions."), code="not_kanoon")
        raise mission_not_found()
    if mission.status == S.REIMBURSED:
        raise ConflictError(_("This mission has already been reimbursed."), code="already_reimbursed")
    if mission.status not in APPROVED_STATES:
        raise DomainError(
            _("Only a mission the Kanoon approved can be reimbursed."), code="mission_not_approved"
        )
    if mission.status != S.REPORTED:
        raise ConflictError(_("The team has not reported this mission yet."), code="mission_not_reported")
    last = JalaliMonth.of(mission.ends_on)
    if last.bounds_utc()[1] > timezone.now():
        raise ConflictError(
            _("Missions are reimbursed once their month has ended (the inspectors' sample is drawn then)."),
            code="month_not_ended",
        )


def mission_claims(mission: Mission) -> list[OfficeClaim]:
    """What each office on the team is owed, after the checks (read-only: the page shows it first)."""
    claims: dict[int, OfficeClaim] = {}
    for member in mission.team.all():
        claim = claims.setdefault(member.office_id, OfficeClaim(office_id=member.office_id))
        claim.people += 1
    per_diem = rate_on("per_diem", mission.starts_on)
    travel = rate_on("travel_km", mission.starts_on)
    for claim in claims.values():
        claim.per_diem_rials = per_diem * claim.people * mission.days
        claim.travel_rials = travel * mission.distance_km * 2
    services = list(mission.field_services.order_by("recorded_at", "pk"))
    failed = set(
        FreeServiceSample.objects.filter(
            grant_id__in=[s.grant_id for s in services], verdict=SampleVerdict.FAILS
        ).values_list("grant_id", flat=True)
    )
    twice = {
        (row["national_code"], row["served_on"])
        for row in FieldService.objects.filter(
            national_code__in=[s.national_code for s in services],
            served_on__in={s.served_on for s in services},
        )
        .values("national_code", "served_on")
        .annotate(offices=Count("office", distinct=True))
        .filter(offices__gt=1)
    }
    paid_by_month: dict[tuple[int, int], int] = defaultdict(int)
    for office_id, month, total in (
        Reimbursement.objects.filter(office_id__in=claims.keys())
        .values_list("office_id", "month")
        .annotate(total=Sum("services_rials"))
    ):
        paid_by_month[(office_id, month)] = total or 0
    for service in services:
        claim = claims.setdefault(service.office_id, OfficeClaim(office_id=service.office_id))
        month = JalaliMonth.of(service.served_on)
        cap = free_service_cap_for(office=service.office_id, month=month)
        used = paid_by_month[(service.office_id, month.key)]
        if (
            service.grant_id in failed
            or (service.national_code, service.served_on) in twice
            or (cap.max_rials is not None and used + service.normal_price > cap.max_rials)
        ):
            claim.excluded += 1
            continue
        paid_by_month[(service.office_id, month.key)] = used + service.normal_price
        claim.services += 1
        claim.services_rials += service.normal_price
    return sorted(claims.values(), key=lambda c: c.office_id)


def mission_reimburse(
    *, mission: Mission, actor: Any, expected_status: str | None = None
) -> list[Reimbursement]:
    """Pay each office of a reported mission through the ledger, once; the mission is then reimbursed."""
    current = Mission.objects.select_related("finance_mission").get(pk=mission.pk)
    _guard(current, actor)
    months = {
        JalaliMonth.of(d) for d in current.field_services.values_list("served_on", flat=True).distinct()
    }
    for month in sorted(months, key=lambda m: m.key):
        free_service_sample_draw(month=month)  # idempotent: an office sampled for the month stays so
    month_key = JalaliMonth.of(current.ends_on).key
    paid: list[Reimbursement] = []
    with transaction.atomic():
        current = Mission.objects.select_for_update().select_related("finance_mission").get(pk=current.pk)
        _guard(current, actor)
        kanoon = system_accounts(AccountPurpose.MISSION_EXPENSE, AccountPurpose.SUBSIDIES_PAYABLE)
        for claim in mission_claims(current):
            if claim.total <= 0:
                continue
            accounts = office_accounts(
                claim.office_id, AccountPurpose.KANOON_RECEIVABLE, AccountPurpose.MISSION_REVENUE
            )
            txn = ledger_post(
                lines=[
                    Line(accounts[AccountPurpose.KANOON_RECEIVABLE], debit=claim.total),
                    Line(accounts[AccountPurpose.MISSION_REVENUE], credit=claim.total),
                    Line(kanoon[AccountPurpose.MISSION_EXPENSE], debit=claim.total),
                    Line(kanoon[AccountPurpose.SUBSIDIES_PAYABLE], credit=claim.total),
                ],
                kind=TransactionKind.REIMBURSEMENT,
                memo=f"Outreach mission {current.pk}: {current.finance_mission.name}",
                reference=("outreach.mission", str(current.pk)),
                dedupe_key=f"outreach.reimburse.{current.pk}.{claim.office_id}",
                actor=actor,
                office=claim.office_id,
            )
            paid.append(
                Reimbursement.objects.create(
                    mission=current,
                    office_id=claim.office_id,
                    month=month_key,
                    services=claim.services,
                    services_rials=claim.services_rials,
                    excluded=claim.excluded,
                    per_diem_rials=claim.per_diem_rials,
                    travel_rials=claim.travel_rials,
                    total=claim.total,
                    transaction=txn,
                    created_by=actor,
                )
            )
            audit.record(
                action="outreach.mission.office_reimbursed",
                actor=actor,
                obj=current,
                office=claim.office_id,
                data={"total": claim.total, "services": claim.services, "excluded": claim.excluded},
            )
        transition(
            MISSION,
            current,
            S.REIMBURSED,
            actor=actor,
            expected_status=expected_status,
            audit_data={"total": sum(r.total for r in paid)},
        )
    return paid


def reimbursement_run(*, month: JalaliMonth, actor: Any) -> list[Reimbursement]:
    """The monthly run: every reported mission whose last day fell in ``month`` (or before) is paid."""
    if not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon reimburses missions."), code="not_kanoon")
    if month.bounds_utc()[1] > timezone.now():
        raise ConflictError(_("That month has not ended yet."), code="month_not_ended")
    _first, after = month.date_range()
    paid: list[Reimbursement] = []
    for mission in Mission.objects.filter(status=S.REPORTED, finance_mission__ends_on__lt=after).order_by(
        "pk"
    ):
        paid.extend(mission_reimburse(mission=mission, actor=actor))
    return paid
