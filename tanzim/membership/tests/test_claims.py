"""Insurance pages and claims: enrolment with dependants, a claim with documents, the Kanoon's
review (paid or refused with a reason), and the insurer's file with its fixed columns."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.membership.choices import ClaimStatus
from tanzim.membership.models import Claim, ClaimDocument, ClaimEvent, Enrolment
from tanzim.membership.services.claims import INSURER_COLUMNS, claim_pay, claim_refuse, claim_submit
from tanzim.membership.services.insurance import insurance_enrol
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.membership import basic_policy, manager_of, national_code

pytestmark = pytest.mark.django_db


def _enrolled(personas) -> Enrolment:
    return insurance_enrol(
        actor=personas.manager_a,
        office=personas.office_a,
        policy=basic_policy(),
        dependants=[{"full_name": "همسر", "national_code": national_code(), "relation": "spouse"}],
    )


def _pdf():
    return upload("invoice.pdf", pdf_bytes(), "application/pdf")


def test_a_claim_with_documents_is_paid_once_by_the_kanoon(personas):
    enrolment = _enrolled(personas)
    spouse = enrolment.dependants.get()
    claim = claim_submit(
        enrolment=enrolment,
        actor=personas.manager_a,
        amount=8_000_000,
        description="بستری",
        uploads=[_pdf(), _pdf()],
        dependant_id=spouse.pk,
    )
    assert claim.status == ClaimStatus.SUBMITTED and ClaimDocument.objects.filter(claim=claim).count() == 2
    with pytest.raises(PermissionDeniedError):
        claim_pay(claim=claim, actor=personas.manager_a, paid_amount=1, reference="X")
    with pytest.raises(DomainError):
        claim_pay(claim=claim, actor=personas.kanoon_admin, paid_amount=9_000_000, reference="INS-1")
    paid = claim_pay(claim=claim, actor=personas.kanoon_admin, paid_amount=6_000_000, reference="INS-1")
    assert (paid.status, paid.paid_amount, paid.insurer_reference) == ("paid", 6_000_000, "INS-1")
    assert paid.decided_at is not None
    with pytest.raises(ConflictError):
        claim_pay(claim=claim, actor=personas.kanoon_admin, paid_amount=6_000_000, reference="INS-1")
    assert ClaimEvent.objects.filter(claim=claim).count() == 1


def test_a_refusal_needs_a_reason_and_bad_claims_leave_nothing(personas):
    enrolment = _enrolled(personas)
    with pytest.raises(DomainError):
        claim_submit(enrolment=enrolment, actor=personas.manager_a, amount=1_000, description="x", uploads=[])
    with pytest.raises(DomainError):
        claim_submit(
            enrolment=enrolment, actor=personas.manager_a, amount=0, description="x", uploads=[_pdf()]
        )
    with pytest.raises(PermissionDeniedError):
        claim_submit(
            enrolment=enrolment, actor=personas.clerk_a, amount=10, description="x", uploads=[_pdf()]
        )
    with pytest.raises(NotFoundError):
        claim_submit(
            enrolment=enrolment,
            actor=personas.manager_a,
            amount=10,
            description="x",
            uploads=[_pdf()],
            dependant_id=999_999,
        )
    not_a_document = upload("a.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(DomainError):
        claim_submit(
            enrolment=enrolment,
            actor=personas.manager_a,
            amount=10,
            description="x",
            uploads=[not_a_document],
        )
    assert not Claim.objects.exists()
    claim = claim_submit(
        enrolment=enrolment, actor=personas.manager_a, amount=10, description="x", uploads=[_pdf()]
    )
    with pytest.raises(DomainError):
        claim_refuse(claim=claim, actor=personas.kanoon_admin, reason="  ")
    refused = claim_refuse(claim=claim, actor=personas.kanoon_admin, reason="خارج از پوشش")
    assert refused.status == ClaimStatus.REFUSED and refused.reason == "خارج از پوشش"


def test_the_pages_enrol_claim_review_and_export(client, personas):
    policy = basic_policy()
    client.force_login(personas.manager_a)
    spouse_code = national_code()
    response = client.post(
        reverse("membership:insurance"),
        {
            "action": "enrol",
            "policy": policy.pk,
            "name_1": "همسر",
            "code_1": spouse_code,
            "relation_1": "spouse",
        },
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(member=personas.manager_a)
    assert enrolment.dependants.get().national_code == spouse_code
    files = [SimpleUploadedFile("a.pdf", pdf_bytes(), "application/pdf")]
    response = client.post(
        reverse("membership:insurance"),
        {
            "action": "claim",
            "enrolment": enrolment.pk,
            f"e{enrolment.pk}-person": "",
            f"e{enrolment.pk}-amount": "۲٬۰۰۰٬۰۰۰",
            f"e{enrolment.pk}-description": "دارو",
            f"e{enrolment.pk}-documents": files,
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.amount == 2_000_000 and claim.documents.count() == 1
    page = client.get(reverse("membership:insurance"))
    assert page.status_code == 200 and b'id="my-claims"' in page.content
    # another manager neither sees the claim nor reaches its document
    client.force_login(manager_of(personas.office_b))
    document = claim.documents.get()
    assert client.get(reverse("membership:claim_document", args=[document.pk])).status_code == 404
    assert client.get(reverse("membership:insurer_csv", args=[policy.code])).status_code == 404

    client.force_login(personas.kanoon_admin)
    page = client.get(reverse("membership:insurance"))
    assert f'id="claim-{claim.pk}"'.encode() in page.content
    response = client.post(
        reverse("membership:insurance"), {"action": "refuse", "claim": claim.pk, "reason": ""}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("membership:insurance"), {"action": "refuse", "claim": claim.pk, "reason": "بدون نسخه"}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REFUSED
    export = client.get(reverse("membership:insurer_csv", args=[policy.code]))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == INSURER_COLUMNS
    assert len(rows) == 3 and {r[4] for r in rows[1:]} == {"self", "spouse"}
    assert rows[2][2] == spouse_code and rows[1][7] == "1500000"
