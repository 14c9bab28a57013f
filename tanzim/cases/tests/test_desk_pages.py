"""The office's desk: the worklist, walk-in requests and search."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tanzim.accounts.models import User
from tanzim.cases import services
from tanzim.cases.models import Case
from tanzim.cases.tests.page_helpers import in_review_case, signed_in, submitted_case
from tanzim.catalog.models import Service
from tanzim.common.normalize import to_persian_digits
from tanzim.testing.cases import RESPONDENT_CODE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_settings")]


# --- the worklist -----------------------------------------------------------------------------


def test_the_worklist_is_for_office_staff(client, personas):
    signed_in(client, personas.citizen)
    assert client.get(reverse("cases:worklist")).status_code == 403
    signed_in(client, personas.clerk_a)
    assert client.get(reverse("cases:worklist")).status_code == 200


def test_the_worklist_shows_the_offices_turn_with_counts_and_overdue_first(client, personas, petition):
    with time_machine.travel(timezone.now() - timedelta(days=20)):
        old = submitted_case(personas, petition)
    new = submitted_case(personas, petition)
    services.case_create(
        actor=personas.other_citizen, service=petition, channel="remote", office=personas.office_b, title="ب"
    )
    signed_in(client, personas.clerk_a)
    html = client.get(reverse("cases:worklist")).content.decode()
    assert html.index(f'data-case="{old.pk}"') < html.index(f'data-case="{new.pk}"')
    row = html[html.index(f'data-case="{old.pk}"') - 40 : html.index(f'data-case="{old.pk}"')]
    assert "overdue" in row
    counts = html[html.index('data-status="submitted"') : html.index('data-status="submitted"') + 300]
    assert f'count">{to_persian_digits(2)}<' in counts


def test_the_worklist_of_office_b_does_not_show_office_a(client, personas, petition):
    case = submitted_case(personas, petition)
    signed_in(client, personas.clerk_b)
    assert f'data-case="{case.pk}"' not in client.get(reverse("cases:worklist")).content.decode()


def test_the_waiting_for_the_citizen_tab_lists_cases_needing_a_correction(client, personas, petition):
    case = in_review_case(personas, petition)
    services.case_request_correction(case=case, actor=personas.clerk_a, note="x", expected_status="in_review")
    signed_in(client, personas.clerk_a)
    assert f'data-case="{case.pk}"' not in client.get(reverse("cases:worklist")).content.decode()
    html = client.get(reverse("cases:worklist"), {"tab": "citizen"}).content.decode()
    assert f'data-case="{case.pk}"' in html


def test_the_worklist_query_count_does_not_grow_with_the_number_of_cases(client, personas, petition):
    signed_in(client, personas.clerk_a)
    submitted_case(personas, petition)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("cases:worklist")).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for _ in range(12):
        submitted_case(personas, petition)
    assert queries() == few
    assert few <= 12


# --- walk-in and search -----------------------------------------------------------------------


def test_a_clerk_opens_a_walk_in_request_for_a_new_citizen(client, personas, petition):
    signed_in(client, personas.clerk_a)
    response = client.post(
        reverse("cases:walk-in"),
        {
            "national_code": "۰۰۸۴۵۷۵۹۴۸",
            "mobile": "09351234567",
            "first_name": "رضا",
            "last_name": "کریمی",
            "service": "civil_petition",
            "office": str(personas.office_a.pk),
            "title": "مطالبه وجه",
        },
    )
    citizen = User.objects.get(national_code="0084575948")
    case = Case.objects.get(applicant=citizen)
    assert response.status_code == 302 and response["Location"] == reverse("cases:draft", args=[case.pk])
    assert case.channel == "in_person" and case.created_by == personas.clerk_a
    assert case.events.get().on_behalf_of == citizen
    assert case.proceeding == "first_instance"


def test_art_336_a_walk_in_appeal_is_recorded_as_one_and_never_offered_mediation(client, personas, petition):
    signed_in(client, personas.clerk_a)
    client.post(
        reverse("cases:walk-in"),
        {
            "national_code": "0084575948",
            "mobile": "09351234567",
            "first_name": "رضا",
            "last_name": "کریمی",
            "service": "civil_petition",
            "office": str(personas.office_a.pk),
            "title": "تجدیدنظرخواهی",
            "proceeding": "appeal",
        },
    )
    case = Case.objects.get(applicant__national_code="0084575948")
    assert case.proceeding == "appeal" and case.is_review


def test_a_walk_in_with_a_wrong_national_code_creates_nothing(client, personas):
    signed_in(client, personas.clerk_a)
    response = client.post(
        reverse("cases:walk-in"),
        {
            "national_code": "0084575949",
            "mobile": "09351234567",
            "first_name": "رضا",
            "last_name": "کریمی",
            "service": "civil_petition",
            "office": str(personas.office_a.pk),
            "title": "x",
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(national_code="0084575949").exists() and not Case.objects.exists()


def test_a_walk_in_for_a_service_not_done_in_person_leaves_no_account_behind(client, personas):
    signed_in(client, personas.clerk_a)
    Service.objects.filter(code="civil_petition").update(in_person=False, remote=True)
    response = client.post(
        reverse("cases:walk-in"),
        {
            "national_code": "0084575948",
            "mobile": "09351234567",
            "first_name": "رضا",
            "last_name": "کریمی",
            "service": "civil_petition",
            "office": str(personas.office_a.pk),
            "title": "x",
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(national_code="0084575948").exists()


def test_the_walk_in_page_is_for_office_staff(client, personas):
    signed_in(client, personas.citizen)
    assert client.get(reverse("cases:walk-in")).status_code == 403
    signed_in(client, personas.clerk_a)
    assert client.get(reverse("cases:walk-in")).status_code == 200


def test_search_finds_a_tracking_code_typed_in_persian_digits_with_dashes(client, personas, petition):
    case = submitted_case(personas, petition)
    signed_in(client, personas.clerk_a)
    typed = to_persian_digits(case.tracking_code_display)
    response = client.get(reverse("cases:search"), {"q": typed})
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])


def test_search_by_national_code_stays_within_the_office(client, personas, petition):
    case = submitted_case(personas, petition)
    signed_in(client, personas.clerk_a)
    html = client.get(reverse("cases:search"), {"q": RESPONDENT_CODE}).content.decode()
    assert reverse("cases:detail", args=[case.pk]) in html
    signed_in(client, personas.clerk_b)
    html = client.get(reverse("cases:search"), {"q": RESPONDENT_CODE}).content.decode()
    assert reverse("cases:detail", args=[case.pk]) not in html


@pytest.mark.parametrize("query", ["1234-5678-9012-3456", "12345", "hello"])
def test_search_explains_a_mistyped_code(client, personas, query):
    signed_in(client, personas.clerk_a)
    response = client.get(reverse("cases:search"), {"q": query})
    assert response.status_code == 400 and "invalid-feedback" in response.content.decode()
