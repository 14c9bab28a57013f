"""The probes behind ``/readyz``: may this node take traffic?

Each probe is cheap and bounded: the database answers ``SELECT 1`` (with a statement timeout on
PostgreSQL and the connection's connect timeout), the cache stores and reads one key (Redis with
socket timeouts), the Celery broker accepts a connection (a connect timeout), no migration is
waiting (the answer is kept once everything is applied: code cannot gain a migration without a
restart), and the outbox's backlog is counted only up to the threshold (an index range, never a
full count). A probe that fails says only the error's kind, never its text (the page is public).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from tanzim.notify.choices import MessageStatus
from tanzim.notify.models import Message

Probe = Callable[[], dict[str, Any]]

# Set once every migration is applied; until then each /readyz looks again.
_migrations_applied: list[bool] = []


class NotReady(Exception):
    """A probe's refusal with what an operator may see."""

    def __init__(self, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _timeout() -> int:
    return int(settings.READYZ_TIMEOUT_SECONDS)


def _bounded_cursor_statement(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic(using=DEFAULT_DB_ALIAS), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL statement_timeout = %s", [f"{_timeout()}s"])
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def probe_database() -> dict[str, Any]:
    rows = _bounded_cursor_statement("SELECT 1")
    if rows != [(1,)]:
        raise NotReady("unexpected answer")
    return {"vendor": connections[DEFAULT_DB_ALIAS].vendor}


def probe_cache() -> dict[str, Any]:
    key = "tanzim:readyz:" + uuid.uuid4().hex
    cache.set(key, "1", timeout=_timeout() + 5)
    try:
        if cache.get(key) != "1":
            raise NotReady("a value written was not read back")
    finally:
        cache.delete(key)
    return {"backend": str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]}


def probe_broker() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "eager"}  # tasks run in the web process: there is no broker to reach
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=_timeout()) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=_timeout())
        return {"transport": broker.transport_cls if isinstance(broker.transport_cls, str) else "custom"}


def probe_migrations() -> dict[str, Any]:
    if _migrations_applied:
        return {"unapplied": 0}
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise NotReady("unapplied migrations", unapplied=len(plan))
    _migrations_applied.append(True)
    return {"unapplied": 0}


def probe_outbox() -> dict[str, Any]:
    limit = int(settings.READYZ_OUTBOX_BACKLOG_MAX)
    waiting = Message.objects.filter(status__in=[MessageStatus.PENDING, MessageStatus.SENDING])
    backlog = waiting.values("pk")[: limit + 1].count()
    if backlog > limit:
        raise NotReady("backlog over the threshold", backlog=f">{limit}", max=limit)
    return {"backlog": backlog, "max": limit}


PROBES: dict[str, Probe] = {
    "database": probe_database,
    "cache": probe_cache,
    "broker": probe_broker,
    "migrations": probe_migrations,
    "outbox": probe_outbox,
}
# These read the database: when it does not answer they are not tried (each would wait its timeout).
NEEDS_DATABASE = frozenset({"migrations", "outbox"})


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """(ready, {probe name: {"ok": bool, "ms": elapsed, …detail or "error"}})."""
    results: dict[str, dict[str, Any]] = {}
    for name, probe in PROBES.items():
        if name in NEEDS_DATABASE and not results["database"]["ok"]:
            results[name] = {"ok": False, "error": "database unavailable", "ms": 0}
            continue
        started = time.monotonic()
        try:
            result: dict[str, Any] = {"ok": True, **probe()}
        except NotReady as refusal:
            result = {"ok": False, "error": refusal.reason, **refusal.detail}
        except Exception as exc:  # any failure of a dependency is an answer here, not a 500
            result = {"ok": False, "error": type(exc).__name__}
        result["ms"] = round((time.monotonic() - started) * 1000)
        results[name] = result
    return all(result["ok"] for result in results.values()), results
