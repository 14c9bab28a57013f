"""Welfare loans: eligibility from the programme's data, a first-come queue, the Kanoon's
decision, disbursement and instalments through the ledger, and arrears reminders."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import can_act_for_office, is_kanoon
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.common.normalize import normalize_free_text
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.ledger import Line, ledger_post, system_accounts
from tanzim.membership.choices import LoanStatus
from tanzim.membership.models import DuesCharge, Instalment, LoanApplication, LoanProgramme
from tanzim.membership.workflows import LOAN
from tanzim.notify.services import message_enqueue
from tanzim.offices.models import Licence, Office
from tanzim.ranking.choices import RunStatus
from tanzim.ranking.models import RankingResult


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def whole_years(since: date, today: date) -> int:
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    return max(0, years)


@dataclass
class Eligibility:
    eligible: bool
    years: int
    tier: str
    dues_outstanding: int
    reasons: list[str] = field(default_factory=list)


def membership_since(office: Office) -> date:
    first = Licence.objects.filter(office=office).aggregate(first=Min("valid_from"))["first"]
    return first or tehran_date(office.created_at)


def office_tier(office: Office) -> str:
    """The office's tier in the latest approved ranking run ("" if never ranked)."""
    result = (
        RankingResult.objects.filter(office=office, run__status=RunStatus.APPROVED)
        .order_by("-run__period_last", "-run_id")
        .values_list("tier", flat=True)
        .first()
    )
    return result or ""


def dues_outstanding(office: Office, today: date) -> int:
    return sum(
        DuesCharge.objects.filter(office=office, paid_at__isnull=True, due_date__lt=today).values_list(
            "amount", flat=True
        )
    )


def loan_eligibility(*, programme: LoanProgramme, office: Office, today: date | None = None) -> Eligibility:
    """Whether the office's manager may apply to ``programme``, and every reason if not."""
    today = today or tehran_date(timezone.now())
    since = membership_since(office)
    years = whole_years(since, today)
    tier = office_tier(office)
    owed = dues_outstanding(office, today)
    reasons = []
    if not programme.active:
        reasons.append(str(_("The programme is closed.")))
    if years < programme.min_membership_years:
        reasons.append(
            str(
                _("It needs %(need)s years of membership; the office has %(years)s.")
                % {"need": programme.min_membership_years, "years": years}
            )
        )
    if programme.tiers and tier not in programme.tiers:
        reasons.append(
            str(
                _("It is open to ranking tiers %(tiers)s; the office is in %(tier)s.")
                % {"tiers": ", ".join(programme.tiers), "tier": tier or _("no tier yet")}
            )
        )
    if programme.no_dues_outstanding and owed:
        reasons.append(str(_("Membership dues of %(amount)s rials are outstanding.") % {"amount": owed}))
    return Eligibility(eligible=not reasons, years=years, tier=tier, dues_outstanding=owed, reasons=reasons)


@transaction.atomic
def loan_apply(
    *,
    programme: LoanProgramme,
    actor: Any,
    office: Office,
    amount: int,
    purpose: str = "",
    today: date | None = None,
) -> LoanApplication:
    """An office's manager applies; the application joins the queue in the order it came."""
    if not can_act_for_office(actor, office, Role.OFFICE_MANAGER):
        raise PermissionDeniedError()
    if not programme.min_amount <= amount <= programme.max_amount:
        raise DomainError(
            fields={
                "amount": [
                    _("The amount must be between %(low)s and %(high)s rials.")
                    % {"low": programme.min_amount, "high": programme.max_amount}
                ]
            },
            code="loan_amount",
        )
    check = loan_eligibility(programme=programme, office=office, today=today)
    if not check.eligible:
        raise DomainError(
            _("Not eligible: %(why)s") % {"why": " ".join(check.reasons)}, code="loan_ineligible"
        )
    try:
        with transaction.atomic():
            loan = LoanApplication.objects.create(
                programme=programme,
                member=actor,
                office=office,
                amount=amount,
                purpose=normalize_free_text(purpose)[:300],
                submitted_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("You already have an application in this programme."), code="loan_exists"
        ) from exc
    audit.record(
        actor=actor,
        action="membership.loan.submitted",
        obj=loan,
        office=office,
        data={"programme": programme.code, "amount": amount},
    )
    return loan


def schedule(
    *, amount: int, annual_rate_bp: int, months: int, first_due: date
) -> list[tuple[date, int, int]]:
    """Equal principal each month (the remainder in the last), interest on what is still owed.

    Returns (due date, principal, interest) per month, whole rials.
    """
    base = amount // months
    rows = []
    owed = amount
    for n in range(months):
        principal = base if n < months - 1 else owed
        interest = owed * annual_rate_bp // (10000 * 12)
        rows.append((add_months(first_due, n), principal, interest))
        owed -= principal
    return rows


