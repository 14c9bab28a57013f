"""The guarantee paid online through finance: held money, the step completed once; the bank letter
stays as the alternative."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanzim.common.errors import ConflictError, PermissionDeniedError
from tanzim.finance import services as finance
from tanzim.finance.choices import AccountPurpose, PaymentStatus
from tanzim.finance.ledger import ledger_verify
from tanzim.finance.models import Entry, Payment
from tanzim.membership.choices import Step
from tanzim.membership.models import ApplicationEvent
from tanzim.membership.services import guarantee_paid, guarantee_payment_open, step_approve, step_submit
from tanzim.membership.services.guarantee import GUARANTEE_RIALS
from tanzim.testing.finance import gateway_callback
from tanzim.testing.membership import advance, applicant

pytestmark = pytest.mark.django_db


def held_guarantees() -> int:
    rows = Entry.objects.filter(account__purpose=AccountPurpose.GUARANTEES_HELD)
    return sum(c - d for d, c in rows.values_list("debit", "credit"))


@pytest.fixture
def at_guarantee(personas):
    return advance(applicant(), Step.GUARANTEE, kanoon=personas.kanoon_admin, inspector=personas.inspector)


def test_paid_online_the_deposit_is_held_and_the_step_completed_once(
    personas, at_guarantee, django_capture_on_commit_callbacks
):
    application = at_guarantee
    payment = guarantee_payment_open(application=application, actor=application.user)
    assert payment.credit_purpose == AccountPurpose.GUARANTEES_HELD
    assert payment.amount == GUARANTEE_RIALS
    assert (payment.reference_type, payment.reference_id) == ("membership.application", str(application.pk))
    # opening it again (a second click) gives the same payment, not a second one
    assert guarantee_payment_open(application=application, actor=application.user).pk == payment.pk
    payload, signature = gateway_callback(payment)
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_handle_callback(payload=payload, signature=signature)
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_handle_callback(payload=payload, signature=signature)  # the bank calls back again
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    guarantee_paid(payment=payment)  # the signal heard twice
    application.refresh_from_db()
    assert application.status == Step.LICENCE
    assert application.guarantee_payment_id == payment.pk
    assert application.guarantee_amount == GUARANTEE_RIALS
    moves = ApplicationEvent.objects.filter(application=application, to_status=Step.LICENCE)
    assert moves.count() == 1 and moves.get().actor is None
    assert held_guarantees() == GUARANTEE_RIALS
    assert ledger_verify().problems == []


def test_the_bank_letter_remains_the_alternative_and_then_no_online_payment(personas, at_guarantee):
    application = at_guarantee
    step_submit(
        application=application,
        actor=application.user,
        data={"guarantee_reference": "BG-77", "guarantee_amount": 600_000_000},
    )
    with pytest.raises(ConflictError) as refused:
        guarantee_payment_open(application=application, actor=application.user)
    assert refused.value.code == "guarantee_given"
    moved = step_approve(application=application, actor=personas.kanoon_admin, expected_status=Step.GUARANTEE)
    assert moved.status == Step.LICENCE and moved.guarantee_reference == "BG-77"
    assert not Payment.objects.filter(reference_type="membership.application").exists()


def test_only_the_applicant_at_the_guarantee_step_pays(personas, at_guarantee):
    with pytest.raises(PermissionDeniedError):
        guarantee_payment_open(application=at_guarantee, actor=personas.kanoon_admin)
    early = applicant()
    with pytest.raises(ConflictError):
        guarantee_payment_open(application=early, actor=early.user)


def test_a_deposit_captured_after_the_letter_was_approved_moves_nothing(
    personas, at_guarantee, django_capture_on_commit_callbacks
):
    application = at_guarantee
    payment = guarantee_payment_open(application=application, actor=application.user)
    step_submit(
        application=application,
        actor=application.user,
        data={"guarantee_reference": "BG-78", "guarantee_amount": 600_000_000},
    )
    step_approve(application=application, actor=personas.kanoon_admin)
    payload, signature = gateway_callback(payment)
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_handle_callback(payload=payload, signature=signature)
    application.refresh_from_db()
    assert application.status == Step.LICENCE and application.guarantee_payment_id is None
    assert ApplicationEvent.objects.filter(application=application, to_status=Step.LICENCE).count() == 1


def test_the_page_sends_the_applicant_to_the_bank(client, personas, at_guarantee):
    client.force_login(at_guarantee.user)
    page = client.get(reverse("membership:home"))
    assert b'id="pay-guarantee"' in page.content
    response = client.post(reverse("membership:home"), {"action": "pay_guarantee"})
    assert response.status_code == 302
    payment = Payment.objects.get(reference_type="membership.application")
    assert payment.status == PaymentStatus.PENDING and payment.gateway_token
