"""Auction money through the gateway: deposits held in AUCTION_DEPOSITS when the bank confirms them,
losing bidders refunded through finance's refunds, the winner's balance paid online."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from tanzim.common.errors import ConflictError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN
from tanzim.enforcement import services
from tanzim.enforcement.choices import AssetKind, AuctionStatus, CollectionSource, DepositStatus
from tanzim.enforcement.models import Collection, Registration
from tanzim.enforcement.services import auction_pay
from tanzim.finance import services as finance
from tanzim.finance.choices import AccountPurpose
from tanzim.finance.ledger import ledger_verify
from tanzim.finance.models import Entry, Refund
from tanzim.testing.enforcement import court_officer, pilot, served_file
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.finance import gateway_callback

pytestmark = pytest.mark.django_db

START = datetime(2030, 5, 25, 10, 0, tzinfo=TEHRAN)


def balance(purpose: str) -> int:
    rows = Entry.objects.filter(account__purpose=purpose).values_list("debit", "credit")
    return sum(c - d for d, c in rows)


def pay(payment, capture, *, twice: bool = False) -> None:
    payload, signature = gateway_callback(payment)
    for _ in range(2 if twice else 1):
        with capture(execute=True):
            finance.payment_handle_callback(payload=payload, signature=signature)


@pytest.fixture
def auction(personas):
    officer = court_officer(personas.office_a.province)
    pilot(personas.office_a.province)
    with time_machine.travel(START, tick=False):
        file = served_file(personas, officer, amount=500_000_000)
        car = services.asset_create(
            file=file,
            actor=personas.citizen,
            found_by="creditor",
            data={"kind": AssetKind.VEHICLE, "description": "پژو ۲۰۶"},
        )
        services.asset_seize(asset=car, actor=personas.clerk_a)
        services.asset_value(asset=car, actor=personas.clerk_a, value=400_000_000, valuer="کارشناس رسمی")
    opens = START + timedelta(days=20)
    with time_machine.travel(START + timedelta(days=10), tick=False):
        services.auction_create(
            asset=car, actor=personas.clerk_a, starts_at=opens, ends_at=opens + timedelta(hours=2)
        )
    return car.auctions.get()


def test_deposits_bids_refunds_and_the_balance_through_the_gateway(
    personas, auction, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    bidders = [CitizenFactory.create() for _ in range(3)]
    with time_machine.travel(START + timedelta(days=12), tick=False):
        for i, bidder in enumerate(bidders):
            payment = auction_pay.deposit_payment_open(auction=auction, actor=bidder)
            assert payment.amount == 40_000_000
            assert payment.credit_purpose == AccountPurpose.AUCTION_DEPOSITS
            pay(payment, capture, twice=i == 0)  # the first bidder's bank calls back twice
        with pytest.raises(ConflictError):
            auction_pay.deposit_payment_open(auction=auction, actor=bidders[0])
        with pytest.raises(PermissionDeniedError):
            auction_pay.deposit_payment_open(auction=auction, actor=personas.other_citizen)  # the debtor
    registrations = list(Registration.objects.filter(auction=auction).order_by("pk"))
    assert [r.bidder for r in registrations] == bidders  # one registration each, the replay made none
    assert all(r.payment_id and r.deposit_transaction_id == r.payment.transaction_id for r in registrations)
    assert balance(AccountPurpose.AUCTION_DEPOSITS) == 120_000_000

    opens = auction.starts_at
    services.bid_place(
        auction=auction, actor=bidders[0], amount=410_000_000, now=opens + timedelta(minutes=5)
    )
    services.bid_place(
        auction=auction, actor=bidders[1], amount=450_000_000, now=opens + timedelta(minutes=9)
    )
    with time_machine.travel(auction.ends_at + timedelta(minutes=1), tick=False), capture(execute=True):
        auction = services.auction_close(auction=auction, actor=personas.clerk_a)
    assert auction.status == AuctionStatus.AWARDED and auction.winner.bidder == bidders[1]
    losers = Registration.objects.filter(auction=auction).exclude(bidder=bidders[1])
    assert {r.status for r in losers} == {DepositStatus.REFUNDED}
    for loser in losers:  # the money goes back through finance, to the card it came from
        refund = Refund.objects.get(payment=loser.payment)
        assert refund.amount == 40_000_000 and refund.part == "office_fee"
    assert balance(AccountPurpose.AUCTION_DEPOSITS) == 40_000_000  # only the winner's deposit

    with time_machine.travel(auction.ends_at + timedelta(days=3), tick=False):
        with pytest.raises(PermissionDeniedError):
            auction_pay.balance_payment_open(auction=auction, actor=bidders[0])
        payment = auction_pay.balance_payment_open(auction=auction, actor=bidders[1])
        assert payment.amount == 410_000_000
        pay(payment, capture, twice=True)
        auction.refresh_from_db()
        assert auction.balance_payment_id == payment.pk
        assert balance(AccountPurpose.AUCTION_DEPOSITS) == 450_000_000
        with pytest.raises(ConflictError):  # it was paid: no second balance, no default
            auction_pay.balance_payment_open(auction=auction, actor=bidders[1])
    with time_machine.travel(auction.ends_at + timedelta(days=40), tick=False), pytest.raises(ConflictError):
        services.auction_default(auction=auction, actor=personas.clerk_a)
    with time_machine.travel(auction.ends_at + timedelta(days=10), tick=False):
        auction = services.balance_pay(auction=auction, actor=personas.clerk_a)
    assert auction.status == AuctionStatus.COMPLETED
    assert balance(AccountPurpose.AUCTION_DEPOSITS) == 0
    assert balance(AccountPurpose.ENFORCEMENT_HELD) == 450_000_000
    assert Collection.objects.filter(file=auction.file, source=CollectionSource.AUCTION).count() == 2
    assert ledger_verify().problems == []


def test_a_deposit_confirmed_after_registration_closed_is_refunded(
    personas, auction, django_capture_on_commit_callbacks
):
    bidder = CitizenFactory.create()
    with time_machine.travel(auction.ends_at - timedelta(minutes=2), tick=False):
        payment = auction_pay.deposit_payment_open(auction=auction, actor=bidder)
        payload, signature = gateway_callback(payment)  # paid at the bank; the answer is slow
    with time_machine.travel(auction.ends_at + timedelta(minutes=1), tick=False):
        services.auction_close(auction=auction, actor=personas.clerk_a)  # no bids: no buyer
        with django_capture_on_commit_callbacks(execute=True):
            finance.payment_handle_callback(payload=payload, signature=signature)
    assert not Registration.objects.filter(auction=auction).exists()
    assert Refund.objects.get(payment=payment).amount == payment.amount
    assert balance(AccountPurpose.AUCTION_DEPOSITS) == 0
    assert ledger_verify().problems == []


def test_the_register_button_sends_the_bidder_to_the_bank(client, auction):
    bidder = CitizenFactory.create()
    with time_machine.travel(START + timedelta(days=12), tick=False):
        client.force_login(bidder)
        answer = client.post(f"/enforcement/auctions/{auction.pk}/pay/deposit/")
        assert answer.status_code == 302 and "/finance/gateway/" in answer.url
        assert client.post(f"/enforcement/auctions/{auction.pk}/pay/other/").status_code == 404
