"""Django's error views, with the API's answer under ``/api/``: always JSON in the error envelope.

DRF's exception handler (``tanzim.common.api``) answers what a DRF view raises. What happens
outside one — a path that matches no route, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` read
before the view, a CSRF refusal, an unexpected exception (500) — reaches Django's error views,
which answer HTML. ``config/urls.py`` installs these instead: under ``/api/`` they answer
``{"code", "message", "fields"}`` with the same status; elsewhere a page in the site's layout and
the reader's language (``web/error.html``), with what happened, what to do next and a way home.

Django has no handler for 405 and 429: ``ErrorPageMiddleware`` turns a bare 405 (the
``require_POST``/``require_GET`` answer) or 429 into the same page, or the envelope under ``/api/``,
and answers a ``RateLimitedError`` that escapes a page view with the 429 page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tanzim.common.errors import RateLimitedError
from tanzim.common.middleware import API_PREFIX

ERROR_TEMPLATE = "web/error.html"


def _texts(status: int) -> tuple[str, str, list[str]]:
    """The heading, the explanation and the next steps of an error page, in the reader's language."""
    if status == 400:
        return (
            _("The request could not be understood"),
            _("Something in what the browser sent was not valid, or the form was too large."),
            [
                _("Go back, check what you typed and send it again."),
                _("If a file was too large, send a smaller one."),
            ],
        )
    if status == 403:
        return (
            _("You cannot open this page"),
            _("This page is not open to your account, or the form expired."),
            [
                _("If you are not signed in, sign in and try again."),
                _("If a form expired, go back, reload the page and send it again."),
                _("If you think you should have access, ask your office."),
            ],
        )
    if status == 404:
        return (
            _("This page was not found"),
            _("The address may be mistyped, or what it pointed to no longer exists or is not yours to see."),
            [
                _("Check the address, or start again from the home page."),
                _("To follow a request, use its tracking code."),
            ],
        )
    if status == 405:
        return (
            _("This action cannot be done this way"),
            _("The page was opened in a way it does not accept, e.g. reloaded after sending a form."),
            [_("Go back to the previous page and use its buttons.")],
        )
    if status == 429:
        return (
            _("Too many attempts"),
            _("For your security, further attempts are paused for a while."),
            [_("Wait a few minutes, then try again."), _("If you need help now, contact your office.")],
        )
    return (
        _("Something went wrong on our side"),
        _("The page could not be shown because of an error in the system. It has been recorded."),
        [_("Try again in a few minutes."), _("If it keeps happening, contact your office.")],
    )


def error_page(request: HttpRequest | None, status: int) -> HttpResponse:
    """The error page in the site's layout. For a 500 the page is drawn without the request's context
    (no database read in a context processor while the database may be what failed)."""
    heading, explanation, steps = _texts(status)
    user = getattr(request, "user", None) if request is not None and status != 500 else None
    context = {
        "status": status,
        "heading": heading,
        "explanation": explanation,
        "next_steps": steps,
        "signed_in": bool(user and user.is_authenticated),
        "offer_sign_in": status in (403, 404),
    }
    html = render_to_string(ERROR_TEMPLATE, context, request=None if status == 500 else request)
    return HttpResponse(html, status=status)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def envelope(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


def bad_request(request: HttpRequest, exception: Exception, template_name: str = "400.html") -> HttpResponse:
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return envelope("too_large", _("The request body is too large."), 413)
        return envelope("bad_request", _("The request is not valid."), 400)
    return error_page(request, 400)


def permission_denied(
    request: HttpRequest, exception: Exception, template_name: str = "403.html"
) -> HttpResponse:
    if is_api(request):
        return envelope("permission_denied", _("You do not have permission to do this."), 403)
    return error_page(request, 403)


def page_not_found(
    request: HttpRequest, exception: Exception, template_name: str = "404.html"
) -> HttpResponse:
    if is_api(request):
        return envelope("not_found", _("Not found."), 404)
    return error_page(request, 404)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    if is_api(request):
        return envelope("server_error", _("Something went wrong on our side. Please try again later."), 500)
    return error_page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api(request):
        return envelope("csrf_failed", _("The request was refused: the CSRF check failed."), 403)
    return error_page(request, 403)


class ErrorPageMiddleware:
    """405 and 429, which Django has no handler for: the error page, or the envelope under ``/api/``.

    Only a bare answer is replaced (Django's ``HttpResponseNotAllowed`` has an empty body); an answer
    that already explains itself (a DRF view's envelope, a page that re-renders its form) is kept.
    """

    REPLACED = frozenset({405, 429})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code not in self.REPLACED
            or getattr(response, "streaming", False)
            or response.content
        ):
            return response
        return self._replace(request, response)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimitedError) and not is_api(request):
            response = error_page(request, 429)
            if exception.retry_after:
                response["Retry-After"] = str(int(exception.retry_after))
            return response
        return None

    def _replace(self, request: HttpRequest, bare: HttpResponse) -> HttpResponse:
        status = bare.status_code
        answer: HttpResponse
        if is_api(request):
            if status == 405:
                answer = envelope("method_not_allowed", _("This method is not allowed here."), 405)
            else:
                answer = envelope("rate_limited", _("Too many attempts. Try again later."), 429)
        else:
            answer = error_page(request, status)
        for header in ("Allow", "Retry-After"):
            if header in bare:
                answer[header] = bare[header]
        return answer
