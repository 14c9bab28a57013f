"""The public tables: the network's figures and money by province and month, and each office's card.

Built from the dashboards' rollups (``tanzim.opendata.source``), suppressed (``tables``) and
cached: a finished month for hours, the current month for minutes. Nothing here is personal:
offices, provinces and months only. The network and money tables are two column sets of one
table (``province_month``), suppressed together, so no figure the two share can be played off
one against the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.catalog.selectors import service_list
from tanzim.common.errors import NotFoundError
from tanzim.common.jalali import JalaliMonth
from tanzim.dashboards import indicators as registry
from tanzim.offices.models import Office, Province
from tanzim.offices.selectors import office_licence_kinds
from tanzim.opendata import source
from tanzim.opendata.tables import Column, PublicTable
from tanzim.ranking import selectors as ranking

VERSION = "v1"
MONTHS = 12  # months published, the current one included
ENDED_SECONDS = 6 * 3600
CURRENT_SECONDS = 600
OFFICES_SECONDS = 3600

LICENCE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "Kanoon of the Electronic Judicial Service Offices (Tanzim open data)",
}
NATIONAL = "IR"  # the province code of the national rows


def _indicator(code: str):
    indicator = registry.get(code)
    return lambda row: indicator.value(row, row.get("_network"))


def _count(key: str, label: Any, description: Any = "") -> Column:
    return Column(key, label, "count", description, unit="count")


def _amount(key: str, label: Any, count_of: str, description: Any = "", hidden: bool = False) -> Column:
    return Column(key, label, "amount", description, count_of=count_of, unit="rials", hidden=hidden)


def _ratio(
    key: str, label: Any, needs: tuple[str, ...], den: tuple[str, ...], digits: int, unit: str
) -> Column:
    description = registry.get(key).description if key in registry.BY_CODE else ""
    return Column(
        key,
        label,
        "ratio",
        description,
        value=_indicator(key),
        needs=needs,
        denominator=den,
        digits=digits,
        unit=unit,
    )


PLACE = [
    Column("month", _("Month"), "text", _("Jalali month, YYYY-MM"), unit="month"),
    Column("province", _("Province code"), "text", _("IR for the whole network"), unit="code"),
    Column("province_name_fa", _("Province (Persian)"), "text", unit="text"),
    Column("province_name_en", _("Province (English)"), "text", unit="text"),
]

NETWORK = [
    _count("requests_in", _("Requests"), _("Requests submitted in the month")),
    _count("requests_in_person", _("In person")),
    _count("requests_semi", _("Semi-in-person")),
    _count("requests_remote", _("Remote")),
    _ratio("in_person_share", _("In-person share"), ("requests_in_person",), ("requests_in",), 4, "share"),
    _count("visits_avoided", _("Visits avoided"), registry.get("visits_avoided").description),
    _ratio("remote_uptake", _("Remote uptake"), ("requests_remote",), ("requests_in",), 4, "share"),
    _ratio("average_saving", _("Average saving (rials)"), ("channel_saving",), ("saving_base",), 0, "rials"),
    _count("disputes_concluded", _("Disputes concluded")),
    _count("disputes_kept_out", _("Disputes kept out of court"), _("Settled or ended by an award")),
    _count("disputes_settled", _("Disputes settled")),
    _ratio(
        "kept_out_per_1000",
        _("Kept out of court per 1,000 services"),
        ("disputes_kept_out",),
        ("services",),
        1,
        "per_1000",
    ),
    _ratio(
        "settlement_rate", _("Settlement rate"), ("disputes_settled",), ("disputes_concluded",), 4, "share"
    ),
    _count("survey_responses", _("Survey answers")),
    _ratio(
        "satisfaction", _("Satisfaction (1–5)"), ("survey_overall_sum",), ("survey_responses",), 2, "score"
    ),
    _count("free_total", _("Free services"), registry.get("free_services").description),
    _count("free_services", _("Free requests")),
    _count("outreach_services", _("Free on outreach missions")),
]
MONEY = [
    _count("services", _("Services paid")),
    _amount("fees_collected", _("Fees collected (rials)"), "services"),
    _amount("revenue", _("Fee revenue, net of refunds (rials)"), "services"),
    _amount("kanoon_share", _("The Kanoon's share (rials)"), "services"),
    _amount("subsidies", _("Subsidies for free services (rials)"), "free_services"),
    _count("reimbursed_missions", _("Outreach missions reimbursed")),
    _amount("reimbursements", _("Reimbursements of outreach missions (rials)"), "reimbursed_missions"),
]
# Behind the ratios, never published: the sums a mean divides, and the saving's denominator.
HIDDEN = [
    Column("saving_base", "requests_remote + requests_semi", "count", hidden=True),
    _amount("channel_saving", "channel_saving", "saving_base", hidden=True),
    _amount("survey_overall_sum", "survey_overall_sum", "survey_responses", hidden=True),
]

PROVINCE_MONTH = [*PLACE, *NETWORK, *MONEY, *HIDDEN]
COLUMN_SUMS = [
    ("requests_in", ("requests_in_person", "requests_semi", "requests_remote")),
    ("free_total", ("free_services", "outreach_services")),
]

TABLES: dict[str, list[str]] = {
    "network": [c.key for c in (*PLACE, *NETWORK)],
    "money": [c.key for c in (*PLACE, MONEY[0], *MONEY[1:5], NETWORK[-2], *MONEY[5:])],
}


def months(today: Any = None) -> list[JalaliMonth]:
    """The published months, oldest first, ending with the current one."""
    current = JalaliMonth.of(today or timezone.now())
    return [current.shift(-i) for i in range(MONTHS - 1, -1, -1)]


def _derive(counters: dict[str, int]) -> dict[str, Any]:
    row: dict[str, Any] = dict(counters)
    row["disputes_kept_out"] = row["disputes_settled"] + row["disputes_awarded"]
    row["free_total"] = row["free_services"] + row["outreach_services"]
    row["saving_base"] = row["requests_semi"] + row["requests_remote"]
    return row


def _month_table(month: JalaliMonth, provinces: list[Province]) -> PublicTable:
    per = source.province_month(month)
    paid_back = source.reimbursements(month)
    national = source.zero()
    rows: list[dict[str, Any]] = []
    for province in provinces:
        counters = per.get(province.pk) or source.zero()
        for name, value in counters.items():
            national[name] = national.get(name, 0) + value
        row = _derive(counters)
        row["reimbursed_missions"], row["reimbursements"] = paid_back.get(province.pk, (0, 0))
        row.update(
            province=province.code, province_name_fa=province.name_fa, province_name_en=province.name_en
        )
        rows.append(row)
    top = _derive(national)
    top["reimbursed_missions"] = sum(r["reimbursed_missions"] for r in rows)
    top["reimbursements"] = sum(r["reimbursements"] for r in rows)
    top.update(province=NATIONAL, province_name_fa="کل کشور", province_name_en="All provinces")
    rows.insert(0, top)
    for row in rows:
        row["month"] = str(month)
        row["_network"] = national
    return PublicTable("province_month", PROVINCE_MONTH, rows, [(0, range(1, len(rows)))], COLUMN_SUMS)


def _published(table: PublicTable) -> list[dict[str, Any]]:
    return list(table.cells())


def month_rows(month: JalaliMonth, *, fresh: bool = False) -> list[dict[str, Any]]:
    """One month's published rows (the nation first, then each province), cached (``fresh``: made
    again whatever is cached)."""
    ended = month.bounds_utc()[1] <= timezone.now()
    key = f"opendata:{VERSION}:pm:{month.key}:{int(ended)}"
    rows = None if fresh else cache.get(key)
    if rows is None:
        provinces = list(Province.objects.order_by("name_fa"))
        rows = _published(_month_table(month, provinces))
        cache.set(key, rows, ENDED_SECONDS if ended else CURRENT_SECONDS)
    return rows


def province_month_rows(
    *, table: str, province: str | None = None, month: JalaliMonth | None = None
) -> list[dict[str, Any]]:
    """The rows of the network or money table, newest month first, narrowed as asked."""
    if table not in TABLES:
        raise NotFoundError()
    keys = TABLES[table]
    chosen = [month] if month is not None else months()[::-1]
    if month is not None and month not in months():
        raise NotFoundError(_("That month is not published."), code="month_not_published")
    out = []
    for m in chosen:
        for row in month_rows(m):
            if province and row["province"] != province:
                continue
            out.append(
                {k: row[k] for k in keys} | {"suppressed": [s for s in row["suppressed"] if s in keys]}
            )
    return out


def warm() -> int:
    """Make again what changes while it is cached: this month's and last month's province tables
    (last month's rollups still change in this month's first days) and every province's office
    table. The beat task ``opendata.warm_tables`` runs it more often than those copies expire, so a
    visitor does not wait for a table to be made. Returns the number of tables made."""
    latest = months()[-2:]
    for month in latest:
        month_rows(month, fresh=True)
    office_rows(fresh=True)  # one table a province
    return len(latest) + Province.objects.count()


def columns_of(table: str) -> list[Column]:
    if table == "offices":
        return [c for c in OFFICE_COLUMNS if not c.hidden]
    by_key = {c.key: c for c in PROVINCE_MONTH}
    return [by_key[k] for k in TABLES[table]]


# --- offices ------------------------------------------------------------------------------------

OFFICE_COLUMNS = [
    Column("office", _("Office code"), "text", unit="code"),
    Column("name", _("Office"), "text", unit="text"),
    Column("province", _("Province code"), "text", unit="code"),
    Column("city", _("City"), "text", unit="text"),
    _count("requests_in", _("Requests (12 months)")),
    _count("requests_in_person", _("In person (12 months)")),
    _ratio("in_person_share", _("In-person share"), ("requests_in_person",), ("requests_in",), 4, "share"),
    Column("ranking_period", _("Ranking period"), "text", unit="period"),
    Column("tier", _("Tier"), "text", unit="tier"),
    Column("score", _("Score (0–100)"), "ratio", value=lambda r: r.get("score"), digits=1, unit="score"),
    Column("rank", _("National rank"), "ratio", value=lambda r: r.get("rank"), unit="rank"),
    Column("rank_low", _("Likely rank, best (5%)"), "ratio", value=lambda r: r.get("rank_low"), unit="rank"),
    Column(
        "rank_high", _("Likely rank, worst (95%)"), "ratio", value=lambda r: r.get("rank_high"), unit="rank"
    ),
    _count("ranking_answers", _("Survey answers behind the rating")),
    Column(
        "rating",
        _("Satisfaction, shrunk (1–5)"),
        "ratio",
        value=lambda r: r.get("rating"),
        needs=("ranking_answers",),
        denominator=("ranking_answers",),
        digits=2,
        unit="score",
    ),
]


def _ranking_rows(province: Province) -> tuple[str, dict[int, dict[str, Any]]]:
    run = ranking.public_run_get()
    if run is None:
        return "", {}
    out = {}
    for r in ranking.public_results(run=run, province=province).values(
        "office_id", "tier", "score", "rank", "rank_p05", "rank_p95", "satisfaction", "satisfaction_responses"
    ):
        out[r["office_id"]] = {
            "tier": r["tier"],
            "score": r["score"],
            "rank": r["rank"],
            "rank_low": None if r["rank_p05"] is None else round(r["rank_p05"]),
            "rank_high": None if r["rank_p95"] is None else round(r["rank_p95"]),
            "rating": r["satisfaction"],
            "ranking_answers": r["satisfaction_responses"],
        }
    return ranking.period_of(run).code, out


def _office_table(province: Province) -> PublicTable:
    """A province's offices: each province's offices add up to its monthly figures, and to nothing
    else, so a province's table is suppressed on its own."""
    chosen = months()
    per = source.office_period(chosen, province.pk)
    period, ranked = _ranking_rows(province)
    offices = Office.objects.filter(province=province).select_related("province", "city").order_by("code")
    rows: list[dict[str, Any]] = []
    parts: dict[str, list[int]] = {}
    for office in offices:
        counters = per.get(office.pk) or source.zero()
        row: dict[str, Any] = {
            "office": office.code,
            "name": office.name,
            "province": office.province.code,
            "city": office.city.name,
            "requests_in": counters["requests_in"],
            "requests_in_person": counters["requests_in_person"],
            "ranking_period": period if office.pk in ranked else "",
            "tier": "",
            "ranking_answers": 0,
        }
        row.update(ranked.get(office.pk, {}))
        parts.setdefault(office.province.code, []).append(len(rows))
        rows.append(row)
    # Each province's 12-month totals are known to a reader where the monthly table publishes every
    # month of them: a virtual row for each, so one office's small figure cannot be had by subtraction.
    preset: list[set[str]] = [set() for _ in rows]
    sums = []
    monthly = [month_rows(m) for m in chosen]
    for code, members in parts.items():
        total: dict[str, Any] = {"_virtual": True, "requests_in": 0, "requests_in_person": 0}
        unknown: set[str] = set()
        for rows_of_month in monthly:
            for r in rows_of_month:
                if r["province"] == code:
                    for key in ("requests_in", "requests_in_person"):
                        if r[key] is None:
                            unknown.add(key)
                        else:
                            total[key] += r[key]
        sums.append((len(rows), members))
        rows.append(total)
        preset.append(unknown)
    return PublicTable("offices", OFFICE_COLUMNS, rows, sums, (), preset)


