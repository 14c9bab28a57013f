"""Source rows for the rollup tests: written straight to the tables, with the timestamps asked for.

The counts the rollups must reproduce are computed here again, in plain Python over the rows the
test made (``direct_counters``) — an independent statement of each counter's definition.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case
from tanzim.catalog.choices import ChannelKind, ServiceCategory
from tanzim.catalog.models import Service
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.disputes.choices import DisputeCategory, DisputeOrigin, DisputeStatus
from tanzim.disputes.models import Dispute
from tanzim.feedback.choices import InvitationSource
from tanzim.feedback.models import Questionnaire, SurveyResponse
from tanzim.finance.choices import PaymentStatus
from tanzim.finance.models import Payment
from tanzim.scheduling.choices import AppointmentStatus, BookingChannel, TicketKind, TicketStatus
from tanzim.scheduling.models import Appointment, QueueTicket, Slot, VisitAvoided

BASE = datetime(2026, 3, 10, tzinfo=TEHRAN)  # a Tehran midnight; the data spans the days after it
_seq = itertools.count(1)

TERMINAL = {CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.CANCELLED}


def _code(prefix: str, width: int = 12) -> str:
    return f"{prefix}{next(_seq):0{width - len(prefix)}d}"


def service() -> Service:
    found = Service.objects.order_by("pk").first()
    if found is not None:
        return found
    return Service.objects.create(
        code="dash-test", name_fa="خدمت", name_en="Service", category=ServiceCategory.FILING
    )


def _first_service() -> Service:
    return service()


def services(n: int) -> list[Service]:
    """``n`` catalogue services (the first ones, made when there are fewer)."""
    found = list(Service.objects.order_by("pk")[:n])
    for i in range(len(found), n):
        found.append(
            Service.objects.create(
                code=f"dash-test-{i}", name_fa=f"خدمت {i}", name_en=f"Service {i}",
                category=ServiceCategory.FILING,
            )
        )  # fmt: skip
    return found


def questionnaire() -> Questionnaire:
    found = Questionnaire.objects.order_by("pk").first()
    return found or Questionnaire.objects.create(version=999, title_fa="پرسشنامه", title_en="Survey")


@dataclass
class Made:
    """What a test created, kept to count it again in Python."""

    cases: list[Case] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    surveys: list[SurveyResponse] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    tickets: list[QueueTicket] = field(default_factory=list)
    visits: list[VisitAvoided] = field(default_factory=list)


def at(seconds: int) -> datetime:
    return BASE + timedelta(seconds=seconds)


def make_case(made: Made, *, office, user, channel: str, status: str, created: int, resolve_after: int = 0,
              free: bool = False, discount: int = 0, service: Service | None = None) -> Case:  # fmt: skip
    created_at = at(created)
    changed = created_at + timedelta(seconds=resolve_after)
    case = Case.objects.create(
        tracking_code=_code("D", 16), service=service or _first_service(), channel=channel, office=office,
        applicant=user, created_by=user, status=status, status_changed_at=changed, title="t",
        free_service=free,
        fee_snapshot={"discount": discount} if discount else None,
    )  # fmt: skip
    Case.objects.filter(pk=case.pk).update(created_at=created_at)
    case.created_at = created_at
    made.cases.append(case)
    return case


def make_dispute(made: Made, *, office, user, status: str, created: int, conclude_after: int | None,
                 eligible: bool | None) -> Dispute:  # fmt: skip
    created_at = at(created)
    concluded = created_at + timedelta(seconds=conclude_after) if conclude_after is not None else None
    dispute = Dispute.objects.create(
        reference=_code("DD", 16), office=office, origin=DisputeOrigin.OFFICE,
        category=DisputeCategory.MONEY_CLAIM,
        status=status, status_changed_at=concluded or created_at, created_by=user, created_at=created_at,
        concluded_at=concluded, eligible=eligible,
    )  # fmt: skip
    made.disputes.append(dispute)
    return dispute


_SLOTS = itertools.count(1)


def make_appointment(made: Made, *, office, user, status: str, start: int, lead: int,
                     service: Service | None = None) -> Appointment:  # fmt: skip
    """A visit to the counters (on a slot), counted; and, beside it, a call at the same time (no
    slot, a consultation's), which the appointment counters must leave out."""
    kind = service or _first_service()
    begins = at(start)
    ends = begins + timedelta(minutes=15)
    # a slot of its own (a microsecond apart: one office's slots start at distinct times)
    slot = Slot.objects.create(
        office=office, start=begins + timedelta(microseconds=next(_SLOTS)), end=ends, capacity=1, bookable=1
    )
    appointment = Appointment.objects.create(
        reference=_code("A", 12), office=office, slot=slot, start=begins, end=ends,
        service=kind, channel=BookingChannel.IN_PERSON, citizen=user, booked_by=user, status=status,
    )  # fmt: skip
    Appointment.objects.create(
        reference=_code("A", 12), office=office, start=begins, end=ends,
        service=kind, channel=BookingChannel.VIDEO, citizen=user, booked_by=user, status=status,
    )  # fmt: skip
    booked = begins - timedelta(seconds=lead)
    Appointment.objects.filter(pk=appointment.pk).update(created_at=booked)
    appointment.created_at = booked
    made.appointments.append(appointment)
    return appointment


def make_survey(made: Made, *, office, day: int, overall: int) -> SurveyResponse:
    response = SurveyResponse.objects.create(
        office=office, period=140412, questionnaire=questionnaire(), source=InvitationSource.VISIT,
        language="fa", answered_on=(BASE + timedelta(days=day)).date(), overall=overall,
    )  # fmt: skip
    made.surveys.append(response)
    return response


def make_payment(made: Made, *, office, status: str, captured: int, amount: int, dispute_fee: bool = False):
    payment = Payment.objects.create(
        office=office, reference_type="disputes.dispute" if dispute_fee else "cases.case",
        reference_id=_code("P"), office_fee=amount, court_fee=0, amount=amount, status=status,
        captured_at=at(captured) if status == PaymentStatus.CAPTURED else None,
    )  # fmt: skip
    made.payments.append(payment)
    return payment


_TICKETS = itertools.count(1)


def make_ticket(
    made: Made, *, office, service: Service | None, day: int, status: str, wait: int
) -> QueueTicket:
    """A queue ticket taken on day ``day`` (its joining at noon), called ``wait`` seconds later
    unless it is still waiting."""
    joined = BASE + timedelta(days=day, hours=12)
    called = joined + timedelta(seconds=wait) if status != TicketStatus.WAITING else None
    ticket = QueueTicket.objects.create(
        office=office, day=joined.date(), number=next(_TICKETS), kind=TicketKind.WALK_IN, status=status,
        service=service, sort_at=joined, joined_at=joined, called_at=called,
    )  # fmt: skip
    made.tickets.append(ticket)
    return ticket


def make_visit_avoided(
    made: Made, *, office, user, service: Service, created: int, saved: int
) -> VisitAvoided:
    visit = VisitAvoided.objects.create(
        citizen=user, service=service, channel=ChannelKind.REMOTE, visits_saved=saved, office=office,
        province_id=office.province_id,
    )  # fmt: skip
    VisitAvoided.objects.filter(pk=visit.pk).update(created_at=at(created))
    visit.created_at = at(created)
    made.visits.append(visit)
    return visit


def _secs(a: datetime, b: datetime) -> int:
    return round((b - a).total_seconds())


def direct_counters(
    made: Made, first: date, last: date, offices: set[int], service: int | None = None
) -> dict[str, Any]:
    """The counters of the rows ``made`` at ``offices`` over [first, last], counted in Python
    (with ``service``: only the rows of that service; rows of other kinds are then left out)."""
    c: dict[str, Any] = {}
    if service is not None:
        made = Made(
            cases=[x for x in made.cases if x.service_id == service],
            appointments=[x for x in made.appointments if x.service_id == service],
            tickets=[x for x in made.tickets if x.service_id == service],
            visits=[x for x in made.visits if x.service_id == service],
        )

    def add(name: str, value: int = 1) -> None:
        c[name] = c.get(name, 0) + value

    def inside(moment: datetime | date | None) -> bool:
        return moment is not None and first <= tehran_date(moment) <= last

    def by_end(moment: datetime | None) -> bool:
        return moment is not None and tehran_date(moment) <= last

    for case in (x for x in made.cases if x.office_id in offices and x.status != CaseStatus.DRAFT):
        if inside(case.created_at):
            add("requests_in")
            add({"in_person": "requests_in_person", "semi_in_person": "requests_semi"}.get(
                case.channel, "requests_remote"))  # fmt: skip
            if case.channel != ChannelKind.IN_PERSON:
                add("channel_saving", (case.fee_snapshot or {}).get("discount", 0))
            add("free_services", int(case.free_service))
        resolved = case.status in TERMINAL
        if resolved and inside(case.status_changed_at):
            add("requests_resolved")
            if case.status == CaseStatus.CLOSED:
                add("requests_closed")
                add("requests_closed_seconds", _secs(case.created_at, case.status_changed_at))
        if by_end(case.created_at) and not (resolved and by_end(case.status_changed_at)):
            add("requests_pending")
    for d in (x for x in made.disputes if x.office_id in offices):
        add("disputes_in", int(inside(d.created_at)))
        if inside(d.concluded_at):
            if d.eligible is False:
                add("disputes_out_of_scope")
            else:
                add("disputes_concluded")
                if d.status in (DisputeStatus.SETTLED, DisputeStatus.AWARDED):
                    add(f"disputes_{d.status}")
                    add("disputes_resolution_seconds", _secs(d.created_at, d.concluded_at or d.created_at))
        if by_end(d.created_at) and not by_end(d.concluded_at):
            add("disputes_pending")
    for p in (x for x in made.payments if x.office_id in offices):
        ok = p.status == PaymentStatus.CAPTURED and p.reference_type != "disputes.dispute"
        if ok and inside(p.captured_at):
            add("services")
            add("fees_collected", p.amount)
    for a in (x for x in made.appointments if x.office_id in offices and inside(x.start)):
        if a.status not in (AppointmentStatus.CANCELLED, AppointmentStatus.RESCHEDULED):
            add("appointments")
            add("appointment_wait_seconds", _secs(a.created_at, a.start))
        add(
            "appointments_attended", int(a.status in (AppointmentStatus.SERVED, AppointmentStatus.CHECKED_IN))
        )
        add("appointments_no_show", int(a.status == AppointmentStatus.NO_SHOW))
    for s in (x for x in made.surveys if x.office_id in offices and inside(x.answered_on)):
        add("survey_responses")
        add("survey_overall_sum", s.overall)
    for t in (x for x in made.tickets if x.office_id in offices and first <= x.day <= last):
        if t.status == TicketStatus.SERVED:
            add("tickets_served")
            if t.called_at is not None:
                add("ticket_wait_seconds", _secs(t.joined_at, t.called_at))
    for v in (x for x in made.visits if x.office_id in offices and inside(x.created_at)):
        add("visits_avoided", v.visits_saved)
    return c


def network_counters(made: Made, first: date, last: date) -> dict[str, int]:
    c = {"survey_responses": 0, "survey_overall_sum": 0}
    for s in made.surveys:
        if first <= s.answered_on <= last:
            c["survey_responses"] += 1
            c["survey_overall_sum"] += s.overall
    return c
