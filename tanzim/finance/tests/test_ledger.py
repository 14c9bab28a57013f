from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from tanzim.common.errors import ConflictError, DomainError
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.ledger import (
    Line,
    balances,
    ensure_accounts,
    ledger_post,
    ledger_reverse,
    ledger_verify,
    office_accounts,
    system_accounts,
)
from tanzim.finance.models import Account, Entry, Transaction
from tanzim.finance.services import settlement_run
from tanzim.testing.finance import AFTER_MEHR_1404, IN_MEHR_1404

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(personas):
    office = office_accounts(
        personas.office_a.pk, AccountPurpose.FEE_REVENUE, AccountPurpose.KANOON_RECEIVABLE
    )
    system = system_accounts(
        AccountPurpose.CLEARING, AccountPurpose.COURT_FEES, AccountPurpose.SUBSIDY_EXPENSE
    )
    return {**office, **system}


def test_it_posts_a_balanced_transaction_and_the_balances_follow(accounts):
    txn = ledger_post(
        lines=[
            Line(accounts[AccountPurpose.CLEARING], debit=1_000),
            Line(accounts[AccountPurpose.FEE_REVENUE], credit=700),
            Line(accounts[AccountPurpose.COURT_FEES], credit=300),
        ],
        kind=TransactionKind.PAYMENT,
        memo="test",
        reference=("tests.thing", "1"),
    )
    assert txn.entries.count() == 3
    assert {e.posted_at for e in txn.entries.all()} == {txn.posted_at}
    found = balances(accounts=accounts.values())
    assert found[accounts[AccountPurpose.CLEARING].pk] == 1_000
    assert found[accounts[AccountPurpose.FEE_REVENUE].pk] == 700
    assert found[accounts[AccountPurpose.COURT_FEES].pk] == 300


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([("clearing", 100, 0), ("fee", 0, 90)], "ledger_unbalanced"),
        ([("clearing", 100, 0)], "ledger_too_few_lines"),
        ([("clearing", 100, 100), ("fee", 0, 0)], "ledger_line_sides"),
        ([("clearing", 0, 0), ("fee", 0, 0)], "ledger_line_sides"),
        ([("clearing", -100, 0), ("fee", -100, 0)], "ledger_amount_negative"),
        ([("clearing", 100.0, 0), ("fee", 0, 100.0)], "ledger_amount_not_int"),
        ([("clearing", True, 0), ("fee", 0, True)], "ledger_amount_not_int"),
    ],
)
def test_it_refuses_a_posting_that_is_not_balanced_whole_one_sided_rials(accounts, lines, code):
    names = {"clearing": accounts[AccountPurpose.CLEARING], "fee": accounts[AccountPurpose.FEE_REVENUE]}
    with pytest.raises(DomainError) as exc:
        ledger_post(
            lines=[Line(names[n], debit=d, credit=c) for n, d, c in lines],
            kind=TransactionKind.ADJUSTMENT,
            memo="bad",
        )
    assert exc.value.code == code
    assert Transaction.objects.count() == 0


def test_it_refuses_an_unknown_kind(accounts):
    with pytest.raises(DomainError):
        ledger_post(
            lines=[
                Line(accounts[AccountPurpose.CLEARING], debit=1),
                Line(accounts[AccountPurpose.FEE_REVENUE], credit=1),
            ],
            kind="gift",
            memo="",
        )


def test_posting_the_same_event_twice_is_a_no_op(accounts):
    lines = [
        Line(accounts[AccountPurpose.CLEARING], debit=5),
        Line(accounts[AccountPurpose.FEE_REVENUE], credit=5),
    ]
    first = ledger_post(lines=lines, kind=TransactionKind.ADJUSTMENT, memo="a", dedupe_key="event:1")
    second = ledger_post(lines=lines, kind=TransactionKind.ADJUSTMENT, memo="a", dedupe_key="event:1")
    assert first.pk == second.pk
    assert Entry.objects.count() == 2


