"""The inspections API: plans, performing on a tablet, findings, actions, referrals, and who sees what."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tanzim.inspections.choices import InspectionStatus
from tanzim.testing.files import photo

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_inspector_performs_an_inspection_end_to_end_over_the_api(personas, planned):
    api = client_for(personas.inspector)
    detail = reverse("api:inspection-detail", args=[planned.pk])
    transition = reverse("api:inspection-transition", args=[planned.pk])

    assert (
        api.post(transition, {"action": "start", "expected_status": "planned"}, format="json").status_code
        == 200
    )
    items = api.get(detail).json()["items"]
    for item in items:
        url = reverse("api:inspection-item", args=[planned.pk, item["item"]])
        assert api.put(url, {"result": "compliant"}, format="json").status_code == 200
        if item["evidence_required"]:
            evidence = api.post(
                reverse("api:inspection-evidence", args=[planned.pk, item["item"]]),
                {"file": photo()},
                format="multipart",
            )
            assert evidence.status_code == 201
    done = api.post(transition, {"action": "complete", "note": "Everything in order."}, format="json")

    assert done.status_code == 200 and done.json()["score"] == 100.0 and done.json()["status"] == "completed"


def test_completing_with_items_missing_is_a_400_listing_them(personas, started):
    response = client_for(personas.inspector).post(
        reverse("api:inspection-transition", args=[started.pk]), {"action": "complete"}, format="json"
    )

    assert response.status_code == 400 and response.json()["code"] == "inspection_incomplete"
    assert len(response.json()["fields"]) == started.checklist.items.count()


def test_a_bad_result_is_a_400(personas, started):
    item = started.checklist.items.first()

    response = client_for(personas.inspector).put(
        reverse("api:inspection-item", args=[started.pk, item.pk]), {"result": "excellent"}, format="json"
    )

    assert response.status_code == 400 and "result" in response.json()["fields"]


def test_the_office_manager_cannot_see_a_planned_inspection_but_sees_the_result(personas, planned, completed):
    manager = client_for(personas.manager_a)

    listed = manager.get(reverse("api:inspection-list")).json()["results"]
    result = manager.get(reverse("api:inspection-detail", args=[completed.pk]))

    assert [row["id"] for row in listed] == [completed.pk]
    assert result.status_code == 200 and result.json()["score"] == 50.0
    assert "reasons" not in result.json() and "priority" not in result.json()


def test_another_office_and_a_clerk_get_404_and_the_province_admin_sees_it(personas, completed):
    url = reverse("api:inspection-detail", args=[completed.pk])

    assert client_for(personas.clerk_b).get(url).status_code == 404
    assert client_for(personas.clerk_a).get(url).status_code == 404
    assert client_for(personas.province_admin_a).get(url).json()["reasons"] == []


def test_the_office_manager_cannot_fill_in_the_checklist(personas, started, completed):
    item = completed.checklist.items.first()

    response = client_for(personas.manager_a).put(
        reverse("api:inspection-item", args=[completed.pk, item.pk]), {"result": "compliant"}, format="json"
    )

    assert response.status_code == 403


def test_scheduling_over_the_api_and_a_second_open_inspection_is_a_409(personas, checklist):
    api = client_for(personas.province_admin_a)
    body = {"office": "A0001", "kind": "follow_up", "inspector": "inspector"}

    first = api.post(reverse("api:inspection-list"), body, format="json")
    second = api.post(reverse("api:inspection-list"), body, format="json")
    elsewhere = api.post(reverse("api:inspection-list"), {**body, "office": "B0001"}, format="json")
    manager = client_for(personas.manager_a).post(reverse("api:inspection-list"), body, format="json")

    assert first.status_code == 201 and first.json()["inspector"] == personas.inspector.display_name
    assert second.status_code == 409 and elsewhere.status_code == 400 and manager.status_code == 400


def test_a_plan_over_the_api(personas, checklist):
    response = client_for(personas.kanoon_admin).post(
        reverse("api:inspection-plans"),
        {"kind": "periodic", "province": personas.office_b.province.code, "count": 5},
        format="json",
    )

    assert response.status_code == 201
    assert [row["office"] for row in response.json()["inspections"]] == ["B0001"]


def test_the_risk_list_needs_a_province_and_an_oversight_role(personas):
    url = reverse("api:inspection-risk")

    assert client_for(personas.province_admin_a).get(url).status_code == 400
    listed = client_for(personas.province_admin_a).get(url, {"province": personas.office_a.province.code})
    assert listed.status_code == 200 and listed.json()[0]["office"] == "A0001"
    assert (
        client_for(personas.manager_a).get(url, {"province": personas.office_a.province.code}).status_code
        == 403
    )


def test_findings_actions_and_their_follow_up_over_the_api(personas, completed):
    inspector, manager = client_for(personas.inspector), client_for(personas.manager_a)
    finding = inspector.post(
        reverse("api:inspection-findings", args=[completed.pk]),
        {"severity": "major", "description": "Waiting room overcrowded."},
        format="json",
    )
    assert finding.status_code == 201
    action = inspector.post(
        reverse("api:finding-actions", args=[finding.json()["id"]]),
        {"description": "Add seating."},
        format="json",
    )
    assert action.status_code == 201
    url = reverse("api:corrective-action-transition", args=[action.json()["id"]])

    assert (
        manager.post(
            reverse("api:finding-actions", args=[finding.json()["id"]]),
            {"description": "x" * 10},
            format="json",
        ).status_code
        == 403
    )
    assert (
        manager.post(url, {"action": "submit", "note": "Ten chairs added."}, format="multipart").status_code
        == 200
    )
    assert manager.post(url, {"action": "verify", "note": "ok"}, format="json").status_code == 403
    assert (
        inspector.post(url, {"action": "verify", "expected_status": "submitted"}, format="json").json()[
            "status"
        ]
        == "verified"
    )
    assert [a["status"] for a in manager.get(reverse("api:corrective-action-list")).json()["results"]] == [
        "verified"
    ]


def test_a_referral_over_the_api(personas, completed):
    critical = completed.findings.get(severity="critical")
    api = client_for(personas.inspector)

    referred = api.post(
        reverse("api:inspection-referral", args=[completed.pk]),
        {"summary": "Fees above the tariff, no receipts.", "findings": [critical.pk]},
        format="json",
    )
    decided = api.post(
        reverse("api:inspection-referral-decision", args=[completed.pk]),
        {"board_decision": "Fine and warning."},
        format="json",
    )

    assert referred.status_code == 201 and referred.json()["referral"]["findings"] == [critical.pk]
    assert decided.status_code == 200 and decided.json()["referral"]["status"] == "decided"


def test_latest_scores_for_ranking(personas, completed):
    response = client_for(personas.kanoon_admin).get(reverse("api:inspection-latest-scores"))

    assert (
        response.status_code == 200
        and response.json()[0]["office"] == "A0001"
        and response.json()[0]["score"] == 50.0
    )
    assert client_for(personas.clerk_a).get(reverse("api:inspection-latest-scores")).status_code == 403


def test_only_the_kanoon_publishes_checklists(personas, checklist):
    url = reverse("api:checklist-new-version", args=[checklist.pk])

    assert client_for(personas.inspector).post(url).status_code == 403
    draft = client_for(personas.kanoon_admin).post(url)
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    published = client_for(personas.kanoon_admin).post(
        reverse("api:checklist-publish", args=[draft.json()["id"]])
    )
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert InspectionStatus.PLANNED  # the enum stays importable for the schema
