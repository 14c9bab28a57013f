"""The double-entry ledger: the one place that writes ``Transaction`` and ``Entry`` rows.

Every posting is validated here (integer rials, one side per line, debits = credits); on
PostgreSQL a deferred constraint trigger checks the same at commit, and ``ledger_verify``
re-checks everything from the rows. Office accounts are created on first use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.db.models import Count, F, Model, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import jalali_year_month
from tanzim.finance.choices import (
    DEBIT_NORMAL,
    PURPOSES,
    AccountOwner,
    AccountPurpose,
    PaymentStatus,
    SettlementStatus,
    TransactionKind,
)
from tanzim.finance.models import Account, Entry, Payment, Refund, SettlementRun, Transaction

# Reversible by ``ledger_reverse``; payments are corrected by refunds, settlements are final.
REVERSIBLE_KINDS = frozenset({TransactionKind.ADJUSTMENT, TransactionKind.SUBSIDY})


@dataclass(frozen=True)
class Line:
    """One line of a posting: an account and a debit or a credit in whole rials."""

    account: Account
    debit: int = 0
    credit: int = 0


@dataclass
class Posting:
    """A transaction waiting to be written in bulk (``ledger_post_many``)."""

    lines: Sequence[Line]
    kind: str
    memo: str = ""
    reference_type: str = ""
    reference_id: str = ""
    office_id: int | None = None
    dedupe_key: str | None = None
    actor_id: int | None = None
    posted_at: datetime | None = None


def signed(account: Account, amount: int) -> Line | None:
    """A debit for a positive amount, a credit for a negative one, nothing for zero."""
    if amount > 0:
        return Line(account, debit=amount)
    if amount < 0:
        return Line(account, credit=-amount)
    return None


def lines_of(*items: Line | None) -> list[Line]:
    return [item for item in items if item is not None]


# --- accounts ---------------------------------------------------------------------------


def account_code(purpose: str, office_id: int | None = None) -> str:
    owner = PURPOSES[purpose][0]
    if owner == AccountOwner.OFFICE:
        return f"office.{office_id}.{purpose}"
    if owner == AccountOwner.CLEARING:
        return "clearing"
    return f"{owner}.{purpose}"


def ensure_accounts(keys: Iterable[tuple[int | None, str]]) -> dict[tuple[int | None, str], Account]:
    """Accounts for (office id or None, purpose) pairs, creating missing ones (race-safe)."""
    wanted = set(keys)
    for office_id, purpose in wanted:
        owner = PURPOSES[purpose][0]
        if (owner == AccountOwner.OFFICE) != (office_id is not None):
            raise ValueError(f"{purpose} needs {'an' if owner == AccountOwner.OFFICE else 'no'} office")

    def fetch() -> dict[tuple[int | None, str], Account]:
        codes = [account_code(purpose, office_id) for office_id, purpose in wanted]
        found: dict[tuple[int | None, str], Account] = {}
        for start in range(0, len(codes), 2000):
            for account in Account.objects.filter(code__in=codes[start : start + 2000]):
                found[(account.office_id, account.purpose)] = account
        return found

    found = fetch()
    missing = wanted - found.keys()
    if missing:
        Account.objects.bulk_create(
            [
                Account(
                    code=account_code(purpose, office_id),
                    kind=PURPOSES[purpose][1],
                    owner=PURPOSES[purpose][0],
                    purpose=purpose,
                    office_id=office_id,
                )
                for office_id, purpose in missing
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        found = fetch()
    return found


def office_accounts(office_id: int, *purposes: str) -> dict[str, Account]:
    accounts = ensure_accounts((office_id, p) for p in purposes)
    return {purpose: account for (_office, purpose), account in accounts.items()}


def system_accounts(*purposes: str) -> dict[str, Account]:
    accounts = ensure_accounts((None, p) for p in purposes)
    return {purpose: account for (_office, purpose), account in accounts.items()}


# --- posting ----------------------------------------------------------------------------


def _amount(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("Amounts are whole rials."), code="ledger_amount_not_int")
    if value < 0:
        raise DomainError(_("A ledger line cannot be negative."), code="ledger_amount_negative")
    return value


def validate_lines(lines: Sequence[Line]) -> list[Line]:
    """Refuse anything but a balanced set of one-sided, positive, whole-rial lines."""
    lines = list(lines)
    if len(lines) < 2:
        raise DomainError(_("A ledger transaction needs at least two lines."), code="ledger_too_few_lines")
    debits = credits = 0
    for line in lines:
        debit, credit = _amount(line.debit), _amount(line.credit)
        if (debit > 0) == (credit > 0):
            raise DomainError(
                _("Each ledger line is either a debit or a credit, and not zero."), code="ledger_line_sides"
            )
        if not isinstance(line.account, Account) or line.account.pk is None:
            raise DomainError(_("A ledger line needs a saved account."), code="ledger_line_account")
        debits += debit
        credits += credit
    if debits != credits:
        raise DomainError(
            _("Debits (%(debits)s) and credits (%(credits)s) must be equal.")
            % {"debits": debits, "credits": credits},
            code="ledger_unbalanced",
        )
    return lines


def _reference(reference: Model | tuple[str, str] | None) -> tuple[str, str]:
    if reference is None:
        return "", ""
    if isinstance(reference, Model):
        return reference._meta.label_lower, str(reference.pk)
    ref_type, ref_id = reference
    return str(ref_type)[:40], str(ref_id)[:64]


def _check_period_open(posted_at: datetime) -> None:
    """A back-dated posting may not land in a month the Kanoon has already settled."""
    if posted_at > timezone.now():
        raise DomainError(_("A ledger transaction cannot be posted in the future."), code="ledger_future")
    year, month = jalali_year_month(posted_at)
    if SettlementRun.objects.filter(year=year, month=month, status=SettlementStatus.DONE).exists():
        raise ConflictError(
            _("%(year)s/%(month)s is already settled; post the correction in the current month.")
            % {"year": year, "month": month},
            code="ledger_period_closed",
        )


@db_transaction.atomic
def ledger_post(
    *,
    lines: Sequence[Line],
    kind: str,
    memo: str,
    reference: Model | tuple[str, str] | None = None,
    dedupe_key: str | None = None,
    actor: Any = None,
    office: Any = None,
    posted_at: datetime | None = None,
    reverses: Transaction | None = None,
) -> Transaction:
    """Post one balanced transaction. With a ``dedupe_key`` posting the same event twice is a no-op.

    ``posted_at`` back-dates a posting (imports, demo data); normal postings happen now.
    """
    lines = validate_lines(lines)
    if kind not in TransactionKind.values:
        raise DomainError(_("Unknown transaction kind."), code="ledger_kind")
    if dedupe_key:
        existing = Transaction.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    if posted_at is not None:
        _check_period_open(posted_at)
    when = posted_at or timezone.now()
    ref_type, ref_id = _reference(reference)
    try:
        with db_transaction.atomic():
            txn = Transaction.objects.create(
                posted_at=when,
                kind=kind,
                memo=str(memo)[:300],
                reference_type=ref_type,
                reference_id=ref_id,
                office_id=getattr(office, "pk", office),
                dedupe_key=dedupe_key,
                actor_id=getattr(actor, "pk", actor),
                reverses=reverses,
            )
    except IntegrityError:
        if dedupe_key:
            existing = Transaction.objects.filter(dedupe_key=dedupe_key).first()
            if existing is not None:
                return existing
        raise
    Entry.objects.bulk_create(
        [
            Entry(transaction=txn, account=line.account, debit=line.debit, credit=line.credit, posted_at=when)
            for line in lines
        ]
    )
    return txn


@db_transaction.atomic
def ledger_post_many(postings: Sequence[Posting], *, batch_size: int = 2000) -> list[Transaction]:
    """Post many transactions in bulk (settlement runs, imports). Already-posted dedupe keys are skipped."""
    now = timezone.now()
    keys = [p.dedupe_key for p in postings if p.dedupe_key]
    taken: set[str] = set()
    for start in range(0, len(keys), 5000):
        found = Transaction.objects.filter(dedupe_key__in=keys[start : start + 5000])
        taken.update(key for key in found.values_list("dedupe_key", flat=True) if key)
    todo = []
    for posting in postings:
        validate_lines(posting.lines)
        if posting.kind not in TransactionKind.values:
            raise DomainError(_("Unknown transaction kind."), code="ledger_kind")
        if posting.dedupe_key and posting.dedupe_key in taken:
            continue
        if posting.dedupe_key:
            taken.add(posting.dedupe_key)
        todo.append(posting)
    created: list[Transaction] = []
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        txns = Transaction.objects.bulk_create(
            [
                Transaction(
                    posted_at=p.posted_at or now,
                    kind=p.kind,
                    memo=p.memo[:300],
                    reference_type=p.reference_type,
                    reference_id=p.reference_id,
                    office_id=p.office_id,
                    dedupe_key=p.dedupe_key,
                    actor_id=p.actor_id,
                )
                for p in chunk
            ]
        )
        Entry.objects.bulk_create(
            [
                Entry(
                    transaction=txn,
                    account=line.account,
                    debit=line.debit,
                    credit=line.credit,
                    posted_at=txn.posted_at,
                )
                for txn, p in zip(txns, chunk, strict=True)
                for line in p.lines
            ],
            batch_size=batch_size * 4,
        )
        created.extend(txns)
    return created


@db_transaction.atomic
def ledger_reverse(*, transaction: Transaction, reason: str, actor: Any) -> Transaction:
    """Post the mirror of a transaction (debits become credits). A transaction is reversed once."""
    original = Transaction.objects.select_for_update().get(pk=transaction.pk)
    if original.kind not in REVERSIBLE_KINDS:
        raise ConflictError(
            _("This kind of transaction is not reversed: payments are corrected by refunds."),
            code="ledger_not_reversible",
        )
    if Transaction.objects.filter(reverses=original).exists():
        raise ConflictError(_("This transaction has already been reversed."), code="ledger_already_reversed")
    reason = str(reason or "").strip()
    if not reason:
        raise DomainError(fields={"reason": [_("Give a reason for the reversal.")]})
    mirror = [
        Line(entry.account, debit=entry.credit, credit=entry.debit)
        for entry in original.entries.select_related("account").order_by("pk")
    ]
    reversal = ledger_post(
        lines=mirror,
        kind=TransactionKind.REVERSAL,
        memo=reason,
        reference=(original.reference_type, original.reference_id),
        dedupe_key=f"reversal:{original.pk}",
        actor=actor,
        office=original.office_id,
        reverses=original,
    )
    audit.record(
        action="finance.ledger.reversed",
        actor=actor,
        obj=reversal,
        office=original.office_id,
        data={"reverses": original.pk, "reason": reason[:200]},
    )
    return reversal


# --- reading balances -------------------------------------------------------------------


def natural_balance(kind: str, debit: int, credit: int) -> int:
    """The balance on an account's normal side: debit − credit for assets and expenses."""
    return debit - credit if kind in DEBIT_NORMAL else credit - debit


