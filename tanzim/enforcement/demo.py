"""Demo data for enforcement (idempotent): called by ``seed_demo`` after the apps it builds on.

Office A's province runs the pilot (every step handed over, the court officer approves seizures
and distributions). Files in every state are walked through the real services; the auction states
that need bidding time to pass are written as rows in those states. A court officer signs in as
``court.thr``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.common.jalali import tehran_date, to_jalali_date
from tanzim.enforcement import services
from tanzim.enforcement.choices import (
    AssetKind,
    AssetStatus,
    AuctionStatus,
    CollectionSource,
    JudgmentState,
    Outcome,
    Step,
)
from tanzim.enforcement.models import (
    Asset,
    Auction,
    CourtBaseline,
    EnforcementFile,
    PilotSetting,
)
from tanzim.offices.choices import OfficeStatus

MARK = "DEMO-"


def _officer(province: Any) -> User:
    from tanzim.accounts.demo import _demo_hash

    user, _created = User.objects.get_or_create(
        username="court.thr",
        defaults={"first_name": "مأمور", "last_name": "اجرای احکام", "password": _demo_hash()},
    )
    if not RoleAssignment.objects.filter(user=user, role=Role.COURT_OFFICER, province=province).exists():
        RoleAssignment.objects.create(
            user=user,
            role=Role.COURT_OFFICER,
            province=province,
            valid_from=timezone.now() - timedelta(days=1),
        )
    return user


def _file(
    clerk: User, office: Any, n: int, creditor: User, debtor: User, amount: int, **extra: Any
) -> EnforcementFile:
    today = tehran_date(timezone.now())
    return services.file_request(
        actor=clerk,
        office=office,
        court="دادگاه عمومی حقوقی تهران",
        branch=str(10 + n),
        judgment_number=f"{MARK}{n:04d}",
        judgment_date=today - timedelta(days=90),
        judgment_state=JudgmentState.FINAL,
        judgment_served_on=today - timedelta(days=40),
        creditors=extra.pop("creditors", None)
        or [
            {
                "name": creditor.get_full_name() or "بستانکار",
                "user": creditor,
                "claim": amount,
                "mobile": creditor.mobile or "",
            }
        ],
        debtors=[
            {
                "name": debtor.get_full_name() or "بدهکار",
                "user": debtor,
                "national_code": debtor.national_code or "",
                "has_dependants": True,
            }
        ],
    )


def seed_enforcement(*, offices: list[Any], progress: Callable[..., Any] | None = None) -> None:
    """Seed this app's demo data for ``offices``."""
    if EnforcementFile.objects.filter(judgment_number__startswith=MARK).exists():
        return
    tehran = sorted(
        (o for o in offices if o.province.code == "THR" and o.status == OfficeStatus.ACTIVE),
        key=lambda o: o.code,
    )
    clerk = User.objects.filter(username="clerk.a").first()
    if not tehran or clerk is None:
        return
    office = tehran[0]
    province = office.province
    officer = _officer(province)
    for step in Step.values:
        PilotSetting.objects.get_or_create(
            province=province,
            step=step,
            defaults={"office_may": True, "court_approval": step in (Step.SEIZURE, Step.DISTRIBUTION)},
        )
    year = to_jalali_date(timezone.now()).year
    CourtBaseline.objects.get_or_create(
        province=province,
        year=year,
        defaults={
            "days_to_first_payment": 120,
            "days_to_closure": 420,
            "recovery_files_bp": 2460,
            "recovery_amount_bp": 2060,
        },
    )
    citizens = list(
        User.objects.filter(roles__role=Role.CITIZEN).exclude(national_code__isnull=True).order_by("pk")[:4]
    )
    if len(citizens) < 2:
        return
    creditor, debtor = citizens[0], citizens[1]

    def served(n: int, amount: int) -> EnforcementFile:
        file = _file(clerk, office, n, creditor, debtor, amount)
        file = services.writ_issue(file=file, actor=officer, writ_number=f"W-{n}")
        services.service_record(file=file, actor=clerk, served_on=tehran_date(timezone.now()))
        file.refresh_from_db()
        return file

    # requested, writ issued, served
    _file(clerk, office, 1, creditor, debtor, 120_000_000)
    services.writ_issue(
        file=_file(clerk, office, 2, creditor, debtor, 75_000_000), actor=officer, writ_number="W-2"
    )
    served(3, 50_000_000)
    # served, the debtor filed a list with exempt property and a salary; the office checked it
    file = served(4, 240_000_000)
    services.asset_list_file(
        file=file,
        actor=debtor,
        assets=[
            {"kind": AssetKind.LAND, "description": "منزل مسکونی", "exempt_category": "home"},
            {
                "kind": AssetKind.SALARY,
                "description": "حقوق ماهانه",
                "monthly_salary": 180_000_000,
                "protected_benefits": 20_000_000,
            },
            {"kind": AssetKind.VEHICLE, "description": "خودرو سواری", "estimated_value": 900_000_000},
        ],
        insolvency=True,
    )
    services.asset_list_check(file=file, actor=clerk)
    salary = file.assets.get(kind=AssetKind.SALARY)
    services.asset_seize(asset=salary, actor=officer)
    services.salary_garnish(asset=salary, actor=clerk, monthly=40_000_000)
    car = file.assets.get(kind=AssetKind.VEHICLE)
    services.asset_seize(asset=car, actor=clerk)  # awaits the court officer's approval
    # instalments granted and being paid
    file = served(5, 90_000_000)
    plan = services.plan_propose(
        file=file,
        actor=debtor,
        count=6,
        amount_each=15_000_000,
        first_due=tehran_date(timezone.now()) + timedelta(days=30),
    )
    services.plan_decide(plan=plan, actor=officer, grant=True)
    services.collection_record(file=file, actor=clerk, amount=15_000_000, source=CollectionSource.INSTALMENT)
    # distributing: a schedule waits for the court officer
    file = served(6, 60_000_000)
    services.collection_record(
        file=file, actor=clerk, amount=60_000_000, source=CollectionSource.DEBTOR_PAYMENT
    )
    schedule = services.schedule_prepare(file=file, actor=clerk)
    services.schedule_pay(schedule=schedule, actor=clerk)
    # closed: paid within the 10 days; settled; returned to the court
    file = served(7, 40_000_000)
    services.collection_record(
        file=file, actor=clerk, amount=40_000_000, source=CollectionSource.DEBTOR_PAYMENT
    )
    services.schedule_pay(schedule=services.schedule_prepare(file=file, actor=officer), actor=officer)
    file = served(8, 30_000_000)
    services.settlement_record(file=file, actor=clerk)
    services.collection_record(
        file=file, actor=clerk, amount=30_000_000, source=CollectionSource.DEBTOR_PAYMENT
    )
    services.schedule_pay(schedule=services.schedule_prepare(file=file, actor=officer), actor=officer)
    services.file_close(
        file=_file(clerk, office, 9, creditor, debtor, 10_000_000), actor=officer, outcome=Outcome.RETURNED
    )
    # enforcing, with assets in every state and auctions in every state
    file = served(10, 800_000_000)
    services.enforcement_start(file=file, actor=clerk)
    now = timezone.now()
    states = [
        (AssetStatus.VALUED, None),
        (AssetStatus.AT_AUCTION, AuctionStatus.NOTICE),
        (AssetStatus.AT_AUCTION, AuctionStatus.OPEN),
        (AssetStatus.AT_AUCTION, AuctionStatus.AWARDED),
        (AssetStatus.VALUED, AuctionStatus.NO_BUYER),
        (AssetStatus.SOLD, AuctionStatus.COMPLETED),
        (AssetStatus.RELEASED, None),
        (AssetStatus.TAKEN, None),
    ]
    for i, (asset_status, auction_status) in enumerate(states):
        value = 100_000_000 * (i + 2)
        asset = Asset.objects.create(
            file=file,
            kind=AssetKind.MOVABLE,
            found_by="creditor",
            description=f"مال توقیفی {i + 1}",
            status=asset_status,
            value=value,
            valuer="کارشناس رسمی دادگستری",
            valued_at=now - timedelta(days=20),
            objection_due=tehran_date(now - timedelta(days=15)),
            seized_at=now - timedelta(days=25),
        )
        if auction_status is None:
            continue
        starts = {
            AuctionStatus.NOTICE: now + timedelta(days=12),
            AuctionStatus.OPEN: now - timedelta(hours=3),
        }.get(auction_status, now - timedelta(days=9))
        ends = starts + timedelta(days=2)
        Auction.objects.create(
            file=file,
            asset=asset,
            status=auction_status,
            starting_price=value,
            deposit=value // 10,
            announced_at=starts - timedelta(days=10),
            starts_at=starts,
            ends_at=ends,
            scheduled_end=ends,
            extension_minutes=5,
            highest_amount=value + 20_000_000
            if auction_status in (AuctionStatus.AWARDED, AuctionStatus.COMPLETED)
            else 0,
            awarded_at=ends if auction_status in (AuctionStatus.AWARDED, AuctionStatus.COMPLETED) else None,
            balance_due=tehran_date(ends) + timedelta(days=30)
            if auction_status == AuctionStatus.AWARDED
            else None,
            complaints_until=tehran_date(ends) + timedelta(days=7)
            if auction_status == AuctionStatus.AWARDED
            else None,
            created_by=clerk,
        )
    services.stay_add(file=served(11, 45_000_000), actor=officer, reason="court_order", note="اعتراض ثالث")
    if progress:
        progress()
