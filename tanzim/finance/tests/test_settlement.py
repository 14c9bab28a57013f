from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.finance import services, share
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.ledger import balances, office_accounts, system_accounts
from tanzim.finance.models import OfficeTier, SettlementLine, SettlementRun, SharePolicy, Transaction
from tanzim.finance.tasks import settle_last_month
from tanzim.testing.finance import AFTER_MEHR_1404, IN_MEHR_1404, TEHRAN

pytestmark = pytest.mark.django_db


def _policy(**kw):
    values = {
        "valid_from_year": 1400,
        "valid_from_month": 1,
        "base_rate_bp": 1000,
        "tier_adjustments_bp": {"A": -300, "D": 200},
        "dispute_credit_bp": 50,
        "dispute_credit_cap_bp": 150,
    }
    values.update(kw)
    return SharePolicy(**values)


# --- the rate arithmetic ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "disputes", "rate"),
    [
        ("", 0, 1000),
        ("A", 0, 700),
        ("D", 0, 1200),
        ("C", 0, 1000),
        ("A", 2, 600),
        ("A", 10, 550),
        ("Z", 0, 1000),
    ],
)
def test_the_rate_is_base_plus_tier_minus_a_capped_dispute_credit(tier, disputes, rate):
    assert share.rate_bp(policy=_policy(), tier=tier, disputes_resolved=disputes) == rate


def test_the_rate_never_leaves_zero_to_one_hundred_percent():
    assert share.rate_bp(policy=_policy(base_rate_bp=100, tier_adjustments_bp={"A": -300})) == 100
    assert share.rate_bp(policy=_policy(base_rate_bp=100, tier_adjustments_bp={"A": -300}), tier="A") == 0
    assert (
        share.rate_bp(policy=_policy(base_rate_bp=9_900, tier_adjustments_bp={"D": 500}), tier="D") == 10_000
    )


@given(revenue=st.integers(-(10**13), 10**13), rate=st.integers(0, 10_000))
def test_a_share_is_whole_rials_never_more_than_the_revenue(revenue, rate):
    amount = share.share_of(revenue, rate)
    assert isinstance(amount, int)
    assert abs(amount) <= abs(revenue)
    assert (amount >= 0) == (revenue >= 0) or amount == 0
    assert abs(amount) == abs(revenue) * rate // 10_000


# --- the monthly run --------------------------------------------------------------------


@pytest.fixture
def mehr_activity(personas, policy, make_payment):
    """In Mehr 1404: office A takes two paid petitions (one with a court fee) and one free service;
    office B one paid petition; A refunds 100,000 of an office fee."""
    with time_machine.travel(IN_MEHR_1404, tick=False):
        a1 = services.payment_record_at_counter(
            payment=make_payment(court_fee=1_000_000), actor=personas.clerk_a
        )
        services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)
        make_payment(free_service=True, actor=personas.clerk_a)
        services.payment_record_at_counter(
            payment=make_payment(office=personas.office_b), actor=personas.clerk_b
        )
        services.refund_create(
            payment=a1, amount=100_000, part="office_fee", reason="typo", actor=personas.clerk_a
        )
    return personas


def test_a_month_is_settled_office_by_office(mehr_activity):
    personas = mehr_activity
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        run = services.settlement_run(year=1404, month=7, actor=personas.kanoon_admin)
    assert run.status == "done" and run.offices == 2
    a = SettlementLine.objects.get(run=run, office=personas.office_a)
    assert a.revenue == 2 * 770_000 - 100_000
    assert a.subsidies == 770_000
    assert a.rate_bp == 1000
    assert a.share == 144_000
    assert a.net == 144_000 - 770_000  # the Kanoon owes office A
    b = SettlementLine.objects.get(run=run, office=personas.office_b)
    assert (b.revenue, b.share, b.subsidies, b.net) == (770_000, 77_000, 0, 77_000)
    assert (run.revenue, run.share, run.subsidies, run.net) == (2_210_000, 221_000, 770_000, -549_000)
    # Office A's books: the share is an expense; the receivable is cleared into the net position.
    office = office_accounts(
        personas.office_a.pk,
        AccountPurpose.SHARE_EXPENSE,
        AccountPurpose.KANOON_PAYABLE,
        AccountPurpose.KANOON_RECEIVABLE,
    )
    found = balances(accounts=office.values())
    assert found[office[AccountPurpose.SHARE_EXPENSE].pk] == 144_000
    assert found[office[AccountPurpose.KANOON_RECEIVABLE].pk] == 0
    assert found[office[AccountPurpose.KANOON_PAYABLE].pk] == -626_000
    kanoon = system_accounts(AccountPurpose.SHARE_REVENUE)[AccountPurpose.SHARE_REVENUE]
    assert balances(accounts=[kanoon])[kanoon.pk] == 221_000
    assert a.transaction.kind == TransactionKind.SETTLEMENT
    assert a.transaction.posted_at > datetime(2025, 10, 22, 20, 30, tzinfo=TEHRAN)


