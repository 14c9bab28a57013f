"""Logs an operator can search and nobody can mine for personal data.

- ``RequestIdMiddleware``: each request gets an id (the ``X-Request-ID`` a proxy sent, when it
  is a sane token, or a new one), returned in the response's ``X-Request-ID`` header and carried
  by every log record of the request and of the Celery tasks it queues (a task header, read back
  when the task starts; ``connect_celery_signals``).
- ``PersonalDataFilter``: masks national codes (10 digits), mobiles (+98 9xx…, 09xx…), the
  token of a link whose path is the permission (``/files/…``, ``/feedback/s/…``), bearer
  tokens and the value of anything named like a code, token, secret, password or OTP, in the
  message, its arguments, the extra fields and the traceback, before a handler writes anything.
  It cannot recognise a person's name: code must not log names (CONTRIBUTING.md).
- ``JsonFormatter``: one JSON object per line: time, level, logger, message, request id, the
  extra fields, the exception.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# The Celery message header that carries the id from the web request to the task.
TASK_HEADER = "tanzim_request_id"
NO_REQUEST = "-"

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("tanzim_request_id", default=NO_REQUEST)
# A proxy's id is taken as it is only when it cannot smuggle anything into a log line.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

access_log = logging.getLogger("tanzim.request")


def current_request_id() -> str:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def bind_request_id(value: str | None) -> contextvars.Token[str]:
    """Make ``value`` (or a new id when it is missing or not a sane token) the current id."""
    chosen = value if value and _SANE_ID.fullmatch(value) else new_request_id()
    return _request_id.set(chosen)


def unbind_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


class RequestIdMiddleware:
    """Binds the request id for the request's logs and returns it in ``X-Request-ID``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = bind_request_id(request.headers.get(REQUEST_ID_HEADER))
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = current_request_id()
            # The probes of a proxy or an orchestrator come every few seconds: kept out of INFO.
            quiet = request.path_info in ("/healthz", "/readyz")
            access_log.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s %s %s",
                request.method,
                request.path_info,
                response.status_code,
                extra={"status": response.status_code, "duration_ms": _ms_since(started)},
            )
            return response
        finally:
            unbind_request_id(token)


# --- Celery -------------------------------------------------------------------------------
_task_tokens: dict[str, contextvars.Token[str]] = {}


def _add_request_id_header(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """``before_task_publish``: a task queued during a request carries the request's id."""
    if headers is not None and current_request_id() != NO_REQUEST:
        headers.setdefault(TASK_HEADER, current_request_id())


def _task_header(task: Any) -> str | None:
    request = getattr(task, "request", None)
    value = getattr(request, TASK_HEADER, None)
    if value is None:  # a task run in-process (eager) keeps its headers in a dict
        value = (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    return value if isinstance(value, str) else None


def _bind_task_request_id(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    """``task_prerun``: the task logs under the id of the request that queued it, else the id
    already bound (an eager task inside a request), else an id of its own (a beat task)."""
    inherited = _task_header(task)
    if inherited is None and current_request_id() != NO_REQUEST:
        inherited = current_request_id()
    if task_id:
        _task_tokens[task_id] = bind_request_id(inherited)


def _unbind_task_request_id(task_id: str | None = None, **_: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        # Bound in another context (a thread pool): nothing to undo here.
        with contextlib.suppress(ValueError):
            unbind_request_id(token)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(
        _add_request_id_header, weak=False, dispatch_uid="tanzim-request-id-out"
    )
    signals.task_prerun.connect(_bind_task_request_id, weak=False, dispatch_uid="tanzim-request-id-in")
    signals.task_postrun.connect(_unbind_task_request_id, weak=False, dispatch_uid="tanzim-request-id-done")


# --- masking ------------------------------------------------------------------------------
MASK = "***"
_ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)
_MOBILE = re.compile(r"(?<![\d+])(?:\+98|0098|98|0)?[\s-]?9\d{2}[\s-]?\d{3}[\s-]?\d{4}(?!\d)")
_NATIONAL_CODE = re.compile(r"(?<!\d)\d{10}(?!\d)")
_BEARER = re.compile(r"(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_NAMED_SECRET = re.compile(
    r"""(?ix)
    (\b[\w-]*(?:otp|code|token|secret|password|passwd|api[_-]?key|signature|sessionid|csrftoken|pin)\b
     ["']?\s*[:=]\s*["']?)
    ([^\s"',;&)}\]]+)
    """
)
# Addresses whose path is the permission (a signed file link, a survey link, the bank's page): the
# token and the file name (it carries a tracking code) never reach a log.
_LINK_PATH = re.compile(r"(/(?:files|feedback/s|finance/gateway)/)[^\s?#\"']+")
# Names that end like a secret's but hold none.
_HARMLESS_NAMES = frozenset({"status_code", "error_code", "exit_code", "return_code", "http_code"})
# Keys of extra fields whose values are never written, whatever they look like.
_SECRET_KEYS = re.compile(
    r"(?i)(otp|code|token|secret|password|passwd|api[_-]?key|signature|national|mobile|phone)"
)


def mask_text(text: str) -> str:
    """``text`` with every national code, mobile, bearer token and named secret masked (and its
    Persian and Arabic digits written as ASCII ones, as everything else in the logs)."""
    text = text.translate(_ASCII_DIGITS)
    text = _LINK_PATH.sub(lambda m: m.group(1) + MASK, text)
    text = _NAMED_SECRET.sub(_mask_named, text)
    text = _BEARER.sub(lambda m: m.group(1) + " " + MASK, text)
    text = _MOBILE.sub(_mask_mobile, text)
    return _NATIONAL_CODE.sub(lambda m: MASK + m.group(0)[-2:], text)


def _mask_named(match: re.Match[str]) -> str:
    name = re.sub(r"[\"'\s:=]", "", match.group(1)).lower()
    return match.group(0) if name in _HARMLESS_NAMES else match.group(1) + MASK


def _mask_mobile(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return MASK + digits[-2:]


def _mask_field(key: str, value: Any) -> Any:
    return MASK if _SECRET_KEYS.search(key) else mask_value(value)


def mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        masked = mask_text(str(value))  # a national code or a mobile given as a number
        return value if masked == str(value) else masked
    if isinstance(value, bool | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {key: _mask_field(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(item) for item in value]
    return mask_text(str(value))


# Every attribute a LogRecord has of its own; anything else on a record is an "extra" field.
_RECORD_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in record.__dict__.items() if key not in _RECORD_FIELDS}


class PersonalDataFilter(logging.Filter):
    """Masks personal data and secrets in a record, in place, before any handler formats it.

    The message is rendered with its arguments first (a national code passed as an argument
    is masked as surely as one written into the text), and the traceback is rendered and masked
    too (a database error quotes the row it refused).
    """

    _tracebacks = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_tanzim_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: log what was given, masked, rather than nothing
            message = f"{record.msg} {record.args}"
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._tracebacks.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for key, value in _extras(record).items():
            setattr(record, key, _mask_field(key, value))
        record._tanzim_masked = True
        return True


class RequestIdFilter(logging.Filter):
    """Puts the current request id on the record (``%(request_id)s`` in a plain format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", current_request_id()),
        }
        for key, value in _extras(record).items():
            if not key.startswith("_"):
                entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
