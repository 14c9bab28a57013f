"""The Kanoon's desk names the offices that reached their free-service cap this month and the sampled
free services found without valid evidence (note to art. 505 CPC), each linking to its page."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from tanzim.common.jalali import JalaliMonth
from tanzim.finance import services as finance
from tanzim.inspections import services as inspections
from tanzim.inspections.models import FreeServiceSample
from tanzim.testing.finance import IN_MEHR_1404, free_grant

pytestmark = pytest.mark.django_db

MEHR_1404 = JalaliMonth(1404, 7)


@pytest.fixture
def mehr_1404(settings, tmp_path):
    # Requested before ``personas`` so that their roles start inside the travelled time.
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(IN_MEHR_1404, tick=False):
        yield


def _alerts(client, user, language: str = "en") -> str:
    client.force_login(user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    page = client.get(reverse("web:home"))
    assert page.status_code == 200
    match = re.search(r'<div[^>]*id="desk-alerts".*?</div>', page.content.decode(), re.S)
    return match.group(0) if match else ""


def _grants(office, clerk, count: int, prefix: str) -> None:
    for n in range(count):
        free_grant(office=office, actor=clerk, reference_type="tests.desk", reference_id=f"{prefix}-{n}")


def test_the_kanoon_is_told_which_offices_reached_their_free_service_cap_this_month(
    mehr_1404, client, personas
):
    finance.free_service_cap_set(
        office=personas.office_a, month=None, max_count=2, max_rials=None, actor=personas.kanoon_admin
    )
    _grants(personas.office_a, personas.clerk_a, 2, "a")
    _grants(personas.office_b, personas.clerk_b, 1, "b")  # under the default cap

    alerts = _alerts(client, personas.kanoon_admin)

    assert "1 office reached its free-service cap in Mehr 1404: A0001." in alerts
    assert "B0001" not in alerts
    link = reverse("inspections:free-services") + "?month=1404-07&amp;capped=1"
    assert f'href="{link}"' in alerts
    assert (
        client.get(reverse("inspections:free-services"), {"month": "1404-07", "capped": "1"}).status_code
        == 200
    )


def test_an_office_under_its_cap_raises_no_free_service_alert(mehr_1404, client, personas):
    finance.free_service_cap_set(
        office=personas.office_a, month=None, max_count=3, max_rials=None, actor=personas.kanoon_admin
    )
    _grants(personas.office_a, personas.clerk_a, 2, "a")
    assert "free-service cap" not in _alerts(client, personas.kanoon_admin)


def test_the_kanoon_is_told_of_sampled_free_services_without_valid_evidence_with_their_page(
    mehr_1404, client, personas
):
    _grants(personas.office_a, personas.clerk_a, 1, "a")
    inspections.free_service_sample_draw(month=MEHR_1404)
    sample = FreeServiceSample.objects.get()
    inspections.free_service_sample_check(
        sample=sample, actor=personas.inspector, holds=False, note="تأییدیه جعلی به نظر می‌رسد."
    )

    alerts = _alerts(client, personas.kanoon_admin)

    assert "1 sampled free service of office A0001 (Mehr 1404) has no valid evidence." in alerts
    page = reverse("inspections:free-service-office", args=["A0001", MEHR_1404.key])
    assert f'href="{page}"' in alerts
    persian = _alerts(client, personas.kanoon_admin, "fa")
    assert "مهر ۱۴۰۴" in persian and f'href="{page}"' in persian  # digits in the text, not the link


def test_evidence_that_holds_raises_no_alert_and_a_clerk_sees_none(mehr_1404, client, personas):
    _grants(personas.office_a, personas.clerk_a, 1, "a")
    inspections.free_service_sample_draw(month=MEHR_1404)
    inspections.free_service_sample_check(
        sample=FreeServiceSample.objects.get(), actor=personas.inspector, holds=True
    )
    assert "valid evidence" not in _alerts(client, personas.kanoon_admin)
    finance.free_service_cap_set(
        office=None, month=None, max_count=1, max_rials=None, actor=personas.kanoon_admin
    )
    assert _alerts(client, personas.clerk_a) == ""
