"""The demo has files, assets and auctions in every state, and seeding twice adds nothing."""

from __future__ import annotations

import pytest

from tanzim.enforcement.choices import AssetStatus, AuctionStatus, FileStatus, TaskStatus
from tanzim.enforcement.demo import seed_enforcement
from tanzim.enforcement.models import Asset, Auction, EnforcementFile, Task
from tanzim.finance.ledger import ledger_verify

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_and_runs_twice(personas, client):
    offices = [personas.office_a, personas.office_b]
    seed_enforcement(offices=offices)
    assert set(EnforcementFile.objects.values_list("status", flat=True)) == set(FileStatus.values)
    assert set(Asset.objects.values_list("status", flat=True)) == set(AssetStatus.values)
    assert set(Auction.objects.values_list("status", flat=True)) >= {
        AuctionStatus.NOTICE,
        AuctionStatus.OPEN,
        AuctionStatus.AWARDED,
        AuctionStatus.NO_BUYER,
        AuctionStatus.COMPLETED,
    }
    assert Task.objects.filter(status=TaskStatus.AWAITING_APPROVAL).exists()
    count = EnforcementFile.objects.count()
    seed_enforcement(offices=offices)
    assert EnforcementFile.objects.count() == count
    assert ledger_verify().problems == []
    # every demo file opens for the court officer
    from tanzim.accounts.models import User

    client.force_login(User.objects.get(username="court.thr"))
    for pk in EnforcementFile.objects.values_list("pk", flat=True):
        assert client.get(f"/enforcement/files/{pk}/").status_code == 200
    for pk in Auction.objects.values_list("pk", flat=True):
        assert client.get(f"/enforcement/auctions/{pk}/").status_code == 200
    for url in (
        "/enforcement/",
        "/enforcement/approvals/",
        "/enforcement/metrics/",
        "/enforcement/auctions/",
    ):
        assert client.get(url).status_code == 200
