from __future__ import annotations

import threading

import pytest
from django.db import connection

from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.finance import services, signals
from tanzim.finance.choices import AccountPurpose, GatewayOutcome, PaymentPart, RefundStatus
from tanzim.finance.ledger import balances, system_accounts
from tanzim.finance.models import Refund, SimulatedGatewayTransaction, Transaction
from tanzim.notify.models import Message
from tanzim.testing.finance import pay_online

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(make_payment, personas):
    """A civil petition (770,000) with a 2,000,000 court fee, paid at the counter."""
    payment = make_payment(court_fee=2_000_000)
    return services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)


def test_a_partial_refund_then_the_rest_and_never_more(paid, personas):
    services.refund_create(
        payment=paid, amount=1_000_000, part="court_fee", reason="settled: half", actor=None
    )
    services.refund_create(
        payment=paid, amount=1_000_000, part="court_fee", reason="withdrawn", actor=personas.clerk_a
    )
    with pytest.raises(DomainError) as exc:
        services.refund_create(
            payment=paid, amount=1, part="court_fee", reason="again", actor=personas.clerk_a
        )
    assert exc.value.code == "refund_exceeds_paid"
    paid.refresh_from_db()
    assert paid.court_fee_refunded == 2_000_000 and paid.office_fee_refunded == 0
    assert paid.refundable == {PaymentPart.OFFICE_FEE: 770_000, PaymentPart.COURT_FEE: 0}


def test_a_refund_above_what_was_paid_is_refused(paid, personas):
    with pytest.raises(DomainError) as exc:
        services.refund_create(
            payment=paid, amount=770_001, part="office_fee", reason="too much", actor=personas.clerk_a
        )
    assert exc.value.code == "refund_exceeds_paid"
    assert "amount" in exc.value.fields
    assert Refund.objects.count() == 0


def test_a_refund_posts_the_reverse_of_the_capture(paid, personas):
    refund = services.refund_create(
        payment=paid, amount=770_000, part="office_fee", reason="cancelled request", actor=personas.manager_a
    )
    lines = {
        (e.account.purpose, e.debit, e.credit) for e in refund.transaction.entries.select_related("account")
    }
    assert lines == {(AccountPurpose.FEE_REVENUE, 770_000, 0), (AccountPurpose.CLEARING, 0, 770_000)}
    assert refund.status == RefundStatus.COMPLETED  # money handed back at the counter
    clearing = system_accounts(AccountPurpose.CLEARING)[AccountPurpose.CLEARING]
    assert balances(accounts=[clearing])[clearing.pk] == 2_000_000


@pytest.mark.parametrize(
    ("amount", "part", "reason", "field"),
    [
        (0, "office_fee", "r", "amount"),
        (-5, "office_fee", "r", "amount"),
        (10.0, "office_fee", "r", "amount"),
        (True, "office_fee", "r", "amount"),
        ("100", "office_fee", "r", "amount"),
        (100, "tip", "r", "part"),
        (100, "office_fee", "   ", "reason"),
    ],
)
def test_a_refund_with_bad_input_is_refused(paid, personas, amount, part, reason, field):
    with pytest.raises(DomainError) as exc:
        services.refund_create(payment=paid, amount=amount, part=part, reason=reason, actor=personas.clerk_a)
    assert field in exc.value.fields


def test_a_pending_payment_cannot_be_refunded(make_payment, personas):
    with pytest.raises(ConflictError) as exc:
        services.refund_create(
            payment=make_payment(), amount=1, part="office_fee", reason="r", actor=personas.clerk_a
        )
    assert exc.value.code == "payment_not_captured"


@pytest.mark.parametrize("who", ["clerk_a", "manager_a", "kanoon_admin"])
def test_the_offices_staff_and_the_kanoon_may_refund(paid, personas, who):
    refund = services.refund_create(
        payment=paid, amount=1_000, part="office_fee", reason="r", actor=getattr(personas, who)
    )
    assert refund.amount == 1_000


@pytest.mark.parametrize("who", ["clerk_b", "citizen", "province_admin_a", "inspector"])
def test_nobody_else_may_refund(paid, personas, who):
    with pytest.raises(PermissionDeniedError):
        services.refund_create(
            payment=paid, amount=1_000, part="office_fee", reason="r", actor=getattr(personas, who)
        )


