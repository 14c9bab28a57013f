"""The Kanoon share of a Jalali month: policy lookup, rates and the per-office figures.

Reads only. ``settlement_run`` posts what ``month_figures`` computes; statements show the
same figures as a provisional estimate before the month is settled. Every aggregate is one
GROUP BY query, so 3,000 offices cost the same handful of queries as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.jalali import jalali_month_bounds_utc
from tanzim.finance.choices import AccountPurpose, PaymentStatus, Tier
from tanzim.finance.models import Entry, OfficeTier, Payment, ResolvedDispute, SharePolicy

MAX_BP = 10_000


@dataclass(frozen=True)
class OfficeFigures:
    office_id: int
    revenue: int  # office fee revenue of the month, net of refunds
    subsidies: int  # subsidies for free services the Kanoon owes for the month
    tier: str  # "" until the ranking app sets one
    disputes_resolved: int
    rate_bp: int
    share: int
    net: int  # share − subsidies: the office pays when positive, the Kanoon when negative
    free_services: int = 0  # grounded free services reimbursed in the month


def check_month(year: int, month: int) -> tuple[int, int]:
    if isinstance(year, bool) or not isinstance(year, int) or not 1300 <= year <= 1600:
        raise DomainError(fields={"year": [_("Enter a Jalali year such as 1404.")]})
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise DomainError(fields={"month": [_("Enter a month from 1 to 12.")]})
    return year, month


def _at_or_before(year: int, month: int, year_field: str, month_field: str) -> Q:
    return Q(**{f"{year_field}__lt": year}) | Q(**{year_field: year, f"{month_field}__lte": month})


def policy_for(*, year: int, month: int) -> SharePolicy | None:
    return (
        SharePolicy.objects.filter(_at_or_before(year, month, "valid_from_year", "valid_from_month"))
        .order_by("-valid_from_year", "-valid_from_month")
        .first()
    )


def require_policy(*, year: int, month: int) -> SharePolicy:
    policy = policy_for(year=year, month=month)
    if policy is None:
        raise NotFoundError(
            _("No Kanoon share policy covers %(year)s/%(month)s.") % {"year": year, "month": month},
            code="no_share_policy",
        )
    return policy


def rate_bp(*, policy: SharePolicy, tier: str = "", disputes_resolved: int = 0) -> int:
    """Base rate, plus the tier's adjustment, minus the dispute credit (capped); kept in 0..100%."""
    adjustment = int((policy.tier_adjustments_bp or {}).get(tier, 0)) if tier else 0
    credit = min(policy.dispute_credit_cap_bp, policy.dispute_credit_bp * max(0, disputes_resolved))
    return max(0, min(MAX_BP, policy.base_rate_bp + adjustment - credit))


def share_of(revenue: int, rate: int) -> int:
    """The share in whole rials, rounded toward zero (a month of net refunds gives a negative share)."""
    magnitude = abs(revenue) * rate // MAX_BP
    return magnitude if revenue >= 0 else -magnitude


def revenue_and_subsidies(
    *, year: int, month: int, office_ids: Iterable[int] | None = None
) -> dict[int, tuple[int, int]]:
    """Per office: (fee revenue net of refunds, subsidies), from the ledger, for one Jalali month."""
    start, end = jalali_month_bounds_utc(year, month)
    entries = Entry.objects.filter(
        posted_at__gte=start,
        posted_at__lt=end,
        account__purpose__in=[AccountPurpose.FEE_REVENUE, AccountPurpose.SUBSIDY_REVENUE],
    )
    if office_ids is not None:
        entries = entries.filter(account__office_id__in=list(office_ids))
    rows = entries.values("account__office_id", "account__purpose").annotate(
        total=Sum(F("credit") - F("debit"))
    )
    figures: dict[int, list[int]] = {}
    for row in rows:
        pair = figures.setdefault(row["account__office_id"], [0, 0])
        pair[0 if row["account__purpose"] == AccountPurpose.FEE_REVENUE else 1] += row["total"] or 0
    return {office_id: (pair[0], pair[1]) for office_id, pair in figures.items()}


def tiers_for(*, year: int, month: int, office_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Each office's latest tier set for this month or before."""
    tiers = OfficeTier.objects.filter(_at_or_before(year, month, "year", "month"))
    if office_ids is not None:
        tiers = tiers.filter(office_id__in=list(office_ids))
    result: dict[int, str] = {}
    for office_id, tier in tiers.order_by("office_id", "-year", "-month").values_list("office_id", "tier"):
        if office_id not in result and tier in Tier.values:
            result[office_id] = tier
    return result


def disputes_for(*, year: int, month: int, office_ids: Iterable[int] | None = None) -> dict[int, int]:
    start, end = jalali_month_bounds_utc(year, month)
    rows = ResolvedDispute.objects.filter(resolved_at__gte=start, resolved_at__lt=end)
    if office_ids is not None:
        rows = rows.filter(office_id__in=list(office_ids))
    return dict(rows.values("office_id").annotate(n=Count("pk")).values_list("office_id", "n"))


def free_services_for(*, year: int, month: int, office_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Per office: the free services reimbursed in the month (captured with a subsidy, on a ground)."""
    start, end = jalali_month_bounds_utc(year, month)
    rows = Payment.objects.filter(
        status=PaymentStatus.CAPTURED,
        captured_at__gte=start,
        captured_at__lt=end,
        subsidy__gt=0,
        free_grants__isnull=False,
    )
    if office_ids is not None:
        rows = rows.filter(office_id__in=list(office_ids))
    return dict(rows.values("office_id").annotate(n=Count("pk", distinct=True)).values_list("office_id", "n"))


def month_figures(
    *, year: int, month: int, policy: SharePolicy, office_ids: Iterable[int] | None = None
) -> list[OfficeFigures]:
    """The settlement figures of every office that earned or was owed anything in the month."""
    ids = list(office_ids) if office_ids is not None else None
    money = revenue_and_subsidies(year=year, month=month, office_ids=ids)
    active = sorted(office_id for office_id, (rev, sub) in money.items() if rev or sub)
    tiers = tiers_for(year=year, month=month, office_ids=active)
    disputes = disputes_for(year=year, month=month, office_ids=active)
    free = free_services_for(year=year, month=month, office_ids=active)
    figures = []
    for office_id in active:
        revenue, subsidies = money[office_id]
        tier = tiers.get(office_id, "")
        resolved = disputes.get(office_id, 0)
        rate = rate_bp(policy=policy, tier=tier, disputes_resolved=resolved)
        share = share_of(revenue, rate)
        figures.append(
            OfficeFigures(
                office_id=office_id,
                revenue=revenue,
                subsidies=subsidies,
                tier=tier,
                disputes_resolved=resolved,
                rate_bp=rate,
                share=share,
                net=share - subsidies,
                free_services=free.get(office_id, 0),
            )
        )
    return figures
