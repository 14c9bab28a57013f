from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.finance import services
from tanzim.finance.choices import GatewayOutcome, PaymentStatus
from tanzim.finance.gateways import simulated
from tanzim.finance.gateways.base import sign
from tanzim.finance.models import Payment, SimulatedGatewayTransaction, Transaction
from tanzim.finance.services import payments as payment_services
from tanzim.testing.finance import gateway_callback, pay_online

pytestmark = pytest.mark.django_db


def _resigned(payload, **changes):
    changed = {**payload, **changes}
    return changed, sign(changed, settings.FINANCE_GATEWAY_SECRET)


def test_a_paid_callback_captures_the_payment_once(make_payment):
    payload, signature = gateway_callback(make_payment(court_fee=300_000))
    payment = services.payment_handle_callback(payload=payload, signature=signature)
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.gateway_ref == payload["gateway_ref"]
    assert Transaction.objects.filter(kind="payment").count() == 1


def test_a_replayed_callback_changes_nothing_and_is_logged(make_payment):
    payload, signature = gateway_callback(make_payment())
    first = services.payment_handle_callback(payload=payload, signature=signature)
    again = services.payment_handle_callback(payload=dict(payload), signature=signature)
    assert again.pk == first.pk and again.status == PaymentStatus.CAPTURED
    assert again.captured_at == first.captured_at
    assert Transaction.objects.count() == 1
    assert (
        AuditEvent.objects.filter(action="finance.payment.callback_replayed", object_id=str(first.pk)).count()
        == 1
    )


def test_a_forged_signature_is_refused_and_logged(make_payment):
    payment = make_payment()
    payload, _signature = gateway_callback(payment)
    with pytest.raises(DomainError) as exc:
        services.payment_handle_callback(payload=payload, signature="0" * 64)
    assert exc.value.code == "invalid_signature"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert AuditEvent.objects.filter(action="finance.payment.callback_refused").exists()


@pytest.mark.parametrize("signature", ["", None, "not-hex", "A" * 64])
def test_a_missing_or_malformed_signature_is_refused(make_payment, signature):
    payload, _signature = gateway_callback(make_payment())
    with pytest.raises(DomainError) as exc:
        services.payment_handle_callback(payload=payload, signature=signature)
    assert exc.value.code == "invalid_signature"


def test_a_changed_field_breaks_the_signature(make_payment):
    payload, signature = gateway_callback(make_payment(), action="fail")
    with pytest.raises(DomainError) as exc:
        services.payment_handle_callback(payload={**payload, "status": "paid"}, signature=signature)
    assert exc.value.code == "invalid_signature"


def test_a_signed_callback_with_the_wrong_amount_is_refused(make_payment):
    payment = make_payment()
    payload, _sig = gateway_callback(payment)
    payload, signature = _resigned(payload, amount=str(payment.amount - 1))
    with pytest.raises(DomainError) as exc:
        services.payment_handle_callback(payload=payload, signature=signature)
    assert exc.value.code == "amount_mismatch"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize("field", ["token", "merchant"])
def test_a_callback_about_another_session_is_refused(make_payment, field):
    payment = make_payment()
    payload, _sig = gateway_callback(payment)
    payload, signature = _resigned(payload, **{field: "someone-else"})
    with pytest.raises(DomainError) as exc:
        services.payment_handle_callback(payload=payload, signature=signature)
    assert exc.value.code == "reference_mismatch"


