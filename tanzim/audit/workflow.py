"""The one transition engine: every status change in Tanzim goes through ``transition``.

Each app declares its workflows as data in its ``workflows.py`` (a ``Workflow``: the
allowed moves, who may make them, what each move stamps, where its event row goes). The
engine applies a move the same way everywhere (healthchecks' flips, pretix's
``approve_order``):

1. re-read the current state; a caller's ``expected_status`` that differs is a stale move (409);
2. refuse a move the table does not allow (409), or an actor the workflow refuses;
3. compare-and-set: ``UPDATE … WHERE pk = … AND status = old``; 0 rows means someone else
   moved it first (409), never a silent overwrite;
4. one event row per move (if the workflow keeps them) and the audit event, in the same
   transaction;
5. after commit, the ``transitioned`` signal carrying ids only.

``bulk_transition`` does the same for a set of rows at once (sweeps and claims): one
``UPDATE … WHERE status IN (…)``, one event row per row moved, one audit event for the batch.

The engine lives in ``audit`` rather than ``common`` because it writes audit events and
``common`` imports no app; every app with a workflow is to the right of ``audit``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db import connections, models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.audit.services import record
from tanzim.common.errors import ConflictError, DomainError, NotFoundError

M = TypeVar("M", bound=models.Model)

#: Sent after commit for every move: ``workflow`` (its name), ``pk``, ``old``, ``new``, ``actor_id``.
transitioned = Signal()

#: Every workflow declared by an app, by name (filled as ``workflows.py`` modules are imported).
REGISTRY: dict[str, Workflow[Any]] = {}

ANY_MOVE = "*"


Authorize = Callable[[Any, Any, str, str, frozenset[str]], Any]


@dataclass(frozen=True, eq=False)
class Workflow(Generic[M]):
    """One state machine, declared as data.

    - ``table``: state → the states it may move to.
    - ``movers``: target state (or ``(old, new)``) → the kinds of actor who may make that move
      (``"staff"``, ``"applicant"``, ``"system"``…); the workflow's ``authorize`` hook knows what
      each kind means for an object. A move not listed is open to whoever ``authorize`` admits.
    - ``authorize(obj, actor, old, new, kinds)``: raises to refuse; may return the person the
      actor acts on behalf of (a clerk filing for a citizen).
    - ``stamps``: target state → a timestamp field set to now by that move; ``"*"`` for every move.
    - ``event_model`` / ``event_link(obj)``: where the event row goes and the fields that tie it to
      the object (``{"case": obj}``); no event model means the audit event is the only trace.
    - ``office(obj)``: the office whose audit stream records the move (None: the national one).
    - ``audited``: False only for mechanical states with no person behind them (the outbox).
    """

    name: str
    model: type[M]
    table: Mapping[str, frozenset[str]]
    field: str = "status"
    movers: Mapping[Any, frozenset[str]] = dataclasses.field(default_factory=dict)
    authorize: Authorize | None = None
    stamps: Mapping[str, str] = dataclasses.field(default_factory=dict)
    event_model: type[models.Model] | None = None
    event_link: Callable[[Any], Mapping[str, Any]] | None = None
    office: Callable[[Any], Any] | None = None
    audited: bool = True

    def __post_init__(self) -> None:
        unknown = {to for targets in self.table.values() for to in targets} - set(self.table)
        if unknown:
            raise ValueError(f"{self.name}: moves to undeclared states {sorted(unknown)}")
        REGISTRY[self.name] = self

    @property
    def final(self) -> frozenset[str]:
        return frozenset(state for state, targets in self.table.items() if not targets)

    def can_move(self, old: str, new: str) -> bool:
        return new in self.table.get(old, ())

    def sources(self, new: str) -> list[str]:
        """The states from which ``new`` may be reached."""
        return sorted(old for old, targets in self.table.items() if new in targets)

    def kinds(self, old: str, new: str) -> frozenset[str]:
        return self.movers.get((old, new), self.movers.get(new, frozenset()))

    def label(self, state: str) -> str:
        field = self.model._meta.get_field(self.field)
        choices = dict(field.choices or ()) if isinstance(field, models.Field) else {}
        return str(choices.get(state, state))


def _not_allowed(workflow: Workflow[Any], old: str, new: str) -> ConflictError:
    return ConflictError(
        _("This cannot change from “%(old)s” to “%(new)s”.")
        % {"old": workflow.label(old), "new": workflow.label(new)},
        code="transition_not_allowed",
    )


def _stamps(workflow: Workflow[Any], new: str, now: datetime) -> dict[str, datetime]:
    names = {workflow.stamps.get(ANY_MOVE), workflow.stamps.get(new)} - {None, ""}
    model_fields = {f.name for f in workflow.model._meta.concrete_fields}
    if "updated_at" in model_fields:
        names.add("updated_at")
    return {name: now for name in names if name}


def transition(
    workflow: Workflow[M],
    obj: M | Any,
    new: str,
    *,
    actor: Any = None,
    expected_status: str | None = None,
    reason: str = "",
    on_behalf_of: Any = None,
    changes: Mapping[str, Any] | None = None,
    event_data: Mapping[str, Any] | None = None,
    audit_data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> M:
    """Move ``obj`` to ``new``; returns the object re-read after the move.

    ``changes`` are the other fields the move writes (a deadline, a failure reason); they are
    written by the same compare-and-set statement. ``obj`` may be an instance or a primary key.
    """
    if new not in workflow.table:
        raise DomainError(fields={"action": [_("Unknown status.")]}, code="unknown_status")
    pk = getattr(obj, "pk", obj)
    model = workflow.model
    with transaction.atomic():
        current = model._default_manager.filter(pk=pk).first()
        if current is None:
            raise NotFoundError()
        old = getattr(current, workflow.field)
        if expected_status and expected_status != old:
            raise ConflictError(code="stale_status")
        if not workflow.can_move(old, new):
            raise _not_allowed(workflow, old, new)
        if workflow.authorize is not None:
            implied = workflow.authorize(current, actor, old, new, workflow.kinds(old, new))
            on_behalf_of = on_behalf_of or implied
        now = now or timezone.now()
        values = {**(changes or {}), **_stamps(workflow, new, now), workflow.field: new}
        if not model._default_manager.filter(pk=pk, **{workflow.field: old}).update(**values):
            raise ConflictError(code="stale_status")
        # The same names the update took: a relation by its field name (an object) or by its
        # ``_id`` attribute (a key) is set on the instance the same way.
        for name, value in values.items():
            setattr(current, name, value)
        reason = str(reason or "")[:300]
        if workflow.event_model is not None:
            link = workflow.event_link(current) if workflow.event_link else {}
            workflow.event_model._default_manager.create(
                **link,
                created_at=now,
                from_status=old,
                to_status=new,
                actor=actor,
                on_behalf_of=on_behalf_of,
                reason=reason,
                **(event_data or {}),
            )
        if workflow.audited:
            record(
                action=f"{workflow.name}.{new}",
                actor=actor,
                on_behalf_of=on_behalf_of,
                obj=current,
                office=workflow.office(current) if workflow.office else None,
                data={"from": old, "reason": reason, **(audit_data or {})},
            )
        actor_id = getattr(actor, "pk", None)
        transaction.on_commit(
            lambda: transitioned.send(
                sender=model, workflow=workflow.name, pk=pk, old=old, new=new, actor_id=actor_id
            )
        )
    return current


def bulk_transition(
    workflow: Workflow[M],
    rows: models.QuerySet[M],
    new: str,
    *,
    actor: Any = None,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[Any]:
    """Move every row of ``rows`` that may move to ``new``; returns the primary keys moved.

    Set-based (sweeps, claims): rows are claimed with ``SKIP LOCKED`` where the database has it,
    so two workers share a sweep without waiting on or double-moving each other's rows. No
    ``authorize`` hook runs: this is for the system's own moves. One event row per moved row,
    one audit event for the batch.
    """
    if new not in workflow.table:
        raise DomainError(fields={"action": [_("Unknown status.")]}, code="unknown_status")
    sources = workflow.sources(new)
    if not sources:
        return []
    now = now or timezone.now()
    values = {**(changes or {}), **_stamps(workflow, new, now), workflow.field: new}
    with transaction.atomic():
        claim = rows.filter(**{f"{workflow.field}__in": sources}).order_by("pk")
        claim = claim.select_for_update(skip_locked=True, of=("self",))
        if limit is not None:
            claim = claim[:limit]
        moving: list[tuple[Any, str]] = list(claim.values_list("pk", workflow.field))
        if not moving:
            return []
        manager = workflow.model._default_manager
        if connections[rows.db].features.has_select_for_update_skip_locked:
            # The rows are locked: each group's update must move every one of them.
            by_old: dict[str, list[Any]] = {}
            for pk, old in moving:
                by_old.setdefault(old, []).append(pk)
            for old, pks in by_old.items():
                count = manager.filter(pk__in=pks, **{workflow.field: old}).update(**values)
                if count != len(pks):
                    raise RuntimeError(
                        f"{workflow.name}: {len(pks) - count} locked rows changed under a sweep"
                    )
        else:
            # No row locks (SQLite): another writer may have moved a row since it was read, so
            # each row is a compare-and-set of its own and only the rows that moved count.
            moving = [
                (pk, old)
                for pk, old in moving
                if manager.filter(pk=pk, **{workflow.field: old}).update(**values)
            ]
            if not moving:
                return []
        moved = [pk for pk, _old in moving]
        reason = str(reason or "")[:300]
        if workflow.event_model is not None:
            objects = manager.in_bulk(moved)
            link = workflow.event_link or (lambda obj: {})
            workflow.event_model._default_manager.bulk_create(
                workflow.event_model(
                    **link(objects[pk]),
                    created_at=now,
                    from_status=old,
                    to_status=new,
                    actor=actor,
                    reason=reason,
                )
                for pk, old in moving
            )
        if workflow.audited:
            record(
                action=f"{workflow.name}.{new}",
                actor=actor,
                data={"count": len(moved), "ids": [str(pk) for pk in moved[:1000]], "reason": reason},
            )
        actor_id = getattr(actor, "pk", None)

        def announce(pk: object, old: str) -> None:
            transitioned.send(
                sender=workflow.model, workflow=workflow.name, pk=pk, old=old, new=new, actor_id=actor_id
            )

        for pk, old in moving:
            transaction.on_commit(functools.partial(announce, pk, old))
    return moved


def table_of(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, frozenset[str]]:
    """Build a transition table from ``(state, targets)`` pairs."""
    return {state: frozenset(targets) for state, targets in pairs}
