"""Membership dues: the Kanoon's monthly fee charged to each office, in the same statements as the share.

The ledger (one balanced transaction per office and month, ``TransactionKind.DUES``):

- charged: Dr the office's DUES_EXPENSE / Cr the Kanoon's DUES_REVENUE. The office's statement
  shows the month's dues as its own line (``finance.selectors.office_statement`` → ``others``);
  the Kanoon earns them when it charges them, as it earns its share at the settlement.
- paid: the Kanoon records the payment (a bank transfer, or netted at the monthly settlement)
  with its reference; nothing more is posted, because the revenue is already on the books.

Why dues are not paid online through ``payment_create_held(credit_purpose=DUES_REVENUE)``: that
payment's capture posts Dr CLEARING / Cr DUES_REVENUE, so after the charge above the same dues
would be earned twice (the chart has no dues receivable to credit instead). Recognising the
revenue only on payment would leave the office's statement without its dues line until paid.
What is still owed is therefore the unpaid ``DuesCharge`` rows (``loans.dues_outstanding``),
and ``ledger_verify`` stays clean: every charge is one balanced transaction carrying its amount.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.jalali import JalaliMonth
from tanzim.common.normalize import normalize_text
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.ledger import Line, ensure_accounts, ledger_post
from tanzim.membership.models import DuesCharge
from tanzim.offices.models import Office

#: Days after the charge within which the dues are to be paid.
DUES_DAYS = 30


@transaction.atomic
def dues_charge(
    *, office: Office, month: JalaliMonth, amount: int, actor: Any, due_date: date | None = None
) -> DuesCharge:
    """Charge one office one month's dues (once: a second call returns the first charge)."""
    if not is_kanoon(actor):
        raise PermissionDeniedError()
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(fields={"amount": [_("Enter a whole amount in rials, more than zero.")]})
    existing = DuesCharge.objects.filter(office=office, month=month.key).first()
    if existing is not None:
        return existing
    accounts = ensure_accounts(
        {(office.pk, AccountPurpose.DUES_EXPENSE), (None, AccountPurpose.DUES_REVENUE)}
    )
    txn = ledger_post(
        lines=[
            Line(accounts[(office.pk, AccountPurpose.DUES_EXPENSE)], debit=amount),
            Line(accounts[(None, AccountPurpose.DUES_REVENUE)], credit=amount),
        ],
        kind=TransactionKind.DUES,
        memo=f"Membership dues {office.code} {month.key}",
        reference=("membership.dues", f"{office.pk}:{month.key}"),
        dedupe_key=f"membership.dues.{office.pk}.{month.key}",
        actor=actor,
        office=office.pk,
    )
    charge = DuesCharge.objects.create(
        office=office,
        month=month.key,
        amount=amount,
        due_date=due_date or timezone.localdate() + timedelta(days=DUES_DAYS),
        transaction=txn,
    )
    audit.record(
        actor=actor,
        action="membership.dues.charged",
        obj=charge,
        office=office,
        data={"month": month.key, "amount": amount},
    )
    return charge


@transaction.atomic
def dues_record_paid(*, charge: DuesCharge, actor: Any, reference: str) -> DuesCharge:
    """The Kanoon records that an office paid its dues (the bank transfer's or settlement's reference)."""
    if not is_kanoon(actor):
        raise PermissionDeniedError()
    reference = normalize_text(reference or "")[:60]
    if not reference:
        raise DomainError(fields={"reference": [_("Give the payment's reference.")]})
    locked = DuesCharge.objects.select_for_update().get(pk=charge.pk)
    if locked.paid_at is not None:
        raise ConflictError(_("These dues are already paid."), code="dues_paid")
    locked.paid_at = timezone.now()
    locked.paid_reference = reference
    locked.save(update_fields=["paid_at", "paid_reference"])
    audit.record(
        actor=actor,
        action="membership.dues.paid",
        obj=locked,
        office=locked.office_id,
        data={"month": locked.month, "amount": locked.amount, "reference": reference},
    )
    return locked
