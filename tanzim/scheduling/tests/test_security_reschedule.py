"""The reschedule's 409 is documented as it is sent (issue 13, defect 11).

A client that reads the schema must be able to rely on it: a slot taken meanwhile answers with
the next free times (``alternatives``), any other conflict without them, and both bodies match
the documented response.
"""

from __future__ import annotations

import jsonschema  # type: ignore[import-untyped]
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tanzim.testing.factories import CitizenFactory
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db

PATH = "/api/v1/appointments/{id}/reschedule/"


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def schema(client):
    return client.get(reverse("schema"), {"format": "json"}).json()


def documented_409(schema) -> dict:
    response = schema["paths"][PATH]["post"]["responses"]["409"]
    body = response["content"]["application/json"]["schema"]
    return {**body, "components": schema["components"]}


def _full(slotted, service, when):
    slot = slot_at(slotted.office_a, when)
    for _ in range(slot.capacity):
        book(CitizenFactory(), slot, service)
    return slot


def test_the_schema_documents_the_alternatives_of_a_taken_slot_on_reschedule(schema):
    body = documented_409(schema)
    component = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]

    assert component["properties"]["alternatives"]["type"] == "array"
    assert component["properties"]["alternatives"]["items"] == {"$ref": "#/components/schemas/FreeSlot"}
    assert "slot_taken" in component["properties"]["alternatives"]["description"]
    assert "400" in schema["paths"][PATH]["post"]["responses"]


def test_rescheduling_onto_a_taken_slot_answers_the_documented_409_with_alternatives(
    schema, slotted, service
):
    appointment = book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)
    taken = _full(slotted, service, at(2, 10))

    response = client_for(slotted.citizen).post(
        PATH.format(id=appointment.pk), {"slot": taken.pk}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "slot_taken"
    assert [a["start"][:16] for a in body["alternatives"]] == [
        "2026-12-21T10:15",
        "2026-12-21T10:30",
        "2026-12-21T10:45",
    ]
    jsonschema.validate(body, documented_409(schema))


def test_a_stale_reschedule_answers_409_without_alternatives_as_documented(schema, slotted, service):
    appointment = book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)
    free = slot_at(slotted.office_a, at(2, 11))

    response = client_for(slotted.citizen).post(
        PATH.format(id=appointment.pk), {"slot": free.pk, "expected_status": "cancelled"}, format="json"
    )

    assert response.status_code == 409
    assert "alternatives" not in response.json()
    jsonschema.validate(response.json(), documented_409(schema))
