"""Money that is not a fee (a debtor's payment, a deposit, dues) held in its own account."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from tanzim.common.errors import DomainError
from tanzim.finance import selectors, services
from tanzim.finance.choices import AccountPurpose, PaymentStatus, TransactionKind
from tanzim.finance.ledger import Line, balances, ensure_accounts, ledger_post, ledger_verify
from tanzim.finance.models import Payment, Transaction
from tanzim.testing.finance import AFTER_MEHR_1404, IN_MEHR_1404, gateway_callback

pytestmark = pytest.mark.django_db


def _held(personas, **kwargs):
    values = {
        "office": personas.office_a,
        "payer": personas.citizen,
        "amount": 3_000_000,
        "credit_purpose": AccountPurpose.ENFORCEMENT_HELD,
        "service_code": "enforcement.payment",
        "reference_type": "enforcement.file",
        "reference_id": "42",
    } | kwargs
    return services.payment_create_held(**values)


def _balance(purpose):
    account = ensure_accounts({(None, purpose)})[(None, purpose)]
    return balances(accounts=[account]).get(account.pk, 0)


def test_a_held_payment_credits_its_account_not_the_office_fees(personas, policy):
    with time_machine.travel(IN_MEHR_1404, tick=False):
        payment = _held(personas)
        assert payment.is_held_money and payment.court_fee == 0 and payment.subsidy == 0
        assert _held(personas).pk == payment.pk  # a double click: the same pending payment
        services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)
    assert _balance(AccountPurpose.ENFORCEMENT_HELD) == 3_000_000
    assert ledger_verify().ok
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        s = selectors.office_statement(user=personas.clerk_a, office=personas.office_a, year=1404, month=7)
    assert (s.payments, s.collected, s.office_fees, s.revenue) == (0, 0, 0, 0)
    assert [(line.purpose, line.amount) for line in s.held] == [(AccountPurpose.ENFORCEMENT_HELD, 3_000_000)]


def test_held_money_paid_online_is_taken_once_whatever_the_bank_replays(client, personas):
    payment = _held(personas, credit_purpose=AccountPurpose.AUCTION_DEPOSITS, amount=750_000)
    payload, signature = gateway_callback(payment)
    first = services.payment_handle_callback(payload=payload, signature=signature)
    again = services.payment_handle_callback(payload=dict(payload), signature=signature)
    assert first.status == again.status == PaymentStatus.CAPTURED
    assert Transaction.objects.filter(kind="payment").count() == 1
    assert _balance(AccountPurpose.AUCTION_DEPOSITS) == 750_000
    client.force_login(personas.citizen)
    page = client.get(reverse("finance:payment", kwargs={"ref": payment.uuid})).content.decode()
    assert "کارمزد نیست" in page and "۷۵۰٬۰۰۰" in page


def test_a_refund_of_held_money_comes_out_of_the_account_that_held_it(personas, policy):
    with time_machine.travel(IN_MEHR_1404, tick=False):
        paid = services.payment_record_at_counter(payment=_held(personas), actor=personas.clerk_a)
        services.refund_create(
            payment=paid, amount=1_000_000, part="office_fee", reason="overpaid", actor=personas.clerk_a
        )
    assert _balance(AccountPurpose.ENFORCEMENT_HELD) == 2_000_000
    assert ledger_verify().ok


@pytest.mark.parametrize(
    "change",
    [
        {"credit_purpose": AccountPurpose.FEE_REVENUE},
        {"credit_purpose": AccountPurpose.COURT_FEES},
        {"amount": 0},
        {"amount": -5},
        {"amount": "1000"},
    ],
)
def test_it_refuses_an_account_that_cannot_take_payments_or_a_wrong_amount(personas, change):
    with pytest.raises(DomainError):
        _held(personas, **change)
    assert not Payment.objects.exists()


def test_the_office_statement_shows_its_other_lines(client, personas, policy):
    office = personas.office_a.pk
    accounts = ensure_accounts(
        {
            (office, AccountPurpose.MISSION_REVENUE),
            (office, AccountPurpose.KANOON_RECEIVABLE),
            (office, AccountPurpose.DUES_EXPENSE),
            (None, AccountPurpose.MISSION_EXPENSE),
            (None, AccountPurpose.DUES_REVENUE),
        }
    )
    with time_machine.travel(IN_MEHR_1404, tick=False):
        ledger_post(
            lines=[
                Line(accounts[(office, AccountPurpose.KANOON_RECEIVABLE)], debit=900_000),
                Line(accounts[(office, AccountPurpose.MISSION_REVENUE)], credit=900_000),
                Line(accounts[(None, AccountPurpose.MISSION_EXPENSE)], debit=900_000),
                Line(accounts[(office, AccountPurpose.KANOON_RECEIVABLE)], credit=900_000),
            ],
            kind=TransactionKind.REIMBURSEMENT,
            memo="mission",
            office=office,
        )
        ledger_post(
            lines=[
                Line(accounts[(office, AccountPurpose.DUES_EXPENSE)], debit=250_000),
                Line(accounts[(None, AccountPurpose.DUES_REVENUE)], credit=250_000),
            ],
            kind=TransactionKind.DUES,
            memo="dues",
            office=office,
        )
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        s = selectors.office_statement(user=personas.clerk_a, office=personas.office_a, year=1404, month=7)
    assert [(line.purpose, line.amount) for line in s.others] == [
        (AccountPurpose.MISSION_REVENUE, 900_000),
        (AccountPurpose.DUES_EXPENSE, -250_000),
    ]
    client.force_login(personas.clerk_a)
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        page = client.get(reverse("finance:statement", args=["A0001", 1404, 7])).content.decode()
    assert "۹۰۰٬۰۰۰" in page and "−۲۵۰٬۰۰۰" in page
