"""Publishing survey results to the office in batches, never in real time.

An office reads its survey results from ``SurveyPublication`` snapshots only. The periodic task
(``tasks.publish_survey_results``, a beat entry in config/settings.py) calls
``survey_results_publish``: for every office and month with at least ``FEEDBACK_PUBLISH_BATCH``
answers beyond its last snapshot, it takes a new one. So an office manager who reads the
results, has one more person answer, and reads again sees no change until the next batch, and
the change a batch makes is the sum of five answers or more: it cannot isolate one of them.

The cut-off is a response id. It is sound on PostgreSQL because the answer service updates the
office's tally row (taking its row lock) *before* it inserts the response, and the task locks
the same row: an answer either committed before the task read the answers, or draws its id
after the task has committed, above the cut-off.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tanzim.audit import services as audit
from tanzim.feedback.choices import DIMENSIONS, SATISFIED_FROM, SurveyDimension
from tanzim.feedback.models import SurveyPublication, SurveyResponse, SurveyTally

logger = logging.getLogger(__name__)

OPTIONAL = tuple(d for d in DIMENSIONS if d != SurveyDimension.OVERALL)


def publish_batch() -> int:
    """New answers needed before an office's month is published again (never fewer than 5)."""
    return max(5, int(settings.FEEDBACK_PUBLISH_BATCH))


def _due(batch: int):
    """Tallies (office, month) with at least ``batch`` answers beyond their last publication."""
    published = SurveyPublication.objects.filter(office_id=OuterRef("office_id"), period=OuterRef("period"))
    return (
        SurveyTally.objects.filter(answered__gte=batch)
        .annotate(
            published=Coalesce(
                Subquery(published.values("responses")[:1], output_field=IntegerField()), Value(0)
            )
        )
        .filter(answered__gte=F("published") + batch)
        .order_by("period", "office_id")
        .values_list("office_id", "period")
    )


def _aggregate(office_id: int, period: int, up_to: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        "n": Count("pk"),
        "satisfied": Count("pk", filter=Q(overall__gte=SATISFIED_FROM)),
    }
    for d in DIMENSIONS:
        values[f"{d}_sum"] = Sum(d)
        values[f"{d}_n"] = Count(d)
    return SurveyResponse.objects.filter(office_id=office_id, period=period, pk__lte=up_to).aggregate(
        **values
    )


@transaction.atomic
def survey_month_publish(
    *, office_id: int, period: int, now: datetime | None = None
) -> SurveyPublication | None:
    """Publish one office's month if a batch of new answers is waiting; None if not (yet)."""
    batch = publish_batch()
    tally = SurveyTally.objects.select_for_update().filter(office_id=office_id, period=period).first()
    if tally is None:
        return None
    previous = (
        SurveyPublication.objects.select_for_update().filter(office_id=office_id, period=period).first()
    )
    answers = SurveyResponse.objects.filter(office_id=office_id, period=period)
    if previous is not None:
        answers = answers.filter(pk__gt=previous.up_to)
    if answers.count() < batch:
        return None
    up_to = (
        SurveyResponse.objects.filter(office_id=office_id, period=period)
        .order_by("-pk")
        .values_list("pk", flat=True)[0]
    )
    row = _aggregate(office_id, period, up_to)
    fields: dict[str, Any] = {
        "responses": row["n"],
        "satisfied": row["satisfied"],
        "overall_sum": row["overall_sum"] or 0,
        "overall_n": row["overall_n"],
        "invitations": tally.sent,
        "up_to": up_to,
        "published_at": now or timezone.now(),
        "seed": secrets.randbits(62),
    }
    for d in OPTIONAL:
        before = getattr(previous, f"{d}_n", 0) if previous is not None else 0
        if row[f"{d}_n"] - before >= batch:
            # This item received a batch of its own: its figures move. Otherwise they stay as
            # published, so an item answered by one person of the batch reveals nothing.
            fields[f"{d}_sum"] = row[f"{d}_sum"] or 0
            fields[f"{d}_n"] = row[f"{d}_n"]
    if previous is None:
        publication = SurveyPublication.objects.create(office_id=office_id, period=period, batch=1, **fields)
    else:
        for name, value in fields.items():
            setattr(previous, name, value)
        previous.batch += 1
        previous.save()
        publication = previous
    audit.record(
        action="feedback.survey.published",
        office=office_id,
        data={"period": period, "batch": publication.batch, "responses": publication.responses},
    )
    return publication


def survey_results_publish(*, now: datetime | None = None) -> int:
    """Publish every office's month that has a batch waiting (the periodic task); how many were."""
    done = 0
    for office_id, period in list(_due(publish_batch())):
        if survey_month_publish(office_id=office_id, period=period, now=now) is not None:
            done += 1
    if done:
        logger.info("feedback: published survey results", extra={"publications": done})
    return done
