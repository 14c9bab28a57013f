"""Outreach pages: missions near me (public), the staff's missions, the field page, coverage."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tanzim.accounts.permissions import is_kanoon
from tanzim.common.errors import NotFoundError
from tanzim.common.jalali import tehran_date
from tanzim.common.views import flash_form_errors, run_service, scoped_view
from tanzim.offices.models import City, Office, Province
from tanzim.outreach import coverage as coverage_data
from tanzim.outreach import selectors, services
from tanzim.outreach.access import can_plan, on_team
from tanzim.outreach.choices import MissionStatus
from tanzim.outreach.forms import PlanForm, ReportForm, SubscribeForm, TeamForm
from tanzim.outreach.geo import deprivation_index
from tanzim.outreach.services import subscriptions

STATIC = Path(__file__).resolve().parent / "static" / "outreach"


def near(request: HttpRequest) -> HttpResponse:
    """Upcoming missions, for anyone, by province (and county); and the SMS sign-up for an area."""
    subscribe = SubscribeForm(request.POST or None)
    if request.method == "POST":
        outcome = run_service(
            request,
            subscribe,
            lambda d: subscriptions.subscription_request(
                phone=d["phone"],
                province=d["province"],
                county=d["county"],
                consent=d["consent"],
                language=get_language() or "",
            ),
            success=str(_("We sent you an SMS: open its link to confirm.")),
        )
        if outcome.ok:
            return redirect("outreach:near")
    provinces = list(Province.objects.order_by("code"))
    code = str(request.GET.get("province") or "")[:3]
    province = next((p for p in provinces if p.code == code), None)
    counties = list(City.objects.filter(province=province).order_by("code")) if province else []
    county_code = str(request.GET.get("county") or "")[:8]
    county = next((c for c in counties if c.code == county_code), None)
    missions = selectors.missions_near(
        province_id=province.pk if province else None, county_id=county.pk if county else None
    )[:100]
    return render(
        request,
        "outreach/near.html",
        {
            "provinces": provinces,
            "province": province,
            "counties": counties,
            "county": county,
            "missions": missions,
            "subscribe": subscribe,
        },
    )


def subscription_url(token: str) -> str:
    return f"{reverse('outreach:subscription')}?{urlencode({'t': token})}"


def subscription(request: HttpRequest) -> HttpResponse:
    """The link of every SMS (``?t=`` the secret): confirm the sign-up, or stop the messages.

    The secret is the permission, like a survey's link; it rides in the query so the page has
    no id in its path.
    """
    token = str(request.POST.get("t") or request.GET.get("t") or "")[:64]
    try:
        sub = subscriptions.subscription_by_token(token)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    if request.method == "POST":
        action = str(request.POST.get("action") or "")
        if action == "confirm":
            sub = subscriptions.subscription_confirm(token=token)
            messages.success(
                request, _("Confirmed: you will get an SMS when a free service day is announced.")
            )
        elif action == "stop":
            sub = subscriptions.subscription_stop(token=token)
            messages.success(request, _("Stopped: you will get no more of these messages."))
        return redirect(subscription_url(token))
    response = render(request, "outreach/subscription.html", {"sub": sub})
    response["Referrer-Policy"] = "same-origin"  # the secret never leaves the site
    return response


def coverage(request: HttpRequest) -> HttpResponse:
    rows = coverage_data.coverage()
    counties = [c for row in rows for c in row.counties]
    return render(
        request,
        "outreach/coverage.html",
        {
            "rows": rows,
            "counties": counties,
            "outline": coverage_data.outline_path(),
            "width": coverage_data.WIDTH,
            "height": coverage_data.HEIGHT,
            "indexed": bool(deprivation_index()),
        },
    )


@scoped_view
def mission_list(request: HttpRequest) -> HttpResponse:
    missions = selectors.mission_list_for(user=request.user)[:200]
    planner = is_kanoon(request.user) or any(
        can_plan(request.user, p) for p in Province.objects.values_list("pk", flat=True)
    )
    form = PlanForm(request.POST or None) if planner else None
    if request.method == "POST" and form is not None:

        def plan(data):
            return services.mission_plan(
                actor=request.user,
                title=data["title"],
                county=data["county"],
                place=data["place"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                services=data["services"],
                expected_demand=data["expected_demand"],
            )

        outcome = run_service(request, form, plan, success=str(_("The mission is planned.")))
        if outcome.ok:
            return redirect("outreach:detail", outcome.value.pk)
    return render(request, "outreach/list.html", {"missions": missions, "form": form})


@scoped_view
def mission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mission = selectors.mission_get_for(user=request.user, pk=pk)
    planner = can_plan(request.user, mission.province_id)
    team = on_team(request.user, mission)
    claims = []
    if is_kanoon(request.user) and mission.status == MissionStatus.REPORTED:
        names = {o.pk: o.name for o in Office.objects.filter(pk__in=mission.team.values("office_id"))}
        claims = [(names.get(c.office_id, c.office_id), c) for c in services.mission_claims(mission)]
    return render(
        request,
        "outreach/detail.html",
        {
            "mission": mission,
            "planner": planner,
            "on_team": team,
            "kanoon": is_kanoon(request.user),
            "team_form": TeamForm(),
            "report_form": ReportForm(),
            "team": mission.team.select_related("office", "user"),
            "field_services": selectors.field_services_for(mission=mission)[:200],
            "reimbursements": mission.reimbursements.select_related("office"),
            "claims": claims,
            "deadline": services.report_deadline(mission),
            "events": mission.events.order_by("created_at", "pk"),
        },
    )


@require_POST
@scoped_view
def mission_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Every button of the mission page posts here: ``action`` names the service."""
    mission = selectors.mission_get_for(user=request.user, pk=pk)
    action = str(request.POST.get("action") or "")
    expected = str(request.POST.get("expected_status") or "") or None
    if action == "assign":
        team_form = TeamForm(request.POST)
        outcome = run_service(
            request,
            team_form,
            lambda d: services.team_assign(mission=mission, office=d["office"], actor=request.user),
            success=str(_("The office is on the team.")),
        )
        if not outcome.ok:
            flash_form_errors(request, team_form)
    elif action == "report":
        form = ReportForm(request.POST)
        outcome = run_service(
            request,
            form,
            lambda d: services.mission_report(
                mission=mission,
                actor=request.user,
                people_served=d["people_served"],
                note=d["note"],
                expected_status=expected,
            ),
            success=str(_("The report is recorded.")),
        )
        if not outcome.ok:
            flash_form_errors(request, form)
    elif action == "confirm":
        run_service(
            request,
            None,
            lambda: services.team_confirm(mission=mission, actor=request.user),
            success=str(_("Your place on the team is confirmed.")),
        )
    elif action == "reimburse":
        run_service(
            request,
            None,
            lambda: services.mission_reimburse(mission=mission, actor=request.user, expected_status=expected),
            success=str(_("The offices are reimbursed.")),
        )
    else:
        run_service(
            request,
            None,
            lambda: services.mission_transition(
                mission=mission, actor=request.user, action=action, expected_status=expected
            ),
            success=str(_("Done.")),
        )
    return redirect("outreach:detail", mission.pk)


@scoped_view
def field(request: HttpRequest, pk: int) -> HttpResponse:
    """The field page: works offline, queues services in the browser, syncs when back online."""
    mission = selectors.mission_get_for(user=request.user, pk=pk)
    office = services.team_office_for(mission=mission, actor=request.user)
    return render(
        request,
        "outreach/field.html",
        {
            "mission": mission,
            "office": office,
            "kinds": mission.service_choices(),
            "today": tehran_date(timezone.now()).isoformat(),
        },
    )


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from /outreach/ so it may cache the field pages under it."""
    response = HttpResponse(
        (STATIC / "sw.js").read_text(encoding="utf-8"), content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/outreach/"
    return response
