"""Scheduling's state machines, declared on the one engine (``tanzim.audit.workflow``).

- ``APPOINTMENT``: a booking from booked to served, cancelled, moved or missed; an event row
  per move, audited as ``scheduling.appointment.<new status>``.
- ``TICKET``: a place in an office's queue; an event row per move (which clerk, which counter).
- ``FLEXIBLE_REQUEST``: "any office near me, any day in these dates", until the nightly
  rebalancer books it, finds no place, or the citizen withdraws.
- ``SLOT``: a time unit is open for booking or closed (hours, counters or holidays changed);
  moved only by the slot generator, so it is mechanical and not audited.

Who may make a move is declared in ``movers`` and checked by each workflow's ``authorize``;
the services check the same rules first only to answer with the most helpful refusal.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_office_staff
from tanzim.audit.workflow import Workflow, table_of
from tanzim.common.errors import NotFoundError
from tanzim.scheduling.choices import (
    AppointmentStatus,
    FlexibleRequestStatus,
    SlotStatus,
    TicketStatus,
)
from tanzim.scheduling.models import (
    Appointment,
    AppointmentEvent,
    FlexibleRequest,
    QueueTicket,
    Slot,
    TicketEvent,
)

#: Kinds of actor a move may be open to.
CITIZEN = "citizen"  # the person the appointment, ticket or request belongs to
STAFF = "staff"  # a clerk or manager of the office (``accounts.permissions.COUNTER``)
SYSTEM = "system"  # no person: a sweep, the end of the day, the nightly batch

A = AppointmentStatus
T = TicketStatus
F = FlexibleRequestStatus

APPOINTMENT_TRANSITIONS: dict[str, frozenset[str]] = table_of(
    [
        (A.BOOKED, {A.CHECKED_IN, A.NO_SHOW, A.CANCELLED, A.RESCHEDULED}),
        # An automatic no-show is undone by a late arrival on the same day.
        (A.NO_SHOW, {A.CHECKED_IN}),
        (A.CHECKED_IN, {A.SERVED, A.NO_SHOW}),
        (A.SERVED, ()),
        (A.CANCELLED, ()),
        (A.RESCHEDULED, ()),
    ]
)

TICKET_TRANSITIONS: dict[str, frozenset[str]] = table_of(
    [
        (T.WAITING, {T.CALLED, T.LEFT}),
        # Back to waiting: the clerk sent the person to fetch a document; they keep their place.
        (T.CALLED, {T.SERVED, T.NO_SHOW, T.WAITING, T.LEFT}),
        (T.SERVED, ()),
        (T.NO_SHOW, ()),
        (T.LEFT, ()),
    ]
)

FLEXIBLE_REQUEST_TRANSITIONS: dict[str, frozenset[str]] = table_of(
    [
        (F.PENDING, {F.ASSIGNED, F.UNASSIGNED, F.WITHDRAWN}),
        (F.ASSIGNED, ()),
        (F.UNASSIGNED, ()),
        (F.WITHDRAWN, ()),
    ]
)

SLOT_TRANSITIONS: dict[str, frozenset[str]] = table_of(
    [
        (SlotStatus.OPEN, {SlotStatus.CLOSED}),
        (SlotStatus.CLOSED, {SlotStatus.OPEN}),
    ]
)


def _person_kinds(actor: Any, *, owner_id: Any, office: Any) -> frozenset[str]:
    if actor is None:
        return frozenset({SYSTEM})
    kinds = set()
    if getattr(actor, "pk", None) is not None and actor.pk == owner_id:
        kinds.add(CITIZEN)
    if is_office_staff(actor, office):
        kinds.add(STAFF)
    return frozenset(kinds)


def appointment_actor_kinds(appointment: Appointment, actor: Any) -> frozenset[str]:
    """What ``actor`` is to this appointment: its citizen, staff of its office, or the system."""
    return _person_kinds(actor, owner_id=appointment.citizen_id, office=appointment.office)


def ticket_actor_kinds(ticket: QueueTicket, actor: Any) -> frozenset[str]:
    return _person_kinds(actor, owner_id=ticket.citizen_id, office=ticket.office)


def _authorize_appointment(appointment, actor, old, new, kinds):
    """Out of the actor's reach is a 404, as for a read; staff acting for the citizen act on their behalf."""
    mine = appointment_actor_kinds(appointment, actor)
    if not mine & kinds:
        raise NotFoundError(_("Appointment not found."), code="appointment_not_found")
    if actor is not None and CITIZEN not in mine:
        return appointment.citizen
    return None


