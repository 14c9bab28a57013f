"""Metrics in the Prometheus text format (version 0.0.4), without a client library.

Two kinds of store:

- **process-local** (this module's ``REGISTRY``): the request metrics, measured by
  ``MetricsMiddleware`` in the process that served the request. Each gunicorn worker keeps and
  exposes its own, labelled with its ``pid``; a scrape sees the worker that answered it, and
  ``sum without (pid) (rate(…))`` adds them up (docs/operations.md, Metrics).
- **shared** (the Django cache, i.e. Redis outside the embedded mode): the Celery task metrics,
  recorded by Celery's signals in the worker processes, which serve no HTTP, and read back by
  ``/metrics`` on any web node. ``cache.incr`` is atomic in Redis, so every worker adds to the same
  numbers.

A request is labelled by its route: the URL pattern's name (``api:case-detail``), or the pattern
itself when it has no name, never the raw path (which holds ids and codes), and ``<unmatched>``
for a path no pattern matched.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, HttpResponse

Labels = tuple[str, ...]
_CONST_NAMES = ("pid",)

LATENCY_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
QUERY_BUCKETS: tuple[float, ...] = (0, 1, 2, 5, 10, 20, 50, 100, 200)
TASK_BUCKETS: tuple[float, ...] = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)
UNMATCHED = "<unmatched>"
STATIC = "<static>"


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def sample(name: str, labelnames: Sequence[str], labels: Sequence[str], value: float) -> str:
    if labelnames:
        inner = ",".join(f'{k}="{escape_label(v)}"' for k, v in zip(labelnames, labels, strict=True))
        return f"{name}{{{inner}}} {format_value(value)}"
    return f"{name} {format_value(value)}"


def header(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {escape_help(help_text)}", f"# TYPE {name} {kind}"]


def histogram_lines(
    name: str,
    labelnames: Sequence[str],
    series: Iterable[tuple[Labels, Sequence[float], float, float]],
    buckets: Sequence[float],
) -> Iterator[str]:
    """Samples of a histogram from (labels, per-bucket counts incl. +Inf, sum, count) rows."""
    names = [*labelnames, "le"]
    for labels, counts, total, count in series:
        running = 0.0
        for bound, n in zip([*buckets, math.inf], counts, strict=True):
            running += n
            yield sample(f"{name}_bucket", names, [*labels, format_value(bound)], running)
        yield sample(f"{name}_sum", labelnames, labels, total)
        yield sample(f"{name}_count", labelnames, labels, count)


def bucket_index(buckets: Sequence[float], value: float) -> int:
    for i, bound in enumerate(buckets):
        if value <= bound:
            return i
    return len(buckets)


class Counter:
    kind = "counter"

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str] = ()) -> None:
        self.name, self.help, self.labelnames = name, help_text, tuple(labelnames)
        self._values: dict[Labels, float] = {}
        self._lock = threading.Lock()

    def inc(self, labels: Labels = (), amount: float = 1.0) -> None:
        with self._lock:
            self._values[labels] = self._values.get(labels, 0.0) + amount

    def value(self, labels: Labels = ()) -> float:
        return self._values.get(labels, 0.0)

    def collect(self, const: Labels = ()) -> list[str]:
        with self._lock:
            items = sorted(self._values.items())
        names = (*_CONST_NAMES[: len(const)], *self.labelnames)
        return [
            *header(self.name, self.kind, self.help),
            *(sample(self.name, names, (*const, *k), v) for k, v in items),
        ]


class Histogram:
    kind = "histogram"

    def __init__(
        self, name: str, help_text: str, labelnames: Sequence[str], buckets: Sequence[float]
    ) -> None:
        self.name, self.help, self.labelnames = name, help_text, tuple(labelnames)
        self.buckets = tuple(buckets)
        self._series: dict[Labels, list[float]] = {}  # per-bucket counts (+Inf last), sum, count
        self._lock = threading.Lock()

    def observe(self, labels: Labels, value: float) -> None:
        with self._lock:
            row = self._series.setdefault(labels, [0.0] * (len(self.buckets) + 3))
            row[bucket_index(self.buckets, value)] += 1
            row[-2] += value
            row[-1] += 1

    def count(self, labels: Labels) -> float:
        row = self._series.get(labels)
        return row[-1] if row else 0.0

    def collect(self, const: Labels = ()) -> list[str]:
        with self._lock:
            items = sorted((k, list(v)) for k, v in self._series.items())
        n = len(self.buckets) + 1
        rows = (((*const, *k), v[:n], v[-2], v[-1]) for k, v in items)
        names = (*_CONST_NAMES[: len(const)], *self.labelnames)
        return [
            *header(self.name, self.kind, self.help),
            *histogram_lines(self.name, names, rows, self.buckets),
        ]


class Registry:
    def __init__(self) -> None:
        self.metrics: list[Counter | Histogram] = []

    def add(self, metric: Any) -> Any:
        self.metrics.append(metric)
        return metric

    def collect(self) -> list[str]:
        """Every series with this process's ``pid``: gunicorn workers keep their numbers apart."""
        const = (str(os.getpid()),)
        return [line for metric in self.metrics for line in metric.collect(const)]


