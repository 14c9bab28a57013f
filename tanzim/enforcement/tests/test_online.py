"""The debtor pays online: the payment is held for the creditors, the file collects it once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN
from tanzim.enforcement import services
from tanzim.enforcement.choices import CollectionSource
from tanzim.enforcement.models import Collection
from tanzim.finance import services as finance
from tanzim.finance.choices import AccountPurpose, PaymentStatus
from tanzim.finance.ledger import ledger_verify
from tanzim.finance.models import Entry, Payment
from tanzim.testing.enforcement import court_officer, request_file, served_file
from tanzim.testing.finance import gateway_callback

pytestmark = pytest.mark.django_db


def held_balance() -> int:
    rows = Entry.objects.filter(account__purpose=AccountPurpose.ENFORCEMENT_HELD).values_list(
        "debit", "credit"
    )
    return sum(c - d for d, c in rows)


@pytest.fixture
def officer(personas):
    return court_officer(personas.office_a.province)


def test_an_online_payment_is_collected_once_even_when_the_bank_calls_back_twice(
    personas, officer, django_capture_on_commit_callbacks
):
    file = served_file(personas, officer, amount=50_000_000)
    debtor = personas.other_citizen
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.debtor_payment_open(file=file, actor=debtor, amount=20_000_000)
    assert payment.credit_purpose == AccountPurpose.ENFORCEMENT_HELD
    assert (payment.reference_type, payment.reference_id) == ("enforcement.file", str(file.pk))
    payload, signature = gateway_callback(payment)
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_handle_callback(payload=payload, signature=signature)
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_handle_callback(payload=payload, signature=signature)  # replayed by the bank
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    # the signal heard again (a redelivery) changes nothing either
    services.payment_collected(payment=payment)

    collection = Collection.objects.get(file=file)
    assert collection.amount == 20_000_000
    assert collection.source == CollectionSource.DEBTOR_PAYMENT
    assert collection.transaction_id == payment.transaction_id
    assert collection.recorded_by == debtor
    assert held_balance() == 20_000_000  # credited by the capture only, not a second time
    assert ledger_verify().problems == []
    file.refresh_from_db()
    assert file.first_payment_at == collection.collected_at
    assert services.statement(file)["collected"] == 20_000_000
    assert services.still_owed(file) == 30_000_000


def test_only_the_debtor_pays_and_never_more_than_is_owed(personas, officer):
    file = served_file(personas, officer, amount=50_000_000)
    with pytest.raises(PermissionDeniedError):
        services.debtor_payment_open(file=file, actor=personas.citizen, amount=1_000_000)  # the creditor
    with pytest.raises(DomainError) as refused:
        services.debtor_payment_open(file=file, actor=personas.other_citizen, amount=50_000_001)
    assert refused.value.code == "more_than_owed"
    with pytest.raises(DomainError):
        services.debtor_payment_open(file=file, actor=personas.other_citizen, amount=0)
    assert not Payment.objects.filter(reference_type="enforcement.file").exists()


def test_no_online_payment_before_the_writ_is_served(personas, officer):
    file = request_file(
        actor=personas.clerk_a,
        office=personas.office_a,
        creditors=[{"name": "آلیس احمدی", "user": personas.citizen, "claim": 10_000_000}],
        debtor={"name": "باب بهرامی", "user": personas.other_citizen, "national_code": "0012345679"},
    )
    with pytest.raises(ConflictError):
        services.debtor_payment_open(file=file, actor=personas.other_citizen, amount=1_000_000)


def test_the_pay_button_sends_the_debtor_to_the_bank(client, personas, officer):
    file = served_file(personas, officer, amount=50_000_000)
    client.force_login(personas.other_citizen)
    page = client.get(f"/enforcement/files/{file.pk}/")
    assert b'id="pay-online"' in page.content
    answer = client.post(f"/enforcement/files/{file.pk}/pay/", {"pay-amount": "۱۰٬۰۰۰٬۰۰۰"})
    assert answer.status_code == 302
    assert "/finance/gateway/" in answer.url
    payment = Payment.objects.get(reference_type="enforcement.file", reference_id=str(file.pk))
    assert payment.amount == 10_000_000 and payment.payer == personas.other_citizen
    # too much: back to the file with the reason, nothing opened
    refused = client.post(f"/enforcement/files/{file.pk}/pay/", {"pay-amount": "90000000"}, follow=True)
    assert Payment.objects.filter(reference_type="enforcement.file").count() == 1
    assert refused.redirect_chain[-1][0] == f"/enforcement/files/{file.pk}/"


def test_someone_outside_the_file_gets_404(client, personas, officer):
    file = served_file(personas, officer, amount=50_000_000)
    client.force_login(personas.clerk_b)
    assert client.post(f"/enforcement/files/{file.pk}/pay/", {"pay-amount": "1000"}).status_code == 404
    client.force_login(personas.citizen)  # the creditor sees the file but has no pay form
    assert b'id="pay-online"' not in client.get(f"/enforcement/files/{file.pk}/").content


def test_after_the_ten_days_the_debtor_also_owes_the_fee(personas, officer):
    start = datetime(2030, 5, 25, 10, 0, tzinfo=TEHRAN)
    with time_machine.travel(start, tick=False):
        file = served_file(personas, officer, amount=100_000_000)
        assert services.still_owed(file) == 100_000_000  # inside the 10 days: no fee
    with time_machine.travel(start + timedelta(days=20), tick=False):
        assert services.still_owed(file) == 105_000_000  # 5% (CJEA 158)
        services.settlement_record(file=file, actor=personas.clerk_a)
        file.refresh_from_db()
        assert services.still_owed(file) == 102_500_000  # halved on settlement
