"""The disputes board's ``office`` parameter (issue 13, defect 11).

It takes an office's code. A code the caller may see narrows the board to that office; another
office's code and an unknown code are the same 404 (the board never tells them apart), and a
malformed one is a 400 naming the field: nothing is silently ignored.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tanzim.testing.disputes import open_dispute

pytestmark = pytest.mark.django_db

URL = "/api/v1/disputes/board/"


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def dispute_a(personas, clock):
    return open_dispute(personas)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["rows"]]


def test_an_office_code_the_clerk_works_at_narrows_the_board_to_it(personas, dispute_a):
    mine = dispute_a

    response = api(personas.clerk_a).get(URL, {"office": "A0001"})

    assert response.status_code == 200
    assert ids(response) == [mine.pk]
    assert response.json()["total"] == 1


def test_another_offices_code_is_the_same_404_as_an_unknown_code(personas, dispute_a):
    other = api(personas.clerk_b).get(URL, {"office": "A0001"})
    unknown = api(personas.clerk_b).get(URL, {"office": "Z9999"})

    assert other.status_code == unknown.status_code == 404
    assert other.json() == unknown.json() == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_an_office_id_is_no_longer_silently_ignored(personas, dispute_a):
    """The old parameter took a numeric id and dropped anything else, showing every office."""
    response = api(personas.clerk_a).get(URL, {"office": str(personas.office_a.pk)})

    assert response.status_code == 404


@pytest.mark.parametrize("code", ["A0001'--", "x" * 13, "A 0001", "<b>"])
def test_a_malformed_office_code_is_a_400_naming_the_field(personas, dispute_a, code):
    response = api(personas.clerk_a).get(URL, {"office": code})

    assert response.status_code == 400
    assert "office" in response.json()["fields"]


def test_an_overseer_narrows_to_any_office_in_their_remit(personas, dispute_a):
    mine = dispute_a

    assert api(personas.kanoon_admin).get(URL).json()["total"] == 1
    assert ids(api(personas.kanoon_admin).get(URL, {"office": "A0001"})) == [mine.pk]
    assert api(personas.kanoon_admin).get(URL, {"office": "B0001"}).json()["total"] == 0


def test_a_party_may_narrow_to_the_office_of_their_own_dispute_only(personas, dispute_a):
    mine = dispute_a

    assert ids(api(personas.citizen).get(URL, {"office": "A0001"})) == [mine.pk]
    assert api(personas.citizen).get(URL, {"office": "B0001"}).status_code == 404


def test_the_schema_documents_the_office_parameter_as_a_code_with_its_errors(client):
    operation = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en").json()["paths"][
        URL
    ]["get"]
    office = next(p for p in operation["parameters"] if p["name"] == "office")

    assert office["schema"]["type"] == "string"
    assert "404" in office["description"] and "400" in office["description"]
    assert {"200", "400", "404"} <= set(operation["responses"])
