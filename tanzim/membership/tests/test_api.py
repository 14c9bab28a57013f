"""The API: scoped lists, the transition endpoint's permission matrix, stale moves, the pipeline."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tanzim.membership.choices import Step
from tanzim.testing.membership import applicant, give_documents

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _handed_in(province_code: str = "THR"):
    application = applicant(province_code=province_code)
    give_documents(application)
    from tanzim.membership.services import step_submit

    step_submit(application=application, actor=application.user)
    return application


@pytest.mark.parametrize(
    "who, status",
    [
        ("kanoon_admin", 200),
        ("province_admin_a", 200),
        ("inspector", 403),
        ("clerk_a", 404),
        ("manager_a", 404),
        ("citizen", 404),
    ],
)
def test_who_approves_the_documents(personas, who, status):
    application = _handed_in()
    url = f"/api/v1/membership/applications/{application.pk}/transition/"
    response = _client(getattr(personas, who)).post(
        url, {"action": "approve", "expected_status": "documents"}, format="json"
    )
    assert response.status_code == status, response.content
    application.refresh_from_db()
    assert application.status == (Step.PLACE if status == 200 else Step.DOCUMENTS)


def test_a_stale_expected_status_is_409_and_an_unknown_action_400(personas):
    application = _handed_in()
    client = _client(personas.kanoon_admin)
    url = f"/api/v1/membership/applications/{application.pk}/transition/"
    assert (
        client.post(url, {"action": "approve", "expected_status": "place"}, format="json").status_code == 409
    )
    assert client.post(url, {"action": "fly"}, format="json").status_code == 400
    response = client.post(url, {"action": "send_back", "reason": "ناخوانا"}, format="json")
    assert response.status_code == 200 and response.json()["returned_reason"] == "ناخوانا"


def test_the_province_sees_only_its_applicants_and_the_applicant_only_theirs(personas):
    own = _handed_in()
    other = applicant(province_code="ISF")
    listed = _client(personas.province_admin_a).get("/api/v1/membership/applications/").json()
    assert [row["id"] for row in listed["results"]] == [own.pk]
    assert (
        _client(personas.province_admin_a).get(f"/api/v1/membership/applications/{other.pk}/").status_code
        == 404
    )
    mine = _client(own.user).get("/api/v1/membership/applications/").json()
    assert [row["id"] for row in mine["results"]] == [own.pk]
    assert _client(own.user).get(f"/api/v1/membership/applications/{other.pk}/").status_code == 404


def test_the_applicant_withdraws(personas):
    application = applicant()
    response = _client(application.user).post(
        f"/api/v1/membership/applications/{application.pk}/transition/",
        {"action": "withdraw", "expected_status": "documents"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["step"] == Step.WITHDRAWN


@pytest.mark.parametrize("who, status", [("kanoon_admin", 200), ("province_admin_a", 200), ("citizen", 404)])
def test_the_pipeline(personas, who, status):
    _handed_in()
    response = _client(getattr(personas, who)).get("/api/v1/membership/pipeline/")
    assert response.status_code == status
    if status == 200:
        assert response.json()["by_step"]["documents"] == 1
