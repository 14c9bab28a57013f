"""The inspectors' page of sampled free services (note to art. 505 CPC), its verdicts and the monthly draw.

Time is frozen in Mehr 1404 before the personas exist, so their roles start inside it.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse

from tanzim.audit.models import ConfidentialRead
from tanzim.cases import services as case_services
from tanzim.cases.choices import PartyRole
from tanzim.catalog.models import Service
from tanzim.common.jalali import JalaliMonth
from tanzim.common.normalize import to_persian_digits
from tanzim.finance import services as finance
from tanzim.inspections import selectors, services, tasks
from tanzim.inspections.choices import InspectionKind, SampleVerdict, Severity
from tanzim.inspections.models import FreeServiceSample
from tanzim.testing import vnu
from tanzim.testing.cases import RESPONDENT_CODE
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.finance import IN_MEHR_1404, TEHRAN, free_grant

pytestmark = pytest.mark.django_db

MEHR_1404 = JalaliMonth(1404, 7)
# 1404/08/01 00:30 Tehran: the first night of Aban, when the beat draws Mehr's sample.
FIRST_NIGHT_OF_ABAN = datetime(2025, 10, 23, 0, 30, tzinfo=TEHRAN)


@pytest.fixture
def mehr(settings, tmp_path):
    """Frozen in Mehr 1404; requested before ``personas`` so their roles start inside it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(IN_MEHR_1404, tick=False):
        yield


def free_case(personas, *, number: str = "98765432"):
    """A free civil petition at office A on a Relief Committee ground, submitted (its price fixed)."""
    case = case_services.case_create(
        actor=personas.clerk_a,
        applicant=personas.citizen,
        service=Service.objects.get(code="civil_petition"),
        channel="in_person",
        office=personas.office_a,
        title="مطالبه وجه",
        free_service=True,
        ground="relief_committee",
        evidence_number=number,
        confirmation_document=upload("confirmation.pdf", pdf_bytes()),
    )
    case_services.party_add(
        case=case,
        actor=personas.clerk_a,
        role=PartyRole.RESPONDENT,
        kind="natural",
        name="بهرام بهرامی",
        national_code=RESPONDENT_CODE,
    )
    return case_services.case_submit(case=case, actor=personas.clerk_a)


def drawn(personas) -> FreeServiceSample:
    services.free_service_sample_draw(month=MEHR_1404)
    return FreeServiceSample.objects.get(office=personas.office_a)


def office_page(month: JalaliMonth = MEHR_1404, code: str = "A0001") -> str:
    return reverse("inspections:free-service-office", args=[code, month.key])


def test_note_to_art_505_the_inspector_sees_each_sample_with_its_ground_masked_card_and_normal_price(
    mehr, client, personas
):
    case = free_case(personas)
    sample = drawn(personas)
    client.force_login(personas.inspector)

    response = client.get(office_page())

    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="fa"' in html and "مهر ۱۴۰۴" in html
    assert to_persian_digits(case.tracking_code_display) in html
    assert case.service.name in html and "کمیته امداد" in html  # the ground, in Persian
    assert "••••" + to_persian_digits("5432") in html  # only the last four digits of the card
    assert "98765432" not in html and to_persian_digits("98765432") not in html
    assert to_persian_digits("770") in html  # the normal price of the service, 770,000 rials
    assert reverse("inspections:free-service-document", args=[sample.pk]) in html
    assert f'id="sample-{sample.pk}"' in html and 'data-verdict="pending"' in html


