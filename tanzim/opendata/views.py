"""Public pages (no login): the network's figures, the money, each office's card, and the downloads."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from tanzim.common import charts
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.formatting import is_persian, number, percent
from tanzim.common.jalali import JalaliMonth
from tanzim.offices.models import Province
from tanzim.opendata import exports, selectors
from tanzim.opendata.tables import Column

PUBLIC_CACHE = cache_control(public=True, max_age=300)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def display(column: Column, value: Any) -> str:
    """One cell as a person reads it: the page's digits, shares as percentages."""
    if value is None:
        return ""
    if column.key == "month":
        return _month_label(value)
    if column.unit == "share":
        return percent(value * 100, 1)
    if column.kind in ("count", "amount", "ratio"):
        return number(value)
    return str(value)


def _table(table: str, rows: list[dict[str, Any]], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    english = not is_persian()
    columns = [c for c in selectors.columns_of(table) if c.key not in skip]
    if english:
        columns = [c for c in columns if c.key != "province_name_fa"]
    else:
        columns = [c for c in columns if c.key != "province_name_en"]
    body = []
    for row in rows:
        cells = [
            {"text": display(c, row.get(c.key)), "hidden": c.key in row["suppressed"], "kind": c.kind}
            for c in columns
        ]
        body.append({"row": row, "cells": cells})
    return {"columns": columns, "rows": body}


def _filters(request) -> tuple[str | None, JalaliMonth | None, Province | None]:
    code = (request.GET.get("province") or "").strip() or None
    province = None
    if code and code != selectors.NATIONAL:
        province = Province.objects.filter(code=code).first()
        if province is None:
            raise Http404()
    month = None
    if request.GET.get("month"):
        try:
            month = JalaliMonth.parse(request.GET["month"], field="month")
        except DomainError:
            raise Http404() from None
    return code, month, province


def _month_label(code: str) -> str:
    return JalaliMonth.parse(code).label(get_language() or "fa")


def _series(rows: list[dict[str, Any]], key: str) -> list[float | None]:
    return [None if r[key] is None else r[key] * 100 for r in rows]


@require_GET
@PUBLIC_CACHE
def network(request):
    code, month, _province = _filters(request)
    try:
        rows = selectors.province_month_rows(
            table="network", province=code or selectors.NATIONAL, month=month
        )
    except NotFoundError:
        raise Http404() from None
    persian = is_persian()
    ordered = rows[::-1]  # oldest first, for the chart
    labels = [_month_label(r["month"]) if i % 3 == 0 else "" for i, r in enumerate(ordered)]
    chart = charts.trend(
        labels,
        [
            (str(_("In-person share")), _series(ordered, "in_person_share"), True),
            (str(_("Remote uptake")), _series(ordered, "remote_uptake"), False),
        ],
        title=str(_("In-person share and remote uptake by month, percent")),
        persian=persian,
    )
    latest = rows[0] if rows else None
    return render(
        request,
        "opendata/network.html",
        {
            "chart": chart,
            "table": _table("network", rows, skip=("province", "province_name_fa", "province_name_en")),
            "latest": latest,
            "headline": _headline(rows[0]) if rows else [],
            "provinces": Province.objects.order_by("name_fa"),
            "province": code or selectors.NATIONAL,
            "licence": selectors.LICENCE,
            "downloads": _downloads("network", code),
        },
    )


HEADLINE = (
    "in_person_share",
    "visits_avoided",
    "remote_uptake",
    "average_saving",
    "kept_out_per_1000",
    "settlement_rate",
    "satisfaction",
    "free_total",
)


def _headline(row: dict[str, Any]) -> list[dict[str, Any]]:
    columns = {c.key: c for c in selectors.columns_of("network")}
    return [
        {
            "key": k,
            "label": columns[k].label,
            "text": display(columns[k], row[k]),
            "hidden": k in row["suppressed"],
        }
        for k in HEADLINE
    ]


@require_GET
@PUBLIC_CACHE
def money(request):
    code, month, _province = _filters(request)
    try:
        rows = selectors.province_month_rows(table="money", province=code or selectors.NATIONAL, month=month)
    except NotFoundError:
        raise Http404() from None
    persian = is_persian()
    ordered = rows[::-1]
    chart = charts.bars(
        [(_month_label(r["month"]), r["fees_collected"]) for r in ordered if r["fees_collected"] is not None],
        title=str(_("Fees collected by month, rials (suppressed months left out)")),
        persian=persian,
        rtl=persian,
    )
    return render(
        request,
        "opendata/money.html",
        {
            "chart": chart,
            "table": _table("money", rows, skip=("province", "province_name_fa", "province_name_en")),
            "provinces": Province.objects.order_by("name_fa"),
            "province": code or selectors.NATIONAL,
            "licence": selectors.LICENCE,
            "downloads": _downloads("money", code),
        },
    )


@require_GET
@PUBLIC_CACHE
def office(request, code: str):
    try:
        card = selectors.office_card(code=code)
    except NotFoundError:
        raise Http404() from None
    row = card["row"]
    columns = {c.key: c for c in selectors.columns_of("offices")}
    figures = [
        {
            "label": columns[k].label,
            "text": display(columns[k], row.get(k)),
            "hidden": k in row.get("suppressed", []),
        }
        for k in ("requests_in", "requests_in_person", "in_person_share", "rating", "ranking_answers")
    ]
    return render(
        request,
        "opendata/office.html",
        {**card, "figures": figures, "licence": selectors.LICENCE, "months": selectors.MONTHS},
    )


def _downloads(table: str, province: str | None) -> list[dict[str, str]]:
    from django.urls import reverse

    query = f"?province={province}" if province else ""
    return [
        {"format": fmt.upper(), "url": reverse("opendata:download", args=[table, fmt]) + query}
        for fmt in ("csv", "xlsx", "json")
    ]


@require_GET
@PUBLIC_CACHE
def download(request, table: str, fmt: str):
    if fmt not in FORMATS or table not in (*selectors.TABLES, "offices"):
        raise Http404()
    code, month, _province = _filters(request)
    try:
        if table == "offices":
            rows = selectors.office_rows(code if code != selectors.NATIONAL else None)
        else:
            rows = selectors.province_month_rows(table=table, province=code, month=month)
    except NotFoundError:
        raise Http404() from None
    columns = selectors.columns_of(table)
    licence = selectors.LICENCE
    content: str | bytes
    if fmt == "csv":
        content = exports.to_csv(rows, columns, licence)
    elif fmt == "xlsx":
        content = exports.to_xlsx(rows, columns, licence, table=table)
    else:
        content = exports.to_json(rows, columns, licence, table=table)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="tanzim-{table}.{fmt}"'
    response["Link"] = f'<{licence["url"]}>; rel="license"'
    return response
