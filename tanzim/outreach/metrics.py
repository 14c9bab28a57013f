"""The social-service figures ranking reads: verified free services and mission participation only.

A free service counts when its ground is on record and has not been refuted: a counter's free
payment with its grant (Relief Committee, Welfare, an approved mission), captured in the period,
or a service captured on a mission the team has reported; a service whose sampled evidence the
inspector found not to hold does not count. Mission participation counts each confirmed team
place on a mission that was held, by its days, valued at the per-diem rate, so a day in a
village weighs the same whatever its paperwork. Nothing an office merely marks free counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Sum

from tanzim.common.jalali import tehran_date
from tanzim.finance.choices import PaymentStatus
from tanzim.finance.models import FreeServiceGrant
from tanzim.inspections.choices import SampleVerdict
from tanzim.inspections.models import FreeServiceSample
from tanzim.outreach.choices import MissionStatus
from tanzim.outreach.models import FieldService, TeamMember
from tanzim.outreach.rates import rate_on

REPORTED = (MissionStatus.REPORTED, MissionStatus.REIMBURSED)
HELD = (MissionStatus.HELD, *REPORTED)


@dataclass
class Social:
    verified_free: int = 0
    verified_rials: int = 0
    mission_days: int = 0
    participation_rials: int = 0

    @property
    def rials(self) -> int:
        return self.verified_rials + self.participation_rials


def social_service(*, start: datetime, end: datetime) -> dict[int, Social]:
    """Per office, the verified free work of the period [start, end)."""
    figures: dict[int, Social] = defaultdict(Social)
    refuted = FreeServiceSample.objects.filter(verdict=SampleVerdict.FAILS).values("grant_id")
    counter = (
        FreeServiceGrant.objects.filter(
            payment__status=PaymentStatus.CAPTURED,
            payment__captured_at__gte=start,
            payment__captured_at__lt=end,
        )
        .exclude(pk__in=refuted)
        .values("office_id")
        .annotate(n=Count("pk"), rials=Sum("payment__subsidy"))
        .order_by()
    )
    for row in counter:
        f = figures[row["office_id"]]
        f.verified_free += row["n"]
        f.verified_rials += row["rials"] or 0
    first, last = tehran_date(start), tehran_date(end)
    field = (
        FieldService.objects.filter(mission__status__in=REPORTED, served_on__gte=first, served_on__lt=last)
        .exclude(grant_id__in=refuted)
        .values("office_id")
        .annotate(n=Count("pk"), rials=Sum("normal_price"))
        .order_by()
    )
    for row in field:
        f = figures[row["office_id"]]
        f.verified_free += row["n"]
        f.verified_rials += row["rials"] or 0
    places = TeamMember.objects.filter(
        confirmed_at__isnull=False,
        mission__status__in=HELD,
        mission__finance_mission__starts_on__gte=first,
        mission__finance_mission__starts_on__lt=last,
    ).select_related("mission__finance_mission")
    for member in places:
        mission = member.mission
        f = figures[member.office_id]
        f.mission_days += mission.days
        f.participation_rials += mission.days * rate_on("per_diem", mission.starts_on)
    return dict(figures)
