"""Reads of the public pages and open dashboards from a read replica; everything else on the primary.

``DATABASE_REPLICA_URL`` configures the ``replica`` alias (config/settings.py) and
``settings.DATABASE_READ_REPLICA`` names it. A read goes to the replica only when all hold:

- the request is inside a view marked read-only: a URL name in ``settings.DATABASE_REPLICA_VIEWS``
  (the middleware below) or a view decorated with :func:`read_only_view`, and it is a GET or HEAD;
- nothing was written yet in that request (a view that writes, say an audit row, reads its own
  write from the primary from then on);
- no transaction is open on the primary (what a transaction reads must be what it writes against);
- the model is not one that decides who the reader is or what they may do (sessions, accounts,
  Django's auth): a role just revoked or a session just signed in must not lag behind.

Writes always go to the primary, also for an object read from the replica (Django would otherwise
save it back where it came from). The replica may lag by seconds: only figures and public lists
that may be a few seconds old are marked (docs/scaling.md, "A read replica").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

# Models read only from the primary: who the reader is and what they may do.
PRIMARY_ONLY_APPS = frozenset({"sessions", "accounts", "auth", "admin"})
READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class _Scope:
    wrote: bool = False


_scope: ContextVar[_Scope | None] = ContextVar("tanzim_replica_reads", default=None)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may come from the replica (until the first write)."""
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


def in_replica_scope() -> bool:
    """Whether reads may go to the replica now (a marked view, nothing written yet)."""
    scope = _scope.get()
    return scope is not None and not scope.wrote


ViewFunc = Callable[..., HttpResponse]


def read_only_view(view: ViewFunc) -> ViewFunc:
    """Mark a page whose GETs only read figures that may be seconds old: its reads may use the replica."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in READ_METHODS:
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    wrapped.replica_reads = True  # type: ignore[attr-defined]
    return wrapped


class ReplicaReadsMiddleware:
    """Marks the views named in ``settings.DATABASE_REPLICA_VIEWS`` read-only for GET and HEAD.

    The scope covers the view and the rendering of its response (a TemplateResponse renders after
    the view returns), and ends with the request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            token = request.__dict__.pop("_replica_token", None)
            if token is not None:
                _scope.reset(token)

    def process_view(
        self, request: HttpRequest, view_func: ViewFunc, view_args: Any, view_kwargs: Any
    ) -> None:
        if request.method not in READ_METHODS or not settings.DATABASE_READ_REPLICA:
            return
        match = request.resolver_match
        if match is not None and match.view_name in settings.DATABASE_REPLICA_VIEWS:
            request.__dict__["_replica_token"] = _scope.set(_Scope())


class ReplicaRouter:
    """Django database router: see the module's docstring."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        alias: str = settings.DATABASE_READ_REPLICA
        scope = _scope.get()
        if not alias or scope is None:
            return None
        if (
            scope.wrote
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return None  # a real replica is read-only and gets its schema by replication
