"""Issue 15: the public ranking says why a tier may not follow the rank (rank from the score,
tier from the likely rank)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanzim.ranking.tests.helpers import approved_run

pytestmark = pytest.mark.django_db


def test_the_public_ranking_explains_tiers_beside_ranks(client, surveyed):
    approved_run(surveyed)
    page = client.get(reverse("ranking:public"), HTTP_ACCEPT_LANGUAGE="en").text
    assert 'id="tier-explained"' in page and "the tier comes from the likely rank" in page
    persian = client.get(reverse("ranking:public"), HTTP_ACCEPT_LANGUAGE="fa").text
    assert "جایگاه محتمل" in persian


def test_the_province_lines_have_a_legend_and_readable_labels(client, surveyed):
    approved_run(surveyed)
    page = client.get(reverse("ranking:public"), HTTP_ACCEPT_LANGUAGE="en").text
    assert 'id="trend-legend"' in page and "All provinces (mean)" in page
    trend = page[page.find('id="trend"') :]
    assert 'font-size="14"' in trend and 'font-size="11"' not in trend[: trend.find("</svg>")]
