"""One case page, two readers (issue 15, Also): the citizen reads "you pay", the office reads
"the applicant pays" — the same template with a role-aware phrase."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanzim.cases.tests.page_helpers import awaiting_payment_case, in_review_case, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_settings")]


def _page(client, user, case) -> str:
    signed_in(client, user)
    return client.get(reverse("cases:detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="fa").content.decode()


def test_the_fee_total_is_worded_for_the_reader(client, personas, petition):
    case = awaiting_payment_case(personas, petition)
    citizen = _page(client, personas.citizen, case)
    clerk = _page(client, personas.clerk_a, case)
    assert "مبلغ قابل پرداخت شما" in citizen and "مبلغ قابل پرداخت متقاضی" not in citizen
    assert "مبلغ قابل پرداخت متقاضی" in clerk and "مبلغ قابل پرداخت شما" not in clerk


def test_the_review_note_tells_the_citizen_to_bring_papers_and_the_clerk_that_the_applicant_will(
    client, personas, petition
):
    case = in_review_case(personas, petition)
    citizen = _page(client, personas.citizen, case)
    clerk = _page(client, personas.clerk_a, case)
    assert "به دفتر بیاورید" in citizen
    assert "متقاضی کارت شناسایی" in clerk and "به دفتر بیاورید" not in clerk
