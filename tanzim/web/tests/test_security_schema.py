"""The schema tells the truth (issue 13, defect 11): paginated lists and nullable fields as sent."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PAGINATED = {
    "/api/v1/complaints/": "PaginatedComplaintList",
    "/api/v1/corrective-actions/": "PaginatedCorrectiveActionList",
    "/api/v1/inspections/": "PaginatedInspectionList",
    "/api/v1/payments/": "PaginatedPaymentList",
}


@pytest.fixture
def schema(client):
    return client.get(reverse("schema"), {"format": "json"}).json()


@pytest.mark.parametrize("path", sorted(PAGINATED))
def test_a_paginated_list_is_documented_as_a_page_not_a_plain_array(schema, path):
    operation = schema["paths"][path]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][PAGINATED[path]]

    assert body == {"$ref": f"#/components/schemas/{PAGINATED[path]}"}
    assert set(component["properties"]) == {"count", "next", "previous", "results"}
    assert component["properties"]["results"]["type"] == "array"
    assert {p["name"] for p in operation["parameters"]} >= {"limit", "offset"}


@pytest.mark.parametrize("path", sorted(PAGINATED))
def test_the_list_really_answers_a_page(personas, path):
    api = APIClient()
    api.force_authenticate(personas.kanoon_admin)

    body = api.get(path).json()

    assert set(body) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize(
    ("component", "field"),
    [("Event", "on_behalf_of"), ("DisputeEvent", "on_behalf_of"), ("Dispute", "mediator")],
)
def test_a_field_the_api_sends_as_null_is_marked_nullable(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True
