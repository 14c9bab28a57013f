"""One trailing-slash rule for the API: every ``/api/`` route ends with a slash.

Django's ``APPEND_SLASH`` answers a slash-less GET with 301 and cannot redirect a POST at all
(a client following a 301 turns a POST into a GET and drops its body). An API client that
forgets the slash gets **308 Permanent Redirect** instead, which keeps the method and the body.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseRedirectBase
from django.urls import get_urlconf, is_valid_path

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
