"""Money: collections held for the creditors, the 5% fee (halved on settlement, owed only after the
debtor's 10 days), the distribution schedule by priority classes, the surplus to the debtor.

Postings (all through ``tanzim.finance.ledger``):

- collection: Dr CLEARING / Cr ENFORCEMENT_HELD (kind ENFORCEMENT);
- payout of a schedule: Dr ENFORCEMENT_HELD (what it distributes) / Cr ENFORCEMENT_FEES (the fee)
  / Cr CLEARING (to the creditors' and the debtor's bank accounts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import tehran_date
from tanzim.enforcement import access
from tanzim.enforcement.access import COURT, OFFICE
from tanzim.enforcement.choices import (
    AssetStatus,
    CollectionSource,
    FileStatus,
    Outcome,
    PartyRole,
    PlanStatus,
    ScheduleStatus,
    Step,
)
from tanzim.enforcement.models import (
    Asset,
    Collection,
    EnforcementFile,
    FileParty,
    InstalmentPlan,
    Schedule,
    ScheduleLine,
)
from tanzim.enforcement.rules import fee_amount
from tanzim.enforcement.services._common import lock_file, move_file, require_open, tell_parties
from tanzim.enforcement.services.files import handles, step_perform
from tanzim.enforcement.workflows import PLAN, SCHEDULE
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.ledger import Line, ledger_post, lines_of, system_accounts

ACCOUNTS = (AccountPurpose.CLEARING, AccountPurpose.ENFORCEMENT_HELD, AccountPurpose.ENFORCEMENT_FEES)


def collection_post(
    *,
    file: EnforcementFile,
    amount: int,
    source: str,
    actor: Any,
    dedupe_key: str | None = None,
    when: Any = None,
    from_purpose: str = AccountPurpose.CLEARING,
) -> Collection:
    """Post money received for the file (the caller holds the file's lock)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(
            fields={"amount": [_("Enter an amount in whole rials, more than zero.")]}, code="amount"
        )
    if source not in CollectionSource.values:
        raise DomainError(fields={"source": [_("Choose where the money came from.")]}, code="source")
    accounts = system_accounts(*ACCOUNTS, from_purpose)
    txn = ledger_post(
        lines=[
            Line(accounts[from_purpose], debit=amount),
            Line(accounts[AccountPurpose.ENFORCEMENT_HELD], credit=amount),
        ],
        kind=TransactionKind.AUCTION
        if from_purpose == AccountPurpose.AUCTION_DEPOSITS
        else TransactionKind.ENFORCEMENT,
        memo=f"Enforcement {file.number}: {source}",
        reference=("enforcement.file", str(file.pk)),
        dedupe_key=dedupe_key,
        actor=actor,
        office=file.office_id,
        posted_at=when,
    )
    return collection_attach(file=file, txn=txn, amount=amount, source=source, actor=actor)


def collection_attach(*, file: EnforcementFile, txn: Any, amount: int, source: str, actor: Any) -> Collection:
    """The Collection of money the ledger already holds for the file (``txn`` credited
    ENFORCEMENT_HELD). Once per transaction: a second call returns the first collection."""
    existing = Collection.objects.filter(transaction=txn).first()
    if existing is not None:
        return existing
    collection = Collection.objects.create(
        file=file,
        source=source,
        amount=amount,
        transaction=txn,
        recorded_by=actor,
        collected_at=txn.posted_at,
    )
    if file.first_payment_at is None:
        EnforcementFile.objects.filter(pk=file.pk, first_payment_at__isnull=True).update(
            first_payment_at=txn.posted_at
        )
    audit.record(
        action="enforcement.collection.recorded",
        actor=actor,
        obj=collection,
        office=file.office_id,
        data={"amount": amount, "source": source},
    )
    tell_parties(
        file, _("%(amount)s rials were collected.") % {"amount": amount}, key=f"collected:{collection.pk}"
    )
    return collection


def collection_record(*, file: EnforcementFile, actor: Any, amount: int, source: str) -> Collection:
    """The office or the court records money paid in (at the counter, by the bank, by the employer)."""
    access.require(actor, file, COURT, OFFICE)
    with transaction.atomic():
        locked = lock_file(file)
        require_open(locked)
        if locked.status in (FileStatus.REQUESTED, FileStatus.WRIT_ISSUED):
            raise ConflictError(_("Money is collected once the writ is served."), code="not_served")
        return collection_post(file=locked, amount=amount, source=source, actor=actor)


# --- balances -------------------------------------------------------------------------------------


def held(file: EnforcementFile) -> int:
    """Collected and not yet distributed."""
    collected = Collection.objects.filter(file=file).aggregate(s=Sum("amount"))["s"] or 0
    distributed = (
        Schedule.objects.filter(file=file, status=ScheduleStatus.PAID).aggregate(s=Sum("collected"))["s"] or 0
    )
    return collected - distributed


