"""The office queue: check-in, walk-in tickets, calling, serving, and the end of the day.

Every move of a ticket (and of the appointment behind it) goes through the ``TICKET`` and
``APPOINTMENT`` workflows of ``tanzim.scheduling.workflows``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.accounts.permissions import is_office_staff
from tanzim.audit import services as audit
from tanzim.audit.workflow import bulk_transition, transition
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.common.jalali import tehran_date
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Counter, Office
from tanzim.scheduling import selectors
from tanzim.scheduling.choices import AppointmentStatus, TicketKind, TicketStatus
from tanzim.scheduling.formatting import clock_text
from tanzim.scheduling.models import Appointment, QueueDay, QueueTicket
from tanzim.scheduling.services.appointments import _check_expected, _lock_appointment
from tanzim.scheduling.signals import appointment_served, send_after_commit, ticket_served
from tanzim.scheduling.workflows import APPOINTMENT, TICKET


def _next_number(office: Office, day: date) -> int:
    QueueDay.objects.get_or_create(office=office, day=day)
    qday = QueueDay.objects.select_for_update().get(office=office, day=day)
    qday.last_number += 1
    qday.save(update_fields=["last_number"])
    return qday.last_number


def _issue(
    *,
    office: Office,
    kind: str,
    now: datetime,
    sort_at: datetime,
    actor: User | None,
    appointment: Appointment | None = None,
    service: Service | None = None,
    citizen: User | None = None,
) -> QueueTicket:
    day = tehran_date(now)
    return QueueTicket.objects.create(
        office=office,
        day=day,
        number=_next_number(office, day),
        kind=kind,
        appointment=appointment,
        service=service,
        citizen=citizen,
        sort_at=sort_at,
        joined_at=now,
        issued_by=actor,
    )


def checkin_window(appointment: Appointment) -> tuple[datetime, datetime]:
    return (
        appointment.start - timedelta(minutes=settings.SCHEDULING_CHECKIN_EARLY_MINUTES),
        appointment.start + timedelta(minutes=settings.SCHEDULING_CHECKIN_LATE_MINUTES),
    )


@transaction.atomic
def appointment_check_in(
    *,
    appointment: Appointment,
    actor: User,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> QueueTicket:
    """Join the office queue on arrival: by the citizen on their phone or by a clerk.

    Inside the window (15 minutes early to 10 late by default) the ticket keeps the booked
    time's place; a late arrival on the same day joins the walk-in line. Checking in twice
    returns the same ticket.
    """
    now = now or timezone.now()
    appt = _lock_appointment(appointment)
    staff = is_office_staff(actor, appt.office)
    if not staff and appt.citizen_id != actor.pk:
        raise NotFoundError(_("Appointment not found."), code="appointment_not_found")
    if appt.slot_id is None:
        raise ConflictError(
            _("A consultation call is not checked in at the office: it is held when the consultant answers."),
            code="appointment_remote",
        )
    existing = QueueTicket.objects.filter(appointment=appt).first()
    if appt.status == AppointmentStatus.CHECKED_IN and existing is not None:
        return existing
    _check_expected(appt, expected_status)
    if appt.status not in (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW):
        raise ConflictError(
            _("This appointment is %(status)s and cannot be checked in.")
            % {"status": appt.get_status_display()},
            code="appointment_not_checkable",
        )
    opens, closes = checkin_window(appt)
    if now < opens:
        raise DomainError(
            _("Check-in opens at %(time)s, %(minutes)s minutes before your time.")
            % {
                "time": clock_text(opens),
                "minutes": settings.SCHEDULING_CHECKIN_EARLY_MINUTES,
            },
            code="too_early",
        )
    if tehran_date(now) != tehran_date(appt.start):
        raise ConflictError(
            _("This appointment was on another day. Please book again."), code="appointment_expired"
        )
    if appt.office.status != OfficeStatus.ACTIVE:
        raise ConflictError(_("This office is not serving at the moment."), code="office_unavailable")
    late = now > closes
    ticket = _issue(
        office=appt.office,
        kind=TicketKind.WALK_IN if late else TicketKind.APPOINTMENT,
        now=now,
        sort_at=now if late else appt.start,
        actor=actor,
        appointment=appt,
        service=appt.service,
        citizen=appt.citizen,
    )
    transition(
        APPOINTMENT,
        appt,
        AppointmentStatus.CHECKED_IN,
        actor=actor,
        expected_status=appt.status,
        on_behalf_of=appt.citizen if appt.citizen_id != actor.pk else None,
        changes={"late": late},
        audit_data={"ticket": ticket.number, "late": late},
        now=now,
    )
    return ticket


@transaction.atomic
def ticket_issue_walk_in(
    *,
    office: Office,
    actor: User,
    service: Service | None = None,
    citizen: User | None = None,
    now: datetime | None = None,
) -> QueueTicket:
    """A ticket for someone without an appointment, issued at the office's reception."""
    now = now or timezone.now()
    selectors.require_queue_staff(actor, office)
    if office.status != OfficeStatus.ACTIVE:
        raise ConflictError(_("This office is not serving at the moment."), code="office_unavailable")
    if service is not None and not service.in_person and not service.semi_in_person:
        raise DomainError(
            _("This service is done remotely: no visit is needed."),
            code="service_remote_only",
            fields={"service": [_("This service is done remotely: no visit is needed.")]},
        )
    ticket = _issue(
        office=office,
        kind=TicketKind.WALK_IN,
        now=now,
        sort_at=now,
        actor=actor,
        service=service,
        citizen=citizen,
    )
    audit.record(
        actor=actor,
        action="scheduling.ticket.issued",
        obj=ticket,
        office=office,
        data={"number": ticket.number, "service": service.code if service else None},
    )
    return ticket


