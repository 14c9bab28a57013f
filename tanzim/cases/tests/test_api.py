from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case, Document
from tanzim.testing.cases import RESPONDENT_CODE
from tanzim.testing.files import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def create(client, **overrides):
    body = {
        "service": "civil_petition",
        "channel": "semi_in_person",
        "office": "A0001",
        "title": "مطالبه وجه",
    }
    body.update(overrides)
    return client.post(reverse("api:case-list"), body, format="json")


def test_a_citizen_creates_fills_and_submits_a_case(personas):
    api = client_for(personas.citizen)
    response = create(api)
    assert response.status_code == 201, response.content
    case_id = response.json()["id"]
    party = api.post(
        reverse("api:case-parties", args=[case_id]),
        {"role": "respondent", "name": "بهرام", "national_code": RESPONDENT_CODE},
        format="json",
    )
    assert party.status_code == 201
    doc = api.post(
        reverse("api:case-documents", args=[case_id]),
        {"file": upload("a.pdf", pdf_bytes(1))},
        format="multipart",
    )
    assert doc.status_code == 201 and doc.json()["pages"] == 1
    assert api.post(reverse("api:case-confirm", args=[case_id])).status_code == 200
    moved = api.post(
        reverse("api:case-transition", args=[case_id]),
        {"action": "submit", "expected_status": "draft"},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["status"] == CaseStatus.SUBMITTED
    events = api.get(reverse("api:case-events", args=[case_id])).json()
    assert [e["to_status"] for e in events] == ["draft", "submitted"]


def test_a_stale_transition_answers_409_with_the_envelope(personas, draft):
    api = client_for(personas.citizen)
    url = reverse("api:case-transition", args=[draft.pk])
    assert api.post(url, {"action": "submit", "expected_status": "draft"}, format="json").status_code == 200
    again = api.post(url, {"action": "submit", "expected_status": "draft"}, format="json")
    assert again.status_code == 409
    assert set(again.json()) == {"code", "message", "fields"}


def test_a_fake_pdf_is_refused_with_a_field_error_and_nothing_saved(personas, draft):
    api = client_for(personas.citizen)
    response = api.post(
        reverse("api:case-documents", args=[draft.pk]),
        {"file": upload("x.pdf", b"this is not a pdf at all")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_file" and "file" in response.json()["fields"]
    assert not Document.objects.exists()


def test_bad_input_on_create_is_a_400_with_fields(personas):
    api = client_for(personas.citizen)
    assert create(api, channel="teleport").status_code == 400
    unknown = create(api, office="ZZZ")
    assert unknown.status_code == 400 and "office" in unknown.json()["fields"]
    assert create(api, service="nope").status_code == 404
    assert create(api, claim_amount=-5).status_code == 400
    assert create(api, proceeding="supreme").status_code == 400
    assert not Case.objects.exists()


def test_art_336_an_appeal_is_recorded_as_one_from_the_start_and_a_first_instance_by_default(personas):
    api = client_for(personas.citizen)
    appeal = create(api, proceeding="appeal")
    assert appeal.status_code == 201 and Case.objects.get(pk=appeal.json()["id"]).proceeding == "appeal"
    plain = create(api)
    assert Case.objects.get(pk=plain.json()["id"]).proceeding == "first_instance"


def test_a_clerk_files_a_walk_in_case_and_registers_the_citizen(personas):
    api = client_for(personas.clerk_a)
    response = create(
        api,
        channel="in_person",
        applicant={
            "national_code": "۰۰۱۲۳۴۵۶۷۹",
            "mobile": "۰۹۱۲۳۳۳۴۴۵۵",
            "first_name": "رضا",
            "last_name": "نوری",
        },
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.applicant.national_code == "0012345679" and case.applicant.mobile == "+989123334455"
    assert case.events.get().on_behalf_of == case.applicant


def test_a_clerk_of_another_office_cannot_file_for_a_walk_in_there(personas):
    api = client_for(personas.clerk_b)
    response = create(
        api,
        channel="in_person",
        applicant={
            "national_code": "0012345679",
            "mobile": "09123334455",
            "first_name": "رضا",
            "last_name": "نوری",
        },
    )
    assert response.status_code == 404
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 200),
        ("clerk_a", 200),
        ("manager_a", 200),
        ("province_admin_a", 200),
        ("kanoon_admin", 200),
        ("other_citizen", 404),
        ("clerk_b", 404),
        ("mediator_a", 404),
        ("partner", 404),
    ],
)
def test_case_detail_permission_matrix(personas, draft, persona, status):
    response = client_for(getattr(personas, persona)).get(reverse("api:case-detail", args=[draft.pk]))
    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] in {"not_found", "case_not_found"}


@pytest.mark.parametrize(
    ("persona", "count"), [("clerk_a", 1), ("manager_a", 1), ("clerk_b", 0), ("citizen", 0)]
)
def test_the_worklist_shows_only_the_offices_own_cases(personas, draft, persona, count):
    from tanzim.cases import services

    services.case_submit(case=draft, actor=personas.citizen)
    response = client_for(getattr(personas, persona)).get(reverse("api:worklist"))
    assert response.status_code == 200 and len(response.json()) == count


def test_the_worklist_query_count_does_not_grow_with_cases(personas, petition, django_assert_max_num_queries):
    from tanzim.cases import services
    from tanzim.testing.cases import make_draft

    for _ in range(15):
        services.case_submit(case=make_draft(personas, petition), actor=personas.citizen)
    api = client_for(personas.clerk_a)
    with django_assert_max_num_queries(8):
        response = api.get(reverse("api:worklist"))
    assert len(response.json()) == 15


def test_documents_download_only_within_scope(personas, draft):
    from tanzim.cases import services

    document = services.document_add(case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(2)))
    url = reverse("api:document-detail", args=[document.pk])
    ok = client_for(personas.clerk_a).get(url, follow=True)  # a 303 to the signed link under /files/
    assert (
        ok.redirect_chain[0][1] == 303
        and ok.status_code == 200
        and b"".join(ok.streaming_content).startswith(b"%PDF")
    )
    assert client_for(personas.clerk_b).get(url).status_code == 404


def test_metrics_count_channels_for_the_kanoon(personas, draft):
    from tanzim.cases import services

    services.case_submit(case=draft, actor=personas.citizen)
    data = client_for(personas.kanoon_admin).get(reverse("api:case-metrics")).json()
    assert data["by_channel"]["semi_in_person"] == 1 and data["total"] == 1
    assert client_for(personas.clerk_b).get(reverse("api:case-metrics")).json()["total"] == 0


def test_anonymous_requests_are_refused(db):
    response = APIClient().get(reverse("api:case-list"))
    assert response.status_code in (401, 403) and "code" in response.json()
