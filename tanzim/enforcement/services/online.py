"""Paying online: the debtor pays towards the file through the bank gateway.

The payment is money held for the creditors, not a fee: ``payment_create_held`` credits
ENFORCEMENT_HELD when the bank captures it (Dr CLEARING / Cr ENFORCEMENT_HELD, posted by finance).
The file learns of it from ``payment_captured`` and records the Collection against that very
transaction, so a replayed callback (or the signal heard twice) still makes one collection and
posts nothing more.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import tehran_date
from tanzim.enforcement import access
from tanzim.enforcement.access import DEBTOR
from tanzim.enforcement.choices import CollectionSource, FileStatus
from tanzim.enforcement.models import Collection, EnforcementFile
from tanzim.enforcement.rules import fee_amount
from tanzim.enforcement.services._common import lock_file, require_open
from tanzim.enforcement.services.money import collection_attach, fee_is_owed, held, owed
from tanzim.finance.choices import AccountPurpose

REFERENCE_TYPE = "enforcement.file"
SERVICE_CODE = "enforcement.debtor_payment"


def still_owed(file: EnforcementFile) -> int:
    """What the debtor still has to pay: the creditors' claims left, plus the fee on them once the
    10 days from service have passed (CJEA 158, 160; halved on settlement), less the money held."""
    claims = sum(owed(file).values())
    late = file.debtor_window_due is not None and tehran_date(timezone.now()) > file.debtor_window_due
    fee = fee_amount(base=claims, settled=file.settled)[0] if late or fee_is_owed(file) else 0
    return max(0, claims + fee - held(file))


def debtor_payment_open(*, file: EnforcementFile, actor: Any, amount: int) -> Any:
    """The debtor's online payment of ``amount`` rials (at most what is still owed) for the file."""
    from tanzim.finance.services import payment_create_held

    access.require(actor, file, DEBTOR)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(
            fields={"amount": [_("Enter an amount in whole rials, more than zero.")]}, code="amount"
        )
    with transaction.atomic():
        locked = lock_file(file)
        require_open(locked)
        if locked.status in (FileStatus.REQUESTED, FileStatus.WRIT_ISSUED):
            raise ConflictError(_("Money is collected once the writ is served."), code="not_served")
        left = still_owed(locked)
        if amount > left:
            raise DomainError(
                fields={
                    "amount": [_("At most %(left)s rials are still owed on this file.") % {"left": left}]
                },
                code="more_than_owed",
            )
        return payment_create_held(
            office=locked.office,
            payer=actor,
            amount=amount,
            credit_purpose=AccountPurpose.ENFORCEMENT_HELD,
            service_code=SERVICE_CODE,
            reference_type=REFERENCE_TYPE,
            reference_id=str(locked.pk),
            actor=actor,
            return_url=reverse("enforcement:file", args=[locked.pk]),
        )


def payment_collected(*, payment: Any) -> Collection | None:
    """``payment_captured`` for a file: its Collection, once (the capture's transaction is its key).

    The money is recorded even on a closed file: the ledger holds it and the schedule must pay it out.
    """
    if (
        getattr(payment, "reference_type", "") != REFERENCE_TYPE
        or payment.credit_purpose != AccountPurpose.ENFORCEMENT_HELD
        or not payment.transaction_id
    ):
        return None
    with transaction.atomic():
        file = EnforcementFile.objects.filter(pk=int(payment.reference_id)).first()
        if file is None:
            return None
        locked = lock_file(file)
        return collection_attach(
            file=locked,
            txn=payment.transaction,
            amount=payment.amount,
            source=CollectionSource.DEBTOR_PAYMENT,
            actor=payment.payer,
        )
