"""Reads for money, always scoped by the acting user (``scope_for``); out of scope is a 404.

A citizen sees the payments they made, office staff their office's, a province admin their
province's and the Kanoon everything. Statements follow the same rule; the transparency
totals are public and hold no personal data.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import (
    FINANCE_READERS,
    can_act_for_office,
    is_kanoon,
    is_office_staff,
    scope_for,
    works_at_office,
)
from tanzim.catalog.models import Service
from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.common.i18n import bilingual, is_english
from tanzim.common.jalali import TEHRAN, JalaliMonth, jalali_month_bounds_utc
from tanzim.finance import share as share_math
from tanzim.finance.choices import AccountPurpose, PaymentMethod, PaymentStatus, SettlementStatus
from tanzim.finance.ledger import balances
from tanzim.finance.models import Account, Entry, Payment, Refund, SettlementLine, SettlementRun
from tanzim.offices.models import Office, Province

TRANSPARENCY_CACHE_SECONDS = 600


# --- payments ---------------------------------------------------------------------------


def payment_list_for(*, user: Any) -> QuerySet[Payment]:
    """The payments a user may see: their own, and those of the offices they work for."""
    if not getattr(user, "is_authenticated", False):
        return Payment.objects.none()
    scope = scope_for(user)
    payments = Payment.objects.select_related("office", "payer")
    roles = [role for role in FINANCE_READERS if scope.has(role)]
    if any(role in scope.national_roles for role in roles):
        return payments
    if roles:
        return payments.filter(Q(payer=user) | scope.offices_q(*roles))
    return payments.filter(payer=user)


def payment_get_for(*, user: Any, pk: Any) -> Payment:
    """One payment by id or reference (uuid), or NotFoundError when missing or out of scope."""
    payments = payment_list_for(user=user)
    found = None
    if isinstance(pk, uuid.UUID):
        found = payments.filter(uuid=pk).first()
    elif isinstance(pk, int) and not isinstance(pk, bool):
        found = payments.filter(pk=pk).first()
    else:
        text = str(pk)
        try:
            found = payments.filter(uuid=uuid.UUID(text)).first()
        except ValueError:
            if text.isdigit() and len(text) < 19:
                found = payments.filter(pk=int(text)).first()
    if found is None:
        raise NotFoundError()
    return found


def service_names() -> dict[str, str]:
    """Service names by code in the active language (a small table; statements show names, not codes)."""
    return {
        service.code: bilingual(service) for service in Service.objects.only("code", "name_fa", "name_en")
    }


def with_service_names(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """Each payment's service name in the reader's language (as ``bilingual``: Persian when no English)."""
    services = Service.objects.filter(code=OuterRef("service_code"))
    name = Coalesce(NullIf("name_en", Value("")), "name_fa") if is_english() else F("name_fa")
    return payments.annotate(service_name=Subquery(services.annotate(shown=name).values("shown")[:1]))


def can_take_counter_payment(*, user: Any, payment: Payment) -> bool:
    return is_office_staff(user, payment.office)


def can_refund(*, user: Any, payment: Payment) -> bool:
    return is_office_staff(user, payment.office) or is_kanoon(user)


def can_waive_fee(*, user: Any, office: Office) -> bool:
    return works_at_office(user, office)


# --- statements -------------------------------------------------------------------------


def current_month() -> JalaliMonth:
    return JalaliMonth.of(timezone.now())


def last_ended_month() -> JalaliMonth:
    return current_month().previous()


def recent_months(count: int = 12) -> list[JalaliMonth]:
    """This month and the ``count - 1`` before it, newest first."""
    this = current_month()
    return [this.shift(-step) for step in range(count)]


def month_has_ended(year: int, month: int) -> bool:
    return JalaliMonth(year, month).bounds_utc()[1] <= timezone.now()


@dataclass
class StatementDay:
    day: date
    payments: int = 0
    office_fees: int = 0
    court_fees: int = 0
    subsidies: int = 0
    refunds: int = 0


@dataclass
class StatementLine:
    at: datetime
    kind: str  # "payment" or "refund"
    reference: str
    service: str
    method: str
    office_fee: int
    court_fee: int
    subsidy: int
    refund: int
    note: str = ""


@dataclass
class StatementOther:
    purpose: str
    label: str
    amount: int  # rials; negative for a charge to the office

    @property
    def amount_abs(self) -> int:
        return abs(self.amount)


@dataclass
class OfficeStatement:
    office: Office
    year: int
    month: int
    start: datetime
    end: datetime
    ended: bool
    payments: int = 0
    free_services: int = 0
    collected: int = 0
    office_fees: int = 0
    court_fees: int = 0
    subsidies: int = 0
    refunds: int = 0
    refunds_office_fee: int = 0
    refunds_court_fee: int = 0
    revenue: int = 0  # ledger: office fee revenue net of refunds
    subsidy_revenue: int = 0  # ledger: subsidies earned, net of cancellations
    settled: bool = False
    provisional: bool = False
    tier: str = ""
    disputes_resolved: int = 0
    rate_bp: int | None = None
    share: int | None = None
    net: int | None = None
    receivable_end: int = 0
    payable_end: int = 0
    days: list[StatementDay] = field(default_factory=list)
    others: list[StatementOther] = field(default_factory=list)  # reimbursements, dues, premiums
    held: list[StatementOther] = field(default_factory=list)  # collected for others, not fees

    @property
    def rate_percent(self) -> str:
        return "" if self.rate_bp is None else f"{self.rate_bp / 100:g}"

    @property
    def last_day(self) -> date:
        """The month's last day (``end`` is the first instant of the next month)."""
        return (self.end - timedelta(seconds=1)).astimezone(TEHRAN).date()

    @property
    def net_abs(self) -> int | None:
        return None if self.net is None else abs(self.net)

    @property
    def court_fees_net(self) -> int:
        return self.court_fees - self.refunds_court_fee


