"""The consultation indicators mean what consult and ranking mean: a refunded written question
counts as answered late, and a closed consultation "without a visit" is one after which no visit to
the counters was booked within 30 days (not merely one that did not send the client to a lawyer)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tanzim.catalog.models import Service
from tanzim.common.jalali import TEHRAN
from tanzim.dashboards import rollups
from tanzim.dashboards.selectors import indicator_value
from tanzim.testing.consult_figures import consultant_at, written
from tanzim.testing.feedback import serve_visit

pytestmark = pytest.mark.django_db

ASKED = datetime(2026, 5, 3, 9, 0, tzinfo=TEHRAN)


def test_refunds_count_late_and_a_visit_after_closing_is_not_no_visit(personas):
    consultant = consultant_at(personas.office_a, personas.consultant_a)
    citizen, other = personas.citizen, personas.other_citizen
    written(
        consultant, citizen, asked=ASKED, answered_after=timedelta(hours=2), closed_after=timedelta(hours=3)
    )
    written(
        consultant, other, asked=ASKED, answered_after=timedelta(hours=5), closed_after=timedelta(hours=6)
    )
    written(consultant, other, asked=ASKED, refunded=True)
    # the first citizen came to the counters a week after closing: that consultation saved no visit
    serve_visit(personas.office_a, citizen, Service.objects.first(), when=ASKED + timedelta(days=7))

    rollups.rebuild(date(2026, 4, 21), date(2026, 6, 20))
    span = (date(2026, 4, 21), date(2026, 6, 20))
    # two answered by the deadline, one refunded at it: 2 of 3 on time
    assert indicator_value("consult_on_time", *span) == pytest.approx(2 / 3)
    # two closed, one followed by a visit within 30 days
    assert indicator_value("consult_no_visit", *span) == pytest.approx(1 / 2)
    assert indicator_value("consultations", *span) == 3
