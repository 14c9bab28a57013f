"""Pages: the public ranking (no login) and its open data, the Kanoon's runs with their status and
approval, each office's explanation, and the policy with its versions.

Views parse input, call one service or selector, and render.
"""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tanzim.common import charts
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.views import form_add_domain_error, scoped_view
from tanzim.offices.models import Province
from tanzim.ranking import method_doc, selectors, services
from tanzim.ranking import periods as ranking_periods
from tanzim.ranking.choices import ACTIVE, PeriodKind, RunStatus
from tanzim.ranking.forms import ApproveForm, PolicyForm, RunRequestForm


def _persian() -> bool:
    return not (get_language() or "fa").startswith("en")


# --- public ---------------------------------------------------------------------------------------


def _public_context(request):
    try:
        run = selectors.public_run_get(pk=request.GET.get("run"))
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    province = Province.objects.filter(code=str(request.GET.get("province", ""))[:3]).first()
    return run, province


def public(request):
    """National and provincial rankings of the approved runs, with charts and open data."""
    run, province = _public_context(request)
    context = {"run": run, "province": province, "provinces": Province.objects.order_by("name_fa")}
    if run is not None:
        results = selectors.public_results(run=run, province=province)
        period = selectors.period_of(run)
        runs, series = selectors.province_trends(kind=run.period_kind)
        names = {p.pk: p.name for p in context["provinces"]}
        labels = [selectors.period_of(r).label for r in runs]
        national: list[float | None] = []
        for i in range(len(runs)):
            column = [points[i] for points in series.values() if points[i] is not None]
            national.append(sum(column) / len(column) if column else None)
        lines = [
            (names.get(pid, str(pid)), points, province is not None and pid == province.pk)
            for pid, points in series.items()
        ]
        if province is None:
            lines.append((_("All provinces"), national, True))
        context.update(
            {
                "period": period,
                "page": Paginator(results, 50).get_page(request.GET.get("page")),
                "run_choices": [(r.pk, selectors.period_of(r).label) for r in selectors.public_runs()[:24]],
                "histogram": charts.histogram(
                    selectors.score_histogram(run=run, province=province),
                    title=_("Offices by score"),
                    persian=_persian(),
                ),
                "trend": charts.trend(
                    labels, lines, title=_("Mean score by province over time"), persian=_persian()
                ),
                "tier_counts": {t: results.filter(tier=t).count() for t in ("A", "B", "C", "D")},
                "weights": selectors.weight_report(run=run),
            }
        )
    return render(request, "ranking/public.html", context)


def method_page(request):
    """docs/ranking.md (docs/ranking.fa.md in Persian), rendered: the method the public page links to."""
    persian = _persian()
    return render(
        request,
        "ranking/method.html",
        {"body": method_doc.render(persian=persian), "source": method_doc.source_name(persian=persian)},
    )


OPEN_DATA_FIELDS = (
    "period",
    "rank",
    "province_rank",
    "office_code",
    "office_name",
    "province",
    "tier",
    "score",
    "median_rank",
    "rank_p05",
    "rank_p95",
    "satisfaction",
    "satisfaction_answers",
    "satisfaction_insufficient_data",
    "settlement_rate",
)


def _open_rows(run, province):
    period = selectors.period_of(run).code
    for r in selectors.public_results(run=run, province=province).iterator(chunk_size=1000):
        yield {
            "period": period,
            "rank": r.rank,
            "province_rank": r.province_rank,
            "office_code": r.office.code,
            "office_name": r.office.name_fa,
            "province": r.province.code,
            "tier": r.tier,
            "score": None if r.score is None else round(r.score, 2),
            "median_rank": r.median_rank,
            "rank_p05": r.rank_p05,
            "rank_p95": r.rank_p95,
            "satisfaction": None if r.satisfaction is None else round(r.satisfaction, 3),
            "satisfaction_answers": r.satisfaction_responses,
            "satisfaction_insufficient_data": r.satisfaction_insufficient,
            "settlement_rate": None if r.settlement_rate is None else round(r.settlement_rate, 4),
        }


def open_data(request, fmt: str):
    """The approved ranking as CSV or JSON: offices only, no person."""
    run, province = _public_context(request)
    if run is None:
        raise Http404(_("No ranking has been approved yet."))
    name = f"tanzim-ranking-{selectors.period_of(run).code}"
    if fmt == "json":
        payload = {
            "run": run.pk,
            "period": selectors.period_of(run).code,
            "policy_version": run.policy.version,
            "approved_at": run.approved_at.isoformat() if run.approved_at else None,
            "offices": list(_open_rows(run, province)),
        }
        as_json = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
        as_json["Content-Disposition"] = f'inline; filename="{name}.json"'
        return as_json
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Persian names as UTF-8
    writer = csv.DictWriter(response, fieldnames=OPEN_DATA_FIELDS)
    writer.writeheader()
    for row in _open_rows(run, province):
        writer.writerow(row)
    return response


# --- runs (the Kanoon side) -----------------------------------------------------------------------


