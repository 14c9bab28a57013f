"""Free services (note to art. 505 of the Civil Procedure Code): a ground, its evidence, a monthly cap,
and a receipt that keeps the normal price and shows the waiver."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from tanzim.accounts.models import RoleAssignment
from tanzim.audit.models import AuditEvent
from tanzim.cases import services
from tanzim.cases.choices import PartyRole
from tanzim.cases.models import Case
from tanzim.cases.receipt import receipt_html
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import JalaliMonth
from tanzim.finance import services as finance
from tanzim.finance.models import FreeServiceGrant, Payment
from tanzim.testing.cases import RESPONDENT_CODE
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.finance import IN_MEHR_1404

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(personas):
    """Roles valid since 1399, so the tests can travel to Mehr 1404."""
    RoleAssignment.objects.update(valid_from=datetime(2020, 3, 20, tzinfo=UTC))
    return personas


def _free_case(personas, service, **ground):
    return services.case_create(
        actor=personas.clerk_a,
        applicant=personas.citizen,
        service=service,
        channel="in_person",
        office=personas.office_a,
        title="مطالبه وجه",
        free_service=True,
        **ground,
    )


def _relief(**changes):
    ground = {
        "ground": "relief_committee",
        "evidence_number": "۱۲۳۴۵۶۷۸",
        "confirmation_document": upload("confirmation.pdf", pdf_bytes()),
    }
    ground.update(changes)
    return ground


def test_note_to_art_505_free_service_requires_a_ground(personas, petition):
    with pytest.raises(DomainError) as refused:
        _free_case(personas, petition)
    assert refused.value.code == "free_service_ground"
    assert "ground" in refused.value.fields
    assert not Case.objects.exists() and not FreeServiceGrant.objects.exists()


def test_a_relief_or_welfare_ground_requires_the_card_number_and_the_confirmation(personas, petition):
    with pytest.raises(DomainError) as refused:
        _free_case(personas, petition, ground="welfare_allowance")
    assert set(refused.value.fields) == {"evidence_number", "confirmation_document"}
    with pytest.raises(DomainError) as refused:
        _free_case(personas, petition, **_relief(evidence_number="12ab"))
    assert set(refused.value.fields) == {"evidence_number"}
    with pytest.raises(DomainError) as refused:
        _free_case(personas, petition, **_relief(confirmation_document=upload("card.pdf", b"not a pdf")))
    assert set(refused.value.fields) == {"confirmation_document"}
    assert not Case.objects.exists()


def test_a_grounded_free_service_is_recorded_with_its_evidence_and_audited_in_the_same_transaction(
    personas, petition
):
    case = _free_case(personas, petition, **_relief())
    grant = FreeServiceGrant.objects.get(reference_type="cases.case", reference_id=str(case.pk))
    assert (grant.ground, grant.evidence_number, grant.granted_by) == (
        "relief_committee",
        "12345678",
        personas.clerk_a,
    )
    assert grant.document_sha256 and grant.document_type == "application/pdf"
    assert case.free_service
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"cases.case.marked_free", "finance.free_service.granted"} <= actions


def test_only_the_offices_counter_staff_grant_a_free_service(personas, petition):
    with pytest.raises(Exception) as refused:
        services.case_create(
            actor=personas.clerk_b,
            applicant=personas.citizen,
            service=petition,
            channel="in_person",
            office=personas.office_a,
            title="x",
            free_service=True,
            **_relief(),
        )
    assert refused.value.__class__.__name__ == "PermissionDeniedError"
    assert not FreeServiceGrant.objects.exists()


def test_the_kanoons_monthly_cap_reached_is_refused_naming_the_cap_and_the_month(personas, petition):
    with time_machine.travel(IN_MEHR_1404, tick=False):
        finance.free_service_cap_set(
            office=personas.office_a,
            month=JalaliMonth(1404, 7),
            max_count=1,
            max_rials=None,
            actor=personas.kanoon_admin,
        )
        _free_case(personas, petition, **_relief())
        with translation.override("en"), pytest.raises(ConflictError) as refused:
            _free_case(personas, petition, **_relief())
    assert refused.value.code == "free_service_cap_reached"
    assert "1" in str(refused.value.message) and "Mehr 1404" in str(refused.value.message)
    assert Case.objects.count() == 1 and FreeServiceGrant.objects.count() == 1


def test_an_outreach_ground_needs_a_mission_the_kanoon_approved_for_this_office(personas, petition):
    with time_machine.travel(IN_MEHR_1404, tick=False):
        mission = finance.outreach_mission_create(
            name="اعزام به روستاهای مرزی",
            offices=[personas.office_a],
            starts_on=date(2025, 10, 1),
            ends_on=date(2025, 10, 15),
            actor=personas.kanoon_admin,
        )
        with pytest.raises(DomainError) as refused:
            _free_case(personas, petition, ground="outreach_mission", mission=mission.pk)
        assert set(refused.value.fields) == {"mission"}
        finance.outreach_mission_approve(mission=mission, actor=personas.kanoon_admin)
        case = _free_case(personas, petition, ground="outreach_mission", mission=mission.pk)
    grant = FreeServiceGrant.objects.get(reference_id=str(case.pk))
    assert grant.mission == mission and grant.evidence_number == ""


def test_the_receipt_shows_the_normal_price_the_waiver_the_ground_and_nothing_paid(personas, petition):
    case = _free_case(personas, petition, **_relief())
    services.party_add(
        case=case,
        actor=personas.clerk_a,
        role=PartyRole.RESPONDENT,
        kind="natural",
        name="بهرام بهرامی",
        national_code=RESPONDENT_CODE,
    )
    case = services.case_submit(case=case, actor=personas.clerk_a)
    case = services.case_start_review(case=case, actor=personas.clerk_a)
    case = services.case_act(
        case=case,
        actor=personas.clerk_a,
        action="verify",
        expected_status="in_review",
        identity_checked_in_person=True,
    )
    payment = Payment.objects.get(reference_type="cases.case", reference_id=str(case.pk))
    assert payment.amount == 0 and payment.subsidy == 770_000 and payment.status == "captured"
    html = receipt_html(case=case, payment=payment, language="en")
    assert "Normal price of the service" in html and "770,000" in html
    assert "Waived: free service" in html and "−770,000" in html
    assert "Client of the Imam Khomeini Relief Committee" in html
    assert "Paid by the client for the service</th><td>0 rials" in html


def test_the_walk_in_form_keeps_what_was_typed_and_shows_the_missing_ground_in_the_error_summary(
    client, personas, petition
):
    client.force_login(personas.clerk_a)
    response = client.post(
        reverse("cases:walk-in"),
        {
            "national_code": personas.citizen.national_code,
            "mobile": "09121234567",
            "service": "civil_petition",
            "office": str(personas.office_a.pk),
            "title": "مطالبه وجه",
            "free_service": "on",
            "ground": "relief_committee",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in html and 'href="#id_evidence_number"' in html
    assert 'href="#id_confirmation_document"' in html
    assert 'value="مطالبه وجه"' in html and 'value="relief_committee" selected' in html
    assert not Case.objects.exists()


def test_a_walk_in_free_on_a_kanoon_decision_takes_its_number_and_jalali_date(client, personas, petition):
    client.force_login(personas.clerk_a)
    fields = {
        "national_code": personas.citizen.national_code,
        "mobile": "09121234567",
        "service": "civil_petition",
        "office": str(personas.office_a.pk),
        "title": "مطالبه وجه",
        "free_service": "on",
        "ground": "kanoon_decision",
        "evidence_number": "۱۴۰۵/۲۱۷",
    }
    missing = client.post(reverse("cases:walk-in"), fields)
    assert missing.status_code == 400 and 'href="#id_decision_date"' in missing.content.decode()
    assert not Case.objects.exists()
    response = client.post(
        reverse("cases:walk-in"),
        fields
        | {"decision_date": "۱۴۰۵/۰۸/۲۰", "confirmation_document": upload("decision.pdf", pdf_bytes())},
    )
    assert response.status_code == 302
    grant = FreeServiceGrant.objects.get()
    assert (grant.ground, grant.evidence_number) == ("kanoon_decision", "1405/217 1405/08/20")
