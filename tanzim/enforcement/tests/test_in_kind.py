"""A creditor takes the property at its valuation after an auction found no buyer (CJEA 136): what
they are owed falls by the valuation, in the outstanding amount, the schedule and the statement."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from tanzim.common.errors import ConflictError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN
from tanzim.enforcement import services
from tanzim.enforcement.choices import AssetKind, AssetStatus, AuctionStatus, FileStatus, Outcome
from tanzim.enforcement.models import FileParty
from tanzim.finance.ledger import ledger_verify
from tanzim.testing.enforcement import court_officer, pilot, served_file

pytestmark = pytest.mark.django_db

START = datetime(2030, 5, 25, 10, 0, tzinfo=TEHRAN)


def unsold(personas, file, value: int, *, auction: bool = True):
    """A seized car valued at ``value`` whose auction (if any) ended with no buyer."""
    with time_machine.travel(START + timedelta(days=1), tick=False):
        car = services.asset_create(
            file=file,
            actor=personas.citizen,
            found_by="creditor",
            data={"kind": AssetKind.VEHICLE, "description": "پژو ۲۰۶"},
        )
        services.asset_seize(asset=car, actor=personas.clerk_a)
        services.asset_value(asset=car, actor=personas.clerk_a, value=value, valuer="کارشناس رسمی")
    if auction:
        opens = START + timedelta(days=20)
        with time_machine.travel(START + timedelta(days=8), tick=False):
            services.auction_create(
                asset=car, actor=personas.clerk_a, starts_at=opens, ends_at=opens + timedelta(hours=2)
            )
        with time_machine.travel(opens + timedelta(hours=3), tick=False):
            closed = services.auction_close(auction=car.auctions.get(), actor=personas.clerk_a)
            assert closed.status == AuctionStatus.NO_BUYER
    car.refresh_from_db()
    return car


@pytest.fixture
def file(personas):
    officer = court_officer(personas.office_a.province)
    pilot(personas.office_a.province)
    with time_machine.travel(START, tick=False):
        return served_file(personas, officer, amount=500_000_000)


def test_taking_the_car_reduces_the_claim_the_schedule_and_the_statement(personas, file):
    car = unsold(personas, file, 300_000_000)
    creditor = FileParty.objects.get(file=file, user=personas.citizen)
    with time_machine.travel(START + timedelta(days=22), tick=False):
        with pytest.raises(PermissionDeniedError):
            services.asset_take(asset=car, actor=personas.other_citizen)  # the debtor
        taken = services.asset_take(asset=car, actor=personas.citizen)
        assert taken.status == AssetStatus.TAKEN
        assert (taken.taken_by, taken.taken_amount) == (creditor, 300_000_000)
        file.refresh_from_db()
        statement = services.statement(file)
        assert statement["owed"] == {creditor.pk: 200_000_000}
        assert (statement["taken_total"], statement["outstanding"]) == (300_000_000, 200_000_000)
        # the debtor owes the rest, with the 5% fee on it now that the 10 days have passed
        assert services.still_owed(file) == 210_000_000
        services.collection_record(
            file=file, actor=personas.clerk_a, amount=210_000_000, source="debtor_payment"
        )
        schedule = services.schedule_prepare(file=file, actor=personas.clerk_a)
        assert schedule.fee == 10_000_000 and schedule.surplus == 0
        assert [(line.claim, line.amount) for line in schedule.lines.all()] == [(200_000_000, 200_000_000)]
        services.schedule_pay(schedule=schedule, actor=personas.clerk_a)
    file.refresh_from_db()
    assert file.status == FileStatus.CLOSED and file.outcome == Outcome.PAID_IN_FULL
    assert ledger_verify().problems == []


def test_the_car_is_taken_only_after_an_auction_without_buyer_and_never_above_the_claim(personas, file):
    early = unsold(personas, file, 100_000_000, auction=False)
    with time_machine.travel(START + timedelta(days=22), tick=False), pytest.raises(ConflictError) as refused:
        services.asset_take(asset=early, actor=personas.citizen)
    assert refused.value.code == "no_failed_auction"
    dear = unsold(personas, file, 600_000_000)
    with time_machine.travel(START + timedelta(days=22), tick=False), pytest.raises(ConflictError) as refused:
        services.asset_take(asset=dear, actor=personas.citizen)
    assert refused.value.code == "value_exceeds_claim"
    dear.refresh_from_db()
    assert dear.status == AssetStatus.VALUED and dear.taken_by is None


def test_taking_property_worth_the_whole_claim_closes_the_file(personas, file):
    car = unsold(personas, file, 500_000_000)
    with time_machine.travel(START + timedelta(days=22), tick=False):
        services.asset_take(asset=car, actor=personas.citizen)
    file.refresh_from_db()
    assert file.status == FileStatus.CLOSED and file.outcome == Outcome.PAID_IN_FULL


def test_the_take_button_for_the_creditor_only(client, personas, file):
    car = unsold(personas, file, 300_000_000)
    with time_machine.travel(START + timedelta(days=22), tick=False):
        client.force_login(personas.other_citizen)
        assert f'id="take-{car.pk}"'.encode() not in client.get(f"/enforcement/files/{file.pk}/").content
        client.force_login(personas.clerk_b)  # another office: the file does not exist for them
        assert client.post(f"/enforcement/files/{file.pk}/act/take/", {"asset": car.pk}).status_code == 404
        client.force_login(personas.citizen)
        page = client.get(f"/enforcement/files/{file.pk}/")
        assert f'id="take-{car.pk}"'.encode() in page.content
        client.post(f"/enforcement/files/{file.pk}/act/take/", {"asset": car.pk})
        page = client.get(f"/enforcement/files/{file.pk}/")
    car.refresh_from_db()
    assert car.status == AssetStatus.TAKEN
    assert b'id="taken"' in page.content and b'id="outstanding"' in page.content


def test_a_creditor_of_a_lower_class_cannot_take_it_while_a_higher_class_is_owed(personas, file):
    car = unsold(personas, file, 300_000_000)
    FileParty.objects.filter(file=file, user=personas.citizen).update(priority_class=3)
    bank = FileParty.objects.create(
        file=file, role="creditor", name="بانک", claim=100_000_000, priority_class=1
    )
    with time_machine.travel(START + timedelta(days=22), tick=False):
        with pytest.raises(ConflictError) as refused:
            services.asset_take(asset=car, actor=personas.citizen)
        assert refused.value.code == "higher_class_owed"
        car.refresh_from_db()
        assert car.status == AssetStatus.VALUED and car.taken_by is None
        # the first class takes it itself (named by the court officer): 300M for a 100M claim is refused
        with pytest.raises(ConflictError) as refused:
            services.asset_take(
                asset=car, actor=court_officer(personas.office_a.province, "officer.2"), party=bank
            )
        assert refused.value.code == "value_exceeds_claim"
