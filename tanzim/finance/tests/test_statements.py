from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.finance import selectors, services
from tanzim.testing.finance import AFTER_MEHR_1404, IN_MEHR_1404

pytestmark = pytest.mark.django_db

ALLOWED_A = ["clerk_a", "manager_a", "mediator_a", "province_admin_a", "kanoon_admin"]
DENIED_A = ["clerk_b", "citizen", "other_citizen", "inspector", "partner"]


@pytest.fixture
def mehr(personas, policy, make_payment):
    """Office A in Mehr 1404: a paid petition with a court fee, a free service, a partial refund."""
    with time_machine.travel(IN_MEHR_1404, tick=False):
        paid = services.payment_record_at_counter(
            payment=make_payment(court_fee=1_000_000), actor=personas.clerk_a
        )
        make_payment(free_service=True, actor=personas.clerk_a)
        services.refund_create(
            payment=paid,
            amount=500_000,
            part="court_fee",
            reason="=HYPERLINK(1) settled",
            actor=personas.clerk_a,
        )
        services.payment_record_at_counter(
            payment=make_payment(office=personas.office_b), actor=personas.clerk_b
        )
    return personas


def test_the_statement_adds_up_the_month(mehr):
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        s = selectors.office_statement(user=mehr.clerk_a, office=mehr.office_a, year=1404, month=7)
    assert (s.payments, s.free_services, s.collected) == (2, 1, 1_770_000)
    assert (s.office_fees, s.court_fees, s.subsidies) == (770_000, 1_000_000, 770_000)
    assert (s.refunds_office_fee, s.refunds_court_fee, s.court_fees_net) == (0, 500_000, 500_000)
    assert (s.revenue, s.subsidy_revenue) == (770_000, 770_000)
    assert s.ended and not s.settled and s.provisional
    assert (s.rate_bp, s.share, s.net) == (1000, 77_000, 77_000 - 770_000)
    assert s.receivable_end == 770_000 and s.payable_end == 0
    assert [d.day.isoformat() for d in s.days] == ["2025-10-07"]
    assert s.days[0].refunds == 500_000


def test_after_settlement_the_statement_shows_the_settled_figures(mehr):
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        services.settlement_run(year=1404, month=7, actor=None)
        s = selectors.office_statement(user=mehr.clerk_a, office=mehr.office_a, year=1404, month=7)
        aban = selectors.office_statement(user=mehr.clerk_a, office=mehr.office_a, year=1404, month=8)
    assert s.settled and not s.provisional
    assert (s.share, s.net) == (77_000, -693_000)
    assert not aban.ended and aban.payments == 0 and aban.payable_end == -693_000


@pytest.mark.parametrize("who", ALLOWED_A)
def test_office_staff_its_province_and_the_kanoon_see_the_statement(client, mehr, who):
    client.force_login(getattr(mehr, who))
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        page = client.get(reverse("finance:statement", args=["A0001", 1404, 7]))
        api = client.get(reverse("api:office-statement", args=["A0001", 1404, 7]))
    assert page.status_code == 200
    assert "۱٬۷۷۰٬۰۰۰" in page.content.decode()
    assert api.status_code == 200 and api.json()["collected"] == 1_770_000


@pytest.mark.parametrize("who", DENIED_A)
def test_everyone_else_gets_a_404_for_the_statement(client, mehr, who):
    client.force_login(getattr(mehr, who))
    assert client.get(reverse("finance:statement", args=["A0001", 1404, 7])).status_code == 404
    assert client.get(reverse("finance:statement-csv", args=["A0001", 1404, 7])).status_code == 404
    assert client.get(reverse("api:office-statement", args=["A0001", 1404, 7])).status_code == 404
    with pytest.raises(NotFoundError):
        selectors.office_statement(user=getattr(mehr, who), office=mehr.office_a, year=1404, month=7)


def test_a_province_admin_does_not_see_another_provinces_office(client, mehr):
    client.force_login(mehr.province_admin_a)
    assert client.get(reverse("finance:statement", args=["B0001", 1404, 7])).status_code == 404
    client.force_login(mehr.clerk_b)
    assert client.get(reverse("finance:statement", args=["B0001", 1404, 7])).status_code == 200


@pytest.mark.parametrize(("year", "month"), [(1404, 13), (1404, 0), (1200, 5)])
def test_a_statement_for_a_month_that_does_not_exist_is_a_404(client, mehr, year, month):
    client.force_login(mehr.clerk_a)
    assert client.get(reverse("finance:statement", args=["A0001", year, month])).status_code == 404


def test_an_unknown_office_is_a_404(client, mehr):
    client.force_login(mehr.kanoon_admin)
    assert client.get(reverse("finance:statement", args=["Z9999", 1404, 7])).status_code == 404


