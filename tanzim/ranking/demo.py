"""Demo rankings: the last two ended Jalali months, run and approved, so the public page has a
trend, each office an explanation with its change since the previous month, and the finance
app tiers for the next settlement.

Idempotent: a period that already has an approved run is left alone. Fast: the run reads a
handful of grouped queries and the Monte Carlo takes well under a second for the demo offices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tanzim.common.errors import DomainError
from tanzim.offices.models import Office
from tanzim.ranking import periods, services
from tanzim.ranking.choices import RunStatus
from tanzim.ranking.models import RankingRun


def seed_ranking(*, offices: Sequence[Office], progress: Callable[[], None] | None = None) -> dict[str, int]:
    services.policy_current()
    last = periods.last_ended_month()
    approved = 0
    for period in (last.previous(), last):
        done = RankingRun.objects.filter(
            period_kind=period.kind, period_first=period.first, status=RunStatus.APPROVED
        ).exists()
        if done:
            continue
        try:
            run = services.run_request(actor=None, period=period)
        except DomainError:
            continue  # no data for that month in this demo
        run = services.run_execute(run_id=run.pk)
        if run.status == RunStatus.FINISHED:
            services.run_approve(run=run, actor=None, note="demo")
            approved += 1
    for _office in offices:
        if progress:
            progress()
    return {"approved": approved}