def test_the_confirmation_document_is_a_download_through_the_scoped_view_and_the_read_is_logged(
    mehr, client, personas
):
    free_case(personas)
    sample = drawn(personas)
    client.force_login(personas.inspector)

    response = client.get(reverse("inspections:free-service-document", args=[sample.pk]), follow=True)

    assert response.redirect_chain[0][0].startswith("/files/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    read = ConfidentialRead.objects.get(object_type="finance.freeservicegrant")
    assert read.actor_id == personas.inspector.pk and read.object_id == str(sample.grant_id)


@pytest.mark.parametrize("who", ["clerk_a", "manager_a", "citizen", "mediator_a", "partner"])
def test_only_inspectors_and_oversight_reach_the_sample_and_others_get_the_404_of_a_missing_one(
    mehr, client, personas, who
):
    free_case(personas)
    sample = drawn(personas)
    client.force_login(getattr(personas, who))
    missing = sample.pk + 1000

    for url in (
        office_page(),
        reverse("inspections:free-service-document", args=[sample.pk]),
        reverse("inspections:free-services"),
    ):
        assert client.get(url).status_code == 404, url
    refused = client.post(reverse("inspections:free-service-check", args=[sample.pk]), {"s-verdict": "holds"})
    gone = client.post(reverse("inspections:free-service-check", args=[missing]), {"s-verdict": "holds"})
    assert refused.status_code == gone.status_code == 404
    assert FreeServiceSample.objects.get().verdict == SampleVerdict.PENDING
    assert not ConfidentialRead.objects.filter(object_type="finance.freeservicegrant").exists()


def test_a_province_administrator_sees_only_the_samples_of_the_province_they_oversee(mehr, client, personas):
    free_grant(office=personas.office_b, actor=personas.clerk_b, reference_type="tests.b", reference_id="1")
    services.free_service_sample_draw(month=MEHR_1404)
    sample_b = FreeServiceSample.objects.get(office=personas.office_b)
    client.force_login(personas.province_admin_a)
    assert client.get(office_page(code="B0001")).status_code == 404
    assert client.get(office_page(code="NOPE")).status_code == 404
    assert client.get(reverse("inspections:free-service-document", args=[sample_b.pk])).status_code == 404
    client.force_login(personas.kanoon_admin)
    assert client.get(office_page(code="B0001")).status_code == 200


def test_the_sample_page_with_its_verdict_choices_is_valid_html_in_the_nu_checker(
    mehr, client, personas, tmp_path
):
    free_case(personas)
    drawn(personas)
    client.force_login(personas.inspector)
    page = tmp_path / "free-service-office.html"
    page.write_bytes(client.get(office_page()).content)

    errors = vnu.check([page])

    assert not errors, "\n".join(f"line {e.line}: {e.message}" for e in errors)


def test_evidence_that_does_not_hold_needs_a_note_the_error_summary_names_it_and_keeps_the_choice(
    mehr, client, personas
):
    free_case(personas)
    sample = drawn(personas)
    client.force_login(personas.inspector)
    prefix = f"s{sample.pk}"

    response = client.post(
        reverse("inspections:free-service-check", args=[sample.pk]), {f"{prefix}-verdict": "fails"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in html and f'href="#{prefix}-note"' in html
    assert f'id="{prefix}-fails" value="fails" checked' in html
    sample.refresh_from_db()
    assert sample.verdict == SampleVerdict.PENDING and sample.finding is None

    nothing = client.post(reverse("inspections:free-service-check", args=[sample.pk]), {})
    assert nothing.status_code == 400 and f'href="#{prefix}-verdict"' in nothing.content.decode()


def test_a_failed_sample_becomes_a_major_finding_of_the_inspection_in_progress(
    mehr, client, personas, started
):
    free_case(personas)
    sample = drawn(personas)
    client.force_login(personas.inspector)
    prefix = f"s{sample.pk}"

    response = client.post(
        reverse("inspections:free-service-check", args=[sample.pk]),
        {f"{prefix}-verdict": "fails", f"{prefix}-note": "تأییدیه کمیته امداد به نام شخص دیگری است."},
    )

    assert response.status_code == 302 and response["Location"].endswith(f"#sample-{sample.pk}")
    sample.refresh_from_db()
    assert sample.verdict == SampleVerdict.FAILS and sample.checked_by == personas.inspector
    assert sample.finding.inspection == started and sample.finding.severity == Severity.MAJOR
    page = client.get(office_page()).content.decode()
    assert 'data-verdict="fails"' in page and "تأییدیه کمیته امداد به نام شخص دیگری است." in page
    assert reverse("inspections:detail", args=[started.pk]) in page
    again = client.post(
        reverse("inspections:free-service-check", args=[sample.pk]), {f"{prefix}-verdict": "holds"}
    )
    assert again.status_code == 409  # already checked (a second tab): said so, the verdict stays
    assert 'id="error-summary"' in again.content.decode()
    sample.refresh_from_db()
    assert sample.verdict == SampleVerdict.FAILS


def test_a_sample_drawn_before_the_inspection_started_gives_its_finding_to_the_inspection_in_progress(
    mehr, personas, checklist
):
    free_case(personas)
    sample = drawn(personas)
    assert sample.inspection is None  # no inspection was open at the draw
    inspection = services.inspection_schedule(
        actor=personas.inspector, office=personas.office_a, kind=InspectionKind.PERIODIC
    )
    inspection = services.inspection_transition(
        inspection=inspection, actor=personas.inspector, action="start"
    )

    checked = services.free_service_sample_check(
        sample=sample, actor=personas.inspector, holds=False, note="شماره کارت با تأییدیه نمی‌خواند."
    )

    assert checked.inspection == inspection and checked.finding.inspection == inspection


def test_the_evidence_holds_in_english_with_jalali_dates(mehr, client, personas):
    free_case(personas)
    sample = drawn(personas)
    client.force_login(personas.inspector)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    prefix = f"s{sample.pk}"

    client.post(reverse("inspections:free-service-check", args=[sample.pk]), {f"{prefix}-verdict": "holds"})

    html = client.get(office_page()).content.decode()
    assert 'lang="en"' in html and "Mehr 1404" in html
    assert "The evidence holds" in html and "Client of the Imam Khomeini Relief Committee" in html
    assert "1404/07/15" in html  # granted and checked on 15 Mehr 1404
    assert FreeServiceSample.objects.get().verdict == SampleVerdict.HOLDS


def test_the_month_list_shows_each_offices_free_services_against_its_cap(mehr, client, personas):
    finance.free_service_cap_set(
        office=personas.office_a, month=MEHR_1404, max_count=1, max_rials=None, actor=personas.kanoon_admin
    )
    free_case(personas)
    free_grant(office=personas.office_b, actor=personas.clerk_b, reference_type="tests.b", reference_id="1")
    client.force_login(personas.inspector)

    html = client.get(reverse("inspections:free-services"), {"month": "1404-07"}).content.decode()
    assert 'data-office="A0001" data-capped="1"' in html and 'data-office="B0001">' in html
    capped = client.get(reverse("inspections:free-services"), {"month": "۱۴۰۴/۰۷", "capped": "1"})
    assert 'data-office="A0001"' in capped.content.decode()
    assert 'data-office="B0001"' not in capped.content.decode()


def test_free_service_caps_read_in_bulk_follow_the_most_specific_cap(mehr, personas, settings):
    settings.FINANCE_FREE_SERVICE_CAP_COUNT = 7
    finance.free_service_cap_set(
        office=None, month=None, max_count=5, max_rials=None, actor=personas.kanoon_admin
    )
    finance.free_service_cap_set(
        office=None, month=MEHR_1404, max_count=4, max_rials=None, actor=personas.kanoon_admin
    )
    finance.free_service_cap_set(
        office=personas.office_a, month=None, max_count=3, max_rials=9_000_000, actor=personas.kanoon_admin
    )
    finance.free_service_cap_set(
        office=personas.office_a, month=MEHR_1404, max_count=2, max_rials=None, actor=personas.kanoon_admin
    )
    ids = [personas.office_a.pk, personas.office_b.pk]
    for month in (MEHR_1404, MEHR_1404.next()):
        bulk = selectors.free_service_caps(office_ids=ids, month=month)
        for office in (personas.office_a, personas.office_b):
            assert bulk[office.pk] == finance.free_service_cap_for(office=office, month=month)
    assert selectors.free_service_caps(office_ids=ids, month=MEHR_1404)[personas.office_a.pk].max_count == 2


def test_the_inspection_page_links_the_offices_sampled_months(mehr, client, personas, started):
    free_case(personas)
    drawn(personas)
    client.force_login(personas.inspector)
    html = client.get(reverse("inspections:detail", args=[started.pk])).content.decode()
    assert 'id="sample-months"' in html and office_page() in html


def test_the_monthly_task_draws_the_ended_months_sample_on_its_first_night_and_again_adds_nothing(
    mehr, personas
):
    for n in range(11):
        free_grant(
            office=personas.office_a, actor=personas.clerk_a, reference_type="tests.task", reference_id=str(n)
        )
    assert tasks.draw_free_service_samples() == 0  # Mehr has not ended: Shahrivar had none

    with time_machine.travel(FIRST_NIGHT_OF_ABAN, tick=False):
        drawn_now = tasks.draw_free_service_samples.delay().get()
        again = tasks.draw_free_service_samples()

    assert drawn_now == 2 and again == 0  # 10% of 11, rounded up
    assert set(FreeServiceSample.objects.values_list("month", flat=True)) == {MEHR_1404.key}
    entry = django_settings.CELERY_BEAT_SCHEDULE["inspections-draw-free-service-samples"]
    assert entry["task"] == tasks.draw_free_service_samples.name


def test_a_free_direct_payment_shows_its_service_and_normal_price_from_its_quote_not_the_zero_paid(
    mehr, client, personas
):
    from tanzim.catalog.fees import fee_quote

    reference = {"reference_type": "finance.direct", "reference_id": f"o{personas.office_a.pk}-k1"}
    free_grant(office=personas.office_a, actor=personas.clerk_a, **reference)
    payment = finance.payment_create(
        office=personas.office_a,
        payer=personas.citizen,
        quote=fee_quote(
            service=Service.objects.get(code="civil_petition"), channel="in_person", free_service=True
        ),
        actor=personas.clerk_a,
        **reference,
    )
    assert payment.amount == 0
    drawn(personas)
    client.force_login(personas.inspector)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(office_page()).content.decode()

    card = html[html.index("sample-reference") :][:1500]
    assert payment.short_reference in card and "Drafting a civil petition" in card
    assert f"{payment.quote['office_fee']:,} rials" in html and payment.quote["office_fee"] > 0
