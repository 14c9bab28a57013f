from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.finance import services, signals
from tanzim.finance.choices import AccountPurpose, GatewayOutcome, PaymentMethod, PaymentStatus
from tanzim.finance.ledger import balances, office_accounts, system_accounts
from tanzim.finance.models import Payment, SimulatedGatewayTransaction, Transaction
from tanzim.notify.models import Message
from tanzim.offices.choices import OfficeStatus
from tanzim.testing.finance import free_grant, pay_online

pytestmark = pytest.mark.django_db


def _create(personas, quote_obj, **kwargs):
    values = {
        "office": personas.office_a,
        "payer": personas.citizen,
        "quote": quote_obj,
        "reference_type": "tests.thing",
        "reference_id": "1",
    }
    values.update(kwargs)
    return services.payment_create(**values)


def test_a_payment_freezes_the_amounts_of_the_quote(personas, quote):
    q = quote(court_fee=1_500_000, extra_pages=2)
    payment = _create(personas, q)
    assert payment.status == PaymentStatus.PENDING
    assert payment.office_fee == q.client_office_fee == 770_000 + 2 * 70_000
    assert payment.court_fee == 1_500_000
    assert payment.amount == q.client_total
    assert payment.subsidy == 0
    assert payment.quote["lines"][0]["code"] == "base"
    assert payment.expires_at - payment.created_at == timedelta(minutes=20)
    assert Transaction.objects.count() == 0
    assert AuditEvent.objects.filter(action="finance.payment.created", object_id=str(payment.pk)).exists()


def test_a_free_service_is_captured_at_once_and_the_kanoon_owes_the_subsidy(
    personas, quote, django_capture_on_commit_callbacks
):
    received = []

    def record(sender, payment, **kwargs):
        received.append(payment.pk)

    # Only this receiver: the cases' and disputes' own receivers must stay for the other tests.
    signals.payment_captured.connect(record)
    free_grant(
        office=personas.office_a, actor=personas.clerk_a, reference_type="tests.thing", reference_id="1"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            payment = _create(personas, quote(free_service=True), actor=personas.clerk_a)
    finally:
        signals.payment_captured.disconnect(record)
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.method == PaymentMethod.FREE
    assert payment.amount == 0 and payment.subsidy == 770_000
    assert payment.transaction is None and payment.subsidy_transaction is not None
    assert payment.gateway_token is None
    office = office_accounts(
        personas.office_a.pk, AccountPurpose.KANOON_RECEIVABLE, AccountPurpose.SUBSIDY_REVENUE
    )
    kanoon = system_accounts(AccountPurpose.SUBSIDY_EXPENSE, AccountPurpose.SUBSIDIES_PAYABLE)
    found = balances(accounts=[*office.values(), *kanoon.values()])
    assert found[office[AccountPurpose.KANOON_RECEIVABLE].pk] == 770_000
    assert found[kanoon[AccountPurpose.SUBSIDY_EXPENSE].pk] == 770_000
    assert received == [payment.pk]


def test_only_the_offices_staff_can_waive_the_fee(personas, quote):
    free_grant(
        office=personas.office_a, actor=personas.clerk_a, reference_type="tests.thing", reference_id="1"
    )
    with pytest.raises(PermissionDeniedError):
        _create(personas, quote(free_service=True), actor=personas.citizen)
    with pytest.raises(PermissionDeniedError):
        _create(personas, quote(free_service=True), actor=personas.clerk_b)
    assert (
        _create(personas, quote(free_service=True), actor=personas.clerk_a).status == PaymentStatus.CAPTURED
    )


@pytest.mark.parametrize(
    "change",
    [
        {"client_total": 1},
        {"client_office_fee": 900_000},
        {"subsidy": 5},
        {"court_fee": -1, "client_total": 769_999},
        {"client_office_fee": 770_000.0},
        {"free_service": True},
    ],
)
def test_it_refuses_a_quote_whose_amounts_do_not_add_up(personas, quote, change):
    tampered = dataclasses.replace(quote(), **change)
    with pytest.raises(DomainError):
        _create(personas, tampered)
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reference_type", ""),
        ("reference_id", " "),
        ("reference_id", "x" * 65),
        ("return_url", "https://evil.example/"),
    ],
)
def test_it_refuses_a_bad_reference_or_an_off_site_return_address(personas, quote, field, value):
    with pytest.raises(DomainError) as exc:
        _create(personas, quote(), **{field: value})
    assert field in exc.value.fields


