"""The Kanoon's share: the policy, offices' tiers, resolved disputes, and the monthly settlement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.jalali import jalali_month_bounds_utc
from tanzim.common.normalize import normalize_text
from tanzim.finance import share as share_math
from tanzim.finance.choices import AccountPurpose, SettlementStatus, Tier, TransactionKind
from tanzim.finance.ledger import Posting, ensure_accounts, ledger_post_many, lines_of, signed
from tanzim.finance.models import (
    OfficeTier,
    ResolvedDispute,
    SettlementLine,
    SettlementRun,
    SharePolicy,
    Transaction,
)
from tanzim.finance.services.payments import _pk
from tanzim.finance.signals import settlement_completed
from tanzim.finance.workflows import SETTLEMENT


def _require_kanoon(actor: Any) -> None:
    if actor is not None and not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon's administrators can do this."))


def _settled(year: int, month: int) -> bool:
    return SettlementRun.objects.filter(year=year, month=month, status=SettlementStatus.DONE).exists()


def _clean_adjustments(value: Any) -> dict[str, int]:
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise DomainError(fields={"tier_adjustments_bp": [_("Give a basis-point adjustment per tier.")]})
    clean = {}
    for tier, bp in value.items():
        if tier not in Tier.values or isinstance(bp, bool) or not isinstance(bp, int) or abs(bp) > 10_000:
            raise DomainError(
                fields={"tier_adjustments_bp": [_("Tiers are A to D; adjustments are whole basis points.")]}
            )
        clean[tier] = bp
    return clean


@transaction.atomic
def share_policy_set(
    *,
    valid_from_year: int,
    valid_from_month: int,
    base_rate_bp: int,
    tier_adjustments_bp: Mapping[str, int] | None = None,
    dispute_credit_bp: int = 0,
    dispute_credit_cap_bp: int = 0,
    note: str = "",
    actor: Any = None,
) -> SharePolicy:
    """Set the share policy from a Jalali month on. A settled month's policy cannot change."""
    _require_kanoon(actor)
    share_math.check_month(valid_from_year, valid_from_month)
    for name, value in (
        ("base_rate_bp", base_rate_bp),
        ("dispute_credit_bp", dispute_credit_bp),
        ("dispute_credit_cap_bp", dispute_credit_cap_bp),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
            raise DomainError(fields={name: [_("Enter basis points from 0 to 10000 (100%).")]})
    adjustments = _clean_adjustments(tier_adjustments_bp)
    later_settled = SettlementRun.objects.filter(
        Q(year__gt=valid_from_year) | Q(year=valid_from_year, month__gte=valid_from_month)
    ).exists()
    if later_settled:
        raise ConflictError(
            _("A month from then on is already settled; start the new policy after it."),
            code="period_settled",
        )
    policy, _created = SharePolicy.objects.update_or_create(
        valid_from_year=valid_from_year,
        valid_from_month=valid_from_month,
        defaults={
            "base_rate_bp": base_rate_bp,
            "tier_adjustments_bp": adjustments,
            "dispute_credit_bp": dispute_credit_bp,
            "dispute_credit_cap_bp": dispute_credit_cap_bp,
            "note": normalize_text(note)[:300],
        },
    )
    audit.record(
        action="finance.share_policy.set",
        actor=actor,
        obj=policy,
        data={
            "from": f"{valid_from_year}/{valid_from_month}",
            "base_rate_bp": base_rate_bp,
            "tier_adjustments_bp": adjustments,
            "dispute_credit_bp": dispute_credit_bp,
            "dispute_credit_cap_bp": dispute_credit_cap_bp,
        },
    )
    return policy


@transaction.atomic
def _check_tier_month(year: int, month: int, tiers: Iterable[str]) -> None:
    share_math.check_month(year, month)
    if not set(tiers) <= set(Tier.values):
        raise DomainError(fields={"tier": [_("Tiers are A, B, C and D.")]})
    if _settled(year, month):
        raise ConflictError(_("This month is already settled."), code="period_settled")


def office_tier_set(*, office: Any, year: int, month: int, tier: str, actor: Any = None) -> OfficeTier:
    """One office's tier from a Jalali month on (the share rate follows it), in its audit chain."""
    _check_tier_month(year, month, [tier])
    row, _created = OfficeTier.objects.update_or_create(
        office=office, year=year, month=month, defaults={"tier": tier}
    )
    audit.record(
        action="finance.office_tier.set",
        actor=actor,
        obj=row,
        office=office,
        data={"period": f"{year}/{month}", "tier": tier},
    )
    return row


def office_tiers_set(*, tiers: Mapping[int, str], year: int, month: int, actor: Any = None) -> int:
    """Every ranked office's tier for one month at once (an approved ranking run).

    One upsert and one audit event in the Kanoon's chain listing every tier: the approval is one
    act, and 3,000 single writes with an audit event each took 17 seconds.
    """
    _check_tier_month(year, month, tiers.values())
    rows = [OfficeTier(office_id=pk, year=year, month=month, tier=tier) for pk, tier in sorted(tiers.items())]
    OfficeTier.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["office", "year", "month"],
        update_fields=["tier"],
    )
    audit.record(
        action="finance.office_tier.set_many",
        actor=actor,
        data={"period": f"{year}/{month}", "tiers": {str(pk): tier for pk, tier in sorted(tiers.items())}},
    )
    return len(rows)


