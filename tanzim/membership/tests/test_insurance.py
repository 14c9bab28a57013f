"""Insurance: enrolment with dependants, the premium split and posted once a month, the insurer's list."""

from __future__ import annotations

import pytest

from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.jalali import JalaliMonth
from tanzim.finance.choices import AccountPurpose
from tanzim.finance.ledger import balances, ledger_verify, office_accounts, system_accounts
from tanzim.membership.models import InsurancePolicy, PremiumCharge
from tanzim.membership.services.insurance import insurance_enrol, insurer_rows, premium_post
from tanzim.testing.membership import national_code

pytestmark = pytest.mark.django_db


def _policy(**overrides) -> InsurancePolicy:
    values = {
        "code": "supp-1404",
        "name_fa": "بیمه تکمیلی",
        "name_en": "Supplementary",
        "kind": "supplementary",
        "insurer": "بیمه ایران",
        "monthly_premium": 2_000_000,
        "kanoon_share_pct": 30,
        "max_dependants": 3,
    }
    values.update(overrides)
    return InsurancePolicy.objects.create(**values)


def _family():
    return [
        {"full_name": "همسر", "national_code": national_code(), "relation": "spouse"},
        {"full_name": "فرزند", "national_code": national_code(), "relation": "child"},
    ]


def test_a_manager_enrols_with_dependants_and_the_premium_is_split_and_posted_once(personas):
    policy = _policy()
    enrolment = insurance_enrol(
        actor=personas.manager_a, office=personas.office_a, policy=policy, dependants=_family()
    )
    assert enrolment.dependants.count() == 2
    month = JalaliMonth(1404, 9)
    charge = premium_post(enrolment=enrolment, month=month, actor=personas.kanoon_admin)
    assert (charge.persons, charge.member_share, charge.kanoon_share) == (3, 4_200_000, 1_800_000)
    again = premium_post(enrolment=enrolment, month=month, actor=personas.kanoon_admin)
    assert again.pk == charge.pk and PremiumCharge.objects.count() == 1
    expense = office_accounts(personas.office_a.pk, AccountPurpose.PREMIUM_EXPENSE)[
        AccountPurpose.PREMIUM_EXPENSE
    ]
    kanoon = system_accounts(
        AccountPurpose.PREMIUMS_PAYABLE, AccountPurpose.KANOON_PREMIUM_EXPENSE, AccountPurpose.SUBSIDY_EXPENSE
    )
    payable = kanoon[AccountPurpose.PREMIUMS_PAYABLE]
    share = kanoon[AccountPurpose.KANOON_PREMIUM_EXPENSE]
    subsidies = kanoon[AccountPurpose.SUBSIDY_EXPENSE]
    found = balances(accounts=[expense, payable, share, subsidies])
    assert found[expense.pk] == 4_200_000 and found[payable.pk] == 6_000_000
    # the Kanoon's share is its own premium expense, not a subsidy of free services
    assert found[share.pk] == 1_800_000 and found.get(subsidies.pk, 0) == 0
    assert ledger_verify().ok
    rows = insurer_rows(policy=policy)
    assert len(rows) == 1 + 3 and {r[3] for r in rows[1:]} == {"self", "spouse", "child"}


def test_bad_dependants_are_refused_and_nothing_is_enrolled(personas):
    policy = _policy(max_dependants=1)
    with pytest.raises(DomainError):
        insurance_enrol(
            actor=personas.manager_a, office=personas.office_a, policy=policy, dependants=_family()
        )
    policy = _policy(code="basic", kind="basic")
    twice = national_code()
    with pytest.raises(DomainError):
        insurance_enrol(
            actor=personas.manager_a,
            office=personas.office_a,
            policy=policy,
            dependants=[
                {"full_name": "الف", "national_code": twice, "relation": "child"},
                {"full_name": "ب", "national_code": twice, "relation": "child"},
                {"full_name": "ج", "national_code": "1234567890", "relation": "child"},
            ],
        )
    assert not policy.enrolments.exists()


def test_only_the_manager_enrols_once_and_only_the_kanoon_posts(personas):
    policy = _policy()
    with pytest.raises(PermissionDeniedError):
        insurance_enrol(actor=personas.clerk_a, office=personas.office_a, policy=policy, dependants=[])
    enrolment = insurance_enrol(
        actor=personas.manager_a, office=personas.office_a, policy=policy, dependants=[]
    )
    with pytest.raises(ConflictError):
        insurance_enrol(actor=personas.manager_a, office=personas.office_a, policy=policy, dependants=[])
    with pytest.raises(PermissionDeniedError):
        premium_post(enrolment=enrolment, month=JalaliMonth(1404, 9), actor=personas.manager_a)
