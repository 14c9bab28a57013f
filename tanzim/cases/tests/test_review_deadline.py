"""A review of a judgment (appeal, art. 336 CPC; cassation, art. 397) shows its last day to file.

The period runs from the notice of the judgment to the applicant: 20 days, two months for an
applicant living abroad (art. 446), a free period (art. 445) whose last day moves past holidays
(art. 444). Mediation never stops it, so the request page and the refused diversion say it.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from tanzim.cases import selectors, services
from tanzim.catalog.models import Service
from tanzim.common.errors import DomainError
from tanzim.common.jalali import TEHRAN
from tanzim.testing.cases import make_draft

pytestmark = pytest.mark.django_db

AZAR_12 = datetime(2026, 12, 3, 9, 0, tzinfo=TEHRAN)  # 1405/09/12
AZAR_10 = date(2026, 12, 1)  # 1405/09/10, the day the judgment was notified


@pytest.fixture
def clock():
    with time_machine.travel(AZAR_12, tick=False):
        yield


def appeal(personas, **changes):
    case = make_draft(personas, Service.objects.get(code="civil_petition"))
    return services.case_update(case=case, actor=personas.citizen, proceeding="appeal", **changes)


def test_art_336_an_appeal_notified_on_1405_09_10_may_be_filed_until_1405_10_01(clock, personas):
    # 20 days counted from the day after the notice end on 1405/09/30; the action is still in
    # time on the next day (art. 445), Tuesday 1405/10/01.
    case = appeal(personas, judgment_notified_on=AZAR_10)
    deadline = selectors.review_deadline(case)
    assert deadline is not None
    assert deadline.last_day == date(2026, 12, 22) and deadline.period_days == 20


def test_art_446_an_applicant_abroad_has_two_months_from_the_notice(clock, personas):
    case = appeal(personas, judgment_notified_on=AZAR_10, applicant_abroad=True)
    deadline = selectors.review_deadline(case)
    assert deadline is not None and deadline.period_days == 60
    # Two months are 60 days (art. 443) counted from 1405/09/11, then the next day: Sunday 1405/11/11.
    assert deadline.last_day == date(2027, 1, 31)


def test_no_last_day_before_the_notice_is_recorded_or_for_a_first_instance_request(clock, personas):
    assert selectors.review_deadline(appeal(personas)) is None
    first = make_draft(personas, Service.objects.get(code="civil_petition"))
    services.case_update(case=first, actor=personas.citizen, judgment_notified_on=AZAR_10)
    assert selectors.review_deadline(first) is None


def test_a_notice_in_the_future_is_refused(clock, personas):
    with pytest.raises(DomainError) as refused:
        appeal(personas, judgment_notified_on=date(2026, 12, 10))
    assert "judgment_notified_on" in refused.value.fields


def test_the_request_page_and_the_refused_diversion_show_the_last_day(clock, personas, client):
    case = appeal(personas, judgment_notified_on=AZAR_10)
    services.case_submit(case=case, actor=personas.citizen)
    client.force_login(personas.citizen)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="review-deadline"' in page and "۱۴۰۵/۱۰/۰۱" in page
    refused = client.get(reverse("disputes:from-case", args=[case.pk])).content.decode()
    assert 'id="review-never-diverted"' in refused and "۱۴۰۵/۱۰/۰۱" in refused


def test_the_draft_form_takes_the_notice_in_jalali_and_the_api_in_iso(clock, personas, client):
    case = appeal(personas)
    client.force_login(personas.citizen)
    client.post(
        reverse("cases:details", args=[case.pk]),
        {"title": case.title, "proceeding": "appeal", "judgment_notified_on": "۱۴۰۵/۰۹/۱۰"},
    )
    case.refresh_from_db()
    assert case.judgment_notified_on == AZAR_10
    api = APIClient()
    api.force_authenticate(personas.citizen)
    response = api.patch(
        reverse("api:case-detail", args=[case.pk]), {"judgment_notified_on": "2026-11-30"}, format="json"
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.judgment_notified_on == date(2026, 11, 30)
