"""Signed webhooks against a real HTTP server the test starts (http.server in a thread): signed
delivery, retries with back-off after 500s, a dead letter after the budget, a replay delivered once;
and inbound events: a forged, an old and a replayed one refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tanzim.common.errors import ConflictError, PermissionDeniedError
from tanzim.partners import services
from tanzim.partners.choices import DeliveryStatus, EventType, PartnerKind
from tanzim.partners.models import Delivery
from tanzim.partners.services.webhooks import ATTEMPTS
from tanzim.testing.partners import PartnerServer, make_partner, sent_referral

pytestmark = pytest.mark.django_db
SECRET = "s3cret-of-the-council"


@pytest.fixture
def server():
    running = PartnerServer().start()
    yield running
    running.stop()


@pytest.fixture
def hooked(server):
    return make_partner(PartnerKind.COUNCIL, webhook_url=server.url, secret=SECRET)


def test_a_sent_referral_is_delivered_signed_with_its_idempotency_key(
    personas, hooked, server, clock, after_commit
):
    referral = sent_referral(personas, hooked)
    after_commit()
    delivery = Delivery.objects.get(referral=referral, event_type=EventType.REFERRAL_SENT)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    [got] = server.received
    headers = got["headers"]
    expected = hmac.new(
        SECRET.encode(), f"{headers['x-tanzim-timestamp']}.".encode() + got["body"], hashlib.sha256
    )
    assert headers["x-tanzim-signature"] == "v1=" + expected.hexdigest()
    assert headers["idempotency-key"] == delivery.event_id == got["json"]["id"]
    assert got["json"]["referral"]["reference"] == referral.reference


def test_500s_are_retried_with_exponential_back_off_then_delivered(
    personas, hooked, server, clock, after_commit
):
    server.answers = [500, 503, 500]
    referral = sent_referral(personas, hooked)
    after_commit()
    delivery = Delivery.objects.get(referral=referral)
    waits = []
    while delivery.status == DeliveryStatus.PENDING:
        waits.append((delivery.next_attempt_at - timezone.now()).total_seconds())
        clock.move_to(delivery.next_attempt_at)
        assert services.deliveries_due() == [delivery.pk]
        services.delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
    assert waits == [30, 60, 120]
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 4
    # The same event each time: one id, four posts.
    assert set(server.event_ids()) == {delivery.event_id} and len(server.received) == 4


def test_not_due_yet_is_not_sent_and_a_second_worker_skips(personas, hooked, server, clock, after_commit):
    server.answers = [500]
    referral = sent_referral(personas, hooked)
    after_commit()
    delivery = Delivery.objects.get(referral=referral)
    assert services.delivery_attempt(delivery_id=delivery.pk).outcome == "skipped"
    assert len(server.received) == 1


def test_after_the_budget_a_dead_letter_whose_replay_is_delivered_once(
    personas, hooked, server, clock, after_commit
):
    server.answers = [500] * ATTEMPTS
    referral = sent_referral(personas, hooked)
    after_commit()
    delivery = Delivery.objects.get(referral=referral)
    while delivery.status == DeliveryStatus.PENDING:
        clock.move_to(delivery.next_attempt_at)
        services.delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == ATTEMPTS
    assert delivery.last_status_code == 500
    assert len(server.received) == ATTEMPTS
    # Nothing is lost: the dead letter waits for an operator; the sweep leaves it alone.
    clock.shift(timedelta(days=1))
    assert services.deliveries_due() == []
    with pytest.raises(PermissionDeniedError):
        services.delivery_replay(delivery=delivery, actor=personas.clerk_a)
    services.delivery_replay(delivery=delivery, actor=personas.kanoon_admin)
    after_commit()
    with pytest.raises(ConflictError):
        services.delivery_replay(delivery=delivery, actor=personas.kanoon_admin)
    after_commit()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.replays == 1
    assert len(server.received) == ATTEMPTS + 1
    assert services.deliveries_due() == []


def test_an_unreachable_partner_is_retried_like_a_500(personas, clock, after_commit):
    kind = make_partner(PartnerKind.TAZIRAT, webhook_url="http://127.0.0.1:9/hooks/", secret=SECRET)
    referral = sent_referral(personas, kind)
    after_commit()
    delivery = Delivery.objects.get(referral=referral)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code is None and delivery.last_error


def test_a_partner_without_a_webhook_gets_no_delivery(personas, council, clock):
    sent_referral(personas, council)
    assert not Delivery.objects.exists()


def _signed(body: bytes, *, secret: str = SECRET, at: int | None = None) -> tuple[str, str]:
    timestamp = str(at if at is not None else int(timezone.now().timestamp()))
    return timestamp, services.sign(secret, timestamp, body)


def test_inbound_events_are_verified(hooked, clock):
    partner = hooked.partner
    body = json.dumps({"id": "evt-1", "type": "referral.status"}).encode()
    timestamp, signature = _signed(body)
    services.inbound_verify(
        partner=partner, body=body, timestamp=timestamp, signature=signature, event_id="evt-1", event_type="x"
    )
    # Replayed: the same id again.
    with pytest.raises(ConflictError) as replayed:
        services.inbound_verify(
            partner=partner,
            body=body,
            timestamp=timestamp,
            signature=signature,
            event_id="evt-1",
            event_type="x",
        )
    assert replayed.value.code == "replayed_event"
    # Forged: signed with another secret, or the body changed after signing.
    _, forged = _signed(body, secret="not-the-secret")
    for sig, payload in ((forged, body), (signature, body + b" ")):
        with pytest.raises(PermissionDeniedError) as refused:
            services.inbound_verify(
                partner=partner,
                body=payload,
                timestamp=timestamp,
                signature=sig,
                event_id="evt-2",
                event_type="x",
            )
        assert refused.value.code == "bad_signature"
    # Old: signed six minutes ago.
    old_at = int((timezone.now() - timedelta(minutes=6)).timestamp())
    old_ts, old_sig = _signed(body, at=old_at)
    with pytest.raises(PermissionDeniedError) as stale:
        services.inbound_verify(
            partner=partner, body=body, timestamp=old_ts, signature=old_sig, event_id="evt-3", event_type="x"
        )
    assert stale.value.code == "stale_timestamp"
    with pytest.raises(PermissionDeniedError):
        services.inbound_verify(
            partner=partner, body=body, timestamp="soon", signature=old_sig, event_id="evt-4", event_type="x"
        )