def dispute_resolved_record(
    *, office: Any, reference: str, resolved_at: datetime | None = None
) -> ResolvedDispute:
    """Count a dispute the office resolved before court (a share credit). Idempotent per reference."""
    reference = normalize_text(str(reference or ""))[:64]
    if not reference:
        raise DomainError(fields={"reference": [_("Give the dispute's reference.")]})
    row, _created = ResolvedDispute.objects.get_or_create(
        reference=reference, defaults={"office": office, "resolved_at": resolved_at or timezone.now()}
    )
    return row


def _settlement_postings(
    run: SettlementRun, figures: list[share_math.OfficeFigures], actor: Any
) -> list[Posting]:
    office_purposes = (
        AccountPurpose.SHARE_EXPENSE,
        AccountPurpose.KANOON_PAYABLE,
        AccountPurpose.KANOON_RECEIVABLE,
    )
    kanoon_purposes = (
        AccountPurpose.SHARES_RECEIVABLE,
        AccountPurpose.SUBSIDIES_PAYABLE,
        AccountPurpose.SHARE_REVENUE,
    )
    keys = {(f.office_id, p) for f in figures for p in office_purposes} | {(None, p) for p in kanoon_purposes}
    accounts = ensure_accounts(keys)
    kanoon = {p: accounts[(None, p)] for p in kanoon_purposes}
    postings = []
    for f in figures:
        office = {p: accounts[(f.office_id, p)] for p in office_purposes}
        lines = lines_of(
            signed(office[AccountPurpose.SHARE_EXPENSE], f.share),
            signed(office[AccountPurpose.KANOON_PAYABLE], -f.net),
            signed(office[AccountPurpose.KANOON_RECEIVABLE], -f.subsidies),
            signed(kanoon[AccountPurpose.SHARES_RECEIVABLE], f.net),
            signed(kanoon[AccountPurpose.SUBSIDIES_PAYABLE], f.subsidies),
            signed(kanoon[AccountPurpose.SHARE_REVENUE], -f.share),
        )
        if not lines:
            continue
        postings.append(
            Posting(
                lines=lines,
                kind=TransactionKind.SETTLEMENT,
                memo=f"Kanoon settlement {run.year}/{run.month:02d}",
                reference_type="finance.settlementrun",
                reference_id=str(run.pk),
                office_id=f.office_id,
                dedupe_key=f"settlement:{run.year}-{run.month}:{f.office_id}",
                actor_id=_pk(actor),
            )
        )
    return postings


def settlement_run(*, year: int, month: int, actor: Any) -> SettlementRun:
    """Settle a finished Jalali month with every office: share due, subsidies owed, the net.

    One balanced ledger transaction per office (deduplicated per office and month), so
    running it again changes nothing. ``actor=None`` is the scheduled run.
    """
    share_math.check_month(year, month)
    _require_kanoon(actor)
    _start, end = jalali_month_bounds_utc(year, month)
    if end > timezone.now():
        raise ConflictError(
            _("%(year)s/%(month)s has not ended yet.") % {"year": year, "month": month},
            code="month_not_ended",
        )
    with transaction.atomic():
        run = SettlementRun.objects.select_for_update().filter(year=year, month=month).first()
        if run is not None and run.status == SettlementStatus.DONE:
            return run
        policy = share_math.require_policy(year=year, month=month)
        if run is None:
            try:
                with transaction.atomic():
                    run = SettlementRun.objects.create(year=year, month=month, policy=policy, actor=actor)
            except IntegrityError:
                run = SettlementRun.objects.select_for_update().get(year=year, month=month)
                if run.status == SettlementStatus.DONE:
                    return run
        figures = share_math.month_figures(year=year, month=month, policy=policy)
        postings = _settlement_postings(run, figures, actor)
        ledger_post_many(postings)
        by_key = dict(
            Transaction.objects.filter(dedupe_key__in=[p.dedupe_key for p in postings]).values_list(
                "dedupe_key", "pk"
            )
        )
        done = set(SettlementLine.objects.filter(run=run).values_list("office_id", flat=True))
        SettlementLine.objects.bulk_create(
            [
                SettlementLine(
                    run=run,
                    office_id=f.office_id,
                    revenue=f.revenue,
                    tier=f.tier,
                    disputes_resolved=f.disputes_resolved,
                    rate_bp=f.rate_bp,
                    share=f.share,
                    subsidies=f.subsidies,
                    free_services=f.free_services,
                    net=f.net,
                    transaction_id=by_key.get(f"settlement:{year}-{month}:{f.office_id}"),
                )
                for f in figures
                if f.office_id not in done
            ],
            batch_size=2000,
        )
        totals = {
            "offices": len(figures),
            "revenue": sum(f.revenue for f in figures),
            "share": sum(f.share for f in figures),
            "subsidies": sum(f.subsidies for f in figures),
            "free_services": sum(f.free_services for f in figures),
            "net": sum(f.net for f in figures),
        }
        run = transition(
            SETTLEMENT,
            run,
            SettlementStatus.DONE,
            actor=actor,
            expected_status=SettlementStatus.RUNNING,
            changes={"policy_id": policy.pk, **totals},
            audit_data={"period": f"{year}/{month}", **totals},
        )
        transaction.on_commit(lambda: settlement_completed.send_robust(sender=SettlementRun, run=run))
    return run
