"""Fixtures for ranking: survey answers per office and month, written the way the demo writes them."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tanzim.feedback import periods as months
from tanzim.feedback.models import Questionnaire, SurveyResponse, SurveyTally
from tanzim.finance.models import SharePolicy

PERIOD = 140503  # Khordad 1405
NOW = "2026-07-15 09:00:00+03:30"  # in Tir 1405, so Khordad has ended


@pytest.fixture(autouse=True)
def _in_tir_1405(request):
    """Service and page tests run in Tir 1405; browser tests keep the real clock (live server)."""
    if request.node.get_closest_marker("browser"):
        yield
        return
    with time_machine.travel(NOW, tick=False):
        yield


def answer(office, *, overall: int, n: int, period: int = PERIOD, sent: int | None = None) -> None:
    """``n`` answers of ``overall`` (every item the same) for one office and month."""
    questionnaire = Questionnaire.objects.filter(active=True).first()
    year, month = months.split(period)
    import jdatetime

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


@pytest.fixture
def surveyed(personas):
    """Office A well liked by many, office B less liked by a few."""
    answer(personas.office_a, overall=5, n=40)
    answer(personas.office_a, overall=4, n=20)
    answer(personas.office_b, overall=3, n=6)
    return personas


@pytest.fixture
def share_policy(db):
    return SharePolicy.objects.create(
        valid_from_year=1405, valid_from_month=1, base_rate_bp=1000, tier_adjustments_bp={"A": -300, "D": 200}
    )