def balances(*, accounts: Iterable[Account] | None = None, before: datetime | None = None) -> dict[int, int]:
    """Natural balances by account id, optionally as at an instant."""
    entries = Entry.objects.all()
    if accounts is not None:
        entries = entries.filter(account__in=list(accounts))
    if before is not None:
        entries = entries.filter(posted_at__lt=before)
    rows = entries.values("account_id", "account__kind").annotate(d=Sum("debit"), c=Sum("credit"))
    return {
        row["account_id"]: natural_balance(row["account__kind"], row["d"] or 0, row["c"] or 0) for row in rows
    }


# --- verification -----------------------------------------------------------------------


@dataclass
class LedgerReport:
    transactions: int = 0
    entries: int = 0
    total_debits: int = 0
    total_credits: int = 0
    payments_checked: int = 0
    trial_balance: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# Accounts whose balance can never be negative if refunds never exceed what was paid.
NEVER_NEGATIVE = (
    AccountPurpose.CLEARING,
    AccountPurpose.COURT_FEES,
    AccountPurpose.FEE_REVENUE,
    AccountPurpose.SUBSIDY_REVENUE,
)


def _check_entries(report: LedgerReport) -> None:
    report.transactions = Transaction.objects.count()
    totals = Entry.objects.aggregate(n=Count("pk"), d=Sum("debit"), c=Sum("credit"))
    report.entries = totals["n"] or 0
    report.total_debits, report.total_credits = totals["d"] or 0, totals["c"] or 0
    if report.total_debits != report.total_credits:
        report.problems.append(
            f"the ledger as a whole is unbalanced: debits {report.total_debits}, "
            f"credits {report.total_credits}"
        )
    bad_sides = Entry.objects.exclude((Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)))
    for entry_id in bad_sides.values_list("pk", flat=True)[:20]:
        report.problems.append(f"entry {entry_id} is not exactly one positive side")
    unbalanced = (
        Transaction.objects.annotate(d=Sum("entries__debit"), c=Sum("entries__credit"), n=Count("entries"))
        .filter(~Q(d=F("c")) | Q(n__lt=2) | Q(d__isnull=True))
        .values_list("pk", "d", "c", "n")
    )
    for pk, debit, credit, count in unbalanced[:50]:
        report.problems.append(
            f"transaction {pk} is unbalanced: debits {debit}, credits {credit}, {count} lines"
        )
    moved = Entry.objects.exclude(posted_at=F("transaction__posted_at")).values_list("pk", flat=True)
    for entry_id in moved[:20]:
        report.problems.append(f"entry {entry_id} has another date than its transaction")