def office_rows(province: str | None = None, *, fresh: bool = False) -> list[dict[str, Any]]:
    """The offices' published rows (of one province, or of all), each province's table cached."""
    out: list[dict[str, Any]] = []
    provinces = Province.objects.order_by("code")
    for found in provinces.filter(code=province) if province else provinces:
        key = f"opendata:{VERSION}:offices:{found.code}:{months()[-1].key}"
        rows = None if fresh else cache.get(key)
        if rows is None:
            rows = list(_office_table(found).cells())
            cache.set(key, rows, OFFICES_SECONDS)
        out.extend(rows)
    return out


def office_card(*, code: str) -> dict[str, Any]:
    """One office's public card: its published row, services, hours. A 404 for no such office."""
    office = Office.objects.select_related("province", "city").filter(code=code).first()
    if office is None:
        raise NotFoundError(_("No office with this code."), code="office_not_found")
    row = next((r for r in office_rows(office.province.code) if r["office"] == office.code), None)
    return {"office": office, "row": row or {}, "hours": _hours(office), "services": _services(office)}


def _hours(office: Office) -> list[Any]:
    return list(office.hours.order_by("weekday", "opens"))


def _services(office: Office) -> Iterable[Any]:
    """The active services the office may give: those needing no licence or one it holds today."""
    held = office_licence_kinds(office=office)
    return [s for s in service_list() if not s.licence_required or s.licence_required in held]
