"""The consult API: public trees, booking with an Idempotency-Key, scoped reads, transitions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tanzim.testing.consult import licensed_consultant, pay

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=ZoneInfo("Asia/Tehran"))
TEN = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tehran"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_published_trees_are_public(client):
    trees = client.get("/api/v1/consult/trees/").json()
    assert "bounced-cheque" in {t["slug"] for t in trees}
    tree = client.get("/api/v1/consult/trees/bounced-cheque/").json()
    assert tree["definition"]["start"] == "cheque_or_debt"
    assert client.get("/api/v1/consult/trees/nope/").status_code == 404


def test_booking_is_idempotent_and_a_transition_needs_the_expected_status(client, personas):
    consultant = licensed_consultant(personas)
    client.force_login(personas.citizen)
    body = {"consultant": consultant.pk, "mode": "video", "question": "سؤال", "starts_at": TEN.isoformat()}
    first = client.post(
        "/api/v1/consult/consultations/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-12345",
    )
    again = client.post(
        "/api/v1/consult/consultations/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-12345",
    )
    assert first.status_code == 201 and again.json()["reference"] == first.json()["reference"]
    other = client.post(
        "/api/v1/consult/consultations/",
        {**body, "question": "دیگر"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-12345",
    )
    assert other.status_code == 409
    taken = client.post(
        "/api/v1/consult/consultations/", {**body, "mode": "phone"}, content_type="application/json"
    )
    assert taken.status_code == 409
    reference = first.json()["reference"]
    from tanzim.consult.models import Consultation

    pay(Consultation.objects.get(reference=reference), personas.citizen)
    url = f"/api/v1/consult/consultations/{reference}/transition/"
    assert (
        client.post(
            url,
            {"action": "answer", "expected_status": "booked", "advice": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
    client.force_login(personas.consultant_a)
    stale = client.post(
        url,
        {"action": "answer", "expected_status": "answered", "advice": "x"},
        content_type="application/json",
    )
    assert stale.status_code == 409
    ok = client.post(
        url,
        {"action": "answer", "expected_status": "booked", "advice": "پاسخ"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "answered"
    client.force_login(personas.clerk_b)
    assert client.get(f"/api/v1/consult/consultations/{reference}/").status_code == 404


def test_an_hour_booked_through_the_api_is_priced_by_its_line_and_a_bad_length_refused(client, personas):
    consultant = licensed_consultant(personas)
    client.force_login(personas.citizen)
    body = {"consultant": consultant.pk, "mode": "video", "question": "سؤال", "starts_at": TEN.isoformat()}
    bad = client.post(
        "/api/v1/consult/consultations/", {**body, "minutes": 45}, content_type="application/json"
    )
    assert bad.status_code == 400 and "minutes" in str(bad.json())
    hour = client.post(
        "/api/v1/consult/consultations/", {**body, "minutes": 60}, content_type="application/json"
    )
    assert hour.status_code == 201
    data = hour.json()
    assert data["service"] == "consultation_60" and data["price"] == 900_000 and data["review_verdict"] == ""
