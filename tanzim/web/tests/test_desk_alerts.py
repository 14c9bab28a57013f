"""The Kanoon's desk says what would otherwise mislead people silently: a year without its own
tariff, and a year whose lunar holidays are missing or only estimated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from tanzim.catalog.models import FeeSchedule
from tanzim.offices.selectors import CALENDAR_CACHE_KEY

AUTUMN_1405 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def autumn_1405():
    # Requested before ``personas`` so that their roles start inside the travelled time.
    with time_machine.travel(AUTUMN_1405, tick=False):
        yield


def _alerts(client, user) -> str:
    client.force_login(user)
    page = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    return page.content.decode()


def test_the_kanoon_is_told_when_this_year_has_no_tariff_of_its_own(autumn_1405, client, personas):
    cache.delete(CALENDAR_CACHE_KEY)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = _alerts(client, personas.kanoon_admin)
    assert 'id="desk-alerts"' in html
    assert "No tariff has been entered for 1405" in html
    assert "The lunar holidays of 1406 are missing" in html


def test_the_tariff_alert_goes_once_the_year_has_its_schedule(autumn_1405, client, personas):
    FeeSchedule.objects.create(
        year=1405, effective_from=datetime(2026, 3, 21).date(), extra_party_fee=1, extra_page_fee=1
    )
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "No tariff has been entered" not in _alerts(client, personas.kanoon_admin)


def test_a_clerk_does_not_see_the_kanoons_alerts(autumn_1405, client, personas):
    assert 'id="desk-alerts"' not in _alerts(client, personas.clerk_a)