def test_a_reversal_mirrors_the_original_and_happens_only_once(accounts, personas):
    original = ledger_post(
        lines=[
            Line(accounts[AccountPurpose.KANOON_RECEIVABLE], debit=40),
            Line(accounts[AccountPurpose.SUBSIDY_EXPENSE], debit=60),
            Line(accounts[AccountPurpose.FEE_REVENUE], credit=100),
        ],
        kind=TransactionKind.ADJUSTMENT,
        memo="wrong",
    )
    reversal = ledger_reverse(transaction=original, reason="typo", actor=personas.kanoon_admin)
    assert reversal.reverses_id == original.pk
    mirrored = {(e.account_id, e.credit, e.debit) for e in original.entries.all()}
    assert {(e.account_id, e.debit, e.credit) for e in reversal.entries.all()} == mirrored
    assert all(v == 0 for v in balances(accounts=accounts.values()).values())
    with pytest.raises(ConflictError) as exc:
        ledger_reverse(transaction=original, reason="again", actor=personas.kanoon_admin)
    assert exc.value.code == "ledger_already_reversed"


def test_a_reversal_needs_a_reason(accounts, personas):
    txn = ledger_post(
        lines=[
            Line(accounts[AccountPurpose.CLEARING], debit=1),
            Line(accounts[AccountPurpose.FEE_REVENUE], credit=1),
        ],
        kind=TransactionKind.ADJUSTMENT,
        memo="",
    )
    with pytest.raises(DomainError) as exc:
        ledger_reverse(transaction=txn, reason="  ", actor=personas.kanoon_admin)
    assert "reason" in exc.value.fields


def test_payments_are_not_reversed_but_refunded(accounts, personas):
    txn = ledger_post(
        lines=[
            Line(accounts[AccountPurpose.CLEARING], debit=1),
            Line(accounts[AccountPurpose.FEE_REVENUE], credit=1),
        ],
        kind=TransactionKind.PAYMENT,
        memo="",
    )
    with pytest.raises(ConflictError) as exc:
        ledger_reverse(transaction=txn, reason="undo", actor=personas.kanoon_admin)
    assert exc.value.code == "ledger_not_reversible"