def test_running_a_month_twice_changes_nothing(mehr_activity):
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        first = services.settlement_run(year=1404, month=7, actor=None)
        before = Transaction.objects.count()
        again = services.settlement_run(year=1404, month=7, actor=mehr_activity.kanoon_admin)
    assert again.pk == first.pk
    assert Transaction.objects.count() == before
    assert SettlementLine.objects.count() == 2


def test_the_tier_and_resolved_disputes_change_the_rate(mehr_activity):
    personas = mehr_activity
    services.office_tier_set(office=personas.office_a, year=1404, month=6, tier="A")
    services.office_tier_set(office=personas.office_b, year=1404, month=8, tier="D")  # too late for Mehr
    with time_machine.travel(IN_MEHR_1404, tick=False):
        services.dispute_resolved_record(office=personas.office_a, reference="dispute-1")
        services.dispute_resolved_record(office=personas.office_a, reference="dispute-1")  # counted once
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        run = services.settlement_run(year=1404, month=7, actor=None)
    a = SettlementLine.objects.get(run=run, office=personas.office_a)
    assert (a.tier, a.disputes_resolved, a.rate_bp) == ("A", 1, 650)
    assert a.share == 1_440_000 * 650 // 10_000
    b = SettlementLine.objects.get(run=run, office=personas.office_b)
    assert (b.tier, b.rate_bp) == ("", 1000)


def test_a_month_that_has_not_ended_cannot_be_settled(mehr_activity):
    with time_machine.travel(IN_MEHR_1404, tick=False), pytest.raises(ConflictError) as exc:
        services.settlement_run(year=1404, month=7, actor=None)
    assert exc.value.code == "month_not_ended"
    assert SettlementRun.objects.count() == 0


def test_a_month_without_a_policy_cannot_be_settled(personas):
    with time_machine.travel(AFTER_MEHR_1404, tick=False), pytest.raises(NotFoundError) as exc:
        services.settlement_run(year=1404, month=7, actor=None)
    assert exc.value.code == "no_share_policy"


@pytest.mark.parametrize(("year", "month"), [(1404, 13), (1404, 0), (99, 1), ("1404", 7)])
def test_a_month_must_be_a_real_jalali_month(personas, policy, year, month):
    with pytest.raises(DomainError):
        services.settlement_run(year=year, month=month, actor=None)


@pytest.mark.parametrize("who", ["manager_a", "province_admin_a", "citizen"])
def test_only_the_kanoon_runs_a_settlement(mehr_activity, who):
    with time_machine.travel(AFTER_MEHR_1404, tick=False), pytest.raises(PermissionDeniedError):
        services.settlement_run(year=1404, month=7, actor=getattr(mehr_activity, who))


def test_a_payment_at_midnight_tehran_belongs_to_the_month_of_its_tehran_date(personas, policy, make_payment):
    # 1404/07/30 23:50 Tehran is still Mehr; 1404/08/01 00:10 Tehran is Aban (UTC: both on 22 October).
    with time_machine.travel(datetime(2025, 10, 22, 23, 50, tzinfo=TEHRAN), tick=False):
        services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)
    with time_machine.travel(datetime(2025, 10, 23, 0, 10, tzinfo=TEHRAN), tick=False):
        services.payment_record_at_counter(payment=make_payment(extra_pages=1), actor=personas.clerk_a)
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        run = services.settlement_run(year=1404, month=7, actor=None)
    assert run.revenue == 770_000


def test_the_leap_esfand_of_1403_has_thirty_days(personas, policy, make_payment):
    # 1403 is a leap year: 30 Esfand 1403 is 2025-03-20, the day before Nowruz 1404.
    with time_machine.travel(datetime(2025, 3, 20, 12, 0, tzinfo=TEHRAN), tick=False):
        services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)
    with time_machine.travel(datetime(2025, 3, 25, 12, 0, tzinfo=TEHRAN), tick=False):
        run = services.settlement_run(year=1403, month=12, actor=None)
    assert run.revenue == 770_000


def test_a_policy_or_tier_cannot_change_for_a_settled_month(mehr_activity):
    personas = mehr_activity
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        services.settlement_run(year=1404, month=7, actor=None)
    with pytest.raises(ConflictError):
        services.share_policy_set(valid_from_year=1404, valid_from_month=7, base_rate_bp=500)
    with pytest.raises(ConflictError):
        services.office_tier_set(office=personas.office_a, year=1404, month=7, tier="A")
    services.share_policy_set(valid_from_year=1404, valid_from_month=8, base_rate_bp=500)
    assert share.policy_for(year=1404, month=9).base_rate_bp == 500