def can_see_office_finance(*, user: Any, office: Office) -> bool:
    return can_act_for_office(user, office, *FINANCE_READERS)


def statement_office_get(*, user: Any, code: str) -> Office:
    office = Office.objects.select_related("province", "city").filter(code=str(code)[:12]).first()
    if office is None or not can_see_office_finance(user=user, office=office):
        raise NotFoundError()
    return office


def statement_offices_for(*, user: Any) -> QuerySet[Office]:
    """The offices whose statements a user may open."""
    if not getattr(user, "is_authenticated", False):
        return Office.objects.none()
    scope = scope_for(user)
    roles = [role for role in FINANCE_READERS if scope.has(role)]
    if not roles:
        return Office.objects.none()
    offices = Office.objects.select_related("province", "city")
    if any(role in scope.national_roles for role in roles):
        return offices
    ids = set().union(*(scope.office_ids.get(r, ()) for r in roles))
    provinces = set().union(*(scope.province_ids.get(r, ()) for r in roles))
    return offices.filter(Q(pk__in=sorted(ids)) | Q(province_id__in=sorted(provinces)))


def _captured_in(start: datetime, end: datetime) -> QuerySet[Payment]:
    """Fee payments captured in the window (held money is not a fee: see ``_held_lines``)."""
    return Payment.objects.filter(
        status=PaymentStatus.CAPTURED, captured_at__gte=start, captured_at__lt=end, credit_purpose=""
    )


def _refunds_in(start: datetime, end: datetime) -> QuerySet[Refund]:
    return Refund.objects.filter(created_at__gte=start, created_at__lt=end, payment__credit_purpose="")


# The office's own accounts outside fees and the Kanoon share, each a line of its statement:
# what the Kanoon reimbursed for missions, the dues and premiums charged to it.
OTHER_OFFICE_PURPOSES = (
    AccountPurpose.MISSION_REVENUE,
    AccountPurpose.DUES_EXPENSE,
    AccountPurpose.PREMIUM_EXPENSE,
)


