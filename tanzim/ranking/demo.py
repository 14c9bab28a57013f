"""Demo rankings: the last two ended Jalali months, run and approved, so the public page has a
trend, each office an explanation with its change since the previous month, and the finance
app tiers for the next settlement.

Calibration. The surveys demo gives most offices a handful of answers a month (a median of about
three), which is right for its own pages but leaves a ranking with nothing to tell apart: every
office is pulled to the network mean, every office reads "too few answers", and no office can
reach tier A. Before ranking, this demo therefore gives each office a month of survey answers of
its own size for the two months it ranks (``calibrate_surveys``): offices span poor to excellent
service (a mean answer from about 2.9 to 4.8), small to busy (a median of 100 answers, a few
hundred at the busiest) and fair to high response rates (60–98%). Most offices' answers reach the
±5% minimum sample (385, corrected for the clients it invited; issue 15: a public ranking whose
rows mostly read "insufficient data" tells a citizen nothing); a small or poorly answered office
does not, so the badge appears on some offices only, and each tier A–D has offices in it.
docs/ranking.md works through the method with these figures.

Idempotent: an office and month that already have the calibrated number of answers get no more,
and a period that already has an approved run is left alone. The runs approve with their weight
warnings acknowledged (the demo network has no decided complaints in the ranked months, so that
indicator is left out and the others' weights drift): the run page shows the flag.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.utils import timezone

from tanzim.common.errors import DomainError
from tanzim.common.jalali import JalaliMonth
from tanzim.feedback.models import Questionnaire, SurveyResponse, SurveyTally
from tanzim.feedback.services import survey_results_publish
from tanzim.offices.models import Office
from tanzim.ranking import method as ranking_method
from tanzim.ranking import periods, selectors, services
from tanzim.ranking.choices import RunStatus
from tanzim.ranking.models import RankingRun

MEDIAN_ANSWERS = 100  # per office and month
MAX_ANSWERS = 600
DEMO_NOTE = "demo: the weight warnings were read and acknowledged"


def _profile(office: Office, month: JalaliMonth) -> tuple[float, int, float, random.Random]:
    """An office's level of service (mean answer), answers and response rate for one month."""
    level = random.Random(f"ranking-demo:{office.code}")  # the office's own, the same every month
    quality = level.random()
    mean = 2.9 + 1.9 * quality
    volume = math.exp(math.log(MEDIAN_ANSWERS) + 0.8 * level.gauss(0, 1))
    rate = level.uniform(0.6, 0.98)
    rng = random.Random(f"ranking-demo:{office.code}:{month.key}")
    answers = int(min(MAX_ANSWERS, max(3, volume * rng.uniform(0.85, 1.15))))
    return mean, answers, rate, rng


def _clamp(value: float) -> int:
    return max(1, min(5, round(value)))


def calibrate_surveys(*, offices: Sequence[Office], months: Sequence[JalaliMonth]) -> int:
    """Top each office's answers in ``months`` up to its calibrated number; returns the rows added."""
    questionnaire = Questionnaire.objects.filter(active=True).order_by("-version").first()
    if questionnaire is None:
        return 0
    today = timezone.localdate()
    added = 0
    for month in months:
        first, following = month.date_range()
        last = min(following - timedelta(days=1), today)
        span = max(0, (last - first).days)
        tallies = {t.office_id: t for t in SurveyTally.objects.filter(period=month.key)}
        rows: list[SurveyResponse] = []
        changed: list[SurveyTally] = []
        for office in offices:
            mean, answers, rate, rng = _profile(office, month)
            tally = tallies.get(office.pk) or SurveyTally(office=office, period=month.key)
            missing = answers - tally.answered
            if missing <= 0:
                continue
            total = 0
            for _ in range(missing):
                base = rng.gauss(mean, 0.55)
                overall = _clamp(base + rng.gauss(0, 0.35))
                total += overall
                rows.append(
                    SurveyResponse(
                        office=office,
                        period=month.key,
                        questionnaire=questionnaire,
                        source=rng.choice(["visit", "visit", "case_filed", "case_closed"]),
                        language="fa",
                        answered_on=first + timedelta(days=rng.randint(0, span)),
                        access=_clamp(base + 0.2 + rng.gauss(0, 0.5)),
                        courtesy=_clamp(base + 0.3 + rng.gauss(0, 0.5)),
                        clarity=_clamp(base + rng.gauss(0, 0.5)),
                        timeliness=_clamp(base - 0.3 + rng.gauss(0, 0.6)),
                        fairness=_clamp(base + 0.1 + rng.gauss(0, 0.4)),
                        overall=overall,
                    )
                )
            tally.answered += missing
            tally.overall_sum += total
            tally.sent = max(tally.sent, math.ceil(tally.answered / rate))
            changed.append(tally)
            added += missing
        SurveyResponse.objects.bulk_create(rows, batch_size=2000)
        for tally in changed:
            tally.save()
    # The ranking reads published snapshots only (docs/privacy.md); the nightly task publishes.
    survey_results_publish()
    return added


def seed_ranking(*, offices: Sequence[Office], progress: Callable[[], None] | None = None) -> dict[str, int]:
    services.policy_current()
    last = periods.last_ended_month()
    ranked = (last.previous(), last)
    every_office = list(Office.objects.order_by("code")) if offices else []
    calibrate_surveys(offices=every_office, months=[p.first_month for p in ranked])
    approved = 0
    for period in ranked:
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
            flagged = any(c.kind == ranking_method.WEIGHT_DRIFT for c in selectors.run_checks(run))
            services.run_approve(
                run=run, actor=None, note=DEMO_NOTE if flagged else "demo", acknowledge_warnings=flagged
            )
            approved += 1
    for _office in offices:
        if progress:
            progress()
    return {"approved": approved}
