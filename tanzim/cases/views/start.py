"""Starting a request: the service, the channel, the office; and the citizen's list of cases."""

from __future__ import annotations

import functools
import math

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tanzim.cases import selectors, services
from tanzim.cases.forms import (
    CaseStartForm,
)
from tanzim.cases.office_choice import suggest_office
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.fees import channel_prices
from tanzim.catalog.selectors import offices_for_service, offices_in_order, service_get, service_list
from tanzim.common.errors import NotFoundError
from tanzim.common.views import run_service, scoped_view
from tanzim.offices.models import City
from tanzim.offices.selectors import city_list, province_list


@require_GET
def start(request):
    """Step 1: which service. Public, so anyone can see what is possible before signing in."""
    services_by_category: dict[str, list] = {}
    for service in service_list():
        services_by_category.setdefault(service.get_category_display(), []).append(service)
    return render(request, "cases/start.html", {"groups": services_by_category})


def _channel_options(service) -> list[dict]:
    prices = channel_prices(service=service)
    dearest = max(prices.values()) if prices else 0
    options = []
    for channel in service.channels:  # remote first: what Tanzim offers first
        price = prices[channel]
        saving = dearest - price
        options.append(
            {
                "channel": channel,
                "label": ChannelKind(channel).label,
                "price": price,
                "saving": saving,
                "saving_pct": (saving * 100 // dearest) if dearest else 0,
            }
        )
    return options


@require_GET
def choose_channel(request, service):
    """Step 2: the channel chooser, cheapest-to-serve first, with each channel's price and saving."""
    try:
        svc = service_get(code=service)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    options = _channel_options(svc)
    return render(
        request,
        "cases/channel.html",
        {"service": svc, "options": options, "recommended": options[0]["channel"] if options else None},
    )


@scoped_view
def choose_office(request, service, channel):
    """Step 3: the office that will handle it (active, licensed for the service), then the draft."""
    svc = service_get(code=service)
    if channel not in svc.channels:
        raise Http404(_("This service is not offered on this channel."))
    province = request.GET.get("province") or None
    query = (request.GET.get("q") or "").strip()[:100] or None
    latitude, longitude, city = _location(request)
    # Nearest first when the citizen's location (or city) is known, else in alphabet order; the
    # suggested office (distance, waiting requests, ranking tier) on top and chosen by default.
    offices = offices_in_order(
        offices_for_service(service=svc, province=province, q=query),
        latitude=latitude,
        longitude=longitude,
    )
    suggested = suggest_office(offices)
    form = CaseStartForm(request.POST or None, initial={"title": svc.name})
    if request.method == "POST" and form.is_valid():
        office = offices_for_service(service=svc).filter(code=form.cleaned_data["office"]).first()
        if office is None:
            form.add_error("office", _("Choose an office from the list."))
        else:
            create = functools.partial(
                services.case_create, actor=request.user, service=svc, channel=channel, office=office
            )
            done = run_service(request, form, lambda data: create(title=data["title"]))
            if done.ok:
                messages.success(
                    request,
                    _("Your draft is saved. Tracking code: %(code)s")
                    % {"code": done.value.tracking_code_display},
                )
                return redirect("cases:draft", pk=done.value.pk)
    page = Paginator(offices, 12).get_page(request.GET.get("page"))
    context = {
        "service": svc,
        "channel": channel,
        "channel_label": ChannelKind(channel).label,
        "form": form,
        "page": page,
        "provinces": province_list(),
        "province": province or "",
        "q": query or "",
        "selected": form["office"].value() or (suggested.office.code if suggested else ""),
        "suggested": suggested,
        "cities": city_list().order_by("province__name_fa", "-is_capital", "name_fa"),
        "city": city or "",
        "lat": "" if latitude is None or city else f"{latitude:.5f}",
        "lon": "" if longitude is None or city else f"{longitude:.5f}",
    }
    template = "cases/_office_results.html" if request.headers.get("HX-Request") else "cases/office.html"
    return render(request, template, context, status=400 if form.errors else 200)


def _location(request) -> tuple[float | None, float | None, str | None]:
    """The citizen's place: ``lat``/``lon`` (shared by the browser or carried from the suggestion
    page) or a ``city`` code (its centre); nothing when neither is given or valid."""
    city = (request.GET.get("city") or "").strip()[:20] or None
    if city:
        found = City.objects.filter(code=city).values_list("latitude", "longitude").first()
        if found is not None:
            return float(found[0]), float(found[1]), city
    try:
        lat, lon = float(request.GET.get("lat", "")), float(request.GET.get("lon", ""))
    except ValueError:
        return None, None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
        return None, None, None
    return lat, lon, None


# --- the citizen's list ----------------------------------------------------------------------


@scoped_view
@require_GET
def my_cases(request):
    cases = (
        selectors.case_list_for(user=request.user)
        .filter(applicant=request.user)
        .order_by("-created_at", "-pk")
    )
    page = Paginator(cases, 20).get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {"page": page})


# --- the case page ---------------------------------------------------------------------------
