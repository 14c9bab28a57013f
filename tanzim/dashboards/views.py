"""The dashboards: the nation by province, a province by office, an office over time.

Every figure comes from the daily rollups through ``selectors.indicator_values``; each page makes
the same number of queries whatever the period or the size of the network. A chart always has
the same figures in a table beside it.

The filter form picks a period and a catalogue service (``?service=<code>``, the active
services; none is every service). The service stays in every link of the page (drill-down,
breadcrumbs, presets, indicators), and the previous period and the charts are of that service
too. An indicator not recorded by service shows "—" with a note (``selectors`` module doc).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tanzim.catalog.models import Service
from tanzim.common import charts
from tanzim.common.formatting import is_persian, number, percent
from tanzim.common.jalali import (
    MONTH_NAMES_FA,
    TEHRAN,
    JalaliMonth,
    format_jalali,
    jalali_month_range,
    parse_jalali,
)
from tanzim.common.normalize import to_persian_digits
from tanzim.common.views import scoped_view
from tanzim.dashboards import indicators as registry
from tanzim.dashboards import selectors
from tanzim.offices.models import Office, Province

TREND_MONTHS = 12
MAX_DAYS = 3 * 366


def display(value: float | None, unit: str) -> str:
    """A figure as a person reads it: 45٫2٪, 3٫4 days, 1٬250٬000 rials, 12."""
    if value is None:
        return "—"
    if unit == registry.Unit.SHARE:
        return percent(100 * value, 1)
    if unit in (registry.Unit.RIALS, registry.Unit.COUNT) and float(value).is_integer():
        return number(int(value))
    return number(value, 1 if unit != registry.Unit.SCORE else 2)


@dataclass
class Period:
    start: date
    end: date
    error: str = ""

    @property
    def previous(self) -> tuple[date, date]:
        return selectors.previous_period(self.start, self.end)

    @property
    def label(self) -> str:
        return f"{_jd(self.start)} – {_jd(self.end)}"


def period_from(request: HttpRequest) -> Period:
    """The period asked for (Jalali ``from``/``to``, any digits), else this month so far."""
    today = timezone.localtime(timezone.now(), TEHRAN).date()
    month = JalaliMonth.of(today)
    default = Period(jalali_month_range(month.year, month.month)[0], today)
    raw_from, raw_to = request.GET.get("from", "").strip(), request.GET.get("to", "").strip()
    if not raw_from and not raw_to:
        return default
    try:
        start = parse_jalali(raw_from) if raw_from else default.start
        end = parse_jalali(raw_to) if raw_to else today
    except ValidationError:
        default.error = _("Enter the dates as Jalali dates such as 1404/01/01; this month is shown.")
        return default
    if end < start:
        start, end = end, start
    if (end - start).days > MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS)
        default.error = _("A period of at most three years is shown.")
    return Period(start, end, default.error)


def _presets(today: date) -> list[tuple[str, str, str]]:
    month = JalaliMonth.of(today)
    this_first = jalali_month_range(month.year, month.month)[0]
    prev = month.shift(-1)
    prev_first, prev_next = jalali_month_range(prev.year, prev.month)
    year_first = jalali_month_range(month.year, 1)[0]
    return [
        (_("This month"), _jd(this_first), _jd(today)),
        (_("Last month"), _jd(prev_first), _jd(prev_next - timedelta(days=1))),
        (_("Last 3 months"), _jd(today - timedelta(days=91)), _jd(today)),
        (_("This year"), _jd(year_first), _jd(today)),
    ]


def active_services() -> list[Service]:
    """The services the filter offers: the active catalogue, by name in the reader's language."""
    found = list(Service.objects.filter(active=True).only("pk", "code", "name_fa", "name_en"))
    return sorted(found, key=lambda s: (s.name, s.code))


def service_from(request: HttpRequest, services: list[Service]) -> tuple[Service | None, str]:
    """The service asked for (``?service=<code>``) among ``services``, or None for every service;
    with a message when the code is no active service."""
    code = request.GET.get("service", "").strip()
    if not code:
        return None, ""
    found = next((s for s in services if s.code == code), None)
    if found is None:
        return None, _("There is no such service; every service is shown.")
    return found, ""


def _chosen(request: HttpRequest) -> registry.Indicator:
    return registry.BY_CODE.get(request.GET.get("indicator", ""), registry.INDICATORS[0])


@scoped_view
def overview(request: HttpRequest) -> HttpResponse:
    """The nation for national roles; a province administrator goes to their province, a manager
    to their office."""
    reach = selectors.reach_for(request.user)
    if not reach.national:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        if reach.province_ids:
            province = Province.objects.filter(pk__in=reach.province_ids).order_by("name_fa").first()
            if province is not None:
                return redirect(reverse("dashboards:province", args=[province.code]) + query)
        office = Office.objects.filter(pk__in=reach.office_ids).order_by("code").first()
        if office is None:
            raise Http404
        return redirect(reverse("dashboards:office", args=[office.code]) + query)
    return _dashboard(request, level="nation")


@scoped_view
def province_page(request: HttpRequest, code: str) -> HttpResponse:
    province = Province.objects.filter(code=str(code)[:3]).first()
    if province is None:
        raise Http404
    selectors.reach_for(request.user)  # signed-in staff only; the selector checks the province
    return _dashboard(request, level="province", province=province)