def test_the_statement_downloads_as_csv(client, mehr):
    client.force_login(mehr.manager_a)
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        response = client.get(reverse("finance:statement-csv", args=["A0001", 1404, 7]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    body = [r for r in rows[1:] if r and r[0].startswith("1404/07")]
    assert len(body) == 3  # two payments and one refund
    assert {r[3] for r in body} <= {p.short_reference for p in mehr.office_a.payments.all()}
    refund = next(r for r in body if r[9] == "500000")
    assert refund[10].startswith("'=")  # a formula in free text is neutralised
    assert mehr.citizen.national_code not in text


def test_the_statement_downloads_as_a_persian_pdf(client, mehr):
    client.force_login(mehr.manager_a)
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        response = client.get(reverse("finance:statement-pdf", args=["A0001", 1404, 7]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Vazirmatn" in name for name in fonts)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "۱۴۰۴" in text  # Jalali year in Persian digits
    assert "مهر" in text  # the Jalali month by name
    assert "دفتر الف" in text


def test_the_kanoon_sees_every_office_with_totals(client, mehr):
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        overview = selectors.kanoon_overview(user=mehr.kanoon_admin, year=1404, month=7)
        assert [r.code for r in overview.rows] == ["A0001", "B0001"]
        assert overview.totals.revenue == 1_540_000 and overview.totals.payments == 3
        assert not overview.settled and overview.totals.share == 154_000
        only_b = selectors.kanoon_overview(
            user=mehr.kanoon_admin, year=1404, month=7, province=mehr.office_b.province.code
        )
        assert [r.code for r in only_b.rows] == ["B0001"]
        client.force_login(mehr.kanoon_admin)
        page = client.get(reverse("finance:kanoon-month", args=[1404, 7]))
        assert page.status_code == 200 and "run-settlement" in page.content.decode()
        csv_response = client.get(reverse("finance:kanoon-month", args=[1404, 7]) + "?format=csv")
        assert csv_response.status_code == 200 and "A0001" in csv_response.content.decode()


@pytest.mark.parametrize("who", ["province_admin_a", "manager_a", "citizen", "inspector"])
def test_nobody_but_the_kanoon_sees_every_office(client, mehr, who):
    with pytest.raises(PermissionDeniedError):
        selectors.kanoon_overview(user=getattr(mehr, who), year=1404, month=7)
    client.force_login(getattr(mehr, who))
    assert client.get(reverse("finance:kanoon-month", args=[1404, 7])).status_code == 403


def test_the_transparency_page_is_public_and_holds_no_personal_data(client, mehr):
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        services.settlement_run(year=1404, month=7, actor=None)
        response = client.get(reverse("finance:transparency") + "?year=1404&month=7")
        api = client.get(reverse("api:transparency", args=[1404, 7]))
    assert response.status_code == 200
    html = response.content.decode()
    for secret in (
        mehr.citizen.national_code,
        mehr.citizen.last_name,
        mehr.citizen.mobile,
        mehr.office_a.name_fa,
    ):
        assert secret not in html
    data = api.json()
    assert data["settled"] is True
    assert data["national"]["payments"] == 3 and data["national"]["revenue"] == 1_540_000
    assert data["national"]["free_services"] == 1 and data["national"]["subsidies"] == 770_000
    assert data["national"]["share"] == 154_000
    tehran = next(p for p in data["provinces"] if p["code"] == mehr.office_a.province.code)
    assert tehran["payments"] == 2 and tehran["offices"] == 1
    assert len(data["provinces"]) > 2


@pytest.mark.parametrize("query", ["?year=abc", "?year=1404&month=13"])
def test_the_transparency_page_refuses_a_bad_month(client, personas, query):
    assert client.get(reverse("finance:transparency") + query).status_code == 404


def test_the_statements_index_lists_only_the_users_offices(client, mehr):
    client.force_login(mehr.clerk_a)
    html = client.get(reverse("finance:statements")).content.decode()
    assert "A0001" in html and "B0001" not in html
    client.force_login(mehr.citizen)
    assert client.get(reverse("finance:statements")).status_code == 404


def test_the_statement_page_queries_do_not_grow_with_lines(
    client, mehr, make_payment, django_assert_max_num_queries
):
    client.force_login(mehr.manager_a)
    url = reverse("finance:statement", args=["A0001", 1404, 7])
    with time_machine.travel(IN_MEHR_1404, tick=False):
        for _ in range(15):
            services.payment_record_at_counter(payment=make_payment(), actor=mehr.clerk_a)
    with time_machine.travel(AFTER_MEHR_1404, tick=False), django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200


def test_service_names_follow_the_readers_language_and_fall_back_to_persian(db):
    from django.utils import translation

    from tanzim.catalog.models import Service

    Service.objects.filter(code="formal_notice").update(name_en="")
    petition = Service.objects.get(code="civil_petition")
    with translation.override("en"):
        names = selectors.service_names()
    assert names["civil_petition"] == petition.name_en
    assert names["formal_notice"] == Service.objects.get(code="formal_notice").name_fa
    with translation.override("fa"):
        assert selectors.service_names()["civil_petition"] == petition.name_fa
