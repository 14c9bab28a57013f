"""What the enforcement services share: locking, the stay guard, SMS to the parties, deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import ConflictError
from tanzim.enforcement.choices import FileStatus, StayStatus
from tanzim.enforcement.models import EnforcementFile, FileParty, Stay
from tanzim.enforcement.rules import deadline
from tanzim.notify.services import message_enqueue


def lock_file(file: EnforcementFile | int) -> EnforcementFile:
    pk: Any = getattr(file, "pk", file)
    return EnforcementFile.objects.select_for_update().select_related("office", "province").get(pk=pk)


def require_open(file: EnforcementFile) -> None:
    if file.status == FileStatus.CLOSED:
        raise ConflictError(_("This enforcement file is closed."), code="file_closed")


def require_not_stayed(file: EnforcementFile) -> None:
    """Enforcement stops while a stay is in force (CJEA 24)."""
    require_open(file)
    if Stay.objects.filter(file=file, status=StayStatus.ACTIVE).exists():
        raise ConflictError(_("Enforcement is stayed on this file."), code="file_stayed")


def calendar():
    from tanzim.offices.selectors import working_calendar

    return working_calendar()


def due(start: date, *, days: int = 0, months: int = 0) -> date:
    return deadline(start, calendar=calendar(), days=days, months=months)


def tell_parties(file: EnforcementFile, event: Any, *, key: str, roles: tuple[str, ...] = ()) -> None:
    """An SMS to each party with a mobile number (through the outbox, after commit only)."""
    url = settings.SITE_URL.rstrip("/") + reverse("enforcement:file", args=[file.pk])
    parties = FileParty.objects.filter(file=file).exclude(mobile="")
    if roles:
        parties = parties.filter(role__in=roles)
    for party in parties.select_related("user"):
        message_enqueue(
            template="enforcement.update",
            to=party.mobile,
            recipient=party.user,
            context={"number": file.number, "event": event, "url": url},
            dedupe_key=f"enforcement:{file.pk}:{key}:{party.pk}",
        )


def on_commit(fn: Any) -> None:
    transaction.on_commit(fn)


def move_file(
    file: EnforcementFile, new: str, actor: Any, expected_status: str | None = None, **kwargs: Any
) -> EnforcementFile:
    """A move of the file through the engine (the FILE workflow)."""
    from tanzim.audit.workflow import transition
    from tanzim.enforcement.workflows import FILE

    return transition(FILE, file, new, actor=actor, expected_status=expected_status, **kwargs)