def test_a_free_service_has_nothing_to_refund(make_payment, personas):
    free = make_payment(free_service=True, actor=personas.clerk_a)
    with pytest.raises(DomainError) as exc:
        services.refund_create(payment=free, amount=1, part="office_fee", reason="r", actor=personas.clerk_a)
    assert exc.value.code == "refund_exceeds_paid"


def test_an_online_refund_is_returned_by_the_bank_after_commit(
    make_payment, personas, django_capture_on_commit_callbacks
):
    payment = pay_online(make_payment(court_fee=1_000_000))
    refunded = []

    def record(sender, refund, **kwargs):
        refunded.append(refund.pk)

    signals.payment_refunded.connect(record)  # only this receiver is removed afterwards
    try:
        with django_capture_on_commit_callbacks(execute=True):
            refund = services.refund_create(
                payment=payment, amount=500_000, part="court_fee", reason="settlement halved it", actor=None
            )
    finally:
        signals.payment_refunded.disconnect(record)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.COMPLETED and refund.gateway_ref
    bank = SimulatedGatewayTransaction.objects.get(token=payment.gateway_token)
    assert bank.refunded_amount == 500_000
    assert refunded == [refund.pk]
    assert Message.objects.filter(template="finance.payment_refunded").count() == 1


def test_a_refund_the_bank_refused_is_retried_by_reconciliation(make_payment, personas):
    payment = pay_online(make_payment())
    refund = services.refund_create(
        payment=payment, amount=770_000, part="office_fee", reason="r", actor=None
    )
    assert refund.status == RefundStatus.PENDING  # on_commit never ran in this test transaction
    SimulatedGatewayTransaction.objects.filter(token=payment.gateway_token).update(
        status=GatewayOutcome.REVERSED
    )
    report = services.payments_reconcile()
    assert report.errors == 1
    SimulatedGatewayTransaction.objects.filter(token=payment.gateway_token).update(status=GatewayOutcome.PAID)
    report = services.payments_reconcile()
    assert report.refunds_completed == 1
    # Executing it again is harmless.
    assert services.refund_execute(refund_id=refund.pk).status == RefundStatus.COMPLETED
    assert SimulatedGatewayTransaction.objects.get(token=payment.gateway_token).refunded_amount == 770_000


def test_a_waived_service_that_was_not_delivered_gives_its_subsidy_back(make_payment, personas):
    free = make_payment(free_service=True, actor=personas.clerk_a)
    with pytest.raises(PermissionDeniedError):
        services.payment_subsidy_cancel(payment=free, reason="not delivered", actor=personas.clerk_b)
    reversal = services.payment_subsidy_cancel(payment=free, reason="not delivered", actor=personas.manager_a)
    assert reversal.reverses_id == free.subsidy_transaction_id
    kanoon = system_accounts(AccountPurpose.SUBSIDY_EXPENSE)[AccountPurpose.SUBSIDY_EXPENSE]
    assert balances(accounts=[kanoon])[kanoon.pk] == 0
    with pytest.raises(ConflictError):
        services.payment_subsidy_cancel(payment=free, reason="again", actor=personas.manager_a)


def test_a_paid_service_has_no_subsidy_to_cancel(paid, personas):
    with pytest.raises(ConflictError) as exc:
        services.payment_subsidy_cancel(payment=paid, reason="r", actor=personas.manager_a)
    assert exc.value.code == "no_subsidy"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_refunds_never_return_more_than_was_paid(make_payment, personas):
    payment = services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)
    barrier = threading.Barrier(6)
    outcomes = []

    def refund():
        try:
            barrier.wait()
            services.refund_create(
                payment=payment, amount=300_000, part="office_fee", reason="race", actor=None
            )
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refund) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 2  # 2 × 300,000 ≤ 770,000 < 3 × 300,000
    assert outcomes.count("refund_exceeds_paid") == 4
    payment.refresh_from_db()
    assert payment.office_fee_refunded == 600_000
    assert Transaction.objects.filter(kind="refund").count() == 2
