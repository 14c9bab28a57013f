"""Fixtures for ranking: a clock in Tir 1405, survey answers per office, a share policy."""

from __future__ import annotations

import pytest
import time_machine

from tanzim.finance.models import SharePolicy
from tanzim.testing.ranking import NOW, answer


@pytest.fixture(autouse=True)
def _in_tir_1405(request):
    """Service and page tests run in Tir 1405; browser tests keep the real clock (live server)."""
    if request.node.get_closest_marker("browser"):
        yield
        return
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def surveyed(personas):
    """Office A well liked by many, office B less liked by a few."""
    answer(personas.office_a, overall=5, n=40)
    answer(personas.office_a, overall=4, n=20)
    answer(personas.office_b, overall=3, n=6)
    return personas


@pytest.fixture
def share_policy(db):
    return SharePolicy.objects.create(
        valid_from_year=1405, valid_from_month=1, base_rate_bp=1000, tier_adjustments_bp={"A": -300, "D": 200}
    )