def _lock_ticket(ticket: QueueTicket) -> QueueTicket:
    return QueueTicket.objects.select_for_update(of=("self",)).select_related("office").get(pk=ticket.pk)


def _not_called(ticket: QueueTicket) -> ConflictError:
    return ConflictError(
        _("Ticket %(ticket)s is not at a counter.") % {"ticket": ticket.label}, code="ticket_not_called"
    )


@transaction.atomic
def ticket_call_next(
    *, office: Office, counter: Counter, actor: User, now: datetime | None = None
) -> QueueTicket | None:
    """Call the next person to a counter; None when nobody is waiting.

    Two counters calling at the same instant never get the same ticket: the candidate is
    claimed with the engine's compare-and-set, and PostgreSQL skips rows another counter holds.
    """
    now = now or timezone.now()
    selectors.require_queue_staff(actor, office)
    if counter.office_id != office.pk:
        raise NotFoundError(_("Unknown counter."), code="unknown_counter")
    if not counter.active:
        raise DomainError(_("This counter is closed."), code="counter_inactive")
    current = QueueTicket.objects.filter(counter=counter, status=TicketStatus.CALLED).first()
    if current is not None:
        raise ConflictError(
            _("Counter %(counter)s is still with ticket %(ticket)s. Finish it first.")
            % {"counter": counter.number, "ticket": current.label},
            code="counter_busy",
        )
    candidates = selectors.waiting_tickets(office=office, now=now)
    for _attempt in range(5):
        ticket = candidates.select_for_update(skip_locked=True, of=("self",)).first()
        if ticket is None:
            return None
        try:
            with transaction.atomic():
                called = transition(
                    TICKET,
                    ticket,
                    TicketStatus.CALLED,
                    actor=actor,
                    expected_status=TicketStatus.WAITING,
                    changes={
                        "counter_id": counter.pk,
                        # The wait is measured to the first call; a requeued ticket keeps it.
                        "called_at": F("called_at") if ticket.called_at else now,
                        "announced_at": now,
                        "called_by_id": actor.pk,
                        "call_count": F("call_count") + 1,
                    },
                    audit_data={"number": ticket.number, "counter": counter.number},
                    now=now,
                )
        except IntegrityError:
            raise ConflictError(_("Another clerk is calling at this counter."), code="counter_busy") from None
        except ConflictError as exc:
            if exc.code == "stale_status":
                continue  # another counter called it first: take the next one
            raise
        called.refresh_from_db()
        return called
    raise ConflictError(code="queue_busy")


