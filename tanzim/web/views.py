"""Pages. Views parse input, call a service or selector, and render; no business rules here."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tanzim.accounts import services as account_services
from tanzim.accounts.selectors import active_roles, home_kind, scope_for
from tanzim.catalog.fees import channel_prices
from tanzim.catalog.selectors import offices_for_service, offices_in_order, service_get, service_list
from tanzim.common.errors import DomainError
from tanzim.common.formatting import abroad_zone
from tanzim.common.http import client_ip
from tanzim.common.views import form_add_domain_error
from tanzim.dashboards.home import manager_home
from tanzim.notify.selectors import message_list_for, outbox_recent
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import Office
from tanzim.offices.selectors import city_list, province_list
from tanzim.web.desk import desk_alerts, desk_sections
from tanzim.web.forms import DirectoryForm, OtpRequestForm, OtpVerifyForm, ProfileForm, SignupForm
from tanzim.web.readiness import readiness

OTP_SESSION_KEY = "otp_national_code"
OTP_PHONE_KEY = "otp_mobile"
OTP_NEXT_KEY = "otp_next"


def _safe_next(request, target: str | None) -> str | None:
    """A ``next`` address on this site (never another host: no open redirect), else None."""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else None


def index(request):
    services = list(service_list())
    # One remote service of each category (a category's variants, e.g. advice by document, would
    # otherwise fill the list), six at most.
    firsts: dict[str, Any] = {}
    for service in services:
        if service.remote:
            firsts.setdefault(service.category, service)
    featured = [(s, channel_prices(service=s)) for s in list(firsts.values())[:6]]
    stats = {
        "offices": Office.objects.filter(status=OfficeStatus.ACTIVE).count(),
        "provinces": province_list().count(),
        "services": len(services),
    }
    return render(request, "web/index.html", {"featured": featured, "stats": stats})


def directory(request):
    province = request.GET.get("province") or None
    form = DirectoryForm(
        request.GET or None,
        provinces=province_list(),
        cities=city_list(province=province) if province else [],
        services=service_list(),
        licences=LicenceKind.choices,
    )
    offices = Office.objects.none()
    error = None
    if form.is_bound and not form.is_valid():
        pass  # the form's error summary says it, with each error next to its field
    else:
        data = form.cleaned_data if form.is_bound else {}
        try:
            service = service_get(code=data["service"]) if data.get("service") else None
            offices = offices_for_service(
                service=service,
                province=data.get("province") or None,
                city=data.get("city") or None,
                licence=data.get("licence") or None,
                q=data.get("q") or None,
            ).prefetch_related("licences")
            # By city and name in Persian alphabet order, not province first (which began at Tabriz).
            offices = offices_in_order(offices)
        except DomainError as exc:
            error = str(exc.message)
    page = Paginator(offices, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "web/directory.html",
        {"form": form, "page": page, "error": error, "today": timezone.localdate()},
    )


def otp_request(request):
    # A link from a calendar or an SMS (?next=the page): a signed-in citizen goes straight there,
    # one without a session signs in by code and is brought back to it.
    target = _safe_next(request, request.GET.get("next"))
    if target and request.user.is_authenticated:
        return redirect(target)
    form = OtpRequestForm(request.POST or None)
    device = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_COOKIE)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.otp_request(ip=client_ip(request), device=device, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            request.session[OTP_SESSION_KEY] = form.cleaned_data["national_code"]
            request.session[OTP_PHONE_KEY] = form.cleaned_data["mobile"]
            if target:
                request.session[OTP_NEXT_KEY] = target
            else:
                request.session.pop(OTP_NEXT_KEY, None)
            return redirect("web:otp-verify")
    response = render(request, "web/otp_request.html", {"form": form, "next": target})
    return _with_device_cookie(response, device)


# A random id per browser: the sign-in code limits count per device as well as per national code,
# so one carrier address abroad serving many people does not lock them all out (docs/abroad.md).
DEVICE_COOKIE = "tanzim_device"


def _with_device_cookie(response, device: str | None):
    if not device:
        response.set_signed_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(16),
            salt=DEVICE_COOKIE,
            max_age=365 * 24 * 3600,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def otp_verify(request):
    national_code = request.session.get(OTP_SESSION_KEY)
    if not national_code:
        return redirect("web:otp-request")
    form = OtpVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.otp_verify(national_code=national_code, code=form.cleaned_data["code"])
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            request.session.pop(OTP_SESSION_KEY, None)
            request.session.pop(OTP_PHONE_KEY, None)
            target = _safe_next(request, request.session.pop(OTP_NEXT_KEY, None))
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("You are signed in."))
            if account_services.zone_from_browser(user=user, browser_zone=form.cleaned_data["browser_zone"]):
                told = _(
                    "Times are shown in your time zone (%(zone)s) and in Tehran time; "
                    "you can change it in your profile."
                )
                messages.info(request, told % {"zone": user.time_zone})
            return redirect(target or "web:home")
    demo_messages = []
    if request.session.get(OTP_PHONE_KEY) and _show_outbox():
        demo_messages = outbox_recent(to=request.session[OTP_PHONE_KEY], limit=1)
    return render(request, "web/otp_verify.html", {"form": form, "demo_messages": demo_messages})


def _show_outbox() -> bool:
    return settings.SHOW_OUTBOX_IN_UI


def signup(request):
    # Signing up from a link (?next=the page) comes back to it too, like the sign-in by code.
    target = _safe_next(request, request.GET.get("next"))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.citizen_signup(ip=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            request.session[OTP_SESSION_KEY] = form.cleaned_data["national_code"]
            request.session[OTP_PHONE_KEY] = form.cleaned_data["mobile"]
            if target:
                request.session[OTP_NEXT_KEY] = target
            else:
                request.session.pop(OTP_NEXT_KEY, None)
            # The code page says once that a code was sent: no second message above it.
            return redirect("web:otp-verify")
    return render(request, "web/signup.html", {"form": form, "next": target})


def abroad(request):
    """Services from abroad: what is done remotely, what needs a consulate or a power of attorney."""
    zone = abroad_zone()
    return render(request, "web/abroad.html", {"now": timezone.now(), "zone": zone})


@login_required
def profile(request):
    """A person's own settings: the time zone they read times in, living abroad, their language."""
    user = request.user
    initial = {
        "time_zone": user.time_zone,
        "resident_abroad": user.resident_abroad,
        "preferred_language": user.preferred_language,
        "email": user.email,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.profile_update(user=user, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("web:profile")
    return render(request, "web/profile.html", {"form": form, "now": timezone.now()})


@require_POST
def sign_out(request):
    logout(request)
    return redirect("web:index")


@login_required
def home(request):
    kind = home_kind(request.user)
    scope = scope_for(request.user)
    context = {
        "kind": kind,
        "roles": active_roles(request.user),
        "inbox": message_list_for(user=request.user),
    }
    offices = []
    if kind == "office":
        offices = list(
            Office.objects.filter(pk__in=_office_ids(scope))
            .select_related("province", "city")
            .prefetch_related("licences", "hours", "counters")
            .order_by("code")
        )
        context["offices"] = offices
        context["dashboard"] = manager_home(user=request.user)
    elif kind in ("kanoon", "province"):
        provinces = province_list()
        if kind == "province":
            provinces = provinces.filter(pk__in=set().union(*scope.province_ids.values()))
        context["provinces"] = provinces.annotate(
            active=Count("offices", filter=Q(offices__status=OfficeStatus.ACTIVE)),
            suspended=Count("offices", filter=Q(offices__status=OfficeStatus.SUSPENDED)),
        )
    context["sections"] = desk_sections(request.user, scope, offices)
    context["alerts"] = desk_alerts(scope)
    return render(request, "web/home.html", context)


def _office_ids(scope) -> list[int]:
    return sorted(set().union(*scope.office_ids.values())) if scope.office_ids else []


@login_required
def inbox(request):
    return render(request, "web/inbox.html", {"inbox": message_list_for(user=request.user, limit=50)})


@never_cache
@require_GET
def health(request):
    """Liveness: the process answers. Nothing else is asked, so that a database or Redis outage
    never makes an orchestrator restart healthy processes (that is what /readyz is for)."""
    return JsonResponse({"status": "ok", "time": timezone.now().isoformat(), "login": reverse("web:login")})


@never_cache
@require_GET
def ready(request):
    """Readiness: the database, the cache, the broker, the migrations and the outbox's backlog,
    each with its result; 200 when every one is fine, else 503 (tanzim/web/readiness.py)."""
    ok, checks = readiness()
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )
