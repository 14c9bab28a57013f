"""Staff sign-in pages: the password, the second step (authenticator or recovery code), enrolment.

One sign-in path for staff: ``/login/`` and ``/admin/login/`` are this same view (config/urls.py),
with the same limits (``accounts.services.staff_sign_in``). A session owes the second step until
``twofactor.mark_session``; ``TwoFactorMiddleware`` keeps a session that owes it (or owes the
enrolment its roles require) away from every other page.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from django import forms
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from tanzim.accounts import services as account_services
from tanzim.accounts import twofactor
from tanzim.accounts.models import User
from tanzim.common.errors import DomainError, RateLimitedError
from tanzim.common.http import client_ip
from tanzim.common.timezones import reader_zone, viewing_in
from tanzim.common.views import form_add_domain_error

PENDING_KEY = "two_factor_pending"  # {"user": pk, "at": time, "next": url}: the password was right
NEXT_KEY = "two_factor_next"
BACKEND = "django.contrib.auth.backends.ModelBackend"

CODE_WIDGET = forms.TextInput(
    attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr", "autocapitalize": "off"}
)


class StaffLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "dir": "ltr"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=20,
        widget=CODE_WIDGET,
        help_text=_("While sign-ins to this account are slowed down, the code lets you in at once."),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=20,
        widget=CODE_WIDGET,
        help_text=_("Six digits. Lost your phone? Enter one of your recovery codes instead."),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"}),
    )


def _safe_next(request: HttpRequest, target: str | None) -> str | None:
    from tanzim.web.views import _safe_next as safe

    return safe(request, target)


# Pages only staff use: a signed-out visitor sent to one of them signs in with a password (and
# the second step). Every other page is a citizen's, reached from an SMS or a calendar: the
# sign-in by one-time code, which returns to it. Each sign-in page links to the other with ``next``.
STAFF_PAGES = (
    "/admin/",
    "/account/two-factor/",
    "/inspections/",
    "/cases/worklist/",
    "/cases/walk-in/",
    "/cases/search/",
    "/appointments/office/",
    "/appointments/ticket/",
    "/appointments/display/",
    "/appointments/metrics/",
    "/disputes/board/",
    "/disputes/docket/",
    "/disputes/overview/",
    "/disputes/figures/",
    "/feedback/complaints/handle/",
    "/finance/statements/",
    "/finance/kanoon/",
    "/finance/settlements/",
    "/ranking/runs/",
    "/ranking/policy/",
    "/metrics",
)


def is_staff_page(target: str | None) -> bool:
    """Whether ``target`` (a path on this site, maybe with a query) is a page only staff use."""
    path = urlsplit(target or "").path
    return any(path.startswith(prefix) for prefix in STAFF_PAGES)


@never_cache
def sign_in_choice(request: HttpRequest) -> HttpResponse:
    """``LOGIN_URL``: a staff page → the staff sign-in, any other → the citizen's sign-in by code,
    both carrying the (safe) ``next`` so the visitor lands on the page they asked for."""
    target = _safe_next(request, request.GET.get("next"))
    name = "web:login" if is_staff_page(target) else "web:otp-request"
    url = reverse(name)
    return redirect(f"{url}?{urlencode({'next': target})}" if target else url)


def _sign_in(request: HttpRequest, user: User, *, passed: bool) -> None:
    login(request, user, backend=BACKEND)
    if passed:
        twofactor.mark_session(request.session, user)


@never_cache
@sensitive_post_parameters("password", "otp")
def staff_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    target = _safe_next(request, request.GET.get("next") or request.POST.get("next"))
    form = StaffLoginForm(request.POST or None)
    ask_code = bool(request.POST.get("otp"))
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = account_services.staff_sign_in(
                username=data["username"], password=data["password"], otp=data["otp"], ip=client_ip(request)
            )
        except RateLimitedError as exc:
            form_add_domain_error(form, exc)
            ask_code = ask_code or exc.code == "sign_in_delayed"
            status = 429
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            if result.second_factor == "needed":
                request.session[PENDING_KEY] = {"user": result.user.pk, "at": time.time(), "next": target}
                return redirect("web:two-factor-verify")
            _sign_in(request, result.user, passed=result.second_factor in ("verified", "none"))
            if result.second_factor == "enrol":
                request.session[NEXT_KEY] = target
                return redirect("web:two-factor")
            return redirect(target or "web:home")
    return render(
        request, "web/login.html", {"form": form, "ask_code": ask_code, "next": target}, status=status
    )


def _pending_user(request: HttpRequest) -> tuple[User | None, str | None]:
    """Who is taking the second step: a password just accepted, or a session that owes it."""
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        if twofactor.session_gate(request.session, user) == "verify":
            return user, request.GET.get("next")
        return None, None
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > _pending_seconds():
        return None, None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None, None
    found = User.objects.filter(pk=user_id, is_active=True).first()
    return found, pending.get("next")


def _pending_seconds() -> int:
    from django.conf import settings

    return int(settings.TWO_FACTOR_PENDING_SECONDS)


@never_cache
@sensitive_post_parameters("code")
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user, target = _pending_user(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect("web:home")
        return redirect("web:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.staff_second_step(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            exc.fields = {"code": exc.fields.get("otp", [exc.message])} if exc.fields else {}
            form_add_domain_error(form, exc)
        else:
            request.session.pop(PENDING_KEY, None)
            _sign_in(request, user, passed=True)
            return redirect(_safe_next(request, target) or "web:home")
    return render(request, "web/two_factor_verify.html", {"form": form})


@never_cache
@sensitive_post_parameters("code")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator (QR code, first code, recovery codes) or see it and renew the codes."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return redirect(f"{reverse('web:login')}?{urlencode({'next': request.path})}")
    if not twofactor.may_enrol(user):
        raise Http404
    target = _safe_next(request, request.session.get(NEXT_KEY))
    if twofactor.is_enrolled(user):
        codes: list[str] = []
        if request.method == "POST" and request.POST.get("action") == "renew":
            codes = twofactor.recovery_codes_renew(user=user)
        return render(
            request,
            "web/two_factor_setup.html",
            {
                "enrolled": True,
                "codes": codes,
                "left": twofactor.recovery_codes_left(user),
                "required": twofactor.is_required(user),
                "next": target,
            },
        )
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.enrolment_confirm(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            twofactor.mark_session(request.session, user)
            request.session.pop(NEXT_KEY, None)
            return render(
                request,
                "web/two_factor_setup.html",
                {"enrolled": True, "codes": codes, "left": len(codes), "just_enrolled": True, "next": target},
            )
    enrolment = twofactor.enrolment_start(user=user)
    secret_groups = " ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4))
    return render(
        request,
        "web/two_factor_setup.html",
        {
            "enrolled": False,
            "form": form,
            "qr": enrolment.svg,
            "secret": secret_groups,
            "required": twofactor.is_required(user),
        },
    )


class TwoFactorMiddleware:
    """A signed-in session that owes the second step, or an enrolment its roles require, sees only
    the pages that settle it (and sign-out): every other page redirects there.

    The API is guarded by its own authentication (``accounts.authentication.SessionAuthentication``
    ignores such a session; a token is issued only after the second step).
    """

    OPEN_PREFIXES = ("/static/", "/media/", "/api/", "/i18n/", "/healthz", "/readyz", "/metrics")

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._gate(request)
        if response is not None:
            return response
        # The reader's own time zone for everything this request shows (tanzim/common/timezones.py).
        with viewing_in(reader_zone(request)):
            result: HttpResponse = self.get_response(request)
        return result

    def _gate(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path_info
        if path.startswith(self.OPEN_PREFIXES) or not request.user.is_authenticated:
            return None
        gate = twofactor.session_gate(request.session, request.user)
        if gate == "ok":
            return None
        verify, setup = reverse("web:two-factor-verify"), reverse("web:two-factor")
        always = {reverse("web:logout"), reverse("web:login"), reverse("admin:logout"), verify}
        if gate == "verify" and path not in always:
            return redirect(f"{verify}?{urlencode({'next': path})}" if request.method == "GET" else verify)
        if gate == "enrol" and path not in always | {setup}:
            if request.method == "GET":
                request.session[NEXT_KEY] = path
            return redirect(setup)
        return None