def test_a_suspended_office_takes_no_payments(personas, quote):
    personas.office_a.status = OfficeStatus.SUSPENDED
    personas.office_a.save()
    with pytest.raises(DomainError) as exc:
        _create(personas, quote())
    assert exc.value.code == "office_inactive"


def test_the_same_idempotency_key_returns_the_same_payment(personas, quote):
    first = _create(personas, quote(), idempotency_key="key-12345678")
    again = _create(personas, quote(), idempotency_key="key-12345678")
    assert again.pk == first.pk
    assert Payment.objects.count() == 1


def test_the_same_key_after_a_failed_attempt_opens_a_new_attempt(personas, quote):
    first = _create(personas, quote(), idempotency_key="case-1-fee")
    pay_online(first, action="fail")
    second = _create(personas, quote(), idempotency_key="case-1-fee")
    assert second.pk != first.pk and second.status == PaymentStatus.PENDING
    paid = pay_online(second)
    assert _create(personas, quote(), idempotency_key="case-1-fee").pk == paid.pk
    first.refresh_from_db()
    assert first.status == PaymentStatus.FAILED and first.idempotency_key is None


def test_the_same_key_after_an_expired_attempt_opens_a_new_attempt(personas, quote):
    first = _create(personas, quote(), idempotency_key="case-2-fee")
    with time_machine.travel(timezone.now() + timedelta(minutes=21), tick=False):
        second = _create(personas, quote(), idempotency_key="case-2-fee")
    first.refresh_from_db()
    assert first.status == PaymentStatus.EXPIRED
    assert second.pk != first.pk and second.status == PaymentStatus.PENDING


def test_reusing_an_idempotency_key_for_another_request_is_a_conflict(personas, quote):
    _create(personas, quote(), idempotency_key="key-12345678")
    with pytest.raises(ConflictError) as exc:
        _create(personas, quote(extra_pages=1), idempotency_key="key-12345678", reference_id="2")
    assert exc.value.code == "idempotency_key_reused"


def test_a_double_click_returns_the_pending_payment(personas, quote):
    first = _create(personas, quote())
    second = _create(personas, quote())
    assert second.pk == first.pk


def test_a_second_payment_with_other_amounts_waits_for_the_first(personas, quote):
    _create(personas, quote())
    with pytest.raises(ConflictError) as exc:
        _create(personas, quote(extra_pages=3))
    assert exc.value.code == "payment_pending"


def test_an_overdue_pending_payment_gives_way_to_a_new_one(personas, quote):
    first = _create(personas, quote())
    services.payment_start(payment=first)
    with time_machine.travel(timezone.now() + timedelta(minutes=25), tick=False):
        second = _create(personas, quote(extra_pages=1))
    first.refresh_from_db()
    assert first.status == PaymentStatus.EXPIRED
    assert second.pk != first.pk and second.status == PaymentStatus.PENDING
    gateway_row = SimulatedGatewayTransaction.objects.get(token=first.gateway_token)
    assert gateway_row.status in (GatewayOutcome.TIMEOUT, GatewayOutcome.CANCELLED)


def test_starting_twice_sends_the_payer_to_the_same_bank_page(make_payment):
    payment = make_payment()
    first = services.payment_start(payment=payment)
    second = services.payment_start(payment=payment)
    assert first == second
    assert first.startswith("/finance/gateway/")
    assert SimulatedGatewayTransaction.objects.count() == 1


