"""Finance's workflows on the one engine: each move leaves its trace, stale and forbidden moves are 409."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from tanzim.audit.models import AuditEvent
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, NotFoundError
from tanzim.finance import services
from tanzim.finance.choices import GatewayOutcome, PaymentStatus, RefundStatus
from tanzim.finance.models import PaymentEvent, SimulatedGatewayTransaction
from tanzim.finance.workflows import GATEWAY_SESSION, PAYMENT, REFUND
from tanzim.testing.factories import UserFactory
from tanzim.testing.finance import AFTER_MEHR_1404, IN_MEHR_1404, pay_online

pytestmark = pytest.mark.django_db


def test_a_counter_payment_leaves_an_event_row_with_the_clerk_and_the_payer(make_payment, personas):
    payment = services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)

    event = PaymentEvent.objects.get(payment=payment)
    assert (event.from_status, event.to_status) == (PaymentStatus.PENDING, PaymentStatus.CAPTURED)
    assert (event.actor, event.on_behalf_of) == (personas.clerk_a, personas.citizen)
    audit = AuditEvent.objects.get(action="finance.payment.captured", object_id=str(payment.pk))
    assert audit.office_id == personas.office_a.pk and audit.data["method"] == "pos"


def test_a_cancelled_payment_leaves_an_event_row_with_its_reason(make_payment, personas):
    payment = services.payment_cancel(payment=make_payment(), actor=personas.citizen)

    event = PaymentEvent.objects.get(payment=payment)
    assert (event.to_status, event.actor, event.reason) == (
        PaymentStatus.CANCELLED,
        personas.citizen,
        "cancelled",
    )
    assert AuditEvent.objects.filter(action="finance.payment.cancelled", object_id=str(payment.pk)).exists()


def test_a_stale_payment_move_is_a_conflict(make_payment, personas):
    payment = make_payment()
    services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)

    with pytest.raises(ConflictError) as stale:
        transition(PAYMENT, payment, PaymentStatus.CANCELLED, expected_status=PaymentStatus.PENDING)

    assert stale.value.code == "stale_status"
    assert PaymentEvent.objects.filter(payment=payment).count() == 1


def test_a_paid_payment_cannot_move_again(make_payment, personas):
    payment = services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)

    with pytest.raises(ConflictError) as refused:
        transition(PAYMENT, payment, PaymentStatus.EXPIRED)
    assert refused.value.code == "transition_not_allowed"
    with pytest.raises(ConflictError) as again:
        services.payment_cancel(payment=payment, actor=personas.citizen)
    assert again.value.code == "payment_not_pending"


def test_a_stranger_cannot_cancel_a_payment_and_nothing_moves(make_payment, personas):
    payment = make_payment()

    with pytest.raises(NotFoundError):
        services.payment_cancel(payment=payment, actor=personas.other_citizen)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not PaymentEvent.objects.filter(payment=payment).exists()


def test_an_online_refund_completes_through_its_workflow_once(make_payment):
    payment = pay_online(make_payment())
    refund = services.refund_create(payment=payment, amount=1_000, part="office_fee", reason="r", actor=None)
    assert refund.status == RefundStatus.PENDING

    services.refund_execute(refund_id=refund.pk)
    services.refund_execute(refund_id=refund.pk)

    refund.refresh_from_db()
    assert refund.status == RefundStatus.COMPLETED and refund.completed_at and refund.gateway_ref
    event = AuditEvent.objects.get(action="finance.refund.completed", object_id=str(refund.pk))
    assert event.office_id == payment.office_id
    with pytest.raises(ConflictError):
        transition(REFUND, refund, RefundStatus.COMPLETED)


def test_a_settlement_run_is_done_once_with_its_totals_audited(personas, policy, make_payment):
    with time_machine.travel(IN_MEHR_1404, tick=False):
        services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        run = services.settlement_run(year=1404, month=7, actor=personas.kanoon_admin)
        services.settlement_run(year=1404, month=7, actor=personas.kanoon_admin)

    assert run.status == "done" and run.finished_at is not None
    event = AuditEvent.objects.get(action="finance.settlement.done")
    assert event.actor == personas.kanoon_admin
    assert event.data["period"] == "1404/7" and event.data["revenue"] == 770_000


def test_the_simulated_banks_sessions_move_without_audit_events(make_payment):
    payment = pay_online(make_payment())
    session = SimulatedGatewayTransaction.objects.get(token=payment.gateway_token)

    assert session.status == GatewayOutcome.PAID and session.decided_at is not None
    assert not AuditEvent.objects.filter(action__startswith=GATEWAY_SESSION.name).exists()
    with pytest.raises(ConflictError):
        transition(GATEWAY_SESSION, session, GatewayOutcome.CANCELLED)


def test_the_admin_shows_a_payments_moves(client, make_payment, personas):
    payment = services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:finance_payment_change", args=[payment.pk]))

    assert page.status_code == 200
    assert "captured" in page.content.decode()