def _check_balances(report: LedgerReport) -> None:
    by_purpose: dict[str, int] = defaultdict(int)
    rows = Entry.objects.values("account_id", "account__code", "account__kind", "account__purpose").annotate(
        d=Sum("debit"), c=Sum("credit")
    )
    for row in rows:
        balance = natural_balance(row["account__kind"], row["d"] or 0, row["c"] or 0)
        by_purpose[row["account__purpose"]] += balance
        if row["account__purpose"] in NEVER_NEGATIVE and balance < 0:
            report.problems.append(f"account {row['account__code']} has a negative balance {balance}")
    report.trial_balance = dict(sorted(by_purpose.items()))


def _check_reversals(report: LedgerReport) -> None:
    reversals = Transaction.objects.filter(reverses__isnull=False).values_list("pk", "reverses_id")
    for start_pairs in _chunks(list(reversals), 500):
        ids = [pk for pair in start_pairs for pk in pair]
        sides: dict[int, dict[int, tuple[int, int]]] = defaultdict(lambda: defaultdict(lambda: (0, 0)))
        for txn_id, account_id, debit, credit in Entry.objects.filter(transaction_id__in=ids).values_list(
            "transaction_id", "account_id", "debit", "credit"
        ):
            d, c = sides[txn_id][account_id]
            sides[txn_id][account_id] = (d + debit, c + credit)
        for reversal_id, original_id in start_pairs:
            mirrored = {acc: (c, d) for acc, (d, c) in sides[original_id].items()}
            if dict(sides[reversal_id]) != mirrored:
                report.problems.append(
                    f"transaction {reversal_id} does not mirror the transaction it reverses"
                )


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_payments(report: LedgerReport) -> None:
    """The payment records and the ledger tell the same story."""
    captured = Payment.objects.filter(status=PaymentStatus.CAPTURED)
    report.payments_checked = captured.count()
    missing = captured.filter(amount__gt=0, transaction__isnull=True).values_list("pk", flat=True)
    for pk in missing[:20]:
        report.problems.append(f"captured payment {pk} has no ledger transaction")
    no_subsidy = captured.filter(subsidy__gt=0, subsidy_transaction__isnull=True).values_list("pk", flat=True)
    for pk in no_subsidy[:20]:
        report.problems.append(f"captured payment {pk} has a subsidy but no subsidy transaction")
    stray = Payment.objects.exclude(status=PaymentStatus.CAPTURED).filter(
        Q(transaction__isnull=False) | Q(subsidy_transaction__isnull=False)
    )
    for pk in stray.values_list("pk", flat=True)[:20]:
        report.problems.append(f"payment {pk} is not captured but has ledger transactions")
    wrong_amount = (
        captured.filter(transaction__isnull=False)
        .annotate(posted=Sum("transaction__entries__debit"))
        .exclude(posted=F("amount"))
        .values_list("pk", flat=True)
    )
    for pk in wrong_amount[:20]:
        report.problems.append(f"payment {pk}: its ledger transaction does not carry its amount")
    refunded = Refund.objects.values("payment_id", "part").annotate(total=Sum("amount"))
    sums: dict[int, dict[str, int]] = defaultdict(lambda: {"office_fee": 0, "court_fee": 0})
    for row in refunded:
        sums[row["payment_id"]][row["part"]] = row["total"]
    with_refunds = Payment.objects.filter(
        Q(office_fee_refunded__gt=0) | Q(court_fee_refunded__gt=0)
    ).values_list("pk", "office_fee_refunded", "court_fee_refunded")
    seen = set()
    for pk, office_refunded, court_refunded in with_refunds.iterator():
        seen.add(pk)
        if sums[pk]["office_fee"] != office_refunded or sums[pk]["court_fee"] != court_refunded:
            report.problems.append(f"payment {pk}: refunds do not add up to what it says was refunded")
    for pk in set(sums) - seen:
        report.problems.append(f"payment {pk}: has refunds it does not record")
    refund_posted = (
        Refund.objects.annotate(posted=Sum("transaction__entries__debit"))
        .exclude(posted=F("amount"))
        .values_list("pk", flat=True)
    )
    for pk in refund_posted[:20]:
        report.problems.append(f"refund {pk}: its ledger transaction does not carry its amount")


def ledger_verify() -> LedgerReport:
    """Recompute the ledger from its rows: balanced transactions, balances, payments and refunds."""
    report = LedgerReport()
    _check_entries(report)
    _check_balances(report)
    _check_reversals(report)
    _check_payments(report)
    return report