def _authorize_ticket(ticket, actor, old, new, kinds):
    mine = ticket_actor_kinds(ticket, actor)
    if not mine & kinds:
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
    return None


def _authorize_flexible_request(request, actor, old, new, kinds):
    if CITIZEN in kinds and (actor is None or actor.pk != request.citizen_id):
        raise NotFoundError(code="request_not_found")
    if actor is not None and actor.pk != request.citizen_id:
        return request.citizen  # the operator who ran the batch books for the citizen
    return None


APPOINTMENT: Workflow[Appointment] = Workflow(
    name="scheduling.appointment",
    model=Appointment,
    table=APPOINTMENT_TRANSITIONS,
    movers={
        # The system too: a consultation call is held when its consultant answers (no counter).
        A.CHECKED_IN: frozenset({CITIZEN, STAFF, SYSTEM}),
        A.CANCELLED: frozenset({CITIZEN, STAFF}),
        A.RESCHEDULED: frozenset({CITIZEN, STAFF}),
        A.SERVED: frozenset({STAFF, SYSTEM}),
        # Booked → no-show is the sweep's; checked in → no-show is the clerk's (called, nobody came).
        (A.BOOKED, A.NO_SHOW): frozenset({SYSTEM}),
        (A.CHECKED_IN, A.NO_SHOW): frozenset({STAFF}),
    },
    authorize=_authorize_appointment,
    stamps={A.CHECKED_IN: "checked_in_at", A.CANCELLED: "cancelled_at", A.SERVED: "finished_at"},
    event_model=AppointmentEvent,
    event_link=lambda appointment: {"appointment": appointment},
    office=lambda appointment: appointment.office_id,
)

TICKET: Workflow[QueueTicket] = Workflow(
    name="scheduling.ticket",
    model=QueueTicket,
    table=TICKET_TRANSITIONS,
    movers={
        T.CALLED: frozenset({STAFF}),
        T.SERVED: frozenset({STAFF}),
        T.NO_SHOW: frozenset({STAFF}),
        (T.CALLED, T.WAITING): frozenset({STAFF}),
        (T.WAITING, T.LEFT): frozenset({CITIZEN, STAFF}),
        (T.CALLED, T.LEFT): frozenset({SYSTEM}),  # the end of the day
    },
    authorize=_authorize_ticket,
    stamps={T.SERVED: "finished_at", T.NO_SHOW: "finished_at", T.LEFT: "finished_at"},
    event_model=TicketEvent,
    event_link=lambda ticket: {"ticket": ticket, "counter_id": ticket.counter_id},
    office=lambda ticket: ticket.office_id,
)

FLEXIBLE_REQUEST: Workflow[FlexibleRequest] = Workflow(
    name="scheduling.flexible_request",
    model=FlexibleRequest,
    table=FLEXIBLE_REQUEST_TRANSITIONS,
    movers={F.WITHDRAWN: frozenset({CITIZEN})},
    authorize=_authorize_flexible_request,
    office=lambda request: request.appointment.office_id if request.appointment_id else None,
)

SLOT: Workflow[Slot] = Workflow(
    name="scheduling.slot",
    model=Slot,
    table=SLOT_TRANSITIONS,
    audited=False,  # moved only by the slot generator, from hours, counters and holidays
)
