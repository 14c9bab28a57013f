"""The API: a request with an Idempotency-Key, reads scoped like the pages, transitions with
``{"action", "expected_status"}``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tanzim.common.jalali import tehran_date
from tanzim.enforcement.models import EnforcementFile
from tanzim.testing.enforcement import court_officer, pilot, served_file

pytestmark = pytest.mark.django_db


def body(personas, state="final"):
    today = tehran_date(timezone.now())
    return {
        "office": personas.office_a.code,
        "court": "دادگاه عمومی",
        "branch": "۱۲",
        "judgment_number": "۱۴۰۳۱۲",
        "judgment_date": str(today - timedelta(days=50)),
        "judgment_state": state,
        "judgment_served_on": str(today - timedelta(days=20)),
        "creditors": [{"name": "آلیس", "national_code": personas.citizen.national_code, "claim": 5_000_000}],
        "debtors": [{"name": "باب", "national_code": personas.other_citizen.national_code}],
    }


def test_a_request_is_created_once_per_idempotency_key_and_seen_by_its_parties(personas):
    api = APIClient()
    api.force_authenticate(personas.clerk_a)
    first = api.post(
        "/api/v1/enforcement/files/", body(personas), format="json", HTTP_IDEMPOTENCY_KEY="enf-key-0001"
    )
    again = api.post(
        "/api/v1/enforcement/files/", body(personas), format="json", HTTP_IDEMPOTENCY_KEY="enf-key-0001"
    )
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and EnforcementFile.objects.count() == 1
    pk = first.json()["id"]
    for user, code in ((personas.citizen, 200), (personas.other_citizen, 200), (personas.clerk_b, 404)):
        api.force_authenticate(user)
        assert api.get(f"/api/v1/enforcement/files/{pk}/").status_code == code
    api.force_authenticate(personas.clerk_b)
    assert api.get("/api/v1/enforcement/files/").json()["count"] == 0


def test_a_judgment_not_final_is_a_400_with_the_field(personas):
    api = APIClient()
    api.force_authenticate(personas.clerk_a)
    answer = api.post("/api/v1/enforcement/files/", body(personas, "not_final"), format="json")
    assert answer.status_code == 400 and "judgment_state" in answer.json()["fields"]


def test_a_stale_transition_is_a_409_and_a_good_one_moves(personas):
    officer = court_officer(personas.office_a.province)
    pilot(personas.office_a.province)
    file = served_file(personas, officer)
    api = APIClient()
    api.force_authenticate(personas.clerk_a)
    url = f"/api/v1/enforcement/files/{file.pk}/transition/"
    assert (
        api.post(url, {"action": "start", "expected_status": "enforcing"}, format="json").status_code == 409
    )
    moved = api.post(url, {"action": "start", "expected_status": "served"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "enforcing"
    api.force_authenticate(personas.clerk_b)
    assert api.post(url, {"action": "start"}, format="json").status_code == 404