def _other_lines(office: Office, start: datetime, end: datetime) -> list[StatementOther]:
    """The month's movements on the office's other accounts; revenue positive, charges negative."""
    rows = (
        Entry.objects.filter(
            account__office=office,
            account__purpose__in=OTHER_OFFICE_PURPOSES,
            posted_at__gte=start,
            posted_at__lt=end,
        )
        .values("account__purpose", "account__kind")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    )
    labels = dict(AccountPurpose.choices)
    lines = []
    for row in rows:
        net = (row["credit"] or 0) - (row["debit"] or 0)
        if net:
            purpose = row["account__purpose"]
            lines.append(StatementOther(purpose=purpose, label=str(labels[purpose]), amount=net))
    return sorted(lines, key=lambda line: OTHER_OFFICE_PURPOSES.index(line.purpose))


def _held_lines(office: Office, start: datetime, end: datetime) -> list[StatementOther]:
    """Money the office took in for others this month (a debtor's payment, a deposit), by account."""
    rows = (
        Payment.objects.filter(
            office=office,
            status=PaymentStatus.CAPTURED,
            captured_at__gte=start,
            captured_at__lt=end,
        )
        .exclude(credit_purpose="")
        .values("credit_purpose")
        .annotate(total=Sum("amount"))
    )
    labels = dict(AccountPurpose.choices)
    return [
        StatementOther(
            purpose=row["credit_purpose"], label=str(labels[row["credit_purpose"]]), amount=row["total"]
        )
        for row in rows.order_by("credit_purpose")
    ]


def office_statement(*, user: Any, office: Office, year: int, month: int) -> OfficeStatement:
    """An office's Jalali month: what came in, what went back, what it owes or is owed by the Kanoon."""
    if not can_see_office_finance(user=user, office=office):
        raise NotFoundError()
    share_math.check_month(year, month)
    start, end = jalali_month_bounds_utc(year, month)
    statement = OfficeStatement(
        office=office, year=year, month=month, start=start, end=end, ended=end <= timezone.now()
    )
    payments = _captured_in(start, end).filter(office=office)
    totals = payments.aggregate(
        n=Count("pk"),
        free=Count("pk", filter=Q(amount=0)),
        collected=Sum("amount"),
        office_fees=Sum("office_fee"),
        court_fees=Sum("court_fee"),
        subsidies=Sum("subsidy"),
    )
    statement.payments = totals["n"] or 0
    statement.free_services = totals["free"] or 0
    statement.collected = totals["collected"] or 0
    statement.office_fees = totals["office_fees"] or 0
    statement.court_fees = totals["court_fees"] or 0
    statement.subsidies = totals["subsidies"] or 0
    refunds = _refunds_in(start, end).filter(payment__office=office)
    refund_totals = refunds.aggregate(
        office_fee=Sum("amount", filter=Q(part="office_fee")),
        court_fee=Sum("amount", filter=Q(part="court_fee")),
    )
    statement.refunds_office_fee = refund_totals["office_fee"] or 0
    statement.refunds_court_fee = refund_totals["court_fee"] or 0
    statement.refunds = statement.refunds_office_fee + statement.refunds_court_fee
    revenue, subsidy_revenue = share_math.revenue_and_subsidies(
        year=year, month=month, office_ids=[office.pk]
    ).get(office.pk, (0, 0))
    statement.revenue, statement.subsidy_revenue = revenue, subsidy_revenue

    line = (
        SettlementLine.objects.filter(
            run__year=year, run__month=month, run__status=SettlementStatus.DONE, office=office
        )
        .select_related("run")
        .first()
    )
    if (
        line is not None
        or SettlementRun.objects.filter(year=year, month=month, status=SettlementStatus.DONE).exists()
    ):
        statement.settled = True
        if line is not None:
            statement.tier, statement.disputes_resolved = line.tier, line.disputes_resolved
            statement.rate_bp, statement.share, statement.net = line.rate_bp, line.share, line.net
        else:
            statement.share = statement.net = 0
    else:
        policy = share_math.policy_for(year=year, month=month)
        if policy is not None:
            statement.provisional = True
            figures = share_math.month_figures(year=year, month=month, policy=policy, office_ids=[office.pk])
            if figures:
                f = figures[0]
                statement.tier, statement.disputes_resolved = f.tier, f.disputes_resolved
                statement.rate_bp, statement.share, statement.net = f.rate_bp, f.share, f.net
            else:
                tier = share_math.tiers_for(year=year, month=month, office_ids=[office.pk]).get(office.pk, "")
                statement.tier = tier
                statement.rate_bp = share_math.rate_bp(policy=policy, tier=tier)
                statement.share = statement.net = 0

    accounts = list(
        Account.objects.filter(
            office=office, purpose__in=[AccountPurpose.KANOON_RECEIVABLE, AccountPurpose.KANOON_PAYABLE]
        )
    )
    closing = balances(accounts=accounts, before=end) if accounts else {}
    for account in accounts:
        if account.purpose == AccountPurpose.KANOON_RECEIVABLE:
            statement.receivable_end = closing.get(account.pk, 0)
        else:
            statement.payable_end = closing.get(account.pk, 0)

    days: dict[date, StatementDay] = {}
    for row in (
        payments.annotate(day=TruncDate("captured_at", tzinfo=TEHRAN))
        .values("day")
        .annotate(
            n=Count("pk"),
            office_fees=Sum("office_fee"),
            court_fees=Sum("court_fee"),
            subsidies=Sum("subsidy"),
        )
    ):
        days[row["day"]] = StatementDay(
            day=row["day"],
            payments=row["n"],
            office_fees=row["office_fees"] or 0,
            court_fees=row["court_fees"] or 0,
            subsidies=row["subsidies"] or 0,
        )
    for row in (
        refunds.annotate(day=TruncDate("created_at", tzinfo=TEHRAN))
        .values("day")
        .annotate(total=Sum("amount"))
    ):
        days.setdefault(row["day"], StatementDay(day=row["day"])).refunds = row["total"] or 0
    statement.days = [days[d] for d in sorted(days)]
    statement.others = _other_lines(office, start, end)
    statement.held = _held_lines(office, start, end)
    return statement


