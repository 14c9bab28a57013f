"""Random sequences of payments, refunds, subsidies and settlements keep the ledger balanced.

Each hypothesis example runs in its own rolled-back transaction and travels through Jalali
months 1404/01 onwards, checking the invariants after every step.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tanzim.common.errors import DomainError
from tanzim.common.jalali import jalali_month_bounds_utc, jalali_year_month
from tanzim.finance import services
from tanzim.finance.choices import AccountPurpose, PaymentStatus
from tanzim.finance.ledger import balances, ledger_verify, system_accounts
from tanzim.finance.models import Payment, Refund, SettlementRun, Transaction
from tanzim.testing.finance import TEHRAN, free_grant, gateway_callback

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 30, 9, 0, tzinfo=TEHRAN)  # 1404/01/10

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("pay"),
            st.integers(0, 1),
            st.sampled_from([0, 0, 350_000, 1_000_000]),
            st.sampled_from(["pay", "fail", "cancel", "counter"]),
        ),
        st.tuples(st.just("free"), st.integers(0, 1)),
        st.tuples(
            st.just("refund"),
            st.integers(0, 40),
            st.sampled_from(["office_fee", "court_fee"]),
            st.integers(1, 1_200_000),
        ),
        st.tuples(st.just("uncharge"), st.integers(0, 40)),
        st.tuples(st.just("later"), st.integers(1, 12)),
        st.tuples(st.just("settle")),
    ),
    min_size=1,
    max_size=18,
)


def _check_invariants() -> None:
    report = ledger_verify()
    assert report.ok, report.problems
    captured = Payment.objects.filter(status=PaymentStatus.CAPTURED).aggregate(
        amount=Sum("amount"), court=Sum("court_fee")
    )
    refunded = Refund.objects.aggregate(total=Sum("amount"))["total"] or 0
    court_refunded = Refund.objects.filter(part="court_fee").aggregate(total=Sum("amount"))["total"] or 0
    accounts = system_accounts(AccountPurpose.CLEARING, AccountPurpose.COURT_FEES)
    found = balances(accounts=accounts.values())
    assert found.get(accounts[AccountPurpose.CLEARING].pk, 0) == (captured["amount"] or 0) - refunded
    assert found.get(accounts[AccountPurpose.COURT_FEES].pk, 0) == (captured["court"] or 0) - court_refunded
    for payment in Payment.objects.all():
        assert 0 <= payment.office_fee_refunded <= payment.office_fee
        assert 0 <= payment.court_fee_refunded <= payment.court_fee


def _settle_ended_months(now: datetime) -> None:
    year, month = jalali_year_month(now)
    for _step in range(3):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        if jalali_month_bounds_utc(year, month)[1] <= now and (year, month) >= (1404, 1):
            run = services.settlement_run(year=year, month=month, actor=None)
            before = Transaction.objects.count()
            assert services.settlement_run(year=year, month=month, actor=None).pk == run.pk
            assert Transaction.objects.count() == before


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_random_money_keeps_the_ledger_balanced_and_refunds_within_what_was_paid(
    personas, policy, quote, ops
):
    offices = [personas.office_a, personas.office_b]
    clerks = [personas.clerk_a, personas.clerk_b]
    payments: list[Payment] = []
    with transaction.atomic(), time_machine.travel(START, tick=False) as traveller:
        now = START
        for n, op in enumerate(ops):
            kind = op[0]
            if kind == "pay":
                _kind, i, court_fee, how = op
                payment = services.payment_create(
                    office=offices[i],
                    payer=personas.citizen,
                    quote=quote(court_fee=court_fee),
                    reference_type="prop",
                    reference_id=str(n),
                )
                if how == "counter":
                    payment = services.payment_record_at_counter(payment=payment, actor=clerks[i])
                else:
                    payload, signature = gateway_callback(payment, how)
                    payment = services.payment_handle_callback(payload=payload, signature=signature)
                    # A duplicate delivery of the same callback is harmless.
                    services.payment_handle_callback(payload=payload, signature=signature)
                payments.append(payment)
            elif kind == "free":
                free_grant(
                    office=offices[op[1]], actor=clerks[op[1]], reference_type="prop", reference_id=str(n)
                )
                payments.append(
                    services.payment_create(
                        office=offices[op[1]],
                        payer=personas.citizen,
                        quote=quote(free_service=True),
                        reference_type="prop",
                        reference_id=str(n),
                        actor=clerks[op[1]],
                    )
                )
            elif kind == "refund" and payments:
                payment = payments[op[1] % len(payments)]
                payment.refresh_from_db()
                remaining = payment.refundable[op[2]]
                try:
                    services.refund_create(
                        payment=payment, amount=op[3], part=op[2], reason="prop", actor=None
                    )
                except DomainError as exc:
                    assert payment.status != PaymentStatus.CAPTURED or op[3] > remaining, exc.code
                else:
                    assert payment.status == PaymentStatus.CAPTURED and op[3] <= remaining
            elif kind == "uncharge" and payments:
                payment = payments[op[1] % len(payments)]
                with contextlib.suppress(DomainError):
                    services.payment_subsidy_cancel(payment=payment, reason="not delivered", actor=None)
            elif kind == "later":
                now = now + timedelta(days=op[1])
                traveller.move_to(now)
            elif kind == "settle":
                _settle_ended_months(now)
            _check_invariants()
        assert SettlementRun.objects.filter(status="running").count() == 0
        transaction.set_rollback(True)
