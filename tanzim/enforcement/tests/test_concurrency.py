"""PostgreSQL: 30 bids in the last second of an auction, from 30 threads with real row locks."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tanzim.common.errors import DomainError
from tanzim.common.jalali import tehran_date
from tanzim.enforcement import services
from tanzim.enforcement.choices import AssetKind, AssetStatus, AuctionStatus, DepositStatus
from tanzim.enforcement.models import Asset, Auction, Bid, Registration
from tanzim.finance.choices import AccountPurpose
from tanzim.finance.ledger import ledger_verify
from tanzim.finance.models import Entry, Transaction
from tanzim.testing.enforcement import court_officer, pilot, served_file
from tanzim.testing.factories import CitizenFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 30
START_PRICE = 100_000_000


def race(n: int, work) -> tuple[list, list]:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_thirty_bids_in_the_last_second_give_one_winner_and_every_deposit_in_the_ledger(personas):
    officer = court_officer(personas.office_a.province)
    pilot(personas.office_a.province)
    file = served_file(personas, officer)
    car = Asset.objects.create(
        file=file,
        kind=AssetKind.VEHICLE,
        found_by="creditor",
        description="خودرو",
        status=AssetStatus.AT_AUCTION,
        value=START_PRICE,
        objection_due=tehran_date(timezone.now()) - timedelta(days=5),
    )
    now = timezone.now()
    auction = Auction.objects.create(
        file=file,
        asset=car,
        status=AuctionStatus.OPEN,
        starting_price=START_PRICE,
        deposit=START_PRICE // 10,
        announced_at=now - timedelta(days=11),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        scheduled_end=now + timedelta(hours=1),
        extension_minutes=5,
    )
    bidders = [CitizenFactory.create() for _ in range(N)]
    for bidder in bidders:
        services.registration_create(auction=auction, actor=bidder)
    # amounts in a scrambled order, all different: some bids arrive after a higher one and lose
    # the registrations are in; the auction now ends in two seconds (bidding time compressed)
    end = timezone.now() + timedelta(seconds=2)
    Auction.objects.filter(pk=auction.pk).update(ends_at=end, scheduled_end=end)
    auction.refresh_from_db()
    amounts = [START_PRICE + ((i * 7) % N + 1) * 1_000_000 for i in range(N)]
    wait = (auction.ends_at - timedelta(seconds=1) - timezone.now()).total_seconds()
    if wait > 0:
        time.sleep(wait)  # into the last second

    results, errors = race(
        N, lambda i: services.bid_place(auction=Auction(pk=auction.pk), actor=bidders[i], amount=amounts[i])
    )

    assert results, errors
    assert all(isinstance(e, DomainError) and e.code == "bid_not_highest" for e in errors), errors
    accepted = list(Bid.objects.filter(auction=auction).order_by("placed_at"))
    assert len(accepted) == len(results)
    # each accepted bid beat every bid accepted before it
    assert [b.amount for b in accepted] == sorted(b.amount for b in accepted)
    auction.refresh_from_db()
    assert auction.highest_amount == accepted[-1].amount
    # the first bid in the last minutes moved the end; each later one moved it again
    assert auction.ends_at == accepted[-1].placed_at + timedelta(minutes=5)

    closed = services.auction_close(auction=auction, actor=officer, now=auction.ends_at)
    assert closed.status == AuctionStatus.AWARDED
    winner = Registration.objects.get(pk=closed.winner_id)
    assert winner.bidder_id == accepted[-1].registration.bidder_id
    assert Registration.objects.filter(auction=auction, status=DepositStatus.HELD).count() == 1
    assert Registration.objects.filter(auction=auction, status=DepositStatus.REFUNDED).count() == N - 1
    # every deposit in, every loser's deposit back out: the held balance is the winner's deposit
    deposits = Entry.objects.filter(account__purpose=AccountPurpose.AUCTION_DEPOSITS)
    credit = sum(deposits.values_list("credit", flat=True))
    debit = sum(deposits.values_list("debit", flat=True))
    assert credit == N * auction.deposit and debit == (N - 1) * auction.deposit
    assert Transaction.objects.filter(dedupe_key__startswith="enforcement.deposit:").count() == N
    assert ledger_verify().problems == []
