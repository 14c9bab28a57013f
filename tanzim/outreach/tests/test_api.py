import pytest
from rest_framework.test import APIClient

from tanzim.outreach.choices import MissionStatus
from tanzim.outreach.models import FieldService, Mission
from tanzim.testing import outreach as h

pytestmark = pytest.mark.django_db


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def plan_body(frozen, county="SBL-05"):
    day = str(frozen.date())
    return {
        "title": "روز خدمت",
        "county": county,
        "place": "روستا",
        "latitude": 27.5,
        "longitude": 62.5,
        "starts_on": day,
        "ends_on": day,
        "services": ["sana", "advice"],
        "expected_demand": 50,
    }


def test_planning_through_the_api_is_idempotent(personas, frozen):
    client = client_for(personas.kanoon_admin)
    first = client.post(
        "/api/v1/outreach/missions/", plan_body(frozen), format="json", HTTP_IDEMPOTENCY_KEY="k-12345678"
    )
    again = client.post(
        "/api/v1/outreach/missions/", plan_body(frozen), format="json", HTTP_IDEMPOTENCY_KEY="k-12345678"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Mission.objects.count() == 1


@pytest.mark.parametrize(
    "persona,code",
    [
        ("kanoon_admin", 201),
        ("province_admin_a", 403),
        ("manager_a", 403),
        ("citizen", 403),
        ("inspector", 403),
    ],
)
def test_who_plans_where(personas, frozen, persona, code):
    response = client_for(getattr(personas, persona)).post(
        "/api/v1/outreach/missions/", plan_body(frozen), format="json"
    )
    assert response.status_code == code
    assert client_for().post("/api/v1/outreach/missions/", plan_body(frozen), format="json").status_code in (
        401,
        403,
    )


def test_bad_plan_input_is_a_400_naming_the_fields(personas, frozen):
    body = {**plan_body(frozen), "county": "XXX-99"}
    response = client_for(personas.kanoon_admin).post("/api/v1/outreach/missions/", body, format="json")
    assert response.status_code == 400 and "county" in response.json()["fields"]


@pytest.mark.parametrize(
    "persona,code",
    [
        ("kanoon_admin", 200),
        ("clerk_a", 200),
        ("manager_a", 200),
        ("clerk_b", 404),
        ("province_admin_a", 404),
        ("citizen", 404),
        ("mediator_a", 404),
    ],
)
def test_reading_a_mission(personas, frozen, persona, code):
    mission = h.approved(personas)
    response = client_for(getattr(personas, persona)).get(f"/api/v1/outreach/missions/{mission.pk}/")
    assert response.status_code == code


def test_transitions_take_action_and_expected_status(personas, frozen):
    mission = h.plan(personas.kanoon_admin)
    kanoon = client_for(personas.kanoon_admin)
    assert (
        kanoon.post(
            f"/api/v1/outreach/missions/{mission.pk}/team/", {"office": "A0001"}, format="json"
        ).status_code
        == 201
    )
    clerk = client_for(personas.clerk_a)
    assert (
        clerk.post(f"/api/v1/outreach/missions/{mission.pk}/confirm/").json()["status"]
        == MissionStatus.CONFIRMED
    )
    url = f"/api/v1/outreach/missions/{mission.pk}/transition/"
    assert clerk.post(url, {"action": "approve"}, format="json").status_code == 403
    stale = kanoon.post(url, {"action": "approve", "expected_status": "assigned"}, format="json")
    assert stale.status_code == 409
    assert (
        kanoon.post(url, {"action": "approve", "expected_status": "nonsense"}, format="json").status_code
        == 400
    )
    ok = kanoon.post(url, {"action": "approve", "expected_status": "confirmed"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == MissionStatus.APPROVED
    assert kanoon.post(url, {"action": "approve"}, format="json").status_code == 409


def test_sync_replayed_three_times_answers_duplicate_and_keeps_one_row_each(personas, frozen):
    mission = h.approved(personas)
    items = [h.item(n) for n in range(4)]
    clerk = client_for(personas.clerk_a)
    url = f"/api/v1/outreach/missions/{mission.pk}/sync/"
    answers = [clerk.post(url, {"items": items}, format="json") for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert {x["outcome"] for x in answers[0].json()["results"]} == {"created"}
    assert {x["outcome"] for x in answers[2].json()["results"]} == {"duplicate"}
    assert FieldService.objects.count() == 4
    assert client_for(personas.clerk_b).post(url, {"items": items}, format="json").status_code == 404


def test_reimbursing_an_unapproved_mission_is_refused(personas, frozen):
    mission = h.plan(personas.kanoon_admin)
    response = client_for(personas.kanoon_admin).post(f"/api/v1/outreach/missions/{mission.pk}/reimburse/")
    assert response.status_code == 400 and response.json()["code"] == "mission_not_approved"


def test_anyone_sees_missions_near_them(personas, frozen):
    mission = h.approved(personas, starts_in=2)
    h.plan(personas.kanoon_admin)  # planned only: not public yet
    response = client_for().get("/api/v1/outreach/near/?province=SBL")
    assert response.status_code == 200
    assert [m["id"] for m in response.json()] == [mission.pk]
    assert client_for().get("/api/v1/outreach/near/?county=NOPE").status_code == 400
