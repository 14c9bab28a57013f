"""Every route that answers a person's file answers it as a sandboxed attachment, decrypted whole.

A stored file goes by a signed link under /files/ (303 from the scoped route); a file we render on
the fly (a draft settlement, the referral zip) is answered by its route.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from tanzim.audit.models import ConfidentialRead
from tanzim.cases import services as case_services
from tanzim.catalog.models import Service
from tanzim.common.files import attachment_response, content_disposition, safe_filename
from tanzim.disputes import services as dispute_services
from tanzim.feedback.services import complaint_file
from tanzim.testing.cases import make_draft
from tanzim.testing.disputes import NOW, at, join_as_respondent, open_dispute, to_mediation
from tanzim.testing.factories import next_national_code
from tanzim.testing.files import pdf_bytes, png_bytes, upload

ROOT = Path(__file__).resolve().parents[2]


def assert_served_safely(
    response, *, content_type: str, body: bytes | None = None, starts: bytes = b""
) -> None:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    got = b"".join(response.streaming_content) if response.streaming else response.content
    if body is not None:
        assert got == body
    assert got.startswith(starts)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def via_link(client, url: str):
    """The scoped route logs the confidential read and answers a 303 to /files/; the file is what the
    link answers."""
    reads = ConfidentialRead.objects.count()
    redirect = client.get(url)
    assert redirect.status_code == 303, redirect.status_code
    assert ConfidentialRead.objects.count() == reads + 1
    assert redirect["Location"].startswith("/files/")
    assert redirect["Cache-Control"] == "private, no-store"
    return client.get(redirect["Location"])


# --- the helper -----------------------------------------------------------------------------------


def test_a_persian_file_name_is_kept_exactly_in_filename_star_with_an_ascii_fallback():
    header = content_disposition("سند-۱۲.pdf")

    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%D8%B3%D9%86%D8%AF-%DB%B1%DB%B2.pdf" in header
    assert header.encode("latin-1")  # the header itself is ASCII


def test_a_file_name_cannot_carry_a_path_quotes_or_header_breaks():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename('a"b\r\nX-Evil: 1.pdf') == "a_b_X-Evil_ 1.pdf"
    assert safe_filename("..") == "file"


def test_a_type_we_did_not_find_by_inspection_is_served_as_octet_stream():
    response = attachment_response(b"<script>alert(1)</script>", filename="x.html", content_type="text/html")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "sandbox"


def test_no_module_builds_a_file_response_but_the_helper():
    offenders = []
    for path in (ROOT / "tanzim").rglob("*.py"):
        if "tests" in path.parts or (path.name == "files.py" and path.parent.name == "common"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "FileResponse"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")

    assert offenders == []


def test_no_route_but_the_files_view_answers_a_stored_file():
    """Outside tanzim/common/file_views.py nothing hands an opened stored file to attachment_response:
    a page or API route that finds one answers file_redirect (a stored file read under /files/ only)."""
    offenders = []
    for path in (ROOT / "tanzim").rglob("*.py"):
        if "tests" in path.parts or path.relative_to(ROOT).as_posix() in {
            "tanzim/common/files.py",
            "tanzim/common/file_views.py",
        }:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "attachment_response"
            ):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and getattr(inner.func, "attr", "") == "open":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if isinstance(inner, ast.Name) and inner.id in {"handle", "stored", "fieldfile"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")

    assert offenders == []


# --- the routes -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_case_document_on_the_page_and_through_the_api(media, personas, client):
    draft = make_draft(personas, Service.objects.get(code="civil_petition"))
    content = pdf_bytes(2)
    document = case_services.document_add(case=draft, actor=personas.citizen, upload=upload("a.pdf", content))
    on_disk = (media / document.file.name).read_bytes()
    assert on_disk.startswith(b"TZF1") and b"%PDF" not in on_disk

    client.force_login(personas.citizen)
    page = via_link(client, reverse("cases:document", args=[draft.pk, document.pk]))
    through_api = via_link(api(personas.citizen), reverse("api:document-detail", args=[document.pk]))

    assert_served_safely(page, content_type="application/pdf", body=content)
    assert_served_safely(through_api, content_type="application/pdf", body=content)
    assert page["Content-Length"] == str(len(content))


@pytest.mark.django_db
def test_a_complaint_attachment(media, personas, client):
    complaint = complaint_file(
        complainant=personas.citizen,
        office=personas.office_a,
        category="delay",
        description="دو هفته است که درخواست من در دفتر مانده است.",
        attachments=[upload("a.png", png_bytes(), "image/png")],
    )
    attachment = complaint.attachments.get()
    stored = attachment.file.open("rb").read()
    assert (media / attachment.file.name).read_bytes().startswith(b"TZF1")

    client.force_login(personas.citizen)
    response = via_link(
        client, reverse("feedback:complaint-attachment", args=[complaint.reference, attachment.pk])
    )

    assert_served_safely(response, content_type="image/png", body=stored, starts=b"\x89PNG")


@pytest.mark.django_db
def test_dispute_documents_the_draft_settlement_and_the_referral_file(media, personas, client):
    with time_machine.travel(NOW, tick=False):
        dispute = to_mediation(personas)
        content = pdf_bytes(1)
        document = dispute_services.document_add(
            dispute=dispute, actor=personas.clerk_a, upload=upload("a.pdf", content), title="قرارداد"
        )
        settlement = dispute_services.settlement_draft(
            dispute=dispute,
            actor=personas.mediator_a,
            terms="",
            obligations=[
                {
                    "obligor": "respondent",
                    "kind": "act",
                    "description": "تحویل",
                    "due_date": dispute.window_ends_on,
                }
            ],
        )
        dispute_services.settlement_open(settlement=settlement, actor=personas.mediator_a)
        client.force_login(personas.clerk_a)
        doc = via_link(
            client, reverse("disputes:document", kwargs={"pk": dispute.pk, "document_id": document.pk})
        )
        draft_page = client.get(reverse("disputes:settlement-pdf", kwargs={"pk": dispute.pk}))
        draft_api = api(personas.clerk_a).get(reverse("api:dispute-settlement-pdf", args=[dispute.pk]))
        other = services_referral(personas)
        client.force_login(personas.clerk_a)
        referral = client.get(
            reverse(
                "disputes:referral-file", kwargs={"pk": other.pk, "referral_id": other.referrals.get().pk}
            )
        )

    assert_served_safely(doc, content_type="application/pdf", body=content)
    assert_served_safely(draft_page, content_type="application/pdf", starts=b"%PDF")
    assert_served_safely(draft_api, content_type="application/pdf", starts=b"%PDF")
    assert_served_safely(referral, content_type="application/zip", starts=b"PK")


def services_referral(personas):
    return dispute_services.dispute_triage(
        dispute=open_dispute(personas, category="other", claim_amount=None), actor=personas.clerk_a
    )


@pytest.mark.django_db
def test_the_stored_award_is_encrypted_and_served_decrypted(media, personas, client):
    with time_machine.travel(NOW, tick=False):
        dispute = dispute_services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
        dispute_services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
        respondent = join_as_respondent(dispute).user
        failed = dispute_services.dispute_respond(dispute=dispute, actor=respondent, accept=False)
        arbitration = dispute_services.arbitration_start(
            dispute=failed,
            actor=personas.clerk_a,
            agreement_kind="agreed_now",
            agreement_date=at(0).date(),
            agreement_text="توافق به داوری",
            panel_size=1,
        )
        arbitrator = dispute_services.arbitrator_propose(
            arbitration=arbitration,
            actor=personas.clerk_a,
            seat="",
            number=None,
            name="حسن داوری",
            national_code=next_national_code(),
            mobile="09121112233",
        )
        dispute_services.arbitrator_declare(
            arbitrator=arbitrator, actor=personas.clerk_a, grounds=[], birth_date=date(1970, 1, 1)
        )
        dispute_services.arbitrator_accept(arbitrator=arbitrator, actor=personas.clerk_a)
        award = dispute_services.award_record(
            arbitration=arbitration,
            actor=personas.clerk_a,
            reasoning="دلایل",
            decision="خوانده ملزم به پرداخت است.",
            amount=400_000_000,
            in_favour_of="claimant",
        )
        dispute_services.award_store_pdf(award_id=award.pk)
        award.refresh_from_db()
        client.force_login(personas.clerk_a)
        response = via_link(client, reverse("disputes:award-pdf", kwargs={"pk": failed.pk}))

    assert (media / award.pdf.name).read_bytes().startswith(b"TZF1")
    assert_served_safely(response, content_type="application/pdf", starts=b"%PDF")


@pytest.mark.django_db
def test_inspection_evidence(media, personas, client):
    from tanzim.inspections import services as inspections
    from tanzim.testing.files import photo

    checklist = inspections.checklist_current()
    inspection = inspections.inspection_schedule(
        actor=personas.inspector, office=personas.office_a, kind="periodic"
    )
    inspection = inspections.inspection_transition(
        inspection=inspection, actor=personas.inspector, action="start"
    )
    item = checklist.items.order_by("position")[0]
    evidence = inspections.inspection_evidence_add(
        inspection=inspection, actor=personas.inspector, item_id=item.pk, upload=photo()
    )
    client.force_login(personas.inspector)

    response = via_link(client, reverse("inspections:evidence", args=[evidence.pk]))

    assert_served_safely(
        response, content_type="image/jpeg", body=evidence.file.open("rb").read(), starts=b"\xff\xd8"
    )
    client.force_login(personas.clerk_b)
    assert client.get(reverse("inspections:evidence", args=[evidence.pk])).status_code == 404
