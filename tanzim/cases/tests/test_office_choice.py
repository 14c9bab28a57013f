"""Issue 15, 8: a remote request suggests the best office (distance, waiting requests, tier),
sorts by distance when the location is known and finds offices by city."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tanzim.cases.tests.page_helpers import signed_in
from tanzim.offices.models import City
from tanzim.testing.factories import OfficeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_settings")]


@pytest.fixture
def shiraz(db):
    return OfficeFactory(city=City.objects.get(code="FAR-01"), name_fa="دفتر خدمات زند")


def _checked(html: str) -> list[str]:
    return re.findall(r'name="office" id="office-[^"]+" value="([^"]+)" checked', html)


def test_the_nearest_office_is_suggested_and_chosen_when_the_location_is_known(
    client, personas, formal_notice, shiraz
):
    signed_in(client, personas.citizen)
    url = reverse("cases:office", args=["formal_notice", "remote"])
    html = client.get(url, {"lat": "29.6", "lon": "52.55"}).content.decode()
    assert f'id="suggested-office" data-office="{shiraz.code}"' in html
    assert _checked(html) == [shiraz.code]
    assert "کیلومتر" in html or "km" in html
    # The list is nearest first: the Shiraz office is the first choice on the page.
    assert re.findall(r'id="office-([A-Z0-9]+)"', html)[0] == shiraz.code


def test_a_city_stands_for_the_location(client, personas, formal_notice, shiraz):
    signed_in(client, personas.citizen)
    url = reverse("cases:office", args=["formal_notice", "remote"])
    html = client.get(url, {"city": "FAR-01"}).content.decode()
    assert f'data-office="{shiraz.code}"' in html and _checked(html) == [shiraz.code]


def test_without_a_location_an_office_is_still_suggested(client, personas, formal_notice, shiraz):
    signed_in(client, personas.citizen)
    html = client.get(reverse("cases:office", args=["formal_notice", "remote"])).content.decode()
    assert 'id="suggested-office"' in html and len(_checked(html)) == 1


def test_search_by_city_name(client, personas, formal_notice, shiraz):
    signed_in(client, personas.citizen)
    url = reverse("cases:office", args=["formal_notice", "remote"])
    html = client.get(url, {"q": "شیراز"}).content.decode()
    assert re.findall(r'id="office-([A-Z0-9]+)"', html) == [shiraz.code]
