"""In Persian, in Debian's Chromium: the debtor files an asset list on a phone, a clerk runs the
auction to the end, and the creditor sees the payment on their file."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tanzim.common.formatting import money
from tanzim.common.jalali import tehran_date
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

    # --- seized and valued; the auction is bidding and ends in a moment
    services.asset_seize(asset=asset, actor=officer)
    services.asset_value(asset=asset, actor=officer, value=350_000_000, valuer="کارشناس رسمی")
    Asset.objects.filter(pk=asset.pk).update(objection_due=tehran_date(timezone.now()) - timedelta(days=1))
    now = timezone.now()
    services.auction_create(
        asset=asset, actor=officer, starts_at=now + timedelta(days=11), ends_at=now + timedelta(days=12)
    )
    auction = Auction.objects.get(asset=asset)
    # bidding time is compressed for the test: it opened an hour ago and ends in a few seconds
    Auction.objects.filter(pk=auction.pk).update(
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(seconds=4),
        scheduled_end=now + timedelta(seconds=4),
    )
    buyer = CitizenFactory.create()
    services.registration_create(auction=auction, actor=buyer)
    services.bid_place(auction=auction, actor=buyer, amount=360_000_000)
    auction.refresh_from_db()
    time.sleep(max(0.0, (auction.ends_at - timezone.now()).total_seconds()) + 0.5)

    # --- the clerk closes the bidding, records the balance and pays the creditor out
    clerk = new_page(personas.clerk_a)
    clerk.goto(f"/enforcement/auctions/{auction.pk}/")
    expect_persian_page(clerk)
    clerk.locator("#close-auction").click()
    expect(clerk.locator("#auction-status")).to_have_attribute("data-status", AuctionStatus.AWARDED)
    Auction.objects.filter(pk=auction.pk).update(
        complaints_until=tehran_date(timezone.now()) - timedelta(days=1)
    )
    clerk.reload()
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
