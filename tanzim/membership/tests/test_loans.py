"""Welfare loans: eligibility from the programme's data, the queue, the ledger's repayment schedule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.ledger import balances, ledger_verify, system_accounts
from tanzim.finance.models import Transaction
from tanzim.membership.choices import LoanStatus
from tanzim.membership.models import DuesCharge, Instalment
from tanzim.membership.selectors import loan_queue
from tanzim.membership.services import (
    instalment_pay,
    instalments_remind_arrears,
    loan_apply,
    loan_decide,
    loan_disburse,
    loan_eligibility,
)
from tanzim.membership.services.loans import schedule
from tanzim.notify.models import Message
from tanzim.offices.models import Licence
from tanzim.ranking.models import RankingPolicy, RankingResult, RankingRun
from tanzim.testing.membership import manager_of, programme

pytestmark = pytest.mark.django_db


def _member_since(office, years: int) -> None:
    Licence.objects.filter(office=office).delete()
    Licence.objects.create(
        office=office, kind="mediation", valid_from=timezone.localdate() - timedelta(days=365 * years + 5)
    )


def _rank(office, tier: str) -> None:
    policy = RankingPolicy.objects.first() or RankingPolicy.objects.create(
        version=901, indicators=[], tier_bands=[]
    )
    run = RankingRun.objects.create(
        policy=policy, period_kind="month", period_first=140401, period_last=140401, seed=1, status="approved"
    )
    RankingResult.objects.create(run=run, office=office, province=office.province, tier=tier)


def test_a_member_of_long_standing_in_a_good_tier_with_no_dues_is_eligible(personas):
    office = personas.office_a
    _member_since(office, 3)
    _rank(office, "B")
    check = loan_eligibility(programme=programme(), office=office)
    assert check.eligible and check.years == 3 and check.tier == "B"


def test_each_unmet_rule_is_a_reason(personas):
    office = personas.office_a
    _member_since(office, 1)
    _rank(office, "D")
    DuesCharge.objects.create(office=office, month=140401, amount=2_000_000, due_date=date(2020, 1, 1))
    check = loan_eligibility(programme=programme(), office=office)
    assert not check.eligible and len(check.reasons) == 3
    assert check.dues_outstanding == 2_000_000


def test_an_ineligible_member_is_refused_and_nothing_is_queued(personas):
    office = personas.office_a
    _member_since(office, 1)
    with pytest.raises(DomainError) as exc:
        loan_apply(programme=programme(), actor=personas.manager_a, office=office, amount=50_000_000)
    assert exc.value.code == "loan_ineligible"
    assert not loan_queue().exists()


def test_only_the_offices_manager_applies_and_within_the_range(personas):
    office = personas.office_a
    _member_since(office, 3)
    plan = programme(tiers=[])
    with pytest.raises(PermissionDeniedError):
        loan_apply(programme=plan, actor=personas.clerk_a, office=office, amount=50_000_000)
    with pytest.raises(DomainError):
        loan_apply(programme=plan, actor=personas.manager_a, office=office, amount=1)
    loan_apply(programme=plan, actor=personas.manager_a, office=office, amount=50_000_000)
    with pytest.raises(ConflictError):
        loan_apply(programme=plan, actor=personas.manager_a, office=office, amount=60_000_000)


def test_the_queue_is_in_the_order_applications_came(personas):
    plan = programme(tiers=[], min_membership_years=0)
    first = loan_apply(programme=plan, actor=personas.manager_a, office=personas.office_a, amount=20_000_000)
    other = manager_of(personas.office_b)
    second = loan_apply(programme=plan, actor=other, office=personas.office_b, amount=90_000_000)
    assert list(loan_queue()) == [first, second]


def test_the_schedule_repays_the_whole_amount_with_interest_on_what_is_owed():
    rows = schedule(amount=120_000_001, annual_rate_bp=1200, months=12, first_due=date(2026, 1, 20))
    assert sum(p for _d, p, _i in rows) == 120_000_001
    assert rows[0][2] == 120_000_001 * 1200 // 120000  # 1% a month on the full amount
    assert rows[-1][2] < rows[0][2]
    assert [d.month for d, _p, _i in rows[:3]] == [1, 2, 3]


def test_disbursement_and_repayment_go_through_the_ledger_and_a_second_payment_is_refused(personas):
    plan = programme(tiers=[], min_membership_years=0, term_months=3, annual_rate_bp=1200)
    loan = loan_apply(programme=plan, actor=personas.manager_a, office=personas.office_a, amount=30_000_000)
    with pytest.raises(PermissionDeniedError):
        loan_decide(loan=loan, actor=personas.province_admin_a, approve=True)
    loan_decide(loan=loan, actor=personas.kanoon_admin, approve=True, expected_status=LoanStatus.SUBMITTED)
    loan = loan_disburse(loan=loan, actor=personas.kanoon_admin)
    accounts = system_accounts(AccountPurpose.LOANS_RECEIVABLE, AccountPurpose.LOAN_INTEREST)
    receivable, interest = accounts[AccountPurpose.LOANS_RECEIVABLE], accounts[AccountPurpose.LOAN_INTEREST]
    assert balances(accounts=[receivable])[receivable.pk] == 30_000_000
    instalments = list(Instalment.objects.filter(loan=loan))
    assert [i.principal for i in instalments] == [10_000_000] * 3
    assert [i.interest for i in instalments] == [300_000, 200_000, 100_000]
    instalment_pay(instalment=instalments[0], actor=personas.manager_a)
    with pytest.raises(ConflictError) as exc:
        instalment_pay(instalment=instalments[0], actor=personas.manager_a)
    assert exc.value.code == "instalment_paid"
    for row in instalments[1:]:
        instalment_pay(instalment=row, actor=personas.kanoon_admin)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    found = balances(accounts=[receivable, interest])
    assert found[receivable.pk] == 0 and found[interest.pk] == 600_000
    assert Transaction.objects.filter(kind=TransactionKind.LOAN).count() == 4
    assert ledger_verify().ok


def test_a_rejection_needs_a_reason(personas):
    plan = programme(tiers=[], min_membership_years=0)
    loan = loan_apply(programme=plan, actor=personas.manager_a, office=personas.office_a, amount=30_000_000)
    with pytest.raises(DomainError):
        loan_decide(loan=loan, actor=personas.kanoon_admin, approve=False)
    loan = loan_decide(loan=loan, actor=personas.kanoon_admin, approve=False, reason="بودجه تمام شد")
    assert loan.status == LoanStatus.REJECTED


def test_arrears_are_reminded_once_a_week(personas):
    plan = programme(tiers=[], min_membership_years=0, term_months=2)
    loan = loan_apply(programme=plan, actor=personas.manager_a, office=personas.office_a, amount=30_000_000)
    loan_decide(loan=loan, actor=personas.kanoon_admin, approve=True)
    loan_disburse(loan=loan, actor=personas.kanoon_admin)
    first = Instalment.objects.get(loan=loan, number=1)
    late = first.due_date + timedelta(days=3)
    assert instalments_remind_arrears(today=late) == 1
    assert instalments_remind_arrears(today=late + timedelta(days=2)) == 0
    assert instalments_remind_arrears(today=late + timedelta(days=8)) == 1
    assert Message.objects.filter(template="membership.instalment_overdue").count() == 2
