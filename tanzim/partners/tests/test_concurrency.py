"""PostgreSQL: two workers racing for the same delivery post it once; two clerks racing to send
the same referral move it once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from tanzim.common.errors import ConflictError
from tanzim.partners import services
from tanzim.partners.choices import DeliveryStatus, PartnerKind
from tanzim.partners.models import Delivery, Referral
from tanzim.testing.disputes import open_dispute
from tanzim.testing.partners import PartnerServer, attach_required, make_partner

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(fn, n: int = 2) -> list:
    barrier = threading.Barrier(n)
    results: list = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(fn())
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_workers_post_a_delivery_once(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    server = PartnerServer().start()
    try:
        kind = make_partner(PartnerKind.TAZIRAT, webhook_url=server.url, secret="s")
        # Written as event_enqueue writes it, without queueing the task: the two workers are the test's.
        delivery = Delivery.objects.create(
            partner=kind.partner,
            event_id="race-0001",
            event_type="referral.sent",
            payload={"id": "race-0001"},
            next_attempt_at=timezone.now(),
        )
        outcomes = _race(lambda: services.delivery_attempt(delivery_id=delivery.pk).outcome)
        assert sorted(outcomes) == ["delivered", "skipped"]
        assert len(server.received) == 1
        assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.DELIVERED
    finally:
        server.stop()


def test_two_clerks_send_a_referral_once(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    kind = make_partner(PartnerKind.FORENSIC)
    referral = services.referral_prepare(actor=personas.clerk_a, kind=kind, dispute=open_dispute(personas))
    attach_required(referral, personas.clerk_a)
    results = _race(lambda: services.referral_send(referral=referral, actor=personas.clerk_a))
    assert sum(isinstance(r, Referral) for r in results) == 1
    assert sum(isinstance(r, ConflictError) for r in results) == 1
    assert Referral.objects.get(pk=referral.pk).events.filter(to_status="sent").count() == 1
