"""Every public output — page, CSV, XLSX, JSON, API — withholds the same cells, names no person,
states the licence, and pages through long tables."""

from __future__ import annotations

import csv
import io
import json

import openpyxl  # type: ignore[import-untyped]
import pytest
import time_machine
from django.urls import reverse

from tanzim.common.jalali import JalaliMonth
from tanzim.opendata import selectors
from tanzim.opendata.tests.helpers import elsewhere, first_day, offices_in, put

pytestmark = pytest.mark.django_db
NOW = "2026-11-20 10:00 +03:30"  # Azar 1405
MONTH = JalaliMonth(1405, 8)
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
# The only fields a public table may have: places, months, offices and figures.
ALLOWED = {c.key for t in ("network", "money", "offices") for c in selectors.columns_of(t)} | {"suppressed"}


@pytest.fixture
def figures(personas):
    """Tehran with plenty, office B's province with plenty, and one small Tehran office card."""
    with time_machine.travel(NOW, tick=False):
        tehran = offices_in("THR-01", 2, "T")
        for office in (*tehran, *elsewhere(MONTH)):
            put(
                office,
                first_day(MONTH),
                requests_in=40,
                requests_in_person=20,
                requests_semi=10,
                requests_remote=10,
                services=40,
                fees_collected=4_000_000,
                revenue=4_000_000,
                survey_responses=10,
                survey_overall_sum=40,
            )
        # Outreach: 3 in Tehran (withheld), 20 in office B's province.
        put(tehran[0], first_day(MONTH), outreach_services=3)
        elsewhere(MONTH, outreach_services=20)
        put(personas.office_a, first_day(MONTH), requests_in=2, requests_in_person=2)
    return tehran


def _get(client, name, *args, **query):
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse(name, args=args), query)


def _tehran(rows, key="province"):
    return next(r for r in rows if r[key] == "THR" and r.get("month", "1405-08") == "1405-08")


def test_csv_withholds_small_cells_and_names_them(client, figures):
    response = _get(client, "opendata:download", "network", "csv", month="1405-08")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert LICENCE_URL in response["Link"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert set(rows[0]) <= ALLOWED
    tehran = _tehran(rows)
    assert tehran["outreach_services"] == "" and "outreach_services" in tehran["suppressed"].split()
    assert tehran["requests_in"] == "82"


def test_xlsx_opens_in_an_independent_reader_with_the_same_cells(client, figures):
    response = _get(client, "opendata:download", "network", "xlsx", month="1405-08")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book["network"]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    assert header[:5] == ["month", "province", "province_name_fa", "province_name_en", "requests_in"]
    assert set(header) <= ALLOWED
    rows = [dict(zip(header, v, strict=False)) for v in values[1:]]
    tehran = _tehran(rows)
    assert tehran["outreach_services"] is None and "outreach_services" in tehran["suppressed"]
    assert tehran["requests_in"] == 82
    notes = list(book["licence"].iter_rows(values_only=True))
    assert notes[0][1] == "CC BY 4.0" and notes[0][2] == LICENCE_URL


def test_json_carries_the_licence_and_nulls(client, figures):
    response = _get(client, "opendata:download", "network", "json", month="1405-08")
    payload = json.loads(response.content)
    assert payload["licence"]["url"] == LICENCE_URL
    tehran = _tehran(payload["rows"])
    assert tehran["outreach_services"] is None and "outreach_services" in tehran["suppressed"]
    assert set(tehran) <= ALLOWED


def test_the_api_pages_withholds_and_states_the_licence(client, figures):
    response = _get(client, "api:open-network", limit=5)
    assert response.status_code == 200
    body = response.json()
    assert body["licence"]["name"] == "CC BY 4.0" and LICENCE_URL in response["Link"]
    assert len(body["results"]) == 5 and body["count"] == 32 * selectors.MONTHS and body["next"]
    assert all(set(r) <= ALLOWED for r in body["results"])
    tehran = _get(client, "api:open-network", province="THR", month="1405-08").json()["results"][0]
    assert tehran["outreach_services"] is None and "outreach_services" in tehran["suppressed"]
    assert tehran["requests_in"] == 82
    second = _get(client, "api:open-network", limit=5, offset=5).json()["results"]
    assert second[0] != body["results"][0]


def test_the_api_asks_for_no_login_and_refuses_bad_filters(client, figures):
    assert _get(client, "api:open-money").status_code == 200
    assert _get(client, "api:open-offices").status_code == 200
    assert _get(client, "api:open-network", province="XX").status_code == 404
    assert _get(client, "api:open-network", month="nonsense").status_code == 400
    assert _get(client, "api:open-network", month="1390-01").status_code == 404


def test_an_office_with_few_requests_shows_them_withheld_everywhere(client, figures, personas):
    offices = _get(client, "api:open-offices", province="THR", limit=500).json()["results"]
    row = next(r for r in offices if r["office"] == personas.office_a.code)
    assert row["requests_in"] is None and row["in_person_share"] is None
    assert {"requests_in", "requests_in_person", "in_person_share"} <= set(row["suppressed"])
    page = _get(client, "opendata:office", personas.office_a.code)
    assert page.status_code == 200
    assert '<span aria-hidden="true">—</span>' in page.content.decode()


def test_no_person_appears_in_any_output(client, figures, personas):
    people = [personas.citizen, personas.other_citizen, personas.clerk_a, personas.manager_a]
    marks = [
        m for p in people for m in (p.first_name, p.last_name, p.national_code, p.mobile, p.username) if m
    ]
    outputs = [
        _get(client, "opendata:network").content.decode(),
        _get(client, "opendata:money").content.decode(),
        _get(client, "opendata:office", personas.office_a.code).content.decode(),
    ] + [
        _get(client, "opendata:download", t, f).content.decode("utf-8-sig")
        for t in ("network", "money", "offices")
        for f in ("csv", "json")
    ]
    for text in outputs:
        for mark in marks:
            assert str(mark) not in text


def test_the_pages_need_no_login_and_show_the_network(client, figures):
    page = _get(client, "opendata:network")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="network-table"' in text and "<svg" in text and LICENCE_URL in text
    assert "max-age=300" in page["Cache-Control"] and "public" in page["Cache-Control"]
    money = _get(client, "opendata:money", province="THR")
    assert money.status_code == 200 and 'id="money-table"' in money.content.decode()
    assert _get(client, "opendata:network", province="XX").status_code == 404
    assert _get(client, "opendata:office", "NOPE").status_code == 404
    assert _get(client, "opendata:download", "people", "csv").status_code == 404


def test_the_directory_and_footer_link_to_the_public_pages(client, figures, personas):
    with time_machine.travel(NOW, tick=False):
        directory = client.get(reverse("web:directory")).content.decode()
    assert reverse("opendata:office", args=[personas.office_a.code]) in directory
    assert reverse("opendata:network") in directory
