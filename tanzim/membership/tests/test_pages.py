"""The membership pages: import, the applicant's checklist, the reviewer's page, the pipeline, loans."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tanzim.membership.choices import Step
from tanzim.membership.models import Application
from tanzim.testing.files import pdf_bytes
from tanzim.testing.membership import HEADER, advance, applicant, exam_csv, place, programme

pytestmark = pytest.mark.django_db


def test_the_kanoon_imports_a_csv_and_sees_the_pipeline(client, personas):
    client.force_login(personas.kanoon_admin)
    upload = SimpleUploadedFile("exam.csv", exam_csv(4), content_type="text/csv")
    response = client.post(reverse("membership:import"), {"exam_year": "۱۴۰۴", "file": upload})
    assert response.status_code == 302
    assert Application.objects.count() == 4
    page = client.get(reverse("membership:pipeline"))
    assert page.status_code == 200 and b"<svg" in page.content
    export = client.get(reverse("membership:pipeline_csv"))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert "تهران" in export.content.decode("utf-8-sig")


def test_a_bad_csv_shows_each_row_and_imports_nothing(client, personas):
    client.force_login(personas.kanoon_admin)
    bad = f"{HEADER}\n123,a,b,0912,THR,1\n".encode()
    response = client.post(
        reverse("membership:import"), {"exam_year": "1404", "file": SimpleUploadedFile("e.csv", bad)}
    )
    assert response.status_code == 400
    assert "Row 2" in response.content.decode() or "ردیف" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "who, status",
    [
        ("kanoon_admin", 200),
        ("province_admin_a", 200),
        ("inspector", 200),
        ("clerk_a", 404),
        ("manager_a", 404),
        ("citizen", 404),
    ],
)
def test_who_sees_the_pipeline(client, personas, who, status):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("membership:pipeline")).status_code == status
    assert client.get(reverse("membership:pipeline_csv")).status_code == status


@pytest.mark.parametrize("who", ["clerk_a", "citizen", "manager_a"])
def test_only_the_kanoon_opens_the_import(client, personas, who):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("membership:import")).status_code == 403


def test_the_applicant_uploads_hands_in_and_picks_a_place(client, personas):
    application = applicant()
    client.force_login(application.user)
    for kind in ("identity", "degree", "clearance", "no_conflict"):
        response = client.post(
            reverse("membership:home"),
            {"action": "upload", "kind": kind, "file": SimpleUploadedFile("d.pdf", pdf_bytes())},
        )
        assert response.status_code == 302
    assert client.post(reverse("membership:home"), {"action": "submit"}).status_code == 302
    client.force_login(personas.province_admin_a)
    review = reverse("membership:review", args=[application.pk])
    assert client.get(review).status_code == 200
    assert client.post(review, {"action": "approve", "expected_status": "documents"}).status_code == 302
    spot = place("THR-05", seats=1)
    client.force_login(application.user)
    page = client.get(reverse("membership:home"))
    assert spot.city.name_fa in page.content.decode()
    response = client.post(
        reverse("membership:home"), {"action": "place", "place": spot.pk, "expected_status": "place"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Step.PREMISES and application.place == spot


def test_an_applicant_of_another_province_is_a_404_for_the_province(client, personas):
    application = applicant(province_code="ISF")
    client.force_login(personas.province_admin_a)
    assert client.get(reverse("membership:review", args=[application.pk])).status_code == 404
    client.force_login(personas.other_citizen)
    assert client.get(reverse("membership:review", args=[application.pk])).status_code == 404
    assert client.get(reverse("membership:home")).status_code == 404


def test_the_kanoon_records_training_and_issues_the_licence_by_the_page(client, personas):
    application = advance(
        applicant(), Step.TRAINING, kanoon=personas.kanoon_admin, inspector=personas.inspector
    )
    client.force_login(personas.kanoon_admin)
    review = reverse("membership:review", args=[application.pk])
    response = client.post(
        review, {"action": "training", "hours": "۴۵", "score": "۸۵", "expected_status": "training"}
    )
    assert response.status_code == 302
    application = advance(
        Application.objects.get(pk=application.pk),
        Step.LICENCE,
        kanoon=personas.kanoon_admin,
        inspector=personas.inspector,
    )
    response = client.post(
        review, {"action": "licence", "kinds": ["mediation"], "expected_status": "licence"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Step.OPENED and application.office is not None


def test_the_manager_sees_the_loan_programmes_and_the_kanoon_the_queue(client, personas):
    programme(tiers=[], min_membership_years=0)
    client.force_login(personas.manager_a)
    page = client.get(reverse("membership:loans"))
    assert page.status_code == 200
    plan_id = page.context["programmes"][0][0].pk
    response = client.post(
        reverse("membership:loans"),
        {
            "action": "apply",
            "programme": plan_id,
            f"p{plan_id}-amount": "۵۰٬۰۰۰٬۰۰۰",
            f"p{plan_id}-purpose": "",
        },
    )
    assert response.status_code == 302
    client.force_login(personas.kanoon_admin)
    page = client.get(reverse("membership:loans"))
    assert len(page.context["queue"]) == 1
    client.force_login(personas.citizen)
    assert client.get(reverse("membership:loans")).status_code == 404
