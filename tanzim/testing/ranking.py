"""Helpers for ranking tests: survey answers per office and month, written the way the demo writes them."""

from __future__ import annotations

from datetime import date

import jdatetime

from tanzim.feedback import periods as months
from tanzim.feedback.models import Questionnaire, SurveyResponse, SurveyTally
from tanzim.feedback.services import survey_month_publish

PERIOD = 140503  # Khordad 1405
NOW = "2026-07-15 09:00:00+03:30"  # in Tir 1405, so Khordad has ended


def answer(office, *, overall: int, n: int, period: int = PERIOD, sent: int | None = None) -> None:
    """``n`` answers of ``overall`` (every item the same) for one office and month, then published
    (the ranking reads published snapshots only; fewer than five new answers stay unpublished)."""
    questionnaire = Questionnaire.objects.filter(active=True).first()
    year, month = months.split(period)
    answered = jdatetime.date(year, month, 10).togregorian()
    SurveyResponse.objects.bulk_create(
        [
            SurveyResponse(
                office=office,
                period=period,
                questionnaire=questionnaire,
                source="visit",
                language="fa",
                answered_on=answered if isinstance(answered, date) else answered.date(),
                access=overall,
                courtesy=overall,
                clarity=overall,
                timeliness=overall,
                fairness=overall,
                overall=overall,
            )
            for _ in range(n)
        ]
    )
    tally, _created = SurveyTally.objects.get_or_create(office=office, period=period)
    tally.sent += sent if sent is not None else n * 2
    tally.answered += n
    tally.overall_sum += overall * n
    tally.save()
    survey_month_publish(office_id=office.pk, period=period)
