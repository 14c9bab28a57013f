"""The office's workflow, declared for the engine (``tanzim.audit.workflow``).

An office is opened active; the Kanoon suspends it, reopens it or closes it for good. Each move
is an audit event in the office's own stream (``offices.office.suspended`` …) with the reason;
no event row: the moves are rare acts of an administrator, and the audit event says all there is.
"""

from __future__ import annotations

from tanzim.audit.workflow import Workflow
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office

OFFICE_TRANSITIONS: dict[str, frozenset[str]] = {
    OfficeStatus.ACTIVE: frozenset({OfficeStatus.SUSPENDED, OfficeStatus.CLOSED}),
    OfficeStatus.SUSPENDED: frozenset({OfficeStatus.ACTIVE, OfficeStatus.CLOSED}),
    OfficeStatus.CLOSED: frozenset(),
}

OFFICE: Workflow[Office] = Workflow(
    name="offices.office",
    model=Office,
    table=OFFICE_TRANSITIONS,
    office=lambda office: office.pk,
)