def test_an_expired_payment_cannot_be_started(make_payment):
    payment = make_payment()
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=21), tick=False),
        pytest.raises(ConflictError) as exc,
    ):
        services.payment_start(payment=payment)
    assert exc.value.code == "payment_expired"


def test_a_paid_payment_cannot_be_started_again(make_payment):
    payment = pay_online(make_payment())
    with pytest.raises(ConflictError):
        services.payment_start(payment=payment)


def test_a_capture_posts_clearing_office_fee_and_court_fee(make_payment, personas):
    payment = pay_online(make_payment(court_fee=2_000_000))
    assert payment.status == PaymentStatus.CAPTURED and payment.method == PaymentMethod.GATEWAY
    lines = {
        (e.account.purpose, e.debit, e.credit) for e in payment.transaction.entries.select_related("account")
    }
    assert lines == {
        (AccountPurpose.CLEARING, 2_770_000, 0),
        (AccountPurpose.FEE_REVENUE, 0, 770_000),
        (AccountPurpose.COURT_FEES, 0, 2_000_000),
    }
    assert payment.transaction.office_id == personas.office_a.pk
    assert len(payment.gateway_ref) == 12


def test_the_payer_gets_a_receipt_sms_in_their_language(make_payment, personas):
    personas.citizen.preferred_language = "en"
    personas.citizen.save()
    payment = pay_online(make_payment())
    message = Message.objects.get(template="finance.payment_captured")
    assert message.to == personas.citizen.mobile
    assert message.language == "en"
    assert "770,000" in message.body and payment.short_reference in message.body
    assert personas.citizen.national_code not in message.body


def test_a_clerk_of_the_office_records_a_counter_payment(make_payment, personas):
    payment = services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a, method="pos")
    assert payment.status == PaymentStatus.CAPTURED and payment.method == PaymentMethod.POS
    event = AuditEvent.objects.get(action="finance.payment.captured", object_id=str(payment.pk))
    assert event.actor_id == personas.clerk_a.pk and event.on_behalf_of_id == personas.citizen.pk


@pytest.mark.parametrize("who", ["clerk_b", "citizen", "province_admin_a"])
def test_no_one_else_records_a_counter_payment(make_payment, personas, who):
    payment = make_payment()
    with pytest.raises(PermissionDeniedError):
        services.payment_record_at_counter(payment=payment, actor=getattr(personas, who))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_counter_payment_needs_a_counter_method(make_payment, personas):
    with pytest.raises(DomainError):
        services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a, method="gateway")


def test_the_counter_does_not_take_money_twice_when_the_citizen_just_paid_online(make_payment, personas):
    payment = make_payment()
    url = services.payment_start(payment=payment)
    from tanzim.finance.gateways import simulated

    simulated.bank_decide(
        token=url.rstrip("/").split("/")[-1], action="pay"
    )  # the callback is still on its way
    payment = services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)
    assert payment.method == PaymentMethod.GATEWAY
    assert Transaction.objects.count() == 1


def test_recording_at_the_counter_closes_the_online_session(make_payment, personas):
    payment = make_payment()
    url = services.payment_start(payment=payment)
    services.payment_record_at_counter(payment=payment, actor=personas.clerk_a, method="cash")
    from tanzim.finance.gateways import simulated

    session, _payload, _sig = simulated.bank_decide(token=url.rstrip("/").split("/")[-1], action="pay")
    assert session.status == GatewayOutcome.CANCELLED


def test_the_payer_cancels_a_pending_payment_and_a_stranger_cannot(make_payment, personas):
    payment = make_payment()
    with pytest.raises(NotFoundError):
        services.payment_cancel(payment=payment, actor=personas.other_citizen)
    payment = services.payment_cancel(payment=payment, actor=personas.citizen)
    assert payment.status == PaymentStatus.CANCELLED
    with pytest.raises(ConflictError):
        services.payment_cancel(payment=payment, actor=personas.citizen)