def loan_decide(
    *, loan: LoanApplication, actor: Any, approve: bool, reason: str = "", expected_status: str | None = None
) -> LoanApplication:
    """The Kanoon approves or rejects (with a reason) an application from the queue."""
    reason = normalize_free_text(reason)[:300]
    if not approve and not reason:
        raise DomainError(fields={"reason": [_("Say why it is rejected.")]}, code="reason_required")
    return transition(
        LOAN,
        loan,
        LoanStatus.APPROVED if approve else LoanStatus.REJECTED,
        actor=actor,
        expected_status=expected_status,
        reason=reason,
        changes={"reason": reason},
    )


@transaction.atomic
def loan_disburse(
    *, loan: LoanApplication, actor: Any, expected_status: str | None = None, now: datetime | None = None
) -> LoanApplication:
    """Pay the loan out: the Kanoon's receivable grows; instalments are scheduled from next month."""
    if not is_kanoon(actor):
        raise PermissionDeniedError()
    now = now or timezone.now()
    moved = transition(
        LOAN, loan, LoanStatus.DISBURSED, actor=actor, expected_status=expected_status, now=now
    )
    accounts = system_accounts(AccountPurpose.LOANS_RECEIVABLE, AccountPurpose.CLEARING)
    ledger_post(
        lines=[
            Line(accounts[AccountPurpose.LOANS_RECEIVABLE], debit=moved.amount),
            Line(accounts[AccountPurpose.CLEARING], credit=moved.amount),
        ],
        kind=TransactionKind.LOAN,
        memo=f"Welfare loan {moved.pk} paid out",
        reference=("membership.loan", str(moved.pk)),
        dedupe_key=f"membership.loan.{moved.pk}.disbursed",
        actor=actor,
        office=moved.office_id,
    )
    programme = moved.programme
    first_due = add_months(tehran_date(now), 1)
    Instalment.objects.bulk_create(
        [
            Instalment(loan=moved, number=i, due_date=due, principal=principal, interest=interest)
            for i, (due, principal, interest) in enumerate(
                schedule(
                    amount=moved.amount,
                    annual_rate_bp=programme.annual_rate_bp,
                    months=programme.term_months,
                    first_due=first_due,
                ),
                start=1,
            )
        ]
    )
    return moved


@transaction.atomic
def instalment_pay(*, instalment: Instalment, actor: Any) -> Instalment:
    """Record an instalment paid: principal back to the receivable, interest as revenue.

    Paying the same instalment twice is refused (the row is locked, then checked).
    """
    row = Instalment.objects.select_for_update().select_related("loan").get(pk=instalment.pk)
    loan = row.loan
    if not (is_kanoon(actor) or getattr(actor, "pk", None) == loan.member_id):
        raise PermissionDeniedError()
    if loan.status != LoanStatus.DISBURSED:
        raise ConflictError(code="loan_not_disbursed")
    if row.paid_at is not None:
        raise ConflictError(_("This instalment is already paid."), code="instalment_paid")
    accounts = system_accounts(
        AccountPurpose.CLEARING, AccountPurpose.LOANS_RECEIVABLE, AccountPurpose.LOAN_INTEREST
    )
    lines = [
        Line(accounts[AccountPurpose.CLEARING], debit=row.total),
        Line(accounts[AccountPurpose.LOANS_RECEIVABLE], credit=row.principal),
    ]
    if row.interest:
        lines.append(Line(accounts[AccountPurpose.LOAN_INTEREST], credit=row.interest))
    txn = ledger_post(
        lines=lines,
        kind=TransactionKind.LOAN,
        memo=f"Welfare loan {loan.pk} instalment {row.number}",
        reference=("membership.instalment", str(row.pk)),
        dedupe_key=f"membership.instalment.{row.pk}",
        actor=actor,
        office=loan.office_id,
    )
    now = timezone.now()
    Instalment.objects.filter(pk=row.pk).update(paid_at=now, transaction=txn)
    row.paid_at, row.transaction = now, txn
    audit.record(
        actor=actor,
        action="membership.instalment.paid",
        obj=row,
        office=loan.office_id,
        data={"loan": loan.pk, "number": row.number, "amount": row.total},
    )
    if not Instalment.objects.filter(loan=loan, paid_at__isnull=True).exists():
        transition(LOAN, loan, LoanStatus.REPAID, actor=None, reason="repaid")
    return row


def instalments_remind_arrears(*, today: date | None = None, limit: int = 2000) -> int:
    """SMS members with an instalment past due, once a week per instalment."""
    today = today or tehran_date(timezone.now())
    rows = (
        Instalment.objects.filter(paid_at__isnull=True, due_date__lt=today, loan__status=LoanStatus.DISBURSED)
        .exclude(reminded_on__gt=today - timedelta(days=7))
        .select_related("loan__member")
        .order_by("due_date", "pk")[:limit]
    )
    sent = 0
    for row in rows:
        with transaction.atomic():
            if not Instalment.objects.filter(pk=row.pk, reminded_on=row.reminded_on).update(
                reminded_on=today
            ):
                continue
            member = row.loan.member
            message_enqueue(
                template="membership.instalment_overdue",
                to=member.mobile,
                recipient=member,
                context={"number": row.number, "amount": row.total, "due": format_jalali(row.due_date)},
                dedupe_key=f"membership-arrears:{row.pk}:{today}",
            )
            sent += 1
    return sent