def _finish_ticket(
    *, ticket: QueueTicket, actor: User, status: str, now: datetime, expected_status: str | None
) -> QueueTicket:
    if not is_office_staff(actor, ticket.office):
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
    ticket = _lock_ticket(ticket)
    _check_expected(ticket, expected_status)
    if ticket.status != TicketStatus.CALLED:
        raise _not_called(ticket)
    finished = transition(
        TICKET,
        ticket,
        status,
        actor=actor,
        expected_status=TicketStatus.CALLED,
        audit_data={"number": ticket.number, "counter": ticket.counter.number if ticket.counter else None},
        now=now,
    )
    if ticket.appointment_id:
        appt = Appointment.objects.select_for_update(of=("self",)).get(pk=ticket.appointment_id)
        if appt.status == AppointmentStatus.CHECKED_IN:
            served = status == TicketStatus.SERVED
            transition(
                APPOINTMENT,
                appt,
                AppointmentStatus.SERVED if served else AppointmentStatus.NO_SHOW,
                actor=actor,
                expected_status=AppointmentStatus.CHECKED_IN,
                changes=None if served else {"finished_at": now},
                audit_data={"ticket": ticket.number},
                now=now,
            )
            if served:
                send_after_commit(appointment_served, appointment_id=appt.pk)
    if status == TicketStatus.SERVED:
        send_after_commit(ticket_served, ticket_id=ticket.pk)
    finished.refresh_from_db()
    return finished


@transaction.atomic
def ticket_serve(
    *, ticket: QueueTicket, actor: User, expected_status: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """The person at the counter was served."""
    return _finish_ticket(
        ticket=ticket,
        actor=actor,
        status=TicketStatus.SERVED,
        now=now or timezone.now(),
        expected_status=expected_status,
    )


@transaction.atomic
def ticket_no_show(
    *, ticket: QueueTicket, actor: User, expected_status: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """Called, but nobody came to the counter."""
    return _finish_ticket(
        ticket=ticket,
        actor=actor,
        status=TicketStatus.NO_SHOW,
        now=now or timezone.now(),
        expected_status=expected_status,
    )


@transaction.atomic
def ticket_recall(
    *, ticket: QueueTicket, actor: User, expected_status: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """Show a called ticket on the screen again (no change of status)."""
    now = now or timezone.now()
    if not is_office_staff(actor, ticket.office):
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
    ticket = _lock_ticket(ticket)
    _check_expected(ticket, expected_status)
    if not QueueTicket.objects.filter(pk=ticket.pk, status=TicketStatus.CALLED).update(
        announced_at=now, call_count=F("call_count") + 1
    ):
        raise _not_called(ticket)
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_requeue(
    *, ticket: QueueTicket, actor: User, expected_status: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """Send a called person back to wait (e.g. to fetch a document); they keep their place."""
    if not is_office_staff(actor, ticket.office):
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
    ticket = _lock_ticket(ticket)
    _check_expected(ticket, expected_status)
    if ticket.status != TicketStatus.CALLED:
        raise _not_called(ticket)
    back = transition(
        TICKET,
        ticket,
        TicketStatus.WAITING,
        actor=actor,
        expected_status=TicketStatus.CALLED,
        changes={"counter_id": None},
        audit_data={"number": ticket.number},
        now=now,
    )
    back.refresh_from_db()
    return back


@transaction.atomic
def ticket_leave(
    *, ticket: QueueTicket, actor: User, expected_status: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """Take a waiting ticket out of the queue (the person left); its holder or office staff."""
    staff = is_office_staff(actor, ticket.office)
    if not staff and ticket.citizen_id != actor.pk:
        raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
    ticket = _lock_ticket(ticket)
    _check_expected(ticket, expected_status)
    if ticket.status != TicketStatus.WAITING:
        raise ConflictError(_("This ticket is no longer waiting."), code="ticket_not_waiting")
    left = transition(
        TICKET,
        ticket,
        TicketStatus.LEFT,
        actor=actor,
        expected_status=TicketStatus.WAITING,
        audit_data={"number": ticket.number},
        now=now,
    )
    left.refresh_from_db()
    return left


def queue_close_day(*, office: Office, day: date, now: datetime | None = None) -> int:
    """End of day: tickets still waiting or called leave the queue; returns how many."""
    moved = bulk_transition(
        TICKET, QueueTicket.objects.filter(office=office, day=day), TicketStatus.LEFT, now=now
    )
    return len(moved)