REGISTRY = Registry()
REQUEST_DURATION: Histogram = REGISTRY.add(
    Histogram(
        "tanzim_http_request_duration_seconds",
        "Time to answer a request, by route (URL pattern name) and method.",
        ("route", "method"),
        LATENCY_BUCKETS,
    )
)
RESPONSES: Counter = REGISTRY.add(
    Counter(
        "tanzim_http_responses_total",
        "Responses by route, method and status class (2xx, 3xx, 4xx, 5xx).",
        ("route", "method", "status_class"),
    )
)
REQUEST_QUERIES: Histogram = REGISTRY.add(
    Histogram(
        "tanzim_http_request_db_queries",
        "Database queries made while answering one request, by route.",
        ("route",),
        QUERY_BUCKETS,
    )
)
PROCESS_STARTED = time.time()


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or UNMATCHED
    if request.path.startswith(settings.STATIC_URL):
        return STATIC
    return UNMATCHED


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class MetricsMiddleware:
    """Times every request, counts its database queries and its answer's status class by route."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = _QueryCounter()
        started = time.perf_counter()
        status = 500
        try:
            with ExitStack() as stack:
                for alias in connections:
                    stack.enter_context(connections[alias].execute_wrapper(queries))
                response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            elapsed = time.perf_counter() - started
            route, method = route_of(request), _method(request)
            REQUEST_DURATION.observe((route, method), elapsed)
            RESPONSES.inc((route, method, f"{status // 100}xx"))
            REQUEST_QUERIES.observe((route,), queries.count)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method(request: HttpRequest) -> str:
    method = (request.method or "").upper()
    return method if method in _METHODS else "OTHER"  # a client cannot invent label values


# --- Celery (shared through the cache) ---------------------------------------------------------

_TASK_PREFIX = "metrics:celery:"
_task_started: dict[str, float] = {}
TASK_OUTCOMES = ("succeeded", "failed", "retried")


def _key(task: str, field: str) -> str:
    return f"{_TASK_PREFIX}{task}:{field}"


def _add(key: str, amount: int) -> None:
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key, amount)
    except ValueError:  # evicted between add and incr
        cache.set(key, amount, timeout=None)


def task_record(task: str, seconds: float, outcome: str) -> None:
    """One finished task run: its duration (ms, in a bucket) and its outcome, added in the cache."""
    try:
        _add(_key(task, f"outcome:{outcome}"), 1)
        if outcome != "retried":
            _add(_key(task, f"bucket:{bucket_index(TASK_BUCKETS, seconds)}"), 1)
            _add(_key(task, "sum_ms"), round(seconds * 1000))
            _add(_key(task, "count"), 1)
    except Exception:
        return


def task_lines(task_names: Iterable[str]) -> list[str]:
    names = sorted(task_names)
    fields = [f"outcome:{o}" for o in TASK_OUTCOMES] + ["sum_ms", "count"]
    fields += [f"bucket:{i}" for i in range(len(TASK_BUCKETS) + 1)]
    stored = cache.get_many([_key(t, f) for t in names for f in fields])
    lines = header(
        "tanzim_celery_tasks_total", "counter", "Celery task runs by task and outcome (all workers)."
    )
    series = []
    for task in names:
        for outcome in TASK_OUTCOMES:
            n = int(stored.get(_key(task, f"outcome:{outcome}"), 0))
            lines.append(sample("tanzim_celery_tasks_total", ("task", "outcome"), (task, outcome), n))
        counts = [int(stored.get(_key(task, f"bucket:{i}"), 0)) for i in range(len(TASK_BUCKETS) + 1)]
        total = int(stored.get(_key(task, "sum_ms"), 0)) / 1000
        series.append(((task,), counts, total, int(stored.get(_key(task, "count"), 0))))
    lines += header(
        "tanzim_celery_task_duration_seconds",
        "histogram",
        "Time a Celery task ran, by task (all workers; milliseconds precision).",
    )
    lines += histogram_lines("tanzim_celery_task_duration_seconds", ("task",), series, TASK_BUCKETS)
    return lines


def _on_prerun(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def _on_postrun(
    task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any
) -> None:
    started = _task_started.pop(task_id or "", None)
    if started is None or task is None:
        return
    outcome = {"SUCCESS": "succeeded", "RETRY": "retried"}.get(state or "", "failed")
    task_record(str(task.name), time.perf_counter() - started, outcome)


def connect_celery_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_on_prerun, weak=False, dispatch_uid="tanzim.metrics.prerun")
    task_postrun.connect(_on_postrun, weak=False, dispatch_uid="tanzim.metrics.postrun")


def process_lines() -> list[str]:
    return [
        *header(
            "tanzim_process_start_time_seconds",
            "gauge",
            "When this process started (Unix time); each gunicorn worker answers for itself.",
        ),
        sample("tanzim_process_start_time_seconds", ("pid",), (str(os.getpid()),), round(PROCESS_STARTED, 3)),
    ]
