"""The public catalogue API: fee quotes, the service list and the office directory."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tanzim.catalog.models import Service
from tanzim.catalog.services import DATA
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import City, Licence
from tanzim.testing.factories import OfficeFactory

TARIFF_1403_CODES = {item["code"] for item in json.loads(DATA.read_text(encoding="utf-8"))["services"]}
QUOTE = reverse("api:fee-quote")
SERVICES = reverse("api:service-list")
OFFICES = reverse("api:office-list")


def quote(client, **data):
    return client.post(QUOTE, data, content_type="application/json")


def office_codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["results"]]


# --- fee quotes -------------------------------------------------------------------------


def test_a_quote_is_itemised_in_rials(client, db):
    response = quote(
        client, service="civil_petition", channel="remote", extra_parties=1, extra_pages=2, addons=["sms"]
    )

    assert response.status_code == 200
    body = response.json()
    assert [(line["code"], line["quantity"], line["amount"]) for line in body["lines"]] == [
        ("base", 1, 770_000),
        ("extra_party", 1, 70_000),
        ("extra_page", 2, 140_000),
        ("addon:sms", 1, 10_000),
    ]
    assert body["service_part"] == 980_000
    assert body["discount_pct"] == 50
    assert body["discount"] == 490_000
    assert body["addons_total"] == 10_000
    assert body["office_fee"] == 500_000
    assert body["client_total"] == 500_000
    assert body["year"] == 1403


def test_a_free_service_quote_shows_the_subsidy(client, db):
    body = quote(client, service="formal_notice", channel="in_person", free_service=True).json()

    assert body["client_office_fee"] == 0
    assert body["client_total"] == 0
    assert body["subsidy"] == 630_000
    assert body["notes"]


def test_an_unknown_service_is_answered_with_the_not_found_envelope(client, db):
    response = quote(client, service="time-travel", channel="remote")

    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "not_found"  # one code for every 404 (issue 13)
    assert body["message"]
    assert body["fields"] == {}


def test_a_negative_page_count_is_refused_with_a_field_error(client, db):
    response = quote(client, service="civil_petition", channel="in_person", extra_pages=-1)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["extra_pages"]


def test_a_channel_the_service_does_not_offer_is_refused(client, db):
    response = quote(client, service="sana_registration", channel="remote")

    assert response.status_code == 400
    assert response.json()["code"] == "channel_not_allowed"
    assert "channel" in response.json()["fields"]


def test_an_unknown_add_on_is_refused_with_a_field_error(client, db):
    response = quote(client, service="civil_petition", channel="in_person", addons=["gold-plating"])

    assert response.status_code == 400
    assert "addons" in response.json()["fields"]


def test_the_error_message_follows_the_request_language(client, db):
    response = client.post(
        QUOTE,
        {"service": "time-travel", "channel": "remote"},
        content_type="application/json",
        headers={"accept-language": "en"},
    )

    assert response.json()["message"] == "Not found."
    persian = client.post(
        QUOTE,
        {"service": "time-travel", "channel": "remote"},
        content_type="application/json",
        headers={"accept-language": "fa"},
    )
    assert persian.json()["message"] == "یافت نشد."


# --- the service list -------------------------------------------------------------------


def test_the_service_list_shows_a_price_for_every_channel(client, db):
    response = client.get(SERVICES)

    assert response.status_code == 200
    services = {item["code"]: item for item in response.json()}
    assert len(services) == Service.objects.filter(active=True).count()
    assert set(services) >= TARIFF_1403_CODES
    assert all(item["prices"] for item in services.values())
    assert services["civil_petition"]["prices"] == {
        "remote": 385_000,
        "semi_in_person": 577_500,
        "in_person": 770_000,
    }
    assert services["sana_registration"]["channels"] == ["semi_in_person", "in_person"]
    assert set(services["sana_registration"]["prices"]) == {"semi_in_person", "in_person"}


def test_the_service_list_filters_by_channel(client, db):
    remote = {item["code"] for item in client.get(SERVICES, {"channel": "remote"}).json()}

    assert "civil_petition" in remote
    assert "consultation" in remote
    assert "sana_registration" not in remote
    in_person = {item["code"] for item in client.get(SERVICES, {"channel": "in_person"}).json()}
    assert "sana_registration" in in_person
    assert "consultation" not in in_person


def test_the_service_list_filters_by_category(client, db):
    codes = {item["code"] for item in client.get(SERVICES, {"category": "advice"}).json()}

    assert {"consultation", "drafting_advice"} <= codes
    assert all(Service.objects.get(code=code).category == "advice" for code in codes)


def test_inactive_services_are_not_listed(client, db):
    Service.objects.filter(code="brief").update(active=False)

    codes = {item["code"] for item in client.get(SERVICES).json()}

    assert "brief" not in codes


# --- the office directory ---------------------------------------------------------------


@pytest.fixture
def cities(db):
    tehran = City.objects.get(code="THR-01")
    isfahan = City.objects.filter(province__code="ISF", is_capital=True).get()
    tehran_suburb = City.objects.filter(province__code="THR", is_capital=False).order_by("code").first()
    return tehran, tehran_suburb, isfahan


def test_the_directory_filters_by_province_and_city(client, cities):
    tehran, suburb, isfahan = cities
    OfficeFactory(code="THR1", city=tehran)
    OfficeFactory(code="THR2", city=suburb)
    OfficeFactory(code="ISF1", city=isfahan)

    assert set(office_codes(client.get(OFFICES))) == {"THR1", "THR2", "ISF1"}
    assert set(office_codes(client.get(OFFICES, {"province": "THR"}))) == {"THR1", "THR2"}
    assert office_codes(client.get(OFFICES, {"province": "THR", "city": suburb.code})) == ["THR2"]
    assert office_codes(client.get(OFFICES, {"province": "ISF"})) == ["ISF1"]


def test_the_directory_shows_only_active_offices(client, cities):
    tehran, _suburb, _isfahan = cities
    OfficeFactory(code="OPEN", city=tehran)
    OfficeFactory(code="SHUT", city=tehran, status=OfficeStatus.SUSPENDED)

    assert office_codes(client.get(OFFICES)) == ["OPEN"]


def test_the_directory_filters_by_licence(client, cities):
    tehran, _suburb, _isfahan = cities
    OfficeFactory(code="MED", city=tehran, setup=[LicenceKind.MEDIATION])
    OfficeFactory(code="ARB", city=tehran, setup=[LicenceKind.ARBITRATION])

    response = client.get(OFFICES, {"licence": "mediation"})

    assert office_codes(response) == ["MED"]
    assert response.json()["results"][0]["licences"] == ["mediation"]


def test_a_service_needing_a_licence_lists_only_offices_with_a_valid_one(client, cities):
    tehran, _suburb, _isfahan = cities
    today = timezone.localdate()
    OfficeFactory(code="VALID", city=tehran, setup=[LicenceKind.CONSULTATION])
    OfficeFactory(code="NONE", city=tehran, setup=[LicenceKind.MEDIATION])
    expired = OfficeFactory(code="EXPIRED", city=tehran, setup=[])
    Licence.objects.create(
        office=expired,
        kind=LicenceKind.CONSULTATION,
        valid_from=today - timedelta(days=400),
        valid_until=today - timedelta(days=1),
    )
    future = OfficeFactory(code="FUTURE", city=tehran, setup=[])
    Licence.objects.create(office=future, kind=LicenceKind.CONSULTATION, valid_from=today + timedelta(days=1))

    assert office_codes(client.get(OFFICES, {"service": "consultation"})) == ["VALID"]
    assert set(office_codes(client.get(OFFICES, {"service": "civil_petition"}))) == {
        "VALID",
        "NONE",
        "EXPIRED",
        "FUTURE",
    }


def test_an_expired_licence_is_not_listed_on_the_office(client, cities):
    tehran, _suburb, _isfahan = cities
    today = timezone.localdate()
    office = OfficeFactory(code="OLD", city=tehran, setup=[LicenceKind.MEDIATION])
    Licence.objects.create(
        office=office,
        kind=LicenceKind.CONSULTATION,
        valid_from=today - timedelta(days=30),
        valid_until=today - timedelta(days=1),
    )

    assert client.get(OFFICES).json()["results"][0]["licences"] == ["mediation"]


def test_a_service_with_a_contradicting_licence_filter_finds_nothing(client, cities):
    tehran, _suburb, _isfahan = cities
    OfficeFactory(code="BOTH", city=tehran, setup=[LicenceKind.CONSULTATION, LicenceKind.MEDIATION])

    assert office_codes(client.get(OFFICES, {"service": "consultation", "licence": "mediation"})) == []


def test_the_directory_search_treats_arabic_yeh_and_kaf_as_persian(client, cities):
    tehran, _suburb, _isfahan = cities
    OfficeFactory(code="K1", city=tehran, name_fa="دفتر خدمات الکترونیک قضایی کریمی")
    OfficeFactory(code="R1", city=tehran, name_fa="دفتر خدمات الکترونیک قضایی رضایی")

    # Typed on an Arabic keyboard: ك (U+0643) and ي (U+064A).
    assert office_codes(client.get(OFFICES, {"q": "كريمي"})) == ["K1"]
    assert office_codes(client.get(OFFICES, {"q": "کریمی"})) == ["K1"]
    assert set(office_codes(client.get(OFFICES, {"q": "قضايي"}))) == {"K1", "R1"}


def test_the_directory_search_matches_codes_typed_in_persian_digits(client, cities):
    tehran, _suburb, _isfahan = cities
    OfficeFactory(code="THR1234", city=tehran)
    OfficeFactory(code="THR5678", city=tehran)

    assert office_codes(client.get(OFFICES, {"q": "۱۲۳۴"})) == ["THR1234"]


def test_an_unknown_licence_is_refused(client, db):
    response = client.get(OFFICES, {"licence": "astrology"})

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "fields"}
    assert "licence" in response.json()["fields"]


@pytest.mark.parametrize("param", ["province", "city", "service", "q"])
def test_a_nul_character_in_an_office_filter_is_refused_not_a_server_error(client, db, param):
    response = client.get(OFFICES, {param: "THR\x00"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [param]


def test_a_nul_character_in_a_service_filter_is_refused_not_a_server_error(client, db):
    response = client.get(SERVICES, {"category": "filing\x00"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["category"]


def test_an_unknown_service_filter_is_answered_with_not_found(client, db):
    response = client.get(OFFICES, {"service": "time-travel"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_directory_shows_no_personal_data(client, cities):
    OfficeFactory(city=cities[0])

    item = client.get(OFFICES).json()["results"][0]

    assert set(item) == {
        "code",
        "name",
        "name_fa",
        "name_en",
        "province",
        "province_name",
        "city",
        "city_name",
        "address",
        "latitude",
        "longitude",
        "phone",
        "status",
        "deprived_area",
        "licences",
    }


def _queries_for_office_list(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(OFFICES, {"province": "THR"})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_office_list_query_count_does_not_grow_with_the_number_of_offices(
    client, cities, django_assert_max_num_queries
):
    tehran, suburb, _isfahan = cities
    OfficeFactory.create_batch(3, city=tehran)
    few = _queries_for_office_list(client)
    OfficeFactory.create_batch(27, city=suburb, setup=[LicenceKind.MEDIATION, LicenceKind.CONSULTATION])

    with django_assert_max_num_queries(4):
        response = client.get(OFFICES, {"province": "THR"})

    assert response.json()["count"] == 30
    assert _queries_for_office_list(client) == few
