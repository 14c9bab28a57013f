from __future__ import annotations

import pytest

from tanzim.finance.demo import seed_finance
from tanzim.finance.models import Payment, SettlementRun, Transaction
from tanzim.finance.selectors import last_ended_month, office_statement

pytestmark = pytest.mark.django_db


def test_the_demo_money_is_seeded_once_and_the_statements_are_not_empty(personas):
    offices = [personas.office_a, personas.office_b]
    first = seed_finance(offices=offices)
    payments, transactions = Payment.objects.count(), Transaction.objects.count()
    assert first["payments"] == payments == 2 * 2 * 12
    again = seed_finance(offices=offices)
    assert again["payments"] == 0
    assert (Payment.objects.count(), Transaction.objects.count()) == (payments, transactions)
    last = last_ended_month()
    year, month = last.year, last.month
    run = SettlementRun.objects.get(year=year, month=month)
    assert run.status == "done" and run.offices == 2
    statement = office_statement(user=personas.manager_a, office=personas.office_a, year=year, month=month)
    assert statement.settled and statement.payments > 0 and statement.revenue > 0
