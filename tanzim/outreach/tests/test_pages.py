import pytest

from tanzim.outreach.choices import MissionStatus
from tanzim.outreach.models import Mission
from tanzim.testing import outreach as h

pytestmark = pytest.mark.django_db


def test_the_public_pages_open_for_anyone(client, personas, frozen):
    mission = h.approved(personas, starts_in=2)
    page = client.get("/outreach/?province=SBL")
    assert page.status_code == 200 and mission.place in page.content.decode()
    coverage = client.get("/outreach/coverage/")
    assert coverage.status_code == 200
    body = coverage.content.decode()
    assert "<svg" in body and 'data-county="SBL-05"' in body
    assert 'data-note="hand-made"' in body  # the hand-made map and index stay labelled as such
    sw = client.get("/outreach/sw.js")
    assert sw.status_code == 200 and sw["Service-Worker-Allowed"] == "/outreach/"


@pytest.mark.parametrize(
    "persona,code",
    [
        ("kanoon_admin", 200),
        ("manager_a", 200),
        ("clerk_b", 404),
        ("citizen", 404),
        ("province_admin_a", 404),
    ],
)
def test_the_mission_page_is_scoped(client, personas, frozen, persona, code):
    mission = h.approved(personas)
    client.force_login(getattr(personas, persona))
    assert client.get(f"/outreach/missions/{mission.pk}/").status_code == code
    field = 200 if persona == "manager_a" else 404  # the field page is the team's
    assert client.get(f"/outreach/missions/{mission.pk}/field/").status_code == field


def test_a_planner_plans_from_the_page_and_a_refusal_stays_on_the_form(client, personas, frozen):
    client.force_login(personas.kanoon_admin)
    from tanzim.offices.models import City

    county = City.objects.get(code="KRD-04")
    form = {
        "title": "روز خدمت بانه",
        "county": county.pk,
        "place": "روستای ننور",
        "latitude": "۳۶٫۰",
        "longitude": "45.9",
        "starts_on": "1405/09/20",
        "ends_on": "1405/09/19",
        "services": ["sana"],
        "expected_demand": "40",
    }
    refused = client.post("/outreach/missions/", form)
    assert refused.status_code == 200 and Mission.objects.count() == 0
    assert "روستای ننور" in refused.content.decode()
    form["ends_on"] = "1405/09/21"
    form["latitude"] = "36.0"
    done = client.post("/outreach/missions/", form)
    assert done.status_code == 302
    assert Mission.objects.get().status == MissionStatus.PLANNED


def test_the_buttons_walk_the_mission(client, personas, frozen):
    mission = h.plan(personas.kanoon_admin, starts_in=0)
    client.force_login(personas.kanoon_admin)
    client.post(f"/outreach/missions/{mission.pk}/act/", {"action": "assign", "office": "A0001"})
    client.force_login(personas.manager_a)
    client.post(f"/outreach/missions/{mission.pk}/act/", {"action": "confirm"})
    client.force_login(personas.kanoon_admin)
    client.post(
        f"/outreach/missions/{mission.pk}/act/", {"action": "approve", "expected_status": "confirmed"}
    )
    client.force_login(personas.clerk_a)
    client.post(f"/outreach/missions/{mission.pk}/act/", {"action": "hold", "expected_status": "approved"})
    client.post(
        f"/outreach/missions/{mission.pk}/act/",
        {
            "action": "report",
            "expected_status": "held",
            "people_served": "۱۲",
            "note": "دوازده نفر خدمت گرفتند",
        },
    )
    mission.refresh_from_db()
    assert mission.status == MissionStatus.REPORTED and mission.people_served == 12
    page = client.get(f"/outreach/missions/{mission.pk}/")
    assert page.status_code == 200


def test_the_kanoon_sees_the_claims_of_a_reported_mission_before_paying(client, personas, frozen):
    mission = h.approved(personas)
    from tanzim.outreach import services

    services.field_sync(mission=mission, actor=personas.clerk_a, items=[h.item(1)])
    services.mission_hold(mission=mission, actor=personas.clerk_a)
    services.mission_report(
        mission=mission, actor=personas.clerk_a, people_served=1, note="یک خدمت در روستا داده شد"
    )
    client.force_login(personas.kanoon_admin)
    page = client.get(f"/outreach/missions/{mission.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert personas.office_a.name in body and 'value="reimburse"' in body
