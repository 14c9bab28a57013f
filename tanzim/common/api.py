"""API plumbing shared by every app: the error envelope, Idempotency-Key handling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tanzim.common.errors import DomainError

# The error envelope's "fields": messages, lists of them, and nested objects (a list's items).
Flat: TypeAlias = str | list["Flat"] | dict[str, "Flat"]


def _flatten(detail: object) -> Flat:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _flatten_fields(fields: Mapping[str, object]) -> dict[str, Flat]:
    return {key: _flatten(value) for key, value in fields.items()}


def _envelope(
    code: str,
    message: object,
    fields: dict[str, Flat] | None,
    http_status: int,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        {"code": code, "message": str(message), "fields": fields or {}}, status=http_status, headers=headers
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer every error with ``{"code", "message", "fields"}`` in the request's language."""
    if (isinstance(exc, DomainError) and exc.status == 404) or isinstance(
        exc, (Http404, exceptions.NotFound)
    ):
        # One answer for "not yours" and "does not exist", whatever raised it and however it was
        # worded (a case's "case_not_found", an office's "Unknown office."): no code or message
        # tells a missing object from someone else's.
        return _envelope("not_found", _("Not found."), {}, 404)
    if isinstance(exc, DomainError):
        headers = None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            headers = {"Retry-After": str(retry_after)}
        return _envelope(exc.code, exc.message, _flatten_fields(exc.fields), exc.status, headers)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            messages: dict[str, Flat] = {
                key: [str(m) for e in errs for m in e.messages] for key, errs in exc.error_dict.items()
            }
            return _envelope("invalid", _("Please correct the errors below."), messages, 400)
        return _envelope(getattr(exc, "code", None) or "invalid", " ".join(exc.messages), {}, 400)
    if isinstance(exc, RequestDataTooBig):
        return _envelope("too_large", _("The request body is too large."), {}, 413)
    if isinstance(exc, SuspiciousOperation):  # too many fields or files, a malformed multipart body
        return _envelope("bad_request", _("The request is not valid."), {}, 400)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            non_field = detail.get("non_field_errors")
            first = non_field[0] if isinstance(non_field, list) and non_field else non_field
            message = str(first) if first else _("Please correct the errors below.")
            fields = _flatten_fields({k: v for k, v in detail.items() if k != "non_field_errors"})
        else:
            items = detail if isinstance(detail, list) else [detail]
            message, fields = " ".join(str(item) for item in items), {}
        code = "invalid"
        return _envelope(code, message, fields, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        headers = {k: v for k, v in response.items() if k in ("Retry-After", "WWW-Authenticate")}
        return _envelope(code, exc.detail, {}, response.status_code, headers)
    return response


# The query parameters of a list answered by DRF's LimitOffsetPagination.
PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, required=False, description="Rows per page (default PAGE_SIZE)"),
    OpenApiParameter("offset", int, required=False, description="Rows to skip"),
]


def paginated(item: serializers.BaseSerializer[Any], name: str) -> serializers.Serializer[Any]:
    """The schema of a page of ``item`` rows: ``{"count", "next", "previous", "results"}``.

    An APIView that paginates by hand (``LimitOffsetPagination().get_paginated_response``) must
    say so, or the schema documents a plain array the API never sends.
    """
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item,
        },
    )


# --- the error answers every operation can give, in the schema --------------------------------

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The error envelope of every /api/ answer that is not a success (docs/api.md).",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": True},
    },
    "required": ["code", "message"],
}
ERROR_DESCRIPTIONS = {
    "400": "The input (filter, body or a value in the path) was refused; `fields` says which and why.",
    "401": "Not signed in, or the token has expired or was revoked.",
    "403": "Signed in, but this role may not do it.",
    "404": "Nothing with this id or code that the caller may see (the same answer as for none at all).",
    "413": "The body is over the size limit.",
    "414": "The address is longer than the server reads (gunicorn's request-line limit).",
    "415": "The body's content type is not one this operation reads.",
    "429": "Too many attempts; `Retry-After` says when to try again.",
}
# Answered by the HTTP server before Django runs: no envelope.
FROM_THE_SERVER = frozenset({"414"})
_METHODS = {"get", "post", "put", "patch", "delete"}


def _errors_of(path: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses the project's own layers give this operation whatever its view does."""
    query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    body = "requestBody" in operation
    in_path = "{" in path
    anyone = {} in operation.get("security", [{}])
    codes = []
    if query or body or in_path:
        codes.append("400")  # a filter, a body or a value in the path the view refuses (a year of 1)
    if query:
        codes.append("414")  # a filter long enough to pass the server's request-line limit
    if not anyone:
        codes += ["401", "403"]  # authentication and the role check
    if query or body or in_path:
        # An id in the path, or a code in the filter or body (an office, a service): scoping in
        # selectors answers "not yours" and "not there" alike.
        codes.append("404")
    if body:
        codes += ["413", "415"]  # the body limit and the parsers
    if anyone and (body or in_path):
        codes.append("429")  # what anyone may send or guess (sign-in, codes, survey links) is limited
    return codes


def document_error_answers(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: each operation lists the error answers it can give, in
    the envelope, next to those its view documents itself (kept as they are)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in _errors_of(path, operation):
                answer: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[code]}
                if code not in FROM_THE_SERVER:
                    answer["content"] = {"application/json": {"schema": reference}}
                responses.setdefault(code, answer)
    return result
