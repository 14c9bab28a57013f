"""The identity check's workflow, declared for the engine (``tanzim.audit.workflow``).

Pending → approved or refused, by a clerk or manager of the office the person asked to check it.
Both are final: a refused person sends a new check.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import IdentityStatus
from tanzim.accounts.models import IdentityCheck
from tanzim.accounts.permissions import is_office_staff
from tanzim.audit.workflow import Workflow
from tanzim.common.errors import NotFoundError

STAFF = "staff"


def identity_check_not_found() -> NotFoundError:
    return NotFoundError(_("Identity check not found."), code="identity_check_not_found")


def authorize(check: IdentityCheck, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    # Another office's check is the same answer as a missing one.
    if actor is None or not is_office_staff(actor, check.office):
        raise identity_check_not_found()
    return None


IDENTITY = Workflow(
    name="accounts.identity",
    model=IdentityCheck,
    table={
        IdentityStatus.PENDING: frozenset({IdentityStatus.APPROVED, IdentityStatus.REFUSED}),
        IdentityStatus.APPROVED: frozenset(),
        IdentityStatus.REFUSED: frozenset(),
    },
    movers={IdentityStatus.APPROVED: frozenset({STAFF}), IdentityStatus.REFUSED: frozenset({STAFF})},
    authorize=authorize,
    stamps={"*": "reviewed_at"},
    office=lambda check: check.office_id,
)
