"""Filing a request oneself from abroad is a binding act: it waits for an office's identity check."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanzim.accounts import identity
from tanzim.accounts.choices import IdentityMethod
from tanzim.cases import services
from tanzim.cases.choices import CaseStatus
from tanzim.catalog.models import Service
from tanzim.testing.cases import make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def abroad_draft(personas):
    citizen = personas.citizen
    citizen.resident_abroad = True
    citizen.save(update_fields=["resident_abroad"])
    return make_draft(personas, Service.objects.get(code="civil_petition"))


def test_a_citizen_abroad_files_only_once_an_office_checked_who_they_are(personas, abroad_draft):
    with pytest.raises(identity.IdentityRequiredError):
        services.case_submit(case=abroad_draft, actor=personas.citizen)
    abroad_draft.refresh_from_db()
    assert abroad_draft.status == CaseStatus.DRAFT  # nothing moved, nothing lost
    check = identity.identity_submit(
        user=personas.citizen,
        office_id=personas.office_a.pk,
        method=IdentityMethod.CONSULAR,
        reference="C-77",
    )
    identity.identity_review(actor=personas.clerk_a, check_id=check.pk, approve=True)
    assert services.case_submit(case=abroad_draft, actor=personas.citizen).status == CaseStatus.SUBMITTED


def test_the_office_filing_for_a_person_in_front_of_it_is_not_held_back(personas, abroad_draft):
    assert services.case_submit(case=abroad_draft, actor=personas.clerk_a).status == CaseStatus.SUBMITTED


def test_the_draft_page_says_where_to_prove_ones_identity(client, personas, abroad_draft):
    client.force_login(personas.citizen)
    response = client.post(reverse("cases:submit", args=[abroad_draft.pk]), {"expected_status": "draft"})
    assert response.status_code == 400
    assert reverse("web:identity") in response.content.decode()
    abroad_draft.refresh_from_db()
    assert abroad_draft.status == CaseStatus.DRAFT
