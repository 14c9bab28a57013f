"""Issue 15 (10): the run page of a ranking writes its random seed and policy version in the
page's digits (the seed leaked Latin digits into the Persian page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanzim.common.normalize import to_persian_digits
from tanzim.ranking.tests.helpers import approved_run

pytestmark = pytest.mark.django_db


def test_the_seed_and_the_version_are_in_persian_digits_on_a_persian_page(client, surveyed):
    run = approved_run(surveyed)
    client.force_login(surveyed.kanoon_admin)
    persian = client.get(reverse("ranking:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="fa").text
    assert to_persian_digits(str(run.seed)) in persian
    assert (
        f"random seed {run.seed}"
        in client.get(reverse("ranking:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en").text
    )
