"""The partner API: keys (hashed, rotated, revoked, scoped: another partner's referral is a 404),
fetch / acknowledge / outcome, signed inbound events; the offices' endpoints and their matrix."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tanzim.partners import services
from tanzim.partners.choices import PartnerKind, ReferralStatus
from tanzim.partners.models import ApiKey, Referral
from tanzim.testing.disputes import open_dispute
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.partners import make_partner, sent_referral

pytestmark = pytest.mark.django_db
SECRET = "council-secret"


@pytest.fixture
def keyed(personas):
    kind = make_partner(PartnerKind.COUNCIL, secret=SECRET)
    issued = services.api_key_issue(partner=kind.partner, actor=personas.kanoon_admin, label="system")
    return kind, issued


def _as_partner(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"PartnerKey {secret}")
    return client


def test_keys_are_stored_hashed_and_a_bad_key_is_401(keyed):
    _kind, issued = keyed
    row = ApiKey.objects.get(pk=issued.key.pk)
    assert issued.secret not in (row.hashed, row.prefix) and len(row.hashed) == 64
    assert _as_partner(issued.secret).get("/api/v1/partners/inbox/").status_code == 200
    assert _as_partner(issued.secret + "x").get("/api/v1/partners/inbox/").status_code == 401
    assert APIClient().get("/api/v1/partners/inbox/").status_code in (401, 403)


def test_only_the_kanoon_issues_keys(personas, council):
    from tanzim.common.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.api_key_issue(partner=council.partner, actor=personas.clerk_a)


def test_a_rotated_key_works_for_its_grace_then_stops_and_a_revoked_key_stops_at_once(personas, keyed, clock):
    _kind, issued = keyed
    successor = services.api_key_rotate(key=issued.key, actor=personas.kanoon_admin, grace=timedelta(hours=1))
    assert _as_partner(issued.secret).get("/api/v1/partners/inbox/").status_code == 200
    assert _as_partner(successor.secret).get("/api/v1/partners/inbox/").status_code == 200
    clock.shift(timedelta(hours=2))
    assert _as_partner(issued.secret).get("/api/v1/partners/inbox/").status_code == 401
    services.api_key_revoke(key=successor.key, actor=personas.kanoon_admin)
    assert _as_partner(successor.secret).get("/api/v1/partners/inbox/").status_code == 401


def test_the_partner_fetches_acknowledges_and_posts_the_outcome(personas, keyed, clock):
    kind, issued = keyed
    referral = sent_referral(personas, kind)
    client = _as_partner(issued.secret)
    listed = client.get("/api/v1/partners/inbox/").json()
    assert [r["reference"] for r in listed["results"]] == [referral.reference]
    detail = client.get(f"/api/v1/partners/inbox/{referral.reference}/").json()
    assert detail["bundle"]["reference"] == referral.dispute.reference
    assert {line["code"]: line["present"] for line in detail["checklist"]} == {
        "claim": True,
        "court_letter": False,
    }
    base = f"/api/v1/partners/inbox/{referral.reference}"
    answer = client.post(
        f"{base}/transition/",
        {"action": "acknowledge", "expected_status": "sent", "partner_reference": "9912-4410"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == ReferralStatus.RECEIVED
    # A stale expected status is a 409; an office's move is a 403.
    stale = client.post(f"{base}/transition/", {"action": "start", "expected_status": "sent"}, format="json")
    assert stale.status_code == 409
    assert client.post(f"{base}/transition/", {"action": "close"}, format="json").status_code == 403
    done = client.post(
        f"{base}/outcome/",
        {"outcome_code": "for_claimant", "note": "رای ۷۷", "file": upload("ruling.pdf", pdf_bytes())},
        format="multipart",
    )
    assert done.status_code == 200, done.content
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.status == ReferralStatus.OUTCOME and referral.outcome_note == "رای ۷۷"
    assert referral.events.filter(to_status="outcome", api_key=issued.key).exists()
    # An outcome for a concluded referral: 409, nothing changes.
    again = client.post(f"{base}/outcome/", {"outcome_code": "dismissed"}, format="json")
    assert again.status_code == 409
    assert Referral.objects.get(pk=referral.pk).outcome_code == "for_claimant"


def test_a_key_used_for_another_partners_referral_is_a_404(personas, keyed, clock):
    kind, _issued = keyed
    referral = sent_referral(personas, kind)
    court = make_partner(PartnerKind.COURT)
    other = services.api_key_issue(partner=court.partner, actor=personas.kanoon_admin)
    client = _as_partner(other.secret)
    base = f"/api/v1/partners/inbox/{referral.reference}"
    missing = client.get("/api/v1/partners/inbox/PR-00000000/")
    assert client.get(f"{base}/").status_code == 404 == missing.status_code
    assert client.get(f"{base}/").json()["code"] == missing.json()["code"]
    answer = client.post(
        f"{base}/transition/", {"action": "acknowledge", "partner_reference": "AB-12"}, format="json"
    )
    assert answer.status_code == 404
    assert client.post(f"{base}/outcome/", {"outcome_code": "settled"}, format="json").status_code == 404
    assert client.get("/api/v1/partners/inbox/").json()["count"] == 0


def test_a_prepared_referral_is_not_yet_in_the_inbox(personas, keyed, clock):
    kind, issued = keyed
    referral = services.referral_prepare(actor=personas.clerk_a, kind=kind, dispute=open_dispute(personas))
    assert _as_partner(issued.secret).get(f"/api/v1/partners/inbox/{referral.reference}/").status_code == 404


def _event(
    client: APIClient,
    payload: dict,
    *,
    secret: str = SECRET,
    at: int | None = None,
    body: bytes | None = None,
):
    raw = body if body is not None else json.dumps(payload).encode()
    timestamp = str(at if at is not None else int(timezone.now().timestamp()))
    return client.post(
        "/api/v1/partners/events/",
        data=raw,
        content_type="application/json",
        HTTP_X_TANZIM_TIMESTAMP=timestamp,
        HTTP_X_TANZIM_SIGNATURE=services.sign(secret, timestamp, raw),
    )


def test_signed_inbound_events_move_the_referral_and_forged_old_or_replayed_ones_are_refused(
    personas, keyed, clock
):
    kind, issued = keyed
    referral = sent_referral(personas, kind)
    client = _as_partner(issued.secret)
    ack = {
        "id": "evt-1",
        "type": "referral.acknowledged",
        "referral": referral.reference,
        "data": {"partner_reference": "77-1405"},
    }
    forged = _event(client, ack, secret="guessed")
    assert forged.status_code == 403 and forged.json()["code"] == "bad_signature"
    old = _event(client, ack, at=int((timezone.now() - timedelta(minutes=6)).timestamp()))
    assert old.status_code == 403 and old.json()["code"] == "stale_timestamp"
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT
    good = _event(client, ack)
    assert good.status_code == 200, good.content
    assert Referral.objects.get(pk=referral.pk).partner_reference == "77-1405"
    replayed = _event(client, ack)
    assert replayed.status_code == 409 and replayed.json()["code"] == "replayed_event"
    outcome = {
        "id": "evt-2",
        "type": "referral.outcome",
        "referral": referral.reference,
        "data": {"outcome_code": "settled"},
    }
    assert _event(client, outcome).status_code == 200
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.OUTCOME


def test_a_refused_move_leaves_the_event_id_unused(personas, keyed, clock):
    kind, issued = keyed
    referral = sent_referral(personas, kind)
    client = _as_partner(issued.secret)
    bad = {
        "id": "evt-9",
        "type": "referral.outcome",
        "referral": referral.reference,
        "data": {"outcome_code": "settled"},
    }
    assert _event(client, bad).status_code == 409  # not yet received
    ack = {
        "id": "evt-9",
        "type": "referral.acknowledged",
        "referral": referral.reference,
        "data": {"partner_reference": "77-1405"},
    }
    assert _event(client, ack).status_code == 200


def test_an_office_prepares_with_an_idempotency_key_and_sends(personas, council, clock):
    dispute = open_dispute(personas)
    client = APIClient()
    client.force_login(personas.clerk_a)
    body = {"kind": council.pk, "dispute": dispute.pk}
    first = client.post(
        "/api/v1/partners/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="prep-000001"
    )
    assert first.status_code == 201, first.content
    again = client.post(
        "/api/v1/partners/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="prep-000001"
    )
    assert again.json()["id"] == first.json()["id"]
    pk = first.json()["id"]
    missing = client.post(f"/api/v1/partners/referrals/{pk}/transition/", {"action": "send"}, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "documents_missing"
    services.referral_document_add(
        referral=Referral.objects.get(pk=pk),
        actor=personas.clerk_a,
        requirement=council.checklist.get(code="claim"),
        upload=upload("claim.pdf", pdf_bytes()),
    )
    sent = client.post(
        f"/api/v1/partners/referrals/{pk}/transition/",
        {"action": "send", "expected_status": "prepared"},
        format="json",
    )
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    bad = client.post(f"/api/v1/partners/referrals/{pk}/transition/", {"action": "fly"}, format="json")
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("persona", "sees", "creates"),
    [
        ("clerk_a", True, 409),  # may refer; this file already has an open referral of the kind
        ("manager_a", True, 409),
        ("citizen", True, 403),
        ("inspector", True, 403),
        ("kanoon_admin", True, 403),
        ("province_admin_a", True, 403),
        ("clerk_b", False, 404),
        ("other_citizen", False, 404),
        ("mediator_a", False, 404),
        ("partner", False, 404),
    ],
)
def test_the_referral_endpoints_permission_matrix(personas, council, clock, persona, sees, creates):
    referral = sent_referral(personas, council)
    client = APIClient()
    client.force_login(getattr(personas, persona))
    detail = client.get(f"/api/v1/partners/referrals/{referral.pk}/")
    assert detail.status_code == (200 if sees else 404)
    listed = client.get("/api/v1/partners/referrals/").json()
    assert (referral.pk in [r["id"] for r in listed["results"]]) is sees
    create = client.post(
        "/api/v1/partners/referrals/", {"kind": council.pk, "dispute": referral.dispute_id}, format="json"
    )
    assert create.status_code == creates
    # The office enters the partner's acknowledgement (a partner without a system); nobody else may.
    move = client.post(
        f"/api/v1/partners/referrals/{referral.pk}/transition/",
        {"action": "acknowledge", "partner_reference": "AB-1234"},
        format="json",
    )
    assert move.status_code == (200 if creates == 409 else 403 if sees else 404)


def test_the_directory_and_the_dead_letter_list(personas, council):
    client = APIClient()
    client.force_login(personas.clerk_a)
    [partner] = client.get("/api/v1/partners/directory/").json()
    assert partner["referral_kinds"][0]["checklist"][0]["code"] == "claim"
    assert partner["branches"][0]["opens"] == "08:00:00"
    assert client.get("/api/v1/partners/dead-letters/").json() == []
    assert client.post("/api/v1/partners/dead-letters/1/replay/").status_code == 404
