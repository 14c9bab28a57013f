"""The Kanoon's monthly run: each active office's dues and every enrolment's premium, posted once."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.common.jalali import JalaliMonth
from tanzim.common.money import format_rials
from tanzim.common.normalize import to_persian_digits
from tanzim.finance import selectors as finance_selectors
from tanzim.finance.ledger import ledger_verify
from tanzim.membership.models import DuesCharge, PremiumCharge
from tanzim.membership.services.insurance import insurance_enrol
from tanzim.membership.services.monthly import member_month_run
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office
from tanzim.testing.membership import basic_policy

pytestmark = pytest.mark.django_db
NOW = JalaliMonth.of(timezone.now())


@pytest.fixture
def enrolled(personas):
    return insurance_enrol(
        actor=personas.manager_a, office=personas.office_a, policy=basic_policy(), dependants=[]
    )


def test_a_month_charges_every_active_office_and_every_premium_once(personas, enrolled):
    active = Office.objects.filter(status=OfficeStatus.ACTIVE).count()
    first = member_month_run(actor=personas.kanoon_admin, month=NOW, dues_amount=2_000_000)
    again = member_month_run(actor=personas.kanoon_admin, month=NOW, dues_amount=2_000_000)
    assert first == again  # running the month again adds nothing
    assert (first.dues_charges, first.dues_total) == (active, active * 2_000_000)
    assert (first.premiums, first.premiums_member, first.premiums_kanoon) == (1, 750_000, 750_000)
    assert DuesCharge.objects.count() == active and PremiumCharge.objects.count() == 1
    assert ledger_verify().ok
    s = finance_selectors.office_statement(
        user=personas.manager_a, office=personas.office_a, year=NOW.year, month=NOW.month
    )
    assert {line.purpose: line.amount for line in s.others} == {
        "dues_expense": -2_000_000,
        "premium_expense": -750_000,
    }


def test_only_the_kanoon_runs_a_begun_month_with_a_whole_amount(personas):
    with pytest.raises(PermissionDeniedError):
        member_month_run(actor=personas.manager_a, month=NOW, dues_amount=1)
    for amount in (0, -5, "1000", True):
        with pytest.raises(DomainError):
            member_month_run(actor=personas.kanoon_admin, month=NOW, dues_amount=amount)
    with pytest.raises(DomainError) as future:
        member_month_run(actor=personas.kanoon_admin, month=NOW.next(), dues_amount=1_000)
    assert future.value.code == "future_month"
    assert not DuesCharge.objects.exists()


def test_the_page_runs_a_month_for_the_kanoon_and_shows_a_manager_its_dues(client, personas, enrolled):
    url = reverse("membership:dues")
    client.force_login(personas.kanoon_admin)
    bad = client.post(url, {"month": "۱۴۰۴-۱۳", "dues_amount": "۲٬۰۰۰٬۰۰۰"})
    assert bad.status_code == 400 and 'href="#id_month"' in bad.content.decode()
    assert not DuesCharge.objects.exists()
    done = client.post(url, {"month": to_persian_digits(str(NOW)), "dues_amount": "۲٬۰۰۰٬۰۰۰"})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    total = 2_000_000 * Office.objects.filter(status=OfficeStatus.ACTIVE).count()
    assert NOW.label("fa") in page and format_rials(total, persian_digits=True) in page
    client.force_login(personas.manager_a)
    own = client.get(url).content.decode()
    assert 'id="our-dues"' in own and personas.office_a.code in own and 'id="month-run"' not in own
    assert personas.office_b.code not in own
    client.force_login(personas.clerk_a)
    assert client.get(url).status_code == 404