@scoped_view
def runs(request):
    if not selectors.is_oversight(request.user) and not selectors.managed_office_ids(request.user):
        raise PermissionDenied(_("This page is for the Kanoon, province administrators and office managers."))
    if not selectors.is_oversight(request.user):
        return redirect("ranking:office", code=_managed_code(request.user))
    form = RunRequestForm(request.POST or None, initial={"period": ranking_periods.last_ended_month().code})
    status = 200
    if request.method == "POST":
        if not selectors.can_run(request.user):
            raise PermissionDenied(_("Only the Kanoon's administrators can do this."))
        if form.is_valid():
            try:
                run = services.run_request(
                    actor=request.user, period=form.cleaned_data["period"], reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
                status = 409 if isinstance(exc, ConflictError) else 400
            else:
                services.run_enqueue(run)
                messages.success(request, _("The ranking run was queued."))
                return redirect("ranking:run", pk=run.pk)
        else:
            status = 400
    page = Paginator(selectors.run_list_for(user=request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "ranking/runs.html",
        {"form": form, "page": page, "can_run": selectors.can_run(request.user), "periods": _labels(page)},
        status=status,
    )


def _labels(runs) -> dict[int, str]:
    return {r.pk: selectors.period_of(r).label for r in runs}


def _managed_code(user) -> str:
    from tanzim.offices.models import Office

    office = Office.objects.filter(pk__in=selectors.managed_office_ids(user)).order_by("code").first()
    if office is None:
        raise PermissionDenied(_("This page is for the Kanoon, province administrators and office managers."))
    return office.code


@scoped_view
def run_detail(request, pk: int):
    run = selectors.run_get_for(user=request.user, pk=pk)
    if not selectors.is_oversight(request.user):
        return redirect("ranking:office", code=_managed_code(request.user))
    province = None
    provinces = selectors.visible_provinces_for(user=request.user)
    if request.GET.get("province"):
        province = provinces.filter(code=str(request.GET["province"])[:3]).first()
    results = selectors.results_for(user=request.user, run=run, province=province)
    return render(
        request,
        "ranking/run.html",
        {
            "run": run,
            "period": selectors.period_of(run),
            "page": Paginator(results, 50).get_page(request.GET.get("page")),
            "provinces": provinces,
            "province": province,
            "weights": selectors.weight_report(run=run),
            "can_approve": selectors.can_run(request.user) and run.status == RunStatus.FINISHED,
            "approve_form": ApproveForm(),
            "active": run.status in ACTIVE,
            "events": run.events.select_related("actor"),
        },
    )


@scoped_view
def run_status(request, pk: int):
    """The progress fragment the status page polls while a run is queued or running."""
    run = selectors.run_get_for(user=request.user, pk=pk)
    response = render(request, "ranking/_progress.html", {"run": run, "active": run.status in ACTIVE})
    if run.status not in ACTIVE and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # show the results once it is done
    return response


@scoped_view
@require_POST
def run_approve(request, pk: int):
    run = selectors.run_get_for(user=request.user, pk=pk)
    form = ApproveForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    try:
        services.run_approve(
            run=run,
            actor=request.user,
            note=data.get("note", ""),
            acknowledge_warnings=bool(data.get("acknowledge_warnings")),
        )
    except PermissionDeniedError:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("The ranking is approved: it is public and the tiers apply to the next settlement.")
        )
    return redirect("ranking:run", pk=run.pk)


# --- explanation ----------------------------------------------------------------------------------


@scoped_view
def office_latest(request, code: str):
    result = selectors.latest_result_for(user=request.user, code=code)
    return redirect("ranking:explain", pk=result.run_id, code=code)


@scoped_view
def explain(request, pk: int, code: str):
    run = selectors.run_get_for(user=request.user, pk=pk)
    result = selectors.result_get_for(user=request.user, run=run, code=code)
    explanation = selectors.explanation_for(result=result)
    return render(
        request,
        "ranking/explain.html",
        {"x": explanation, "result": result, "run": run, "office": result.office, "now": timezone.now()},
    )


# --- policy ---------------------------------------------------------------------------------------


@scoped_view
def policy(request):
    if not selectors.is_oversight(request.user):
        raise PermissionDenied(_("This page is for the Kanoon, province administrators and inspectors."))
    current = services.policy_current()
    form = PolicyForm(request.POST or None, policy=current)
    status = 200
    if request.method == "POST":
        if not selectors.can_run(request.user):
            raise PermissionDenied(_("Only the Kanoon's administrators can do this."))
        if form.is_valid():
            try:
                created = services.policy_create(actor=request.user, **form.policy_values())
            except DomainError as exc:
                form_add_domain_error(form, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _("Policy version %(version)s saved. Past runs keep theirs.")
                    % {"version": created.version},
                )
                return redirect("ranking:policy")
        else:
            status = 400
    return render(
        request,
        "ranking/policy.html",
        {
            "form": form,
            "current": current,
            "versions": selectors.policy_list()[:20],
            "can_edit": selectors.can_run(request.user),
            "weights_json": json.dumps({i["key"]: i["weight_bp"] for i in current.indicators}),
            "kinds": PeriodKind.choices,
        },
        status=status,
    )
