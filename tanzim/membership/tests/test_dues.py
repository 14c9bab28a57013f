"""Membership dues through the ledger: the office's statement shows them, the Kanoon earns them once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.jalali import JalaliMonth, tehran_date
from tanzim.finance.choices import AccountPurpose
from tanzim.finance.ledger import balances, ledger_verify, office_accounts, system_accounts
from tanzim.finance.models import Transaction
from tanzim.finance.selectors import office_statement
from tanzim.membership.models import DuesCharge
from tanzim.membership.services.dues import dues_charge, dues_record_paid
from tanzim.membership.services.loans import dues_outstanding

pytestmark = pytest.mark.django_db


def test_dues_charged_show_on_the_office_statement_and_are_earned_once(personas):
    office = personas.office_a
    month = JalaliMonth.of(tehran_date(timezone.now()))
    charge = dues_charge(office=office, month=month, amount=3_000_000, actor=personas.kanoon_admin)
    again = dues_charge(office=office, month=month, amount=3_000_000, actor=personas.kanoon_admin)
    assert again.pk == charge.pk and DuesCharge.objects.count() == 1
    assert Transaction.objects.filter(kind="dues").count() == 1
    expense = office_accounts(office.pk, AccountPurpose.DUES_EXPENSE)[AccountPurpose.DUES_EXPENSE]
    revenue = system_accounts(AccountPurpose.DUES_REVENUE)[AccountPurpose.DUES_REVENUE]
    found = balances(accounts=[expense, revenue])
    assert found[expense.pk] == 3_000_000 and found[revenue.pk] == 3_000_000
    statement = office_statement(
        user=personas.kanoon_admin, office=office, year=month.year, month=month.month
    )
    dues = [line for line in statement.others if line.purpose == AccountPurpose.DUES_EXPENSE]
    assert len(dues) == 1 and dues[0].amount == -3_000_000
    # another office's statement has no dues line
    other = office_statement(
        user=personas.kanoon_admin, office=personas.office_b, year=month.year, month=month.month
    )
    assert not [line for line in other.others if line.purpose == AccountPurpose.DUES_EXPENSE]
    assert ledger_verify().problems == []


def test_paying_the_dues_is_recorded_once_and_posts_nothing_more(personas):
    office = personas.office_a
    month = JalaliMonth.of(tehran_date(timezone.now())).shift(-2)
    charge = dues_charge(
        office=office,
        month=month,
        amount=2_000_000,
        actor=personas.kanoon_admin,
        due_date=tehran_date(timezone.now()) - timedelta(days=1),
    )
    today = tehran_date(timezone.now())
    assert dues_outstanding(office, today) == 2_000_000
    paid = dues_record_paid(charge=charge, actor=personas.kanoon_admin, reference="TR-9001")
    assert paid.paid_at is not None and paid.paid_reference == "TR-9001"
    with pytest.raises(ConflictError) as twice:
        dues_record_paid(charge=charge, actor=personas.kanoon_admin, reference="TR-9001")
    assert twice.value.code == "dues_paid"
    assert dues_outstanding(office, today) == 0
    assert Transaction.objects.filter(kind="dues").count() == 1
    revenue = system_accounts(AccountPurpose.DUES_REVENUE)[AccountPurpose.DUES_REVENUE]
    assert balances(accounts=[revenue])[revenue.pk] == 2_000_000
    assert ledger_verify().problems == []


def test_only_the_kanoon_charges_and_bad_amounts_are_refused(personas):
    month = JalaliMonth.of(tehran_date(timezone.now()))
    with pytest.raises(PermissionDeniedError):
        dues_charge(office=personas.office_a, month=month, amount=1_000, actor=personas.manager_a)
    for amount in (0, -5, "1000", True):
        with pytest.raises(DomainError):
            dues_charge(office=personas.office_a, month=month, amount=amount, actor=personas.kanoon_admin)
    charge = dues_charge(office=personas.office_a, month=month, amount=1_000, actor=personas.kanoon_admin)
    with pytest.raises(PermissionDeniedError):
        dues_record_paid(charge=charge, actor=personas.manager_a, reference="X")
    with pytest.raises(DomainError):
        dues_record_paid(charge=charge, actor=personas.kanoon_admin, reference="  ")
    assert not DuesCharge.objects.filter(paid_at__isnull=False).exists()
    assert Transaction.objects.filter(kind="dues").count() == 1
