"""Races on PostgreSQL: two applicants after the last place in a county; an instalment paid twice at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tanzim.common.errors import ConflictError
from tanzim.finance.models import Transaction
from tanzim.membership.choices import Step
from tanzim.membership.models import Application, Instalment
from tanzim.membership.services import instalment_pay, loan_apply, loan_decide, loan_disburse, place_choose
from tanzim.testing.membership import advance, applicant, place, programme

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(calls):
    barrier = threading.Barrier(len(calls))
    won, lost, errors = [], [], []

    def run(call):
        try:
            barrier.wait()
            won.append(call())
        except ConflictError as exc:
            lost.append(exc)
        except Exception as exc:  # pragma: no cover - reported by the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won, lost, errors


def test_two_applicants_on_the_last_place_one_wins(personas):
    last = place("THR-06", seats=1)
    rivals = [
        advance(applicant(), Step.PLACE, kanoon=personas.kanoon_admin, inspector=personas.inspector)
        for _ in range(2)
    ]
    won, lost, errors = _race(
        [lambda a=a: place_choose(application=a, actor=a.user, place=last) for a in rivals]
    )
    assert errors == [] and len(won) == 1 and len(lost) == 1
    assert lost[0].code == "place_full"
    last.refresh_from_db()
    assert last.taken == 1
    assert Application.objects.filter(place=last, status=Step.PREMISES).count() == 1


def test_an_instalment_paid_twice_at_once_is_posted_once(personas):
    plan = programme(tiers=[], min_membership_years=0, term_months=2)
    loan = loan_apply(programme=plan, actor=personas.manager_a, office=personas.office_a, amount=20_000_000)
    loan_decide(loan=loan, actor=personas.kanoon_admin, approve=True)
    loan_disburse(loan=loan, actor=personas.kanoon_admin)
    first = Instalment.objects.get(loan=loan, number=1)
    won, lost, errors = _race([lambda: instalment_pay(instalment=first, actor=personas.manager_a)] * 2)
    assert errors == [] and len(won) == 1 and len(lost) == 1
    assert (
        Transaction.objects.filter(reference_type="membership.instalment", reference_id=str(first.pk)).count()
        == 1
    )
