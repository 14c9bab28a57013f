"""In Persian, in Debian's Chromium: the debtor files an asset list on a phone, a clerk runs the
auction to the end, and the creditor sees the payment on their file."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from datetime import time as dtime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from tanzim.common.formatting import money
from tanzim.common.jalali import TEHRAN
from tanzim.enforcement import services
from tanzim.enforcement.choices import AssetStatus, AuctionStatus
from tanzim.enforcement.models import Asset, Auction, Collection
from tanzim.finance.ledger import ledger_verify
from tanzim.testing.axe import axe_violations, blocking, describe
from tanzim.testing.browser import PHONE, expect_persian_page, no_sideways_scroll
from tanzim.testing.enforcement import court_officer, pilot, served_file
from tanzim.testing.factories import CitizenFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_asset_list_auction_and_payment_in_persian(new_page, personas):
    officer = court_officer(personas.office_a.province)
    pilot(personas.office_a.province)
    file = served_file(personas, officer, amount=300_000_000)

    # --- the debtor files an asset list on a phone
    page = new_page(personas.other_citizen, PHONE)
    page.goto(f"/enforcement/files/{file.pk}/")
    expect_persian_page(page)
    no_sideways_scroll(page)
    form = page.locator("#form-asset-list")
    form.locator("select[name=kind]").select_option("vehicle")
    form.locator("input[name=description]").fill("خودروی سواری پژو")
    form.locator("input[name=estimated_value]").fill("۴۰۰٬۰۰۰٬۰۰۰")
    form.locator("button").click()
    expect(page.locator("#assets")).to_contain_text("خودروی سواری پژو")
    asset = Asset.objects.get(file=file)
    assert asset.found_by == "debtor" and asset.estimated_value == 400_000_000
    problems = blocking(axe_violations(page))
    assert not problems, describe(problems)

    # --- seized and valued. The clock moves (no dates edited in the database): past the 3 days for
    # objections, through the notice period and the bidding, past the week for complaints.
    services.asset_seize(asset=asset, actor=officer)
    services.asset_value(asset=asset, actor=officer, value=350_000_000, valuer="کارشناس رسمی")
    asset.refresh_from_db()
    after_objections = datetime.combine(asset.objection_due + timedelta(days=1), dtime(10), tzinfo=TEHRAN)
    buyer = CitizenFactory.create()
    with time_machine.travel(after_objections, tick=True):
        opens = timezone.now() + timedelta(days=11)
        services.auction_create(
            asset=asset, actor=officer, starts_at=opens, ends_at=opens + timedelta(hours=2)
        )
        auction = Auction.objects.get(asset=asset)
        services.registration_create(auction=auction, actor=buyer)
    with time_machine.travel(opens + timedelta(minutes=30), tick=True):
        services.bid_place(auction=auction, actor=buyer, amount=360_000_000)
    auction.refresh_from_db()

    # --- the clerk closes the bidding once it has ended
    with time_machine.travel(auction.ends_at + timedelta(minutes=1), tick=True):
        clerk = new_page(personas.clerk_a)
        clerk.goto(f"/enforcement/auctions/{auction.pk}/")
        expect_persian_page(clerk)
        clerk.locator("#close-auction").click()
        expect(clerk.locator("#auction-status")).to_have_attribute("data-status", AuctionStatus.AWARDED)
    auction.refresh_from_db()

    # --- a week later (no complaint): the balance is recorded and the creditor paid out
    after_complaints = datetime.combine(
        auction.complaints_until + timedelta(days=1), dtime(10), tzinfo=TEHRAN
    )
    with time_machine.travel(after_complaints, tick=True):
        clerk = new_page(personas.clerk_a)
        clerk.goto(f"/enforcement/auctions/{auction.pk}/")
        clerk.locator("#balance-paid").click()
        expect(clerk.locator("#auction-status")).to_have_attribute("data-status", AuctionStatus.COMPLETED)
        assert Asset.objects.get(pk=asset.pk).status == AssetStatus.SOLD
        clerk.goto(f"/enforcement/files/{file.pk}/")
        clerk.locator("#prepare-schedule").click()
        clerk.locator("[data-schedule] button[name=approve]").click()
        expect(clerk.locator("#file-status")).to_have_attribute("data-status", "closed")

    # --- the creditor sees the payment
    creditor = new_page(personas.citizen, PHONE)
    creditor.goto(f"/enforcement/files/{file.pk}/")
    expect_persian_page(creditor)
    paid = file.schedules.get().lines.get().amount
    assert paid > 0
    expect(creditor.locator("#paid")).to_have_text(money(paid, "fa"))
    no_sideways_scroll(creditor)


def test_the_debtor_pays_online_on_a_phone(new_page, personas):
    officer = court_officer(personas.office_a.province)
    file = served_file(personas, officer, amount=60_000_000)

    page = new_page(personas.other_citizen, PHONE)
    page.goto(f"/enforcement/files/{file.pk}/")
    expect_persian_page(page)
    expect(page.locator("#still-owed")).to_have_text(money(60_000_000, "fa"))
    problems = blocking(axe_violations(page))
    assert not problems, describe(problems)
    page.locator("#id_pay-amount").fill("۲۵٬۰۰۰٬۰۰۰")
    page.locator("#pay-online").click()
    expect(page).to_have_url(re.compile(r"/finance/gateway/"))
    no_sideways_scroll(page)
    page.locator("#gateway-pay").click()
    # the bank answers, Tanzim records the money on the file and brings the debtor back to it
    expect(page).to_have_url(re.compile(rf"/enforcement/files/{file.pk}/$"))
    expect(page.locator("#collected")).to_have_text(money(25_000_000, "fa"))
    expect(page.locator("#still-owed")).to_have_text(money(35_000_000, "fa"))
    no_sideways_scroll(page)
    collection = Collection.objects.get(file=file)
    assert collection.amount == 25_000_000 and collection.source == "debtor_payment"
    assert ledger_verify().problems == []