@pytest.mark.parametrize("reference", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_a_callback_for_an_unknown_payment_is_a_404(make_payment, reference):
    payload, _sig = gateway_callback(make_payment())
    payload, signature = _resigned(payload, reference=reference)
    with pytest.raises(NotFoundError):
        services.payment_handle_callback(payload=payload, signature=signature)


@pytest.mark.parametrize("amount", ["", "12.5", "-3", "abc"])
def test_a_callback_with_a_malformed_amount_is_refused(make_payment, amount):
    payload, _sig = gateway_callback(make_payment())
    payload, signature = _resigned(payload, amount=amount)
    with pytest.raises(DomainError):
        services.payment_handle_callback(payload=payload, signature=signature)


def test_a_callback_with_an_unknown_status_is_refused(make_payment):
    payload, _sig = gateway_callback(make_payment())
    payload, signature = _resigned(payload, status="maybe")
    with pytest.raises(DomainError) as exc:
        services.payment_handle_callback(payload=payload, signature=signature)
    assert exc.value.code == "invalid_callback"


@pytest.mark.parametrize(
    ("action", "status"), [("fail", PaymentStatus.FAILED), ("cancel", PaymentStatus.CANCELLED)]
)
def test_a_declined_or_cancelled_payment_is_closed_without_money(make_payment, action, status):
    payment = pay_online(make_payment(), action=action)
    assert payment.status == status
    assert Transaction.objects.count() == 0


def test_a_bank_page_left_open_times_out(make_payment):
    payment = make_payment()
    url = services.payment_start(payment=payment)
    token = url.rstrip("/").split("/")[-1]
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        session, payload, signature = simulated.bank_decide(token=token, action="pay")
        assert session.status == GatewayOutcome.TIMEOUT
        payment = services.payment_handle_callback(payload=payload, signature=signature)
    assert payment.status == PaymentStatus.EXPIRED
    assert Transaction.objects.count() == 0


def test_pressing_pay_twice_at_the_bank_gives_the_same_answer(make_payment):
    payment = make_payment()
    token = services.payment_start(payment=payment).rstrip("/").split("/")[-1]
    first = simulated.bank_decide(token=token, action="pay")
    second = simulated.bank_decide(token=token, action="fail")
    assert first[1] == second[1] and first[2] == second[2]


def test_a_late_paid_callback_for_a_closed_payment_is_refused_and_the_money_goes_back(make_payment):
    payment = make_payment()
    payload, signature = gateway_callback(payment)  # paid at the bank, callback delayed
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.EXPIRED)
    payment.refresh_from_db()
    with pytest.raises(ConflictError) as exc:
        services.payment_handle_callback(payload=payload, signature=signature)
    assert exc.value.code == "callback_late"
    assert (
        SimulatedGatewayTransaction.objects.get(token=payment.gateway_token).status == GatewayOutcome.REVERSED
    )
    assert Transaction.objects.count() == 0
    assert AuditEvent.objects.filter(action="finance.payment.callback_late").exists()


def test_a_late_failure_callback_after_capture_changes_nothing(make_payment, personas):
    payment = make_payment()
    payload, _sig = gateway_callback(payment, action="fail")  # the failure callback is delayed...
    payment.refresh_from_db()
    # ...and meanwhile the citizen paid at the counter.
    SimulatedGatewayTransaction.objects.filter(token=payment.gateway_token).update(
        status=GatewayOutcome.CANCELLED
    )
    services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)
    with pytest.raises(ConflictError):
        services.payment_handle_callback(
            payload=payload, signature=sign(payload, settings.FINANCE_GATEWAY_SECRET)
        )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED


