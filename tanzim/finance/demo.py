"""Demo money: a share policy, ledger accounts, a few hundred payments over the last two Jalali
months (some free, some with court fees, a few refunded) and a settled previous month.

Idempotent: payments are keyed by a demo reference, the settlement by its month.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tanzim.accounts.models import RoleAssignment, User
from tanzim.catalog.fees import fee_quote
from tanzim.catalog.models import Service
from tanzim.common.jalali import tehran_date
from tanzim.finance import services, share
from tanzim.finance.choices import OFFICE_PURPOSES, PaymentMethod, PaymentPart, PaymentStatus, Tier
from tanzim.finance.ledger import ensure_accounts
from tanzim.finance.models import OfficeTier, Payment, SettlementRun
from tanzim.finance.selectors import current_month
from tanzim.finance.services.payments import _capture
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office

DEMO_REFERENCE = "finance.demo"
TIER_ADJUSTMENTS = {"A": -300, "B": -100, "C": 0, "D": 200}
POLICY_FROM = (1403, 1)
PERSONA_USERNAMES = ("clerk.a", "manager.a", "clerk.b", "manager.b")


def _ensure_policy() -> None:
    if share.policy_for(year=current_month().year, month=current_month().month) is None:
        services.share_policy_set(
            valid_from_year=POLICY_FROM[0],
            valid_from_month=POLICY_FROM[1],
            base_rate_bp=1000,
            tier_adjustments_bp=TIER_ADJUSTMENTS,
            dispute_credit_bp=25,
            dispute_credit_cap_bp=200,
            note="Demo policy: 10% base, tier A −3 points, D +2 points.",
        )


def _demo_payment(
    *,
    office: Office,
    payer: User | None,
    rng: random.Random,
    when,
    reference_id: str,
    services_: list[Service],
) -> Payment:
    service = rng.choice(services_)
    channel = rng.choice(service.channels)
    free = rng.random() < 0.06
    court_fee = rng.choice([0, 0, 0, 650_000, 1_200_000, 2_500_000]) if service.category == "filing" else 0
    quote = fee_quote(
        service=service,
        channel=channel,
        extra_parties=rng.choice([0, 0, 0, 1, 2]),
        extra_pages=rng.choice([0, 0, 1, 3]),
        free_service=free,
        court_fee=court_fee,
        on=tehran_date(when),
    )
    payment = Payment.objects.create(
        office=office,
        payer=payer,
        reference_type=DEMO_REFERENCE,
        reference_id=reference_id,
        service_code=quote.service,
        channel=quote.channel,
        quote=quote.as_dict(),
        office_fee=quote.client_office_fee,
        court_fee=quote.court_fee,
        subsidy=quote.subsidy,
        amount=quote.client_total,
        created_at=when - timedelta(minutes=rng.randint(2, 15)),
        expires_at=when + timedelta(minutes=5),
    )
    if payment.amount == 0:
        method = PaymentMethod.FREE
    else:
        method = rng.choice(
            [PaymentMethod.GATEWAY, PaymentMethod.GATEWAY, PaymentMethod.POS, PaymentMethod.CASH]
        )
    gateway_ref = f"{rng.randrange(10**12):012d}" if method == PaymentMethod.GATEWAY else ""
    return _capture(payment, method=method, gateway_ref=gateway_ref, when=when, notify=False)


@transaction.atomic
def seed_finance(*, offices: Sequence[Office], progress: Callable[[], None] | None = None) -> dict[str, int]:
    """Create the demo's money; running it again adds nothing."""
    _ensure_policy()
    active = [o for o in offices if o.status == OfficeStatus.ACTIVE]
    ensure_accounts((o.pk, p) for o in active for p in OFFICE_PURPOSES)
    services_ = [s for s in Service.objects.filter(active=True).order_by("code") if s.tariffs.exists()]
    citizens = list(User.objects.filter(national_code__isnull=False).order_by("pk")[:200])
    rng = random.Random(1404)
    now = timezone.now()
    this_month = current_month()
    last_month = this_month.previous()
    # A few hundred payments: the first offices (the demo personas' offices among them) get most.
    # The demo personas' offices (clerk.a, clerk.b…) come first so their statements are full.
    persona_offices = set(
        RoleAssignment.objects.filter(user__username__in=PERSONA_USERNAMES, office__isnull=False).values_list(
            "office_id", flat=True
        )
    )
    busy = sorted(active, key=lambda o: (o.pk not in persona_offices, o.code))
    per_office = {o.pk: (12 if n < 10 else 3 if n < 80 else 1) for n, o in enumerate(busy)}
    created = refunds = 0
    last_settled = SettlementRun.objects.filter(year=last_month.year, month=last_month.month).exists()
    if not last_settled:
        for office in rng.sample(active, k=len(active) // 3):
            if not OfficeTier.objects.filter(
                office=office, year=last_month.year, month=last_month.month
            ).exists():
                services.office_tier_set(
                    office=office, year=last_month.year, month=last_month.month, tier=rng.choice(Tier.values)
                )
    existing = set(
        Payment.objects.filter(reference_type=DEMO_REFERENCE).values_list("reference_id", flat=True)
    )
    for office in busy:
        for period in (last_month, this_month):
            if period == last_month and last_settled:
                continue
            year, month = period.year, period.month
            start, end = period.bounds_utc()
            end = min(end, now - timedelta(minutes=30))
            if end <= start:
                continue
            for n in range(per_office[office.pk]):
                reference_id = f"{office.code}-{year}{month:02d}-{n}"
                if reference_id in existing:
                    continue
                when = start + (end - start) * rng.random()
                payer = rng.choice(citizens) if citizens else None
                payment = _demo_payment(
                    office=office,
                    payer=payer,
                    rng=rng,
                    when=when,
                    reference_id=reference_id,
                    services_=services_,
                )
                created += 1
                if payment.status == PaymentStatus.CAPTURED and payment.amount and rng.random() < 0.04:
                    part = PaymentPart.COURT_FEE if payment.court_fee else PaymentPart.OFFICE_FEE
                    whole = payment.court_fee if payment.court_fee else payment.office_fee
                    services.refund_create(
                        payment=payment,
                        amount=whole // 2 if part == PaymentPart.COURT_FEE else whole,
                        part=part,
                        reason="Demo: settled by the parties; half of the court fee returned"
                        if part == PaymentPart.COURT_FEE
                        else "Demo: request cancelled",
                        actor=None,
                    )
                    refunds += 1
        if progress:
            progress()
    run = services.settlement_run(year=last_month.year, month=last_month.month, actor=None)
    return {"payments": created, "refunds": refunds, "settled_offices": run.offices}