def statement_lines(*, statement: OfficeStatement) -> Iterator[StatementLine]:
    """Every payment and refund of the statement's month, in time order (for the CSV and the page)."""
    payments = (
        _captured_in(statement.start, statement.end)
        .filter(office=statement.office)
        .order_by("captured_at", "pk")
        .values_list("captured_at", "uuid", "service_code", "method", "office_fee", "court_fee", "subsidy")
    )
    refunds = (
        _refunds_in(statement.start, statement.end)
        .filter(payment__office=statement.office)
        .order_by("created_at", "pk")
        .values_list("created_at", "payment__uuid", "payment__service_code", "part", "amount", "reason")
    )
    methods = dict(PaymentMethod.choices)
    names = service_names()
    rows = [
        StatementLine(
            at=cast(datetime, at),  # a captured payment has its capture time
            kind="payment",
            reference=f"TZP-{ref.hex[:10].upper()}",
            service=names.get(service, service),
            method=str(methods.get(method, method)),
            office_fee=office_fee,
            court_fee=court_fee,
            subsidy=subsidy,
            refund=0,
        )
        for at, ref, service, method, office_fee, court_fee, subsidy in payments.iterator(chunk_size=2000)
    ]
    rows += [
        StatementLine(
            at=at,
            kind="refund",
            reference=f"TZP-{ref.hex[:10].upper()}",
            service=names.get(service, service),
            method=str(
                _("Refund of the office fee") if part == "office_fee" else _("Refund of the court fee")
            ),
            office_fee=0,
            court_fee=0,
            subsidy=0,
            refund=amount,
            note=reason,
        )
        for at, ref, service, part, amount, reason in refunds.iterator(chunk_size=2000)
    ]
    rows.sort(key=lambda row: row.at)
    yield from rows