def test_a_crash_between_the_banks_answer_and_our_commit_is_completed_by_reconciliation(
    make_payment, monkeypatch
):
    payment = make_payment(court_fee=100_000)
    payload, signature = gateway_callback(payment)  # the bank has taken the money

    def crash(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(payment_services, "ledger_post", crash)
    with pytest.raises(RuntimeError):
        services.payment_handle_callback(payload=payload, signature=signature)
    monkeypatch.undo()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert Transaction.objects.count() == 0

    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        report = services.payments_reconcile()
    assert report.captured == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.gateway_ref == payload["gateway_ref"]
    # The callback finally arrives: a replay, nothing changes.
    services.payment_handle_callback(payload=payload, signature=signature)
    assert Transaction.objects.filter(kind="payment").count() == 1


def test_the_next_callback_also_completes_a_crashed_one(make_payment, monkeypatch):
    payment = make_payment()
    payload, signature = gateway_callback(payment)
    crash = lambda **kw: (_ for _ in ()).throw(RuntimeError("crash"))  # noqa: E731
    monkeypatch.setattr(payment_services, "ledger_post", crash)
    with pytest.raises(RuntimeError):
        services.payment_handle_callback(payload=payload, signature=signature)
    monkeypatch.undo()
    assert (
        services.payment_handle_callback(payload=payload, signature=signature).status
        == PaymentStatus.CAPTURED
    )


def test_reconciliation_expires_stale_payments_and_closes_the_bank_session(make_payment):
    started = make_payment(reference_id="started")
    token = services.payment_start(payment=started).rstrip("/").split("/")[-1]
    never_started = make_payment(reference_id="never")
    fresh_time = timezone.now() + timedelta(minutes=21)
    with time_machine.travel(fresh_time, tick=False):
        call_command("payments_reconcile")
        session, payload, signature = simulated.bank_decide(token=token, action="pay")
    started.refresh_from_db()
    never_started.refresh_from_db()
    assert started.status == PaymentStatus.EXPIRED and never_started.status == PaymentStatus.EXPIRED
    assert session.status != GatewayOutcome.PAID  # too late to pay at the bank
    # The bank's closing callback arrives afterwards: it agrees, so it is a harmless replay.
    assert (
        services.payment_handle_callback(payload=payload, signature=signature).status == PaymentStatus.EXPIRED
    )
    assert Transaction.objects.count() == 0


def test_reconciliation_leaves_a_young_pending_payment_alone(make_payment):
    payment = make_payment()
    services.payment_start(payment=payment)
    report = services.payments_reconcile()
    assert report.checked == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_reconciliation_reports_a_gateway_amount_that_differs(make_payment):
    payment = make_payment()
    token = services.payment_start(payment=payment).rstrip("/").split("/")[-1]
    simulated.bank_decide(token=token, action="pay")
    SimulatedGatewayTransaction.objects.filter(token=token).update(amount=1)
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        report = services.payments_reconcile()
    assert report.mismatched == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_the_api_callback_needs_no_login_but_a_signature(client, make_payment):
    payment = make_payment()
    payload, signature = gateway_callback(payment)
    url = reverse("api:payment-callback")
    refused = client.post(url, payload, content_type="application/json", HTTP_X_GATEWAY_SIGNATURE="f" * 64)
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_signature"
    ok = client.post(url, payload, content_type="application/json", HTTP_X_GATEWAY_SIGNATURE=signature)
    assert ok.status_code == 200
    assert ok.json() == {"reference": str(payment.uuid), "status": "captured"}
    replay = client.post(url, {**payload, "signature": signature}, content_type="application/json")
    assert replay.status_code == 200
    assert set(replay.json()) == {"reference", "status"}  # nothing personal to an unauthenticated caller


def test_a_caller_sending_many_forged_callbacks_is_slowed_down(client, make_payment):
    payload, signature = gateway_callback(make_payment())
    url = reverse("api:payment-callback")
    for _ in range(30):
        response = client.post(
            url, payload, content_type="application/json", HTTP_X_GATEWAY_SIGNATURE="0" * 64
        )
        assert response.status_code == 400
    blocked = client.post(url, payload, content_type="application/json", HTTP_X_GATEWAY_SIGNATURE="1" * 64)
    assert blocked.status_code == 429 and blocked.json()["code"] == "rate_limited"
    assert AuditEvent.objects.filter(action="finance.payment.callback_refused").count() == 30
    # the bank's own, correctly signed callback from the same address is never limited
    genuine = client.post(url, payload, content_type="application/json", HTTP_X_GATEWAY_SIGNATURE=signature)
    assert genuine.status_code == 200 and genuine.json()["status"] == "captured"


def test_the_api_callback_for_a_mismatched_amount_answers_400(client, make_payment):
    payment = make_payment()
    payload, _sig = gateway_callback(payment)
    payload, signature = _resigned(payload, amount="5")
    response = client.post(
        reverse("api:payment-callback"),
        payload,
        content_type="application/json",
        HTTP_X_GATEWAY_SIGNATURE=signature,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "amount_mismatch"


def test_the_bank_sends_the_browser_back_to_the_payment_page(client, make_payment):
    payment = make_payment()
    payload, signature = gateway_callback(payment)
    response = client.post(reverse("finance:gateway-return"), {**payload, "signature": signature})
    assert response.status_code == 302
    assert response["Location"] == reverse("finance:payment", kwargs={"ref": payment.uuid})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED


def test_a_forged_browser_return_changes_nothing(client, make_payment):
    payment = make_payment()
    payload, _signature = gateway_callback(payment)
    response = client.post(reverse("finance:gateway-return"), {**payload, "signature": "bad"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_callback_from_sixteen_threads_captures_exactly_once(make_payment):
    payment = make_payment(court_fee=250_000)
    payload, signature = gateway_callback(payment)
    barrier = threading.Barrier(16)
    results, errors = [], []

    def deliver():
        try:
            barrier.wait()
            results.append(
                services.payment_handle_callback(payload=dict(payload), signature=signature).status
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [PaymentStatus.CAPTURED] * 16
    assert Transaction.objects.filter(kind="payment", reference_id=str(payment.uuid)).count() == 1
    assert (
        AuditEvent.objects.filter(action="finance.payment.captured", object_id=str(payment.pk)).count() == 1
    )
    assert (
        AuditEvent.objects.filter(
            action="finance.payment.callback_replayed", object_id=str(payment.pk)
        ).count()
        == 15
    )
