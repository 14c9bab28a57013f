"""API: runs, results and explanations scoped like the pages; the public ranking; policy versions."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tanzim.ranking import policy as policy_rules
from tanzim.ranking.choices import RunStatus
from tanzim.ranking.models import RankingRun
from tanzim.ranking.tests.helpers import ACK, approved_run, finished_run


@pytest.fixture
def api():
    return APIClient()


def test_the_kanoon_starts_a_run_and_reads_its_status(api, surveyed, django_capture_on_commit_callbacks):
    api.force_authenticate(surveyed.kanoon_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/ranking/runs/", {"period": "1405-03"}, format="json")

    assert response.status_code == 202
    run = api.get(f"/api/v1/ranking/runs/{response.json()['id']}/").json()
    assert run["status"] == RunStatus.FINISHED and run["progress"] == 100 and run["period"] == "1405-03"
    assert set(run["variance_share"]) >= {"satisfaction"}


def test_a_bad_period_is_a_400_with_the_envelope(api, surveyed):
    api.force_authenticate(surveyed.kanoon_admin)

    response = api.post(
        "/api/v1/ranking/runs/", {"period": "1404-07"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "no_data" and "period" in response.json()["fields"]


def test_rerunning_an_approved_period_without_a_reason_is_a_409(api, surveyed):
    approved_run(surveyed)
    api.force_authenticate(surveyed.kanoon_admin)

    response = api.post("/api/v1/ranking/runs/", {"period": "1405-03"}, format="json")

    assert response.status_code == 409 and response.json()["code"] == "period_approved"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("kanoon_admin", {"A0001", "B0001"}), ("province_admin_a", {"A0001"}), ("manager_a", {"A0001"})],
)
def test_results_are_scoped_by_role(api, surveyed, persona, expected):
    run = approved_run(surveyed)
    api.force_authenticate(getattr(surveyed, persona))

    response = api.get(f"/api/v1/ranking/runs/{run.pk}/results/", {"limit": 500})

    assert response.status_code == 200
    codes = {r["office"] for r in response.json()["results"]}
    assert expected <= codes and ({"A0001", "B0001"} - expected).isdisjoint(codes)


def test_a_manager_cannot_see_an_unapproved_run(api, surveyed):
    run = finished_run(surveyed)
    api.force_authenticate(surveyed.manager_a)

    assert api.get(f"/api/v1/ranking/runs/{run.pk}/").status_code == 404
    assert api.get(f"/api/v1/ranking/runs/{run.pk}/results/A0001/").status_code == 404


def test_the_explanation_lists_every_indicator(api, surveyed):
    run = approved_run(surveyed)
    api.force_authenticate(surveyed.manager_a)

    data = api.get(f"/api/v1/ranking/runs/{run.pk}/results/A0001/").json()

    assert data["result"]["office"] == "A0001" and data["period"] == "1405-03"
    keys = {i["key"] for i in data["indicators"]}
    assert "satisfaction" in keys and len(keys) == len(policy_rules.DEFAULT_INDICATORS)
    assert api.get(f"/api/v1/ranking/runs/{run.pk}/results/B0001/").status_code == 404


def test_only_the_kanoon_approves_over_the_api(api, surveyed):
    run = finished_run(surveyed)
    api.force_authenticate(surveyed.province_admin_a)
    assert api.post(f"/api/v1/ranking/runs/{run.pk}/approve/", {}, format="json").status_code == 403

    api.force_authenticate(surveyed.kanoon_admin)
    response = api.post(f"/api/v1/ranking/runs/{run.pk}/approve/", ACK, format="json")
    assert response.status_code == 200 and response.json()["status"] == RunStatus.APPROVED
    assert response.json()["warnings_acknowledged"] is True
    assert api.post(f"/api/v1/ranking/runs/{run.pk}/approve/", ACK, format="json").status_code == 409


def test_the_public_ranking_needs_no_login_and_shows_approved_runs_only(api, surveyed):
    finished = finished_run(surveyed)
    assert api.get(f"/api/v1/ranking/public/runs/{finished.pk}/results/").status_code == 404
    RankingRun.objects.all().delete()
    run = approved_run(surveyed)

    runs = api.get("/api/v1/ranking/public/runs/").json()["results"]
    results = api.get(f"/api/v1/ranking/public/runs/{run.pk}/results/").json()["results"]

    assert [r["id"] for r in runs] == [run.pk]
    assert {r["office"] for r in results} >= {"A0001", "B0001"}


def test_policy_versions_over_the_api(api, surveyed):
    api.force_authenticate(surveyed.kanoon_admin)
    assert api.get("/api/v1/ranking/policies/").json()["count"] == 1  # the defaults, version 1
    body = policy_rules.defaults()
    body["indicators"][0]["weight_bp"] = 4500

    refused = api.post("/api/v1/ranking/policies/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    body["indicators"][1]["weight_bp"] = 500
    created = api.post("/api/v1/ranking/policies/", body, format="json")

    assert refused.status_code == 400 and refused.json()["code"] == "weights_not_100"
    assert "105%" in refused.json()["message"]
    assert created.status_code == 201 and created.json()["version"] == 2
    assert api.get("/api/v1/ranking/policies/").json()["count"] == 2


def test_a_manager_cannot_read_or_write_policies(api, surveyed):
    api.force_authenticate(surveyed.manager_a)

    assert api.get("/api/v1/ranking/policies/").status_code == 403
    assert api.post("/api/v1/ranking/policies/", policy_rules.defaults(), format="json").status_code == 403