@scoped_view
def office_page(request: HttpRequest, code: str) -> HttpResponse:
    office = Office.objects.select_related("province").filter(code=str(code)[:12]).first()
    if office is None:
        raise Http404
    return _dashboard(request, level="office", office=office)


def _dashboard(
    request: HttpRequest, *, level: str, province: Province | None = None, office: Office | None = None
) -> HttpResponse:
    period = period_from(request)
    chosen = _chosen(request)
    services = active_services()
    service, service_error = service_from(request, services)
    scope: dict[str, Any] = {"user": request.user, "province": province, "office": office, "service": service}
    now = selectors.indicator_values(None, period.start, period.end, **scope)[0]
    before = selectors.indicator_values(None, *period.previous, **scope)[0]
    unavailable = set(now.get("unavailable", ()))
    persian = is_persian()
    rtl = persian
    table = []
    for indicator in registry.INDICATORS:
        value, prev = now["values"][indicator.code], before["values"][indicator.code]
        table.append({
            "indicator": indicator, "group": registry.GROUPS[indicator.group],
            "now": display(value, indicator.unit), "before": display(prev, indicator.unit),
            "better": indicator.better(value, prev), "chosen": indicator is chosen,
            "unavailable": indicator.code in unavailable,
        })  # fmt: skip
    # Over time: the chosen indicator month by month, the twelve months up to the period's end.
    end_month = JalaliMonth.of(period.end)
    first_month = end_month.shift(-(TREND_MONTHS - 1))
    trend_start = jalali_month_range(first_month.year, first_month.month)[0]
    months = selectors.indicator_values([chosen.code], trend_start, period.end, by="month", **scope)
    trend_rows = [(row["label"], row["values"][chosen.code]) for row in months]
    # Drill-down: the nation by province, a province by office.
    by = {"nation": "province", "province": "office"}.get(level)
    breakdown: list[dict[str, Any]] = []
    if by is not None:
        for row in selectors.indicator_values([chosen.code], period.start, period.end, by=by, **scope):
            target = _drill_url(by, row)
            breakdown.append({"label": row["label"], "value": row["values"][chosen.code], "url": target})
    fmt = _formatter(chosen.unit)
    title_trend = _("%(name)s by month") % {"name": chosen.name}
    title_break = _("%(name)s by province") if by == "province" else _("%(name)s by office")
    title_break = title_break % {"name": chosen.name}
    if service is not None:  # the charts say whose figures they are
        title_trend = _("%(title)s, %(service)s") % {"title": title_trend, "service": service.name}
        title_break = _("%(title)s, %(service)s") % {"title": title_break, "service": service.name}
    context = {
        "level": level,
        "province": province or (office.province if office else None),
        "office": office,
        "period": period,
        "previous": selectors.previous_period(period.start, period.end),
        "presets": _presets(timezone.localtime(timezone.now(), TEHRAN).date()),
        "table": table,
        "chosen": chosen,
        "unit_label": registry.Unit.LABELS[chosen.unit],
        "trend_rows": [(label_month(label), display(v, chosen.unit)) for label, v in trend_rows],
        "trend_chart": charts.bars(
            [(label_month(label), _bar(v, chosen.unit)) for label, v in trend_rows],
            title=str(title_trend),
            persian=persian,
            rtl=rtl,
            fmt=fmt,
            label_width=110,
        ),
        "breakdown": [{**row, "text": display(row["value"], chosen.unit)} for row in breakdown],
        "breakdown_chart": charts.bars(
            [(row["label"][:28], _bar(row["value"], chosen.unit)) for row in breakdown],
            title=str(title_break),
            persian=persian,
            rtl=rtl,
            fmt=fmt,
        )
        if breakdown
        else "",
        "breakdown_title": title_break,
        "title_trend": title_trend,
        "services": services,
        "service": service,
        "service_error": service_error,
        # appended to every link of the page so that the filter stays (escaped in the template)
        "service_q": f"&service={quote(service.code)}" if service else "",
        "chosen_unavailable": chosen.code in unavailable,
    }
    return render(request, "dashboards/dashboard.html", context)


def label_month(key_label: str) -> str:
    """``1404-03`` → the month's name and year on a Persian page (خرداد ۱۴۰۴), else as it is."""
    if not is_persian():
        return key_label
    year, month = (int(x) for x in key_label.split("-"))
    return to_persian_digits(f"{MONTH_NAMES_FA[month - 1]} {year}")


def _jd(day: date) -> str:
    return format_jalali(day, persian_digits=is_persian())


def _bar(value: float | None, unit: str) -> float:
    if value is None:
        return 0.0
    return 100 * value if unit == registry.Unit.SHARE else float(value)


def _formatter(unit: str):
    def fmt(value: float) -> str:
        return display(value / 100 if unit == registry.Unit.SHARE else value, unit)

    return fmt


def _drill_url(by: str, row: dict[str, Any]) -> str:
    if not row.get("code"):
        return ""
    return reverse("dashboards:province" if by == "province" else "dashboards:office", args=[row["code"]])
