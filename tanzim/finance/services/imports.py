"""Bulk import of payments already captured elsewhere (a legacy register, a provider's daily file)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import jalali_year_month
from tanzim.finance.choices import AccountPurpose, PaymentMethod, PaymentStatus, TransactionKind
from tanzim.finance.ledger import Line, Posting, ensure_accounts, ledger_post_many, lines_of
from tanzim.finance.models import FreeServiceGrant, Payment
from tanzim.finance.services.free import grant_for_payment
from tanzim.finance.services.payments import _clean_reference, _int_amount, _payment_ref, _pk
from tanzim.finance.services.share import _require_kanoon, _settled
from tanzim.offices.models import Office


@dataclass(frozen=True)
class ImportRow:
    """One already-captured payment from another system (a legacy register, a PSP's daily file)."""

    office_id: int
    reference_type: str
    reference_id: str
    service_code: str
    channel: str
    office_fee: int
    court_fee: int
    captured_at: datetime
    subsidy: int = 0
    payer_id: int | None = None
    method: str = PaymentMethod.IMPORT
    gateway_ref: str = ""


def _check_import_row(row: ImportRow, now: datetime) -> None:
    for name in ("office_fee", "court_fee", "subsidy"):
        _int_amount(getattr(row, name), name)
    if row.captured_at > now:
        raise DomainError(_("A payment cannot be imported with a date in the future."), code="import_future")
    if row.method not in PaymentMethod.values:
        raise DomainError(fields={"method": [_("Unknown payment method.")]})
    _clean_reference(row.reference_type, row.reference_id)


@transaction.atomic
def payments_import(*, rows: list[ImportRow], actor: Any = None, batch_size: int = 2000) -> int:
    """Record many captured payments with their ledger postings in bulk; returns how many were new.

    Idempotent per reference (an imported reference is skipped the second time). Months the
    Kanoon has already settled are refused: their figures are final.
    """
    _require_kanoon(actor)
    now = timezone.now()
    for row in rows:
        _check_import_row(row, now)
    months = {jalali_year_month(row.captured_at) for row in rows}
    for year, month in months:
        if _settled(year, month):
            raise ConflictError(
                _("%(year)s/%(month)s is already settled; import into an open month.")
                % {"year": year, "month": month},
                code="ledger_period_closed",
            )
    created = 0
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        keys = {(r.reference_type, r.reference_id) for r in chunk}
        done = set(
            Payment.objects.filter(
                status=PaymentStatus.CAPTURED,
                reference_type__in={k[0] for k in keys},
                reference_id__in={k[1] for k in keys},
            ).values_list("reference_type", "reference_id")
        )
        fresh = [r for r in chunk if (r.reference_type, r.reference_id) not in done]
        if not fresh:
            continue
        # A free service is reimbursed only on its recorded ground, within the month's cap, as
        # when the payment is made here (note to art. 505 CPC); the whole import is refused otherwise.
        offices = Office.objects.in_bulk({r.office_id for r in fresh if r.subsidy})
        grants = {
            (r.reference_type, r.reference_id): grant_for_payment(
                office=offices[r.office_id],
                reference_type=r.reference_type,
                reference_id=r.reference_id,
                subsidy=r.subsidy,
            )
            for r in fresh
            if r.subsidy
        }
        payments = [
            Payment(
                uuid=uuid.uuid4(),
                office_id=r.office_id,
                payer_id=r.payer_id,
                created_by_id=_pk(actor),
                reference_type=r.reference_type,
                reference_id=r.reference_id,
                service_code=r.service_code,
                channel=r.channel,
                office_fee=r.office_fee,
                court_fee=r.court_fee,
                subsidy=r.subsidy,
                amount=r.office_fee + r.court_fee,
                status=PaymentStatus.CAPTURED,
                method=r.method,
                gateway_ref=r.gateway_ref[:64],
                created_at=r.captured_at,
                captured_at=r.captured_at,
            )
            for r in fresh
        ]
        accounts = ensure_accounts(
            {(p.office_id, AccountPurpose.FEE_REVENUE) for p in payments}
            | {(p.office_id, AccountPurpose.KANOON_RECEIVABLE) for p in payments if p.subsidy}
            | {(p.office_id, AccountPurpose.SUBSIDY_REVENUE) for p in payments if p.subsidy}
            | {(None, p) for p in (AccountPurpose.CLEARING, AccountPurpose.COURT_FEES)}
            | {(None, p) for p in (AccountPurpose.SUBSIDY_EXPENSE, AccountPurpose.SUBSIDIES_PAYABLE)}
        )
        postings: list[Posting] = []
        for p in payments:
            ref_type, ref_id = _payment_ref(p)
            common = {
                "memo": f"{p.short_reference} {p.service_code} (imported)",
                "reference_type": ref_type,
                "reference_id": ref_id,
                "office_id": p.office_id,
                "actor_id": _pk(actor),
                "posted_at": p.captured_at,
            }
            if p.amount:
                lines = lines_of(
                    Line(accounts[(None, AccountPurpose.CLEARING)], debit=p.amount),
                    Line(accounts[(p.office_id, AccountPurpose.FEE_REVENUE)], credit=p.office_fee)
                    if p.office_fee
                    else None,
                    Line(accounts[(None, AccountPurpose.COURT_FEES)], credit=p.court_fee)
                    if p.court_fee
                    else None,
                )
                postings.append(
                    Posting(
                        lines=lines,
                        kind=TransactionKind.PAYMENT,
                        dedupe_key=f"payment:{p.uuid}:capture",
                        **common,
                    )
                )
            if p.subsidy:
                postings.append(
                    Posting(
                        lines=[
                            Line(accounts[(p.office_id, AccountPurpose.KANOON_RECEIVABLE)], debit=p.subsidy),
                            Line(accounts[(p.office_id, AccountPurpose.SUBSIDY_REVENUE)], credit=p.subsidy),
                            Line(accounts[(None, AccountPurpose.SUBSIDY_EXPENSE)], debit=p.subsidy),
                            Line(accounts[(None, AccountPurpose.SUBSIDIES_PAYABLE)], credit=p.subsidy),
                        ],
                        kind=TransactionKind.SUBSIDY,
                        dedupe_key=f"payment:{p.uuid}:subsidy",
                        **common,
                    )
                )
        # The ledger first, then the payments pointing at their transactions: no second pass.
        txns = {t.dedupe_key: t.pk for t in ledger_post_many(postings, batch_size=batch_size)}
        for p in payments:
            p.transaction_id = txns.get(f"payment:{p.uuid}:capture")
            p.subsidy_transaction_id = txns.get(f"payment:{p.uuid}:subsidy")
        Payment.objects.bulk_create(payments, batch_size=batch_size)
        for p in payments:
            grant = grants.get((p.reference_type, p.reference_id))
            if grant is not None:
                FreeServiceGrant.objects.filter(pk=grant.pk).update(payment=p)
        created += len(payments)
    audit.record(
        action="finance.payments.imported",
        actor=actor,
        data={"rows": len(rows), "created": created, "months": sorted(f"{y}/{m}" for y, m in months)},
    )
    return created
