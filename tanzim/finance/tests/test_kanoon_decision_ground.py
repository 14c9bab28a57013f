"""The Kanoon-decision ground: the decision's number, its date and a copy are its evidence."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from tanzim.common.errors import DomainError
from tanzim.finance.choices import FreeServiceGround
from tanzim.finance.services.free import free_service_grant, ground_label
from tanzim.testing.files import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _grant(personas, **kw):
    kw.setdefault("evidence_number", "1405/217")
    kw.setdefault("decision_date", date(2026, 11, 11))
    kw.setdefault("confirmation_document", upload("decision.pdf", pdf_bytes()))
    return free_service_grant(
        office=personas.office_a,
        ground=FreeServiceGround.KANOON_DECISION,
        reference_type="test.decision",
        reference_id=kw.pop("ref", "1"),
        actor=personas.clerk_a,
        **kw,
    )


def test_a_grant_on_a_kanoon_decision_keeps_its_number_date_and_copy(personas):
    grant = _grant(personas, evidence_number="۱۴۰۵/۲۱۷")
    assert grant.ground == FreeServiceGround.KANOON_DECISION
    assert grant.mission is None
    assert grant.evidence_number == "1405/217 1405/08/20"  # 11 Nov 2026 is 20 Aban 1405
    assert grant.document_sha256
    assert ground_label(grant).endswith("1405/217 1405/08/20")


def test_a_kanoon_decision_without_its_evidence_is_refused_field_by_field(personas):
    with pytest.raises(DomainError) as err:
        _grant(personas, evidence_number="", decision_date=None, confirmation_document=None)
    assert set(err.value.fields) == {"evidence_number", "decision_date", "confirmation_document"}
    with pytest.raises(DomainError) as err:
        _grant(personas, evidence_number="abc-12345678")
    assert set(err.value.fields) == {"evidence_number"}


def test_a_decision_dated_after_the_service_is_refused(personas):
    future = date.today() + timedelta(days=30)
    with pytest.raises(DomainError) as err:
        _grant(personas, decision_date=future)
    assert set(err.value.fields) == {"decision_date"}


def test_the_api_takes_the_decisions_date(client, personas):
    client.force_login(personas.clerk_a)
    fields = {
        "office": personas.office_a.code,
        "ground": "kanoon_decision",
        "evidence_number": "1405/217",
        "confirmation_document": upload("decision.pdf", pdf_bytes()),
        "reference_id": "walk-in-9",
    }
    refused = client.post(reverse("api:free-service-grant"), fields)
    assert refused.status_code == 400 and "decision_date" in refused.json()["fields"]
    fields["confirmation_document"] = upload("decision.pdf", pdf_bytes())
    made = client.post(reverse("api:free-service-grant"), fields | {"decision_date": "2026-11-11"})
    assert made.status_code == 201, made.content
    assert made.json()["evidence_number"] == "1405/217 1405/08/20"
