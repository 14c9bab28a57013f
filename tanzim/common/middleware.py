"""The project's middleware: the API's trailing-slash rule, the security headers, and input refused before
any view (JSON nested too deeply, NUL characters).

One trailing-slash rule for the API: every ``/api/`` route ends with a slash.

Django's ``APPEND_SLASH`` answers a slash-less GET with 301 and cannot redirect a POST at all
(a client following a 301 turns a POST into a GET and drops its body). An API client that
forgets the slash gets **308 Permanent Redirect** instead, which keeps the method and the body.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseRedirectBase
from django.urls import get_urlconf, is_valid_path
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


class HttpResponsePermanentRedirectKeepMethod(HttpResponseRedirectBase):
    status_code = 308


class ApiTrailingSlashMiddleware:
    """Redirect ``/api/…/x`` to ``/api/…/x/`` (308) when only the slashed path resolves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(API_PREFIX) and not path.endswith("/"):
            urlconf = getattr(request, "urlconf", None) or get_urlconf()
            if not is_valid_path(path, urlconf) and is_valid_path(f"{path}/", urlconf):
                return HttpResponsePermanentRedirectKeepMethod(request.get_full_path(force_append_slash=True))
        return self.get_response(request)


def content_security_policy(nonce: str) -> str:
    """The policy of every response: scripts only from our own static files (or with this request's nonce).

    No inline script, no ``eval``, no plug-ins, no framing, forms only back to Tanzim (and to the
    origins ``CSP_FORM_ACTION`` adds, e.g. a bank's payment page). Styles allow ``'unsafe-inline'``:
    the pages set widths of bars and meters in ``style`` attributes, which a nonce cannot cover.
    """
    form_action = " ".join(["'self'", *settings.CSP_FORM_ACTION])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Content-Security-Policy (with a per-request nonce) and Permissions-Policy on every response.

    ``request.csp_nonce`` is the nonce a template gives a ``<script>`` it cannot move to a static
    file (``<script nonce="{{ request.csp_nonce }}">``); Tanzim's own pages need none. HSTS and
    Referrer-Policy come from Django's SecurityMiddleware (``SECURE_HSTS_SECONDS``,
    ``SECURE_REFERRER_POLICY``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(nonce)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response


class ApiJsonDepthMiddleware:
    """A JSON body under ``/api/`` nested deeper than ``API_MAX_JSON_DEPTH``: 400 before any view.

    The API's own parser (``tanzim.common.parsers.JSONParser``) bounds the depth too; this covers a
    view that lists DRF's parser itself, so no JSON body reaches the decoder's recursion.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX) and "json" in (request.content_type or ""):
            from tanzim.common.parsers import raw_json_depth  # imports DRF: only when a body comes

            if raw_json_depth(request.body) > settings.API_MAX_JSON_DEPTH:
                return JsonResponse(
                    {
                        "code": "parse_error",
                        "message": str(_("The JSON body is nested too deeply.")),
                        "fields": {},
                    },
                    status=400,
                )
        return self.get_response(request)


class NulCharacterMiddleware:
    """A NUL character anywhere in the query string or a form body: 400 before any view.

    No person types one, PostgreSQL cannot store or compare text that holds one (the driver raises,
    a 500), and a filter read straight from ``request.GET`` would pass it on. One check here instead
    of one in every filter: the API answers the envelope naming each parameter that held one, a page
    the 400 page (handler400).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        names = _with_nul(request)
        if not names:
            return self.get_response(request)
        if not request.path_info.startswith(API_PREFIX):
            raise BadRequest("NUL character in the request")
        message = _("Null characters are not allowed.")  # Django's own words, translated by Django
        return JsonResponse(
            {
                "code": "invalid",
                "message": str(_("The request is not valid.")),
                "fields": {name: [str(message)] for name in names},
            },
            status=400,
        )


def _with_nul(request: HttpRequest) -> list[str]:
    """The names of the query or form parameters holding a NUL character (``path`` for the path)."""
    if "\x00" in request.path:
        return ["path"]
    pairs = list(request.GET.lists())
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        pairs += list(request.POST.lists())
    names = [key for key, values in pairs if "\x00" in key or any("\x00" in v for v in values)]
    return [name.replace("\x00", "") for name in dict.fromkeys(names)]
