"""Settle first must not eat a citizen's rights (issue 12, defect 2).

Appeals and cassation requests are never diverted; a compoundable offence's one-year complaint
limit (art. 106 Islamic Penal Code) and a cheque's six-month limits (Cheque Law art. 11) keep
running during mediation, so a diversion that mediation could outrun is refused and the request
is filed first. Worked examples in Jalali dates; the clock is frozen (``time_machine``).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.urls import reverse

from tanzim.cases import services as cases
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import TEHRAN
from tanzim.disputes import services
from tanzim.disputes.choices import DisputeStatus, FilingLimit
from tanzim.disputes.models import Dispute
from tanzim.notify.models import Message
from tanzim.testing.cases import make_draft
from tanzim.testing.disputes import open_dispute

pytestmark = pytest.mark.django_db

# 1405/09/10 and 1405/09/01, 09:00 in Tehran (working days).
AZAR_10 = datetime(2026, 12, 1, 9, 0, tzinfo=TEHRAN)
AZAR_1 = datetime(2026, 11, 22, 9, 0, tzinfo=TEHRAN)
DEY_1_1404 = date(2025, 12, 22)  # 1404/10/01
ABAN_1_1405 = date(2026, 10, 23)  # 1405/08/01
TIR_1_1405 = date(2026, 6, 22)  # 1405/04/01


@pytest.fixture
def azar_10():
    # Requested before ``personas`` so that their roles start inside the travelled time.
    yield


@pytest.fixture
def azar_1():
    yield


def submitted_case(personas, service_code: str, *, proceeding: str = "first_instance"):
    case = make_draft(personas, Service.objects.get(code=service_code))
    cases.case_update(case=case, actor=personas.citizen, proceeding=proceeding, claim_amount=90_000_000)
    cases.case_submit(case=case, actor=personas.citizen)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("proceeding", ["appeal", "cassation"])
def test_art_336_appeal_is_never_diverted_to_mediation(azar_10, personas, client, proceeding):
    case = submitted_case(personas, "civil_petition", proceeding=proceeding)
    with pytest.raises(DomainError) as refused:
        services.dispute_open_from_case(case=case, actor=personas.clerk_a, category="money_claim")
    assert refused.value.code == "review_never_diverted"
    assert not Dispute.objects.exists()

    client.force_login(personas.clerk_a)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="try-settlement"' not in page and f'data-proceeding="{proceeding}"' in page
    page = client.get(reverse("disputes:from-case", args=[case.pk])).content.decode()
    assert 'id="review-never-diverted"' in page and 'id="from-case-form"' not in page
    response = client.post(reverse("disputes:from-case", args=[case.pk]), {"category": "money_claim"})
    assert response.status_code == 200 and not Dispute.objects.exists()


def test_a_first_instance_petition_offers_to_try_to_settle_first(azar_10, personas, client):
    case = submitted_case(personas, "civil_petition")
    client.force_login(personas.citizen)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("disputes:from-case", args=[case.pk]) in page


def test_art_106_complaint_learned_of_on_1404_10_01_is_not_diverted_on_1405_09_10_but_filed_first(
    azar_10, personas
):
    case = submitted_case(personas, "criminal_complaint")
    facts = {"offence_compoundable": True, "offence_grade": 6, "knowledge_date": DEY_1_1404}
    with pytest.raises(DomainError) as refused:
        services.dispute_open_from_case(case=case, actor=personas.clerk_a, category="criminal", **facts)
    # One year (12 × 30 days, art. 443) from the day after 1404/10/01: the last day is 1405/09/26;
    # three months of mediation and one extension would run far past it.
    assert refused.value.code == "settle_first_deadline"
    assert "۲۶ آذر ۱۴۰۵" in str(refused.value.message)
    assert not Dispute.objects.exists()

    dispute = services.dispute_open_from_case(
        case=case, actor=personas.clerk_a, category="criminal", file_first=True, **facts
    )
    assert dispute.file_first and dispute.filing_limit == FilingLimit.COMPOUNDABLE_COMPLAINT
    assert dispute.filing_deadline == date(2026, 12, 17)  # 1405/09/26
    dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    assert dispute.status == DisputeStatus.TRIAGED
    # Art. 82 mediation runs after filing: the respondent is not invited before it.
    with pytest.raises(ConflictError) as waiting:
        services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    assert waiting.value.code == "file_first"
    sms = Message.objects.filter(to=personas.citizen.mobile).latest("pk").body
    assert "۲۶ آذر ۱۴۰۵" in sms and "پس از ثبت" in sms


def test_art_106_complaint_learned_of_on_1405_08_01_is_diverted_and_the_page_and_sms_state_the_deadline(
    azar_10, personas, client
):
    case = submitted_case(personas, "criminal_complaint")
    dispute = services.dispute_open_from_case(
        case=case,
        actor=personas.clerk_a,
        category="criminal",
        offence_compoundable=True,
        offence_grade=6,
        knowledge_date=ABAN_1_1405,
    )
    # Last day 1406/07/26 (2027-10-18); settle by 15 days before it (the margin setting).
    assert not dispute.file_first and dispute.filing_deadline == date(2027, 10, 18)
    assert dispute.settle_by == date(2027, 10, 3)  # 1406/07/11
    sms = Message.objects.filter(to=personas.citizen.mobile).latest("pk").body
    assert "۲۶ مهر ۱۴۰۶" in sms and "۱۱ مهر ۱۴۰۶" in sms
    client.force_login(personas.clerk_a)
    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    assert 'id="filing-deadline"' in page and "۲۶ مهر ۱۴۰۶" in page and "۱۱ مهر ۱۴۰۶" in page


def test_art_106_a_complaint_after_its_year_has_nothing_left_to_mediate(personas, clock):
    with pytest.raises(DomainError) as refused:
        open_dispute(
            personas,
            category="criminal",
            claim_amount=None,
            offence_compoundable=True,
            knowledge_date=date(2025, 11, 1),
        )
    assert refused.value.code == "filing_limit_passed" and "knowledge_date" in refused.value.fields


def test_cheque_law_art_11_a_cheque_dated_1405_04_01_is_not_diverted_on_1405_09_01(azar_1, personas):
    with pytest.raises(DomainError) as refused:
        open_dispute(personas, category="cheque", claim_amount=None, cheque_date=TIR_1_1405)
    # Presented within six months of its date: the last day is 1405/09/28.
    assert refused.value.code == "settle_first_deadline" and "۲۸ آذر ۱۴۰۵" in str(refused.value.message)
    # Opened at the office there is no request to file first.
    with pytest.raises(DomainError) as no_request:
        open_dispute(personas, category="cheque", claim_amount=None, cheque_date=TIR_1_1405, file_first=True)
    assert no_request.value.code == "file_first_needs_request"


def test_cheque_law_art_11_after_dishonour_the_complaint_runs_six_months_from_the_certificate(
    personas, clock
):
    dispute = open_dispute(
        personas, category="cheque", claim_amount=None, cheque_date=TIR_1_1405, dishonour_date=AZAR_1.date()
    )
    assert dispute.filing_limit == FilingLimit.CHEQUE_COMPLAINT
    assert dispute.filing_deadline == date(2027, 5, 21)  # 1405/09/01 + 180 days = 1406/02/31


def test_a_cheque_presented_after_its_six_months_leaves_only_the_civil_claim_which_may_be_diverted(
    personas, clock
):
    dispute = open_dispute(
        personas,
        category="cheque",
        claim_amount=None,
        cheque_date=date(2026, 1, 1),
        dishonour_date=AZAR_1.date(),
    )
    assert dispute.filing_limit == "" and dispute.filing_deadline is None


def test_a_civil_money_claim_without_a_time_critical_date_is_diverted_freely(personas, clock):
    dispute = open_dispute(personas, category="money_claim", claim_amount=90_000_000)
    assert dispute.filing_deadline is None and not dispute.file_first
    assert Message.objects.filter(to=personas.citizen.mobile, template="disputes.opened").exists()


def test_a_cheque_must_state_its_date(personas, clock):
    with pytest.raises(DomainError) as refused:
        open_dispute(personas, category="cheque", claim_amount=None, cheque_date=None)
    assert "cheque_date" in refused.value.fields


def test_the_from_case_page_refuses_and_offers_to_file_first(azar_10, personas, client):
    case = submitted_case(personas, "criminal_complaint")
    client.force_login(personas.clerk_a)
    form = {
        "category": "criminal",
        "respondent_mobile": "09350001199",
        "offence_compoundable": "yes",
        "offence_grade": "6",
        "knowledge_date": "1404/10/01",
    }
    page = client.post(reverse("disputes:from-case", args=[case.pk]), form).content.decode()
    assert 'id="file-first"' in page and "۲۶ آذر ۱۴۰۵" in page and not Dispute.objects.exists()
    response = client.post(reverse("disputes:from-case", args=[case.pk]), {**form, "file_first": "on"})
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and dispute.file_first


def test_the_api_refuses_a_diversion_the_mediation_would_outrun(azar_1, personas, client):
    client.force_login(personas.clerk_a)
    response = client.post(
        "/api/v1/disputes/",
        {
            "office": personas.office_a.code,
            "category": "cheque",
            "cheque_date": TIR_1_1405.isoformat(),
            "claimant": {
                "national_code": personas.citizen.national_code,
                "mobile": personas.citizen.mobile,
                "name": "x",
            },
            "respondent": {"name": "بهرام بهرامی", "mobile": "09350001122"},
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "settle_first_deadline"
