"""The partner API serves a referral's files: scoped to the partner's referral (another partner's,
a referral not yet sent, another referral's document or none at all: the same 404), with the
content type, length and SHA-256 right, the body signed like a webhook, and every read logged."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from tanzim.audit.models import AuditEvent
from tanzim.partners import services
from tanzim.partners.choices import PartnerKind
from tanzim.partners.models import ReferralDocument
from tanzim.partners.services.webhooks import sign
from tanzim.testing.disputes import open_dispute
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.partners import attach_required, make_partner, sent_referral

pytestmark = pytest.mark.django_db
SECRET = "council-secret"


def _client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"PartnerKey {secret}")
    return client


@pytest.fixture
def keyed(personas):
    kind = make_partner(PartnerKind.COUNCIL, secret=SECRET)
    issued = services.api_key_issue(partner=kind.partner, actor=personas.kanoon_admin, label="system")
    return kind, issued


def test_the_partner_downloads_a_document_signed_with_its_type_size_and_hash(personas, keyed, clock):
    kind, issued = keyed
    referral = sent_referral(personas, kind)
    document = ReferralDocument.objects.get(referral=referral, requirement__code="claim")
    client = _client(issued.secret)
    detail = client.get(f"/api/v1/partners/inbox/{referral.reference}/").json()
    [listed] = detail["documents"]
    assert listed["download"] == f"/api/v1/partners/inbox/{referral.reference}/documents/{document.pk}/"

    answer = client.get(listed["download"])
    assert answer.status_code == 200
    body = b"".join(answer.streaming_content) if answer.streaming else answer.content
    assert body == pdf_bytes()
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Length"] == str(len(body)) == str(listed["size"])
    assert answer["X-Tanzim-Document-Sha256"] == hashlib.sha256(body).hexdigest() == listed["sha256"]
    assert "attachment" in answer["Content-Disposition"]
    assert answer["X-Tanzim-Signature"] == sign(SECRET, answer["X-Tanzim-Timestamp"], body)
    # Audited on the office's chain, naming the key and the document.
    [event] = AuditEvent.objects.filter(action="partners.referral.document_downloaded")
    assert event.data["document"] == document.pk and event.data["api_key"] == issued.key.prefix


def test_another_partners_referral_a_missing_one_or_another_referrals_document_are_the_same_404(
    personas, keyed, clock
):
    kind, issued = keyed
    mine = sent_referral(personas, kind)
    court = make_partner(PartnerKind.COURT)
    theirs = sent_referral(personas, court, dispute=open_dispute(personas))
    their_doc = ReferralDocument.objects.get(referral=theirs, requirement__code="claim")
    my_doc = ReferralDocument.objects.get(referral=mine, requirement__code="claim")
    client = _client(issued.secret)
    other_referral = client.get(f"/api/v1/partners/inbox/{theirs.reference}/documents/{their_doc.pk}/")
    missing_referral = client.get(f"/api/v1/partners/inbox/PR-00000000/documents/{my_doc.pk}/")
    assert other_referral.status_code == 404 == missing_referral.status_code
    assert other_referral.json() == missing_referral.json()
    # Another referral's document through my referral, and no document at all: the same 404.
    crossed = client.get(f"/api/v1/partners/inbox/{mine.reference}/documents/{their_doc.pk}/")
    none = client.get(f"/api/v1/partners/inbox/{mine.reference}/documents/999999/")
    junk = client.get(f"/api/v1/partners/inbox/{mine.reference}/documents/abc/")
    assert crossed.status_code == none.status_code == junk.status_code == 404
    assert crossed.json() == none.json() == junk.json()
    assert not AuditEvent.objects.filter(action="partners.referral.document_downloaded").exists()


def test_a_prepared_referrals_documents_are_not_served_and_no_key_is_a_401(personas, keyed, clock):
    kind, issued = keyed
    referral = services.referral_prepare(actor=personas.clerk_a, kind=kind, dispute=open_dispute(personas))
    attach_required(referral, personas.clerk_a)
    document = referral.documents.get()
    url = f"/api/v1/partners/inbox/{referral.reference}/documents/{document.pk}/"
    assert _client(issued.secret).get(url).status_code == 404
    assert APIClient().get(url).status_code in (401, 403)


def test_the_outcome_document_the_partner_uploaded_is_served_back(personas, keyed, clock):
    kind, issued = keyed
    referral = sent_referral(personas, kind)
    client = _client(issued.secret)
    base = f"/api/v1/partners/inbox/{referral.reference}"
    client.post(
        f"{base}/transition/", {"action": "acknowledge", "partner_reference": "AB-1234"}, format="json"
    )
    ruling = upload("ruling.pdf", pdf_bytes())
    posted = client.post(f"{base}/outcome/", {"outcome_code": "settled", "file": ruling}, format="multipart")
    assert posted.status_code == 200
    outcome = ReferralDocument.objects.get(referral=referral, is_outcome=True)
    answer = client.get(f"{base}/documents/{outcome.pk}/")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert int(answer["Content-Length"]) == outcome.size
