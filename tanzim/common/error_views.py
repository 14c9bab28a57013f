"""Django's error views, with the API's answer under ``/api/``: always JSON in the error envelope.

DRF's exception handler (``tanzim.common.api``) answers what a DRF view raises. What happens
outside one — a path that matches no route, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` read
before the view, a CSRF refusal, an unexpected exception (500) — reaches Django's error views,
which answer HTML. ``config/urls.py`` installs these instead: under ``/api/`` they answer
``{"code", "message", "fields"}`` with the same status; elsewhere they are Django's own pages.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

from tanzim.common.middleware import API_PREFIX


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def envelope(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


def bad_request(request: HttpRequest, exception: Exception, template_name: str = "400.html") -> HttpResponse:
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return envelope("too_large", _("The request body is too large."), 413)
        return envelope("bad_request", _("The request is not valid."), 400)
    return defaults.bad_request(request, exception, template_name)


def permission_denied(
    request: HttpRequest, exception: Exception, template_name: str = "403.html"
) -> HttpResponse:
    if is_api(request):
        return envelope("permission_denied", _("You do not have permission to do this."), 403)
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(
    request: HttpRequest, exception: Exception, template_name: str = "404.html"
) -> HttpResponse:
    if is_api(request):
        return envelope("not_found", _("Not found."), 404)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    if is_api(request):
        return envelope("server_error", _("Something went wrong on our side. Please try again later."), 500)
    return defaults.server_error(request, template_name)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api(request):
        return envelope("csrf_failed", _("The request was refused: the CSRF check failed."), 403)
    return django_csrf_failure(request, reason)