def owed(file: EnforcementFile) -> dict[int, int]:
    """party id → what each creditor is still owed."""
    paid: dict[int, int] = defaultdict(int)
    for party_id, amount in ScheduleLine.objects.filter(
        schedule__file=file, schedule__status=ScheduleStatus.PAID
    ).values_list("party_id", "amount"):
        paid[party_id] += amount
    for party_id, amount in Asset.objects.filter(
        file=file, status=AssetStatus.TAKEN, taken_by__isnull=False
    ).values_list("taken_by_id", "taken_amount"):
        paid[party_id] += amount  # property taken at its valuation (CJEA 136)
    return {
        party.pk: party.claim - paid[party.pk]
        for party in FileParty.objects.filter(file=file, role=PartyRole.CREDITOR)
    }


def fee_is_owed(file: EnforcementFile) -> bool:
    """The fee is owed once the 10 days from service have passed (CJEA 160): money all paid in
    by the end of the debtor's window (on the working calendar) owes none."""
    if file.debtor_window_due is None:
        return False
    whens = Collection.objects.filter(file=file).values_list("collected_at", flat=True)
    return any(tehran_date(when) > file.debtor_window_due for when in whens)


def distribute(*, amount: int, creditors: list[tuple[int, int, int]]) -> tuple[dict[int, int], int]:
    """Share ``amount`` among (party id, priority class, owed): class by class, in full while the money
    lasts, pro rata inside the class where it runs out (largest remainders get the odd rials).
    Returns (party id → amount, surplus)."""
    shares: dict[int, int] = {}
    left = amount
    by_class: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for party_id, klass, debt in creditors:
        by_class[klass].append((party_id, max(0, debt)))
    for klass in sorted(by_class):
        members = by_class[klass]
        total = sum(debt for _p, debt in members)
        if left >= total:
            for party_id, debt in members:
                shares[party_id] = debt
            left -= total
            continue
        exact = [
            (party_id, debt * left // total if total else 0, debt * left % total if total else 0)
            for party_id, debt in members
        ]
        rest = left - sum(share for _p, share, _r in exact)
        for party_id, share, _r in exact:
            shares[party_id] = share
        for party_id, _share, _r in sorted(exact, key=lambda row: (-row[2], row[0]))[:rest]:
            shares[party_id] += 1
        left = 0
    for party_id, _klass, _debt in creditors:
        shares.setdefault(party_id, 0)
    return shares, left


def schedule_quote(file: EnforcementFile) -> dict[str, Any]:
    """The schedule the law gives for the money held now: fee, each creditor's share, surplus."""
    amount = held(file)
    debts = owed(file)
    classes = dict(
        FileParty.objects.filter(file=file, role=PartyRole.CREDITOR).values_list("pk", "priority_class")
    )
    base = min(amount, sum(debts.values()))
    fee, rate = fee_amount(base=base, settled=file.settled) if fee_is_owed(file) else (0, 0)
    shares, surplus = distribute(
        amount=amount - fee, creditors=[(pk, classes[pk], debts[pk]) for pk in debts]
    )
    return {
        "collected": amount,
        "fee": fee,
        "fee_rate_bp": rate,
        "shares": shares,
        "surplus": surplus,
        "owed": debts,
        "classes": classes,
    }


def schedule_prepare(
    *, file: EnforcementFile, actor: Any, shares: Mapping[int, int] | None = None, surplus: int | None = None
) -> Schedule:
    """Draw up the distribution schedule. Given ``shares``/``surplus`` (a schedule typed by hand),
    they must add up with the fee to the money held, or it is refused."""
    access.require(actor, file, COURT, OFFICE)
    with transaction.atomic():
        locked = lock_file(file)
        require_open(locked)
        quote = schedule_quote(locked)
        if quote["collected"] <= 0:
            raise ConflictError(_("No money is held for this file."), code="nothing_held")
        final_shares = {int(k): int(v) for k, v in (shares or quote["shares"]).items()}
        final_surplus = quote["surplus"] if surplus is None else int(surplus)
        errors: list[Any] = []
        if set(final_shares) != set(quote["owed"]):
            errors.append(_("Give a share for every creditor of the file."))
        elif any(v < 0 or v > quote["owed"][k] for k, v in final_shares.items()):
            errors.append(_("A share cannot be negative or more than what the creditor is owed."))
        total = sum(final_shares.values()) + quote["fee"] + final_surplus
        if total != quote["collected"]:
            errors.append(
                _("The schedule adds up to %(total)s rials, but %(collected)s rials are held.")
                % {"total": total, "collected": quote["collected"]}
            )
        if final_surplus < 0 or (
            final_surplus > 0 and any(final_shares[k] < quote["owed"][k] for k in final_shares)
        ):
            errors.append(_("The debtor gets a surplus only after every creditor is paid in full."))
        if errors:
            raise DomainError(errors[0], fields={"shares": errors}, code="schedule_does_not_add_up")
        if Schedule.objects.filter(file=locked, status=ScheduleStatus.DRAFT).exists():
            raise ConflictError(_("A schedule is already waiting to be paid."), code="schedule_exists")
        schedule = Schedule.objects.create(
            file=locked,
            collected=quote["collected"],
            fee=quote["fee"],
            fee_rate_bp=quote["fee_rate_bp"],
            surplus=final_surplus,
            prepared_by=actor,
        )
        ScheduleLine.objects.bulk_create(
            ScheduleLine(
                schedule=schedule,
                party_id=party_id,
                priority_class=quote["classes"][party_id],
                claim=quote["owed"][party_id],
                amount=amount,
            )
            for party_id, amount in final_shares.items()
        )
        if locked.status != FileStatus.DISTRIBUTING:
            move_file(locked, FileStatus.DISTRIBUTING, actor)
        audit.record(
            action="enforcement.schedule.draft",
            actor=actor,
            obj=schedule,
            office=locked.office_id,
            data={"collected": schedule.collected, "fee": schedule.fee, "surplus": schedule.surplus},
        )
    return schedule


def schedule_pay(*, schedule: Schedule, actor: Any) -> Any:
    """Pay the schedule out (a step the court officer approves when an office prepared it)."""

    def check(locked: EnforcementFile) -> None:
        if Schedule.objects.get(pk=schedule.pk).status != ScheduleStatus.DRAFT:
            raise ConflictError(_("This schedule is not waiting to be paid."), code="schedule_not_draft")

    return step_perform(
        file=schedule.file,
        step=Step.DISTRIBUTION,
        actor=actor,
        payload={"schedule": schedule.pk},
        check=check,
    )


@handles(Step.DISTRIBUTION)
def _apply_distribution(file: EnforcementFile, payload: dict[str, Any], actor: Any) -> None:
    schedule = Schedule.objects.select_for_update().get(pk=payload["schedule"], file=file)
    if schedule.collected > held(file):
        raise ConflictError(_("Less money is held than the schedule distributes."), code="schedule_stale")
    accounts = system_accounts(*ACCOUNTS)
    out = schedule.collected - schedule.fee
    txn = ledger_post(
        lines=lines_of(
            Line(accounts[AccountPurpose.ENFORCEMENT_HELD], debit=schedule.collected),
            Line(accounts[AccountPurpose.ENFORCEMENT_FEES], credit=schedule.fee) if schedule.fee else None,
            Line(accounts[AccountPurpose.CLEARING], credit=out) if out else None,
        ),
        kind=TransactionKind.ENFORCEMENT,
        memo=f"Enforcement {file.number}: distribution",
        reference=("enforcement.schedule", str(schedule.pk)),
        dedupe_key=f"enforcement.schedule:{schedule.pk}",
        actor=actor,
        office=file.office_id,
    )
    transition(
        SCHEDULE,
        schedule,
        ScheduleStatus.PAID,
        actor=actor,
        expected_status=ScheduleStatus.DRAFT,
        changes={"paid_at": txn.posted_at},
    )
    tell_parties(
        file, _("the collected money was paid out by the distribution schedule."), key=f"paid:{schedule.pk}"
    )
    if all(v <= 0 for v in owed(file).values()):
        plan = InstalmentPlan.objects.filter(file=file, status=PlanStatus.GRANTED).first()
        if plan is not None:
            transition(PLAN, plan, PlanStatus.COMPLETED, actor=actor)
        outcome = (
            Outcome.SETTLED if file.settled else Outcome.PAID_BY_INSTALMENTS if plan else Outcome.PAID_IN_FULL
        )
        move_file(file, FileStatus.CLOSED, actor, FileStatus.DISTRIBUTING, changes={"outcome": outcome})
        tell_parties(file, _("the file was closed."), key="closed")
    else:
        back = (
            FileStatus.INSTALMENTS
            if InstalmentPlan.objects.filter(file=file, status=PlanStatus.GRANTED).exists()
            else FileStatus.ENFORCING
        )
        move_file(file, back, actor, FileStatus.DISTRIBUTING)


def statement(file: EnforcementFile) -> dict[str, Any]:
    """The file's money in one place: collected, held, fee, paid to each creditor, surplus."""
    collections = list(Collection.objects.filter(file=file).order_by("collected_at"))
    schedules = list(
        Schedule.objects.filter(file=file, status=ScheduleStatus.PAID).prefetch_related("lines__party")
    )
    result: dict[str, Any] = {
        "collections": collections,
        "collected": sum(c.amount for c in collections),
        "held": held(file),
        "fees": sum(s.fee for s in schedules),
        "surplus": sum(s.surplus for s in schedules),
        "paid": sum(line.amount for s in schedules for line in s.lines.all()),
        "taken": list(
            Asset.objects.filter(file=file, status=AssetStatus.TAKEN, taken_by__isnull=False).select_related(
                "taken_by"
            )
        ),
        "schedules": schedules,
        "owed": owed(file),
    }
    result["taken_total"] = sum(a.taken_amount for a in result["taken"])
    result["outstanding"] = sum(result["owed"].values())
    return result
