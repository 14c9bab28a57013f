"""Where a user lands, the office board, the docket of mediators and arbitrators, a party's
own disputes, the overview of those who oversee offices, and the public figures.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import COUNTER, OFFICE_READERS, OVERSIGHT, has_role
from tanzim.common.jalali import jalali_year_month
from tanzim.common.views import scoped_view
from tanzim.disputes import metrics, selectors
from tanzim.disputes.choices import FailureReason
from tanzim.disputes.views._common import BOARD_PAGE, _int, _staff_offices
from tanzim.offices.models import Province


@login_required
def index(request):
    if has_role(request.user, *COUNTER):
        return redirect("disputes:board")
    if has_role(request.user, Role.MEDIATOR, Role.ARBITRATOR):
        return redirect("disputes:docket")
    if has_role(request.user, *OVERSIGHT):
        return redirect("disputes:overview")
    return redirect("disputes:mine")


@scoped_view
@require_GET
def board(request):
    """The office's board: disputes by stage, most urgent first, with their deadlines."""
    offices = _staff_offices(request.user)
    if not offices:
        raise PermissionDenied(_("This page is for the staff of an office."))
    office_id = _int(request.GET.get("office"))
    if office_id and office_id not in {o.pk for o in offices}:
        office_id = None
    status = request.GET.get("status") or ""
    overdue_only = request.GET.get("overdue") == "1"
    data = selectors.board_for(
        user=request.user,
        office_id=office_id or (offices[0].pk if len(offices) == 1 else None),
        status=status,
        overdue_only=overdue_only,
    )
    query = (request.GET.get("q") or "").strip()[:40]
    rows = selectors.dispute_search_for(user=request.user, query=query) if query else data.rows
    page = Paginator(rows, BOARD_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "disputes/board.html",
        {
            "board": data,
            "page": page,
            "rows": [(d, selectors.is_overdue(d, now=now)) for d in page],
            "offices": offices,
            "office_id": office_id,
            "status": status,
            "overdue_only": overdue_only,
            "query": query,
        },
    )


@scoped_view
@require_GET
def docket(request):
    disputes = selectors.docket_for(user=request.user)
    page = Paginator(disputes, BOARD_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "disputes/docket.html",
        {
            "page": page,
            "rows": [(d, selectors.is_overdue(d, now=now)) for d in page],
            "sessions": selectors.sessions_for(user=request.user)[:30],
        },
    )


@scoped_view
@require_GET
def mine(request):
    disputes = selectors.party_disputes_for(user=request.user)
    return render(
        request,
        "disputes/mine.html",
        {"disputes": disputes[:100], "sessions": selectors.sessions_for(user=request.user)[:20]},
    )


def _period(request) -> tuple[int, int | None]:
    """The Jalali year (this one by default) and an optional month; the whole year when none."""
    year = jalali_year_month(timezone.now())[0]
    month = None
    y, m = _int(request.GET.get("year")), _int(request.GET.get("month"))
    if y and 1390 <= y <= 1500:
        year = y
    if m and 1 <= m <= 12:
        month = m
    return year, month


@scoped_view
@require_GET
def overview(request):
    """All disputes the viewer oversees (the Kanoon, a province), by province, with the figures."""
    if not has_role(request.user, *OFFICE_READERS):
        raise PermissionDenied(_("These figures are for the offices' staff and the Kanoon."))
    province_id = _int(request.GET.get("province"))
    year, month = _period(request)
    start, end = metrics.period_bounds(year=year, month=month)
    report = metrics.dispute_metrics(user=request.user, start=start, end=end, province_id=province_id)
    data = selectors.board_for(
        user=request.user, province_id=province_id, status=request.GET.get("status") or ""
    )
    page = Paginator(data.rows, BOARD_PAGE).get_page(request.GET.get("page"))
    provinces = (
        Province.objects.filter(pk__in=[p.pk for p, _f in report.provinces]) if not province_id else []
    )
    return render(
        request,
        "disputes/overview.html",
        {
            "report": report,
            "board": data,
            "page": page,
            "year": year,
            "month": month,
            "province_id": province_id,
            "provinces": provinces or Province.objects.order_by("name_fa"),
            "status": request.GET.get("status") or "",
            "failure_labels": dict(FailureReason.choices),
        },
    )


@require_GET
def figures(request):
    """Public: settlement rate, disputes kept out of court, time to resolution — nation and provinces."""
    year, month = _period(request)
    report = metrics.public_figures(year=year, month=month)
    return render(
        request,
        "disputes/figures.html",
        {
            "report": report,
            "year": year,
            "month": month,
            "failure_labels": dict(FailureReason.choices),
        },
    )
