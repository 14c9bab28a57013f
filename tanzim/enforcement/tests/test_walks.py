"""Whole files walked end to end, with frozen time: the four journeys of the issue."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.enforcement import services
from tanzim.enforcement.choices import (
    AssetKind,
    AssetStatus,
    AuctionStatus,
    CollectionSource,
    DepositStatus,
    FileStatus,
    ObjectionStatus,
    Outcome,
    PartyRole,
    PlanStatus,
)
from tanzim.enforcement.models import Asset, FileParty, Registration
from tanzim.finance.choices import AccountPurpose
from tanzim.finance.ledger import ledger_verify
from tanzim.finance.models import Entry
from tanzim.testing.enforcement import court_officer, pilot, request_file, served_file
from tanzim.testing.factories import CitizenFactory

pytestmark = pytest.mark.django_db

START = datetime(2030, 5, 25, 10, 0, tzinfo=TEHRAN)  # a Saturday, after the personas' roles begin


def balance(purpose: str) -> int:
    rows = Entry.objects.filter(account__purpose=purpose).values_list("debit", "credit")
    return sum(c - d for d, c in rows)  # liabilities: credit-normal


@pytest.fixture
def officer(personas):
    return court_officer(personas.office_a.province)


def test_paid_within_ten_days_owes_no_fee(personas, officer):
    pilot(personas.office_a.province)
    with time_machine.travel(START, tick=False):
        file = served_file(personas, officer, amount=80_000_000)
        assert file.status == FileStatus.SERVED
        # 10 free days end on 4 June 2030, 14 Khordad: a holiday, as is 15 Khordad; the window
        # moves to the next working day.
        assert file.debtor_window_due == tehran_date(START) + timedelta(days=12)
    with time_machine.travel(START + timedelta(days=8), tick=False):
        services.collection_record(
            file=file, actor=personas.clerk_a, amount=80_000_000, source=CollectionSource.DEBTOR_PAYMENT
        )
        schedule = services.schedule_prepare(file=file, actor=personas.clerk_a)
        assert schedule.fee == 0 and schedule.surplus == 0
        services.schedule_pay(schedule=schedule, actor=personas.clerk_a)
    file.refresh_from_db()
    assert file.status == FileStatus.CLOSED and file.outcome == Outcome.PAID_IN_FULL
    assert file.first_payment_at is not None
    assert balance(AccountPurpose.ENFORCEMENT_HELD) == 0
    assert balance(AccountPurpose.ENFORCEMENT_FEES) == 0
    assert ledger_verify().problems == []


def test_settlement_halves_the_fee(personas, officer):
    pilot(personas.office_a.province)
    with time_machine.travel(START, tick=False):
        file = served_file(personas, officer, amount=100_000_000)
    with time_machine.travel(START + timedelta(days=20), tick=False):
        services.settlement_record(file=file, actor=personas.clerk_a)
        services.collection_record(
            file=file, actor=personas.clerk_a, amount=102_500_000, source=CollectionSource.DEBTOR_PAYMENT
        )
        schedule = services.schedule_prepare(file=file, actor=personas.clerk_a)
        assert (schedule.fee, schedule.fee_rate_bp) == (2_500_000, 250)
        assert list(schedule.lines.values_list("amount", flat=True)) == [100_000_000]
        services.schedule_pay(schedule=schedule, actor=officer)
    file.refresh_from_db()
    assert file.outcome == Outcome.SETTLED
    assert balance(AccountPurpose.ENFORCEMENT_FEES) == 2_500_000
    assert balance(AccountPurpose.ENFORCEMENT_HELD) == 0


def test_late_payment_without_settlement_owes_five_percent(personas, officer):
    pilot(personas.office_a.province)
    with time_machine.travel(START, tick=False):
        file = served_file(personas, officer, amount=100_000_000)
    with time_machine.travel(START + timedelta(days=20), tick=False):
        services.collection_record(
            file=file, actor=personas.clerk_a, amount=105_000_000, source=CollectionSource.DEBTOR_PAYMENT
        )
        schedule = services.schedule_prepare(file=file, actor=personas.clerk_a)
    assert (schedule.fee, schedule.surplus) == (5_000_000, 0)


def test_asset_list_insolvency_and_instalments(personas, officer):
    pilot(personas.office_a.province)
    with time_machine.travel(START, tick=False):
        file = served_file(personas, officer, amount=60_000_000)
    with time_machine.travel(START + timedelta(days=25), tick=False):
        file = services.asset_list_file(
            file=file,
            actor=personas.other_citizen,
            assets=[
                {"kind": AssetKind.MOVABLE, "description": "یخچال", "exempt_category": "furniture"},
                {
                    "kind": AssetKind.SALARY,
                    "description": "حقوق کارمندی",
                    "monthly_salary": 40_000_000,
                    "protected_benefits": 4_000_000,
                },
            ],
            insolvency=True,
        )
        assert file.insolvency_claimed_at is not None
        services.asset_list_check(file=file, actor=personas.clerk_a)
        file.refresh_from_db()
        assert file.status == FileStatus.ENFORCING
        plan = services.plan_propose(
            file=file,
            actor=personas.other_citizen,
            count=6,
            amount_each=10_000_000,
            first_due=tehran_date(timezone.now()) + timedelta(days=30),
        )
        services.plan_decide(plan=plan, actor=officer, grant=True)
        file.refresh_from_db()
        assert file.status == FileStatus.INSTALMENTS
    for month in range(1, 7):
        with time_machine.travel(START + timedelta(days=25 + 30 * month), tick=False):
            services.collection_record(
                file=file, actor=personas.clerk_a, amount=10_000_000, source=CollectionSource.INSTALMENT
            )
            if month in (3, 6):
                schedule = services.schedule_prepare(file=file, actor=personas.clerk_a)
                # paid after the 10 days: 5% of the 30 m comes first out of the money
                assert (schedule.collected, schedule.fee) == (30_000_000, 1_500_000)
                services.schedule_pay(schedule=schedule, actor=officer)
    file.refresh_from_db()
    # the fee took 5% of each instalment, so 3 m are still owed: the file stays open in instalments
    assert file.status == FileStatus.INSTALMENTS
    with time_machine.travel(START + timedelta(days=25 + 30 * 7), tick=False):
        services.collection_record(
            file=file, actor=personas.clerk_a, amount=3_150_000, source=CollectionSource.INSTALMENT
        )
        schedule = services.schedule_prepare(file=file, actor=personas.clerk_a)
        services.schedule_pay(schedule=schedule, actor=officer)
    file.refresh_from_db()
    assert file.status == FileStatus.CLOSED and file.outcome == Outcome.PAID_BY_INSTALMENTS
    assert file.plans.get().status == PlanStatus.COMPLETED
    assert ledger_verify().problems == []


def test_seizure_valuation_objection_auction_late_bid_and_two_creditors(personas, officer):
    pilot(personas.office_a.province)
    bank = CitizenFactory.create()
    with time_machine.travel(START, tick=False):
        file = request_file(
            actor=personas.clerk_a,
            office=personas.office_a,
            creditors=[
                {"name": "بانک", "user": bank, "claim": 300_000_000, "priority_class": 1},
                {"name": "آلیس", "user": personas.citizen, "claim": 200_000_000, "priority_class": 2},
            ],
            debtor={"name": "باب", "user": personas.other_citizen},
        )
        file = services.writ_issue(file=file, actor=officer, writ_number="W-9")
        services.service_record(file=file, actor=personas.clerk_a, served_on=tehran_date(START))
        file.refresh_from_db()
    with time_machine.travel(START + timedelta(days=5), tick=False):
        car = services.asset_create(
            file=file,
            actor=personas.citizen,
            found_by="creditor",
            data={"kind": AssetKind.VEHICLE, "description": "پژو ۲۰۶"},
        )
        services.asset_seize(asset=car, actor=personas.clerk_a)
        services.asset_value(asset=car, actor=personas.clerk_a, value=400_000_000, valuer="کارشناس رسمی")
        services.objection_file(asset=car, actor=personas.other_citizen, text="ارزیابی کم است")
        services.objection_decide(asset=car, actor=officer, uphold=True)
        services.asset_value(asset=car, actor=personas.clerk_a, value=450_000_000, valuer="هیئت سه نفره")
        car.refresh_from_db()
        assert (car.status, car.value, car.objection_status) == (
            AssetStatus.VALUED,
            450_000_000,
            ObjectionStatus.NONE,
        )
    opens = START + timedelta(days=20)
    closes = opens + timedelta(hours=2)
    # the valuation was served on Thursday: objections run to Monday, so no auction yet
    with time_machine.travel(START + timedelta(days=9), tick=False), pytest.raises(ConflictError):
        services.auction_create(asset=car, actor=personas.clerk_a, starts_at=opens, ends_at=closes)
    with time_machine.travel(START + timedelta(days=10), tick=False):
        services.auction_create(asset=car, actor=personas.clerk_a, starts_at=opens, ends_at=closes)
        auction = car.auctions.get()
        assert (auction.starting_price, auction.deposit) == (450_000_000, 45_000_000)
        bidders = [CitizenFactory.create() for _ in range(3)]
        for bidder in bidders:
            services.registration_create(auction=auction, actor=bidder)
    services.bid_place(
        auction=auction, actor=bidders[0], amount=460_000_000, now=opens + timedelta(minutes=10)
    )
    late = closes - timedelta(seconds=30)
    services.bid_place(auction=auction, actor=bidders[1], amount=480_000_000, now=late)
    auction.refresh_from_db()
    assert auction.ends_at == late + timedelta(minutes=5)
    # after the scheduled end but inside the extension: accepted, and it moves the end again
    services.bid_place(
        auction=auction, actor=bidders[2], amount=500_000_000, now=closes + timedelta(minutes=1)
    )
    auction.refresh_from_db()
    assert auction.ends_at == closes + timedelta(minutes=6)
    with pytest.raises(DomainError):  # too late now
        services.bid_place(
            auction=auction, actor=bidders[0], amount=510_000_000, now=closes + timedelta(minutes=6)
        )
    with time_machine.travel(auction.ends_at + timedelta(minutes=1), tick=False):
        auction = services.auction_close(auction=auction, actor=personas.clerk_a)
    assert auction.status == AuctionStatus.AWARDED and auction.winner.bidder == bidders[2]
    assert Registration.objects.filter(auction=auction, status=DepositStatus.REFUNDED).count() == 2
    with time_machine.travel(auction.ends_at + timedelta(days=10), tick=False):
        services.balance_pay(auction=auction, actor=personas.clerk_a)
        schedule = services.schedule_prepare(file=file, actor=personas.clerk_a)
        lines = {line.party.priority_class: line.amount for line in schedule.lines.select_related("party")}
        # 500 m collected after the 10 days: the fee is 5% of the 500 m owed and taken first;
        # class 1 is paid in full, class 2 gets what is left.
        assert schedule.fee == 25_000_000
        assert lines == {1: 300_000_000, 2: 175_000_000} and schedule.surplus == 0
        services.schedule_pay(schedule=schedule, actor=officer)
    file.refresh_from_db()
    assert file.status == FileStatus.ENFORCING  # 25 m still owed to the second creditor
    assert Asset.objects.get(pk=car.pk).status == AssetStatus.SOLD
    assert balance(AccountPurpose.AUCTION_DEPOSITS) == 0
    assert balance(AccountPurpose.ENFORCEMENT_HELD) == 0
    assert ledger_verify().problems == []
    assert FileParty.objects.filter(file=file, role=PartyRole.CREDITOR).count() == 2
