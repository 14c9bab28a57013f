"""The office suggested for a request (issue 15, 8): the citizen is not left to pick among 200.

Among the offices that may handle the service (``catalog.selectors.offices_for_service``), the
suggestion is the one with the lowest cost, in "requests ahead of yours" equivalents::

    cost = open requests waiting at the office (submitted, in review, resubmitted)
         + distance_km / KM_PER_REQUEST          # only when the citizen's location is known
         − TIER_BONUS[the office's ranking tier]  # A 3, B 1 (finance.OfficeTier this month)

A remote request needs no visit, so distance only breaks near-ties (30 km weigh as one request
waiting); an office's tier is a nudge, never a reason to wait much longer. The reasons shown
to the citizen say which of the three made the choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case
from tanzim.common import formatting
from tanzim.common.jalali import jalali_year_month
from tanzim.finance.choices import Tier
from tanzim.finance.share import tiers_for
from tanzim.offices.models import Office

KM_PER_REQUEST = 30.0
TIER_BONUS: dict[str, float] = {Tier.A: 3.0, Tier.B: 1.0}
WAITING = (CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW, CaseStatus.RESUBMITTED)


@dataclass(frozen=True)
class Suggested:
    office: Office
    cost: float
    waiting: int
    tier: str
    distance_km: float | None
    reasons: list[str] = field(default_factory=list)


def _waiting(office_ids: list[int]) -> dict[int, int]:
    rows = (
        Case.objects.filter(office_id__in=office_ids, status__in=WAITING)
        .values("office_id")
        .annotate(n=Count("pk"))
    )
    return {row["office_id"]: row["n"] for row in rows}


def suggest_office(offices: Sequence[Office]) -> Suggested | None:
    """The best of ``offices`` (already ordered, with ``distance_km`` when a location is known)."""
    if not offices:
        return None
    ids = [o.pk for o in offices]
    waiting = _waiting(ids)
    year, month = jalali_year_month(timezone.now())
    tiers = tiers_for(year=year, month=month, office_ids=ids)
    best: Suggested | None = None
    for office in offices:
        distance = getattr(office, "distance_km", None)
        tier = tiers.get(office.pk, "")
        cost = waiting.get(office.pk, 0) - TIER_BONUS.get(tier, 0.0)
        if distance is not None:
            cost += distance / KM_PER_REQUEST
        if best is None or cost < best.cost - 1e-9:
            best = Suggested(office, cost, waiting.get(office.pk, 0), tier, distance)
    assert best is not None
    reasons = []
    if best.distance_km is not None:
        reasons.append(_("About %(km)s km from you.") % {"km": formatting.number(round(best.distance_km), 0)})
    if best.waiting:
        reasons.append(_("%(n)s requests waiting before yours.") % {"n": formatting.number(best.waiting)})
    else:
        reasons.append(_("No request waiting: yours is handled first."))
    if best.tier:
        reasons.append(_("Ranked in tier %(tier)s by the Kanoon.") % {"tier": best.tier})
    return Suggested(best.office, best.cost, best.waiting, best.tier, best.distance_km, reasons)