# --- the Kanoon's view --------------------------------------------------------------------


@dataclass
class OverviewRow:
    office_id: int
    code: str
    name: str
    province: str
    payments: int = 0
    collected: int = 0
    court_fees: int = 0
    refunds: int = 0
    revenue: int = 0
    subsidies: int = 0
    free_services: int = 0
    tier: str = ""
    rate_bp: int | None = None
    share: int = 0
    net: int = 0

    @property
    def rate_percent(self) -> str:
        return "" if self.rate_bp is None else f"{self.rate_bp / 100:g}"


@dataclass
class KanoonOverview:
    year: int
    month: int
    ended: bool
    settled: bool
    run: SettlementRun | None
    rows: list[OverviewRow]
    totals: OverviewRow


def _require_kanoon(user: Any) -> None:
    if not is_kanoon(user):
        raise PermissionDeniedError(_("Only the Kanoon's administrators can see this."))


def kanoon_overview(*, user: Any, year: int, month: int, province: str | None = None) -> KanoonOverview:
    """Every office's money in a Jalali month, with the share (settled, or provisional) and totals."""
    _require_kanoon(user)
    share_math.check_month(year, month)
    start, end = jalali_month_bounds_utc(year, month)
    run = SettlementRun.objects.filter(year=year, month=month, status=SettlementStatus.DONE).first()
    money = share_math.revenue_and_subsidies(year=year, month=month)
    free = share_math.free_services_for(year=year, month=month)
    paid = {
        row["office_id"]: row
        for row in _captured_in(start, end)
        .values("office_id")
        .annotate(n=Count("pk"), collected=Sum("amount"), court_fees=Sum("court_fee"))
    }
    refunded = dict(
        _refunds_in(start, end)
        .values("payment__office_id")
        .annotate(t=Sum("amount"))
        .values_list("payment__office_id", "t")
    )
    figures: dict[int, Any] = {}
    if run is not None:
        figures = {line.office_id: line for line in SettlementLine.objects.filter(run=run)}
    else:
        policy = share_math.policy_for(year=year, month=month)
        if policy is not None:
            figures = {
                f.office_id: f for f in share_math.month_figures(year=year, month=month, policy=policy)
            }
    ids = set(money) | set(paid) | set(refunded) | set(figures) | set(free)
    offices = (
        Office.objects.filter(pk__in=ids)
        .select_related("province")
        .only("pk", "code", "name_fa", "name_en", "province__name_fa", "province__name_en")
    )
    if province:
        offices = offices.filter(province__code=province)
    language = get_language()  # once: 3,000 offices' names and their provinces'
    rows = []
    for office in offices:
        revenue, subsidies = money.get(office.pk, (0, 0))
        p = paid.get(office.pk, {})
        f = figures.get(office.pk)
        rows.append(
            OverviewRow(
                office_id=office.pk,
                code=office.code,
                name=bilingual(office, language=language),
                province=bilingual(office.province, language=language),
                payments=p.get("n", 0),
                collected=p.get("collected") or 0,
                court_fees=p.get("court_fees") or 0,
                refunds=refunded.get(office.pk, 0) or 0,
                revenue=revenue,
                subsidies=subsidies,
                free_services=free.get(office.pk, 0),
                tier=getattr(f, "tier", ""),
                rate_bp=getattr(f, "rate_bp", None),
                share=getattr(f, "share", 0),
                net=getattr(f, "net", 0),
            )
        )
    rows.sort(key=lambda row: (-row.revenue, row.code))
    totals = OverviewRow(office_id=0, code="", name=str(_("All offices")), province="")
    for row in rows:
        for name in (
            "payments",
            "collected",
            "court_fees",
            "refunds",
            "revenue",
            "subsidies",
            "free_services",
            "share",
            "net",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    return KanoonOverview(
        year=year,
        month=month,
        ended=end <= timezone.now(),
        settled=run is not None,
        run=run,
        rows=rows,
        totals=totals,
    )


def settlement_run_list_for(*, user: Any) -> QuerySet[SettlementRun]:
    _require_kanoon(user)
    return SettlementRun.objects.select_related("actor", "policy").order_by("-year", "-month")


def settlement_run_get_for(*, user: Any, year: int, month: int) -> SettlementRun:
    run = settlement_run_list_for(user=user).filter(year=year, month=month).first()
    if run is None:
        raise NotFoundError()
    return run


# --- public transparency ----------------------------------------------------------------


def _transparency_numbers(year: int, month: int) -> dict[str, Any]:
    start, end = jalali_month_bounds_utc(year, month)
    per: dict[int, dict[str, int]] = defaultdict(
        lambda: {
            "offices": 0,
            "payments": 0,
            "collected": 0,
            "court_fees": 0,
            "free_services": 0,
            "refunds": 0,
            "revenue": 0,
            "subsidies": 0,
            "share": 0,
        }
    )
    for row in (
        _captured_in(start, end)
        .values("office__province_id")
        .annotate(
            offices=Count("office_id", distinct=True),
            n=Count("pk"),
            collected=Sum("amount"),
            court_fees=Sum("court_fee"),
            free=Count("pk", filter=Q(amount=0)),
        )
    ):
        bucket = per[row["office__province_id"]]
        bucket.update(
            offices=row["offices"],
            payments=row["n"],
            collected=row["collected"] or 0,
            court_fees=row["court_fees"] or 0,
            free_services=row["free"],
        )
    for province_id, total in (
        _refunds_in(start, end)
        .values("payment__office__province_id")
        .annotate(t=Sum("amount"))
        .values_list("payment__office__province_id", "t")
    ):
        per[province_id]["refunds"] = total or 0
    for row in (
        Entry.objects.filter(
            posted_at__gte=start,
            posted_at__lt=end,
            account__purpose__in=[AccountPurpose.FEE_REVENUE, AccountPurpose.SUBSIDY_REVENUE],
        )
        .values("account__office__province_id", "account__purpose")
        .annotate(total=Sum(F("credit") - F("debit")))
    ):
        key = "revenue" if row["account__purpose"] == AccountPurpose.FEE_REVENUE else "subsidies"
        per[row["account__office__province_id"]][key] += row["total"] or 0
    settled = SettlementRun.objects.filter(year=year, month=month, status=SettlementStatus.DONE).exists()
    if settled:
        for province_id, total in (
            SettlementLine.objects.filter(run__year=year, run__month=month)
            .values("office__province_id")
            .annotate(t=Sum("share"))
            .values_list("office__province_id", "t")
        ):
            per[province_id]["share"] = total or 0
    return {"settled": settled, "provinces": {str(k): v for k, v in per.items()}}


def transparency_totals(*, year: int, month: int) -> dict[str, Any]:
    """National and provincial totals for a Jalali month: public, aggregates only, no personal data."""
    share_math.check_month(year, month)
    ended = month_has_ended(year, month)
    key = f"finance:transparency:v1:{year}:{month}:{int(ended)}"
    numbers = cache.get(key)
    if numbers is None:
        numbers = _transparency_numbers(year, month)
        cache.set(key, numbers, TRANSPARENCY_CACHE_SECONDS if ended else 60)
    provinces = []
    national = dict.fromkeys(
        (
            "offices",
            "payments",
            "collected",
            "court_fees",
            "free_services",
            "refunds",
            "revenue",
            "subsidies",
            "share",
        ),
        0,
    )
    for province in Province.objects.order_by("name_fa"):
        row = numbers["provinces"].get(str(province.pk)) or dict.fromkeys(national, 0)
        provinces.append(
            {"code": province.code, "name_fa": province.name_fa, "name_en": province.name_en, **row}
        )
        for name in national:
            national[name] += row[name]
    return {
        "year": year,
        "month": month,
        "ended": ended,
        "settled": numbers["settled"],
        "national": national,
        "provinces": provinces,
    }
