"""The feedback API: the public survey, anonymous results, metrics and complaints by viewer."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tanzim.feedback import periods
from tanzim.feedback.models import SurveyResponse
from tanzim.feedback.services import survey_answer, survey_results_publish
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.feedback import ALL_FIVES, invite
from tanzim.testing.files import pdf_bytes, upload

pytestmark = pytest.mark.django_db
TIME_OF_DAY = re.compile(r"T\d\d:\d\d|\d\d:\d\d:\d\d")


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def answered_by(personas, service, n, *, office=None, comment="پاسخ‌گویی خوب بود"):
    """``n`` citizens answer a survey about office A; returns them."""
    people = []
    for _ in range(n):
        person = CitizenFactory()
        _invitation, token = invite(office or personas.office_a, person, service)
        survey_answer(token=token, answers={**ALL_FIVES, "overall": 4}, comment=comment)
        people.append(person)
    return people


# --- the public survey ----------------------------------------------------------------------------


def test_anyone_with_the_link_reads_the_questions_without_signing_in(personas, survey_link):
    _invitation, token = survey_link

    response = client_for().get(reverse("api:survey", args=[token]))

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "open" and body["office_code"] == "A0001"
    assert [i["dimension"] for i in body["items"]] == [
        "access",
        "courtesy",
        "clarity",
        "timeliness",
        "fairness",
        "overall",
    ]
    assert personas.citizen.mobile not in response.content.decode()


def test_anyone_with_the_link_answers_once_and_a_replay_is_a_409(survey_link):
    _invitation, token = survey_link
    url = reverse("api:survey", args=[token])

    first = client_for().post(url, {"answers": ALL_FIVES, "comment": ""}, format="json")
    again = client_for().post(url, {"answers": ALL_FIVES}, format="json")

    assert first.status_code == 201 and "id" not in first.json()
    assert again.status_code == 409 and again.json()["code"] == "survey_already_answered"
    assert client_for().get(url).json()["state"] == "answered"


def test_an_answer_out_of_range_is_a_400_with_the_field(survey_link):
    _invitation, token = survey_link

    response = client_for().post(
        reverse("api:survey", args=[token]), {"answers": {**ALL_FIVES, "overall": 9}}, format="json"
    )

    assert response.status_code == 400 and "overall" in response.json()["fields"]
    assert set(response.json()) == {"code", "message", "fields"}


def test_a_forged_link_is_a_404_with_the_envelope(db):
    response = client_for().get(reverse("api:survey", args=["Z" * 32]))

    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_signed_in_staff_member_of_the_office_is_refused_with_403(personas, survey_link):
    _invitation, token = survey_link

    refused = client_for(personas.clerk_a).post(
        reverse("api:survey", args=[token]), {"answers": ALL_FIVES}, format="json"
    )
    allowed = client_for(personas.clerk_b).post(
        reverse("api:survey", args=[token]), {"answers": ALL_FIVES}, format="json"
    )

    assert refused.status_code == 403 and refused.json()["code"] == "own_office_survey"
    assert allowed.status_code == 201


# --- results: anonymity toward the office ---------------------------------------------------------


def test_the_office_sees_averages_and_comments_but_never_who_answered(personas, service):
    people = answered_by(personas, service, 5)
    survey_results_publish()
    period = periods.code(SurveyResponse.objects.first().period)
    api = client_for(personas.manager_a)

    results = api.get(reverse("api:feedback-office-results", args=["A0001"]))
    comments = api.get(reverse("api:feedback-office-comments", args=["A0001"]), {"period": period})

    assert results.status_code == 200 and comments.status_code == 200
    assert results.json()["total"]["responses"] == 5 and results.json()["total"]["overall_mean"] == 4.0
    assert comments.json() == [{"period": period, "text": "پاسخ‌گویی خوب بود"}] * 5
    for response in (results, comments):
        text = response.content.decode()
        for person in people:
            for identifying in (
                person.mobile,
                person.national_code,
                person.first_name + " " + person.last_name,
                person.username,
            ):
                assert identifying not in text
        assert not TIME_OF_DAY.search(text)
        assert not {"user", "phone", "mobile", "case", "recipient", "answered_on", "created_at"} & set(
            _keys(response.json())
        )


def _keys(data) -> set[str]:
    if isinstance(data, dict):
        return set(data) | set().union(*(_keys(v) for v in data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*(_keys(v) for v in data)) if data else set()
    return set()


def test_below_the_minimum_sample_nobody_sees_averages_counts_or_comments(personas, service, settings):
    settings.FEEDBACK_MIN_RESPONSES_SHOWN = 1  # a lower setting is never honoured: 5 is the floor
    answered_by(personas, service, 4, comment="کارمند باجه ۲ بی‌ادب بود")
    survey_results_publish()
    period = periods.code(SurveyResponse.objects.first().period)

    results = (
        client_for(personas.manager_a).get(reverse("api:feedback-office-results", args=["A0001"])).json()
    )
    comments = client_for(personas.manager_a).get(
        reverse("api:feedback-office-comments", args=["A0001"]), {"period": period}
    )
    oversight = (
        client_for(personas.province_admin_a)
        .get(reverse("api:feedback-office-results", args=["A0001"]))
        .json()
    )

    oversight_comments = client_for(personas.province_admin_a).get(
        reverse("api:feedback-office-comments", args=["A0001"]), {"period": period}
    )

    assert results["total"]["responses"] is None and results["total"]["overall_mean"] is None
    assert results["total_shown"] is False and comments.json() == []
    assert results["minimum_shown"] == 5
    assert oversight["total"]["responses"] is None and oversight["total"]["overall_mean"] is None
    assert oversight["total"]["item_means"] == dict.fromkeys(oversight["total"]["item_means"])
    assert oversight_comments.json() == []


def test_results_are_for_the_office_manager_and_the_kanoon_only(personas, service):
    url = reverse("api:feedback-office-results", args=["A0001"])

    assert client_for(personas.manager_a).get(url).status_code == 200
    assert client_for(personas.province_admin_a).get(url).status_code == 200
    assert client_for(personas.inspector).get(url).status_code == 200
    assert client_for(personas.clerk_a).get(url).status_code == 404
    assert client_for(personas.clerk_b).get(url).status_code == 404
    assert client_for(personas.citizen).get(url).status_code == 404
    assert client_for().get(url).status_code in (401, 403)


def test_another_offices_manager_gets_a_404_not_a_403(personas):
    response = client_for(personas.manager_a).get(reverse("api:feedback-office-results", args=["B0001"]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "1405-13"}, "from"),
        ({"from": "1405-05", "to": "1405-01"}, "to"),
        ({"from": "1402-01", "to": "1405-01"}, "from"),
    ],
)
def test_a_bad_period_range_is_a_400(personas, params, field):
    response = client_for(personas.kanoon_admin).get(
        reverse("api:feedback-office-results", args=["A0001"]), params
    )

    assert response.status_code == 400 and field in response.json()["fields"]


def test_the_metrics_list_every_office_the_kanoon_side_oversees(personas, service):
    answered_by(personas, service, 5)
    answered_by(personas, service, 2, office=personas.office_b)

    national = client_for(personas.kanoon_admin).get(reverse("api:feedback-metrics")).json()
    provincial = client_for(personas.province_admin_a).get(reverse("api:feedback-metrics")).json()
    manager = client_for(personas.manager_a).get(reverse("api:feedback-metrics")).json()

    codes = {row["office"] for row in national["offices"]}
    assert {"A0001", "B0001"} <= codes
    assert {row["office"] for row in provincial["offices"]} >= {"A0001"} and "B0001" not in {
        row["office"] for row in provincial["offices"]
    }
    assert manager["offices"] == []
    row = next(r for r in national["offices"] if r["office"] == "A0001")
    assert row["survey"]["responses"] == 5 and row["survey"]["shrunk_score"] is not None
    few = next(r for r in national["offices"] if r["office"] == "B0001")["survey"]
    assert few["responses"] is None and few["shrunk_score"] is None and few["overall_mean"] is None


def test_the_metrics_refuse_an_unknown_province(personas):
    response = client_for(personas.kanoon_admin).get(reverse("api:feedback-metrics"), {"province": "ZZZ"})

    assert response.status_code == 400 and "province" in response.json()["fields"]


# --- complaints -----------------------------------------------------------------------------------


def file_via_api(user, **overrides):
    body = {
        "office": "A0001",
        "category": "conduct",
        "description": "کارمند باجه با من بسیار بی‌احترامی کرد و کارم را انجام نداد.",
    }
    body.update(overrides)
    return client_for(user).post(reverse("api:complaint-list"), body, format="multipart")


def test_a_citizen_files_a_complaint_with_a_file_and_reads_its_status(personas):
    created = file_via_api(personas.citizen, attachments=[upload("a.pdf", pdf_bytes())])

    assert created.status_code == 201, created.content
    reference = created.json()["reference"]
    detail = client_for(personas.citizen).get(reverse("api:complaint-detail", args=[reference])).json()
    assert (
        detail["status"] == "received"
        and len(detail["attachments"]) == 1
        and detail["actions"] == ["withdraw"]
    )


def test_a_fake_file_is_a_400_and_nothing_is_filed(personas):
    response = file_via_api(personas.citizen, attachments=[upload("a.pdf", b"not a pdf")])

    assert response.status_code == 400 and response.json()["code"] == "bad_file"
    assert client_for(personas.citizen).get(reverse("api:complaint-list")).json()["count"] == 0


def test_the_idempotency_key_makes_a_retry_file_once(personas):
    api = client_for(personas.citizen)
    body = {
        "office": "A0001",
        "category": "delay",
        "description": "بیش از دو هفته است که درخواست من ثبت نشده است.",
    }

    first = api.post(
        reverse("api:complaint-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="retry-key-0001"
    )
    second = api.post(
        reverse("api:complaint-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="retry-key-0001"
    )
    other = api.post(
        reverse("api:complaint-list"),
        {**body, "category": "conduct"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="retry-key-0001",
    )

    assert (first.status_code, second.status_code, other.status_code) == (201, 200, 409)
    assert first.json()["reference"] == second.json()["reference"]


def test_an_unknown_office_is_a_400(personas):
    response = file_via_api(personas.citizen, office="NOPE1")

    assert response.status_code == 400 and "office" in response.json()["fields"]


def test_each_viewer_sees_what_their_role_allows(personas):
    reference = file_via_api(personas.citizen, attachments=[upload("a.pdf", pdf_bytes())]).json()["reference"]
    url = reverse("api:complaint-detail", args=[reference])

    office = client_for(personas.manager_a).get(url).json()
    handler = client_for(personas.province_admin_a).get(url).json()

    assert "complainant_name" not in office and "attachments" not in office and "case" not in office
    assert personas.citizen.mobile not in json.dumps(office, ensure_ascii=False)
    assert handler["complainant_mobile"] == personas.citizen.mobile and handler["actions"] == ["acknowledge"]
    assert client_for(personas.clerk_a).get(url).status_code == 404
    assert client_for(personas.other_citizen).get(url).status_code == 404
    events = reverse("api:complaint-events", args=[reference])
    assert client_for(personas.manager_a).get(events).status_code == 404
    assert client_for(personas.citizen).get(events).status_code == 200


def test_the_handler_moves_the_complaint_and_a_stale_move_is_a_409(personas):
    reference = file_via_api(personas.citizen).json()["reference"]
    url = reverse("api:complaint-transition", args=[reference])
    handler = client_for(personas.province_admin_a)

    moved = handler.post(url, {"action": "acknowledge", "expected_status": "received"}, format="json")
    stale = handler.post(url, {"action": "investigate", "expected_status": "received"}, format="json")
    refused = client_for(personas.manager_a).post(url, {"action": "investigate"}, format="json")

    assert moved.status_code == 200 and moved.json()["status"] == "acknowledged"
    assert stale.status_code == 409 and refused.status_code == 403


def test_the_complainant_adds_a_file_and_a_fake_one_is_refused(personas):
    reference = file_via_api(personas.citizen).json()["reference"]
    url = reverse("api:complaint-attachments", args=[reference])

    good = client_for(personas.citizen).post(url, {"file": upload("b.pdf", pdf_bytes(2))}, format="multipart")
    fake = client_for(personas.citizen).post(
        url, {"file": upload("c.png", b"GIF89a nope", "image/png")}, format="multipart"
    )

    assert good.status_code == 201 and good.json()["pages"] == 2
    assert fake.status_code == 400