@pytest.mark.parametrize(
    "values",
    [
        {"base_rate_bp": -1},
        {"base_rate_bp": 10_001},
        {"base_rate_bp": 10.5},
        {"tier_adjustments_bp": {"E": 100}},
        {"tier_adjustments_bp": {"A": "1"}},
        {"tier_adjustments_bp": [1, 2]},
        {"valid_from_month": 13},
    ],
)
def test_a_bad_policy_is_refused(personas, values):
    arguments = {"valid_from_year": 1404, "valid_from_month": 1, "base_rate_bp": 1000, **values}
    with pytest.raises(DomainError):
        services.share_policy_set(**arguments)


def test_only_the_kanoon_sets_the_policy(personas):
    with pytest.raises(PermissionDeniedError):
        services.share_policy_set(
            valid_from_year=1404, valid_from_month=1, base_rate_bp=1000, actor=personas.manager_a
        )
    assert (
        services.share_policy_set(
            valid_from_year=1404, valid_from_month=1, base_rate_bp=1000, actor=personas.kanoon_admin
        ).base_rate_bp
        == 1000
    )


def test_a_bad_tier_is_refused(personas):
    with pytest.raises(DomainError):
        services.office_tier_set(office=personas.office_a, year=1404, month=7, tier="E")


def test_a_ranking_sets_every_tier_at_once_in_one_audited_write(personas):
    a, b = personas.office_a.pk, personas.office_b.pk
    assert (
        services.office_tiers_set(tiers={a: "A", b: "D"}, year=1404, month=7, actor=personas.kanoon_admin)
        == 2
    )
    assert services.office_tiers_set(tiers={a: "B"}, year=1404, month=7) == 1  # a later approval replaces
    assert dict(OfficeTier.objects.filter(year=1404, month=7).values_list("office_id", "tier")) == {
        a: "B",
        b: "D",
    }
    events = AuditEvent.objects.filter(action="finance.office_tier.set_many").order_by("seq")
    assert [e.data["tiers"] for e in events] == [{str(a): "A", str(b): "D"}, {str(a): "B"}]
    assert events[0].actor_id == personas.kanoon_admin.pk


def test_a_bulk_tier_write_is_all_or_nothing(mehr_activity):
    personas = mehr_activity
    a, b = personas.office_a.pk, personas.office_b.pk
    with pytest.raises(DomainError):
        services.office_tiers_set(tiers={a: "A", b: "E"}, year=1404, month=8)
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        services.settlement_run(year=1404, month=7, actor=None)
    with pytest.raises(ConflictError):
        services.office_tiers_set(tiers={a: "A"}, year=1404, month=7)
    assert not OfficeTier.objects.filter(year=1404, month__in=[7, 8]).exists()


def test_the_settlement_api_is_for_the_kanoon_only(client, mehr_activity):
    personas = mehr_activity
    url = reverse("api:settlement-list")
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        client.force_login(personas.manager_a)
        assert (
            client.post(url, {"year": 1404, "month": 7}, content_type="application/json").status_code == 403
        )
        assert client.get(url).status_code == 403
        client.force_login(personas.kanoon_admin)
        created = client.post(url, {"year": 1404, "month": 7}, content_type="application/json")
        assert created.status_code == 201
        assert created.json()["offices"] == 2
        again = client.post(url, {"year": 1404, "month": 7}, content_type="application/json")
        assert again.status_code == 200
        listed = client.get(url)
        assert listed.status_code == 200 and listed.json()[0]["month"] == 7
        bad = client.post(url, {"year": 1404, "month": 13}, content_type="application/json")
        assert bad.status_code == 400 and "month" in bad.json()["fields"]
        early = client.post(url, {"year": 1404, "month": 8}, content_type="application/json")
        assert early.status_code == 409 and early.json()["code"] == "month_not_ended"
    client.logout()
    assert client.get(url).status_code in (401, 403)


def test_the_settlements_page_runs_a_month_for_the_kanoon(client, mehr_activity):
    personas = mehr_activity
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        client.force_login(personas.clerk_a)
        assert client.get(reverse("finance:settlements")).status_code == 403
        client.force_login(personas.kanoon_admin)
        assert client.get(reverse("finance:settlements")).status_code == 200
        response = client.post(reverse("finance:settlements"), {"year": 1404, "month": 7})
        assert response.status_code == 302
    assert SettlementRun.objects.get().offices == 2


def test_the_scheduled_task_settles_the_last_month_once(mehr_activity):
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        first = settle_last_month()
        second = settle_last_month()
    assert first == second == SettlementRun.objects.get(year=1404, month=7).pk


def test_the_scheduled_task_waits_for_a_policy(personas):
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        assert settle_last_month() is None


def test_the_settlement_command(mehr_activity, capsys):
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        call_command("settlement_run", "--year", "1404", "--month", "7")
        assert "2 offices" in capsys.readouterr().out
        with pytest.raises(CommandError):
            call_command("settlement_run", "--year", "1404")
        with pytest.raises(CommandError):
            call_command("settlement_run", "--year", "1404", "--month", "8")