def test_entries_and_transactions_cannot_be_edited(accounts):
    txn = ledger_post(
        lines=[
            Line(accounts[AccountPurpose.CLEARING], debit=9),
            Line(accounts[AccountPurpose.FEE_REVENUE], credit=9),
        ],
        kind=TransactionKind.ADJUSTMENT,
        memo="",
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(transaction=txn).update(debit=10)
    with pytest.raises(DatabaseError), transaction.atomic():
        Transaction.objects.filter(pk=txn.pk).update(memo="changed")
    assert sorted(Entry.objects.filter(transaction=txn).values_list("debit", flat=True)) == [0, 9]


def test_accounts_are_created_once_whoever_asks(personas):
    first = ensure_accounts(
        {(personas.office_a.pk, AccountPurpose.FEE_REVENUE), (None, AccountPurpose.CLEARING)}
    )
    second = ensure_accounts(
        {(personas.office_a.pk, AccountPurpose.FEE_REVENUE), (None, AccountPurpose.CLEARING)}
    )
    assert {a.pk for a in first.values()} == {a.pk for a in second.values()}
    assert Account.objects.count() == 2
    clearing = first[(None, AccountPurpose.CLEARING)]
    assert (clearing.code, clearing.kind) == ("clearing", "asset")
    with pytest.raises(ValueError):
        ensure_accounts({(None, AccountPurpose.FEE_REVENUE)})


def test_a_back_dated_posting_cannot_land_in_a_settled_month(accounts, policy):
    lines = [
        Line(accounts[AccountPurpose.CLEARING], debit=1),
        Line(accounts[AccountPurpose.FEE_REVENUE], credit=1),
    ]
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        settlement_run(year=1404, month=7, actor=None)
        with pytest.raises(ConflictError) as exc:
            ledger_post(lines=lines, kind=TransactionKind.ADJUSTMENT, memo="", posted_at=IN_MEHR_1404)
        assert exc.value.code == "ledger_period_closed"
        with pytest.raises(DomainError) as exc:
            ledger_post(
                lines=lines,
                kind=TransactionKind.ADJUSTMENT,
                memo="",
                posted_at=timezone.now() + timedelta(days=1),
            )
        assert exc.value.code == "ledger_future"
        # The open month still takes back-dated postings (imports, corrections).
        ledger_post(
            lines=lines,
            kind=TransactionKind.ADJUSTMENT,
            memo="",
            posted_at=timezone.now() - timedelta(days=1),
        )


class _Undo(Exception):
    """Rolls the corrupted rows back (a savepoint), so PostgreSQL's commit-time check never sees them."""


def test_verification_finds_a_transaction_written_behind_the_services_back(accounts):
    with pytest.raises(_Undo), transaction.atomic():
        txn = Transaction.objects.create(posted_at=timezone.now(), kind=TransactionKind.ADJUSTMENT)
        Entry.objects.create(
            transaction=txn, account=accounts[AccountPurpose.CLEARING], debit=10, posted_at=txn.posted_at
        )
        Entry.objects.create(
            transaction=txn, account=accounts[AccountPurpose.FEE_REVENUE], credit=9, posted_at=txn.posted_at
        )
        report = ledger_verify()
        assert not report.ok
        assert any(f"transaction {txn.pk} is unbalanced" in p for p in report.problems)
        with pytest.raises(CommandError):
            call_command("ledger_verify")
        raise _Undo
    assert ledger_verify().ok


def test_the_verify_command_reports_a_balanced_ledger(accounts, capsys):
    ledger_post(
        lines=[
            Line(accounts[AccountPurpose.CLEARING], debit=3),
            Line(accounts[AccountPurpose.FEE_REVENUE], credit=3),
        ],
        kind=TransactionKind.ADJUSTMENT,
        memo="",
    )
    call_command("ledger_verify", "--balances")
    out = capsys.readouterr().out
    assert "The ledger is balanced." in out
    assert "clearing" in out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_an_unbalanced_transaction_at_commit(personas):
    accounts = office_accounts(personas.office_a.pk, AccountPurpose.FEE_REVENUE)
    clearing = system_accounts(AccountPurpose.CLEARING)[AccountPurpose.CLEARING]
    with pytest.raises(IntegrityError), transaction.atomic():
        txn = Transaction.objects.create(posted_at=timezone.now(), kind=TransactionKind.ADJUSTMENT)
        Entry.objects.create(transaction=txn, account=clearing, debit=10, posted_at=txn.posted_at)
        Entry.objects.create(
            transaction=txn, account=accounts[AccountPurpose.FEE_REVENUE], credit=9, posted_at=txn.posted_at
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(posted_at=timezone.now(), kind=TransactionKind.ADJUSTMENT)
    assert Transaction.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_deleting_ledger_rows(personas):
    accounts = office_accounts(personas.office_a.pk, AccountPurpose.FEE_REVENUE)
    clearing = system_accounts(AccountPurpose.CLEARING)[AccountPurpose.CLEARING]
    txn = ledger_post(
        lines=[Line(clearing, debit=4), Line(accounts[AccountPurpose.FEE_REVENUE], credit=4)],
        kind=TransactionKind.ADJUSTMENT,
        memo="",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(transaction=txn).delete()
    assert Entry.objects.filter(transaction=txn).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_posts_the_same_dedupe_key_once_from_many_threads(personas):
    accounts = office_accounts(personas.office_a.pk, AccountPurpose.FEE_REVENUE)
    clearing = system_accounts(AccountPurpose.CLEARING)[AccountPurpose.CLEARING]
    lines = [Line(clearing, debit=4), Line(accounts[AccountPurpose.FEE_REVENUE], credit=4)]
    barrier = threading.Barrier(8)
    ids, errors = [], []

    def post():
        try:
            barrier.wait()
            ids.append(
                ledger_post(lines=lines, kind=TransactionKind.ADJUSTMENT, memo="", dedupe_key="once").pk
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 1
    assert Transaction.objects.filter(dedupe_key="once").count() == 1
