"""Flexible requests: "any office near me, any day in these dates", placed by the nightly batch."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.common.jalali import tehran_date
from tanzim.notify.services import message_enqueue
from tanzim.scheduling.choices import AppointmentStatus, FlexibleRequestStatus
from tanzim.scheduling.formatting import when_text
from tanzim.scheduling.models import Appointment, FlexibleRequest
from tanzim.scheduling.services.appointments import (
    _check_expected,
    _lock_user,
    appointment_book,
    appointment_cancel,
)
from tanzim.scheduling.workflows import FLEXIBLE_REQUEST


@transaction.atomic
def flexible_request_create(
    *,
    citizen: User,
    service: Service,
    latitude: float,
    longitude: float,
    earliest: date,
    latest: date,
    now: datetime | None = None,
) -> FlexibleRequest:
    """Ask to be placed at any nearby office on any day in a range; the nightly rebalancer assigns."""
    now = now or timezone.now()
    today = tehran_date(now)
    errors = {}
    if not (24 <= latitude <= 40 and 44 <= longitude <= 64):
        errors["location"] = [_("The location must be inside Iran.")]
    if earliest < today:
        errors["earliest"] = [_("The date cannot be in the past.")]
    if latest < earliest:
        errors["latest"] = [_("The last date must not be before the first.")]
    elif latest > today + timedelta(days=settings.SCHEDULING_HORIZON_DAYS):
        errors["latest"] = [_("This date is too far ahead.")]
    if not service.in_person and not service.semi_in_person:
        errors["service"] = [_("This service is done remotely: no visit is needed.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    _lock_user(citizen)
    if FlexibleRequest.objects.filter(
        citizen=citizen, service=service, status=FlexibleRequestStatus.PENDING
    ).exists():
        raise ConflictError(
            _("You already asked for this service; wait for the assignment."), code="request_pending"
        )
    request = FlexibleRequest.objects.create(
        citizen=citizen,
        service=service,
        latitude=latitude,
        longitude=longitude,
        earliest=earliest,
        latest=latest,
    )
    audit.record(
        actor=citizen,
        action="scheduling.flexible_request.created",
        obj=request,
        data={"service": service.code},
    )
    return request


@transaction.atomic
def flexible_request_withdraw(
    *, request: FlexibleRequest, actor: User, expected_status: str | None = None
) -> FlexibleRequest:
    if request.citizen_id != actor.pk:
        raise NotFoundError(code="request_not_found")
    current = FlexibleRequest.objects.select_for_update().get(pk=request.pk)
    _check_expected(current, expected_status)
    if current.status != FlexibleRequestStatus.PENDING:
        raise ConflictError(_("This request was already handled."), code="request_not_pending")
    withdrawn = transition(
        FLEXIBLE_REQUEST,
        current,
        FlexibleRequestStatus.WITHDRAWN,
        actor=actor,
        expected_status=FlexibleRequestStatus.PENDING,
    )
    return FlexibleRequest.objects.select_related("service").get(pk=withdrawn.pk)


def flexible_request_assign(
    *,
    request: FlexibleRequest,
    actor: User | None,
    slot_candidates: list[int],
    now: datetime | None = None,
    farther: bool = False,
) -> Appointment | None:
    """Book the first free time among the rebalancer's candidate slots for one request.

    Runs as the system on the citizen's behalf (audit: actor = the Kanoon operator who ran
    the batch). A request whose candidates all filled meanwhile is left pending for the next run.
    ``farther``: the office is outside the request's usual neighbourhood because the nearer ones
    are full; the request records it and the citizen gets an SMS saying why, with the choice to
    wait for a nearer time.
    """
    for slot_id in slot_candidates:
        try:
            with transaction.atomic():
                if not FlexibleRequest.objects.filter(
                    pk=request.pk, status=FlexibleRequestStatus.PENDING
                ).exists():
                    return None
                result = _book_for_batch(request=request, actor=actor, slot_id=slot_id, now=now)
                transition(
                    FLEXIBLE_REQUEST,
                    request,
                    FlexibleRequestStatus.ASSIGNED,
                    actor=actor,
                    expected_status=FlexibleRequestStatus.PENDING,
                    on_behalf_of=request.citizen,
                    changes={"appointment_id": result.pk, "placed_farther": farther},
                    audit_data={"appointment": result.pk, "placed_farther": farther},
                )
                if farther:
                    _sms_farther(result)
                return result
        except DomainError:
            continue
    return None


def _book_for_batch(
    *, request: FlexibleRequest, actor: User | None, slot_id: int, now: datetime | None
) -> Appointment:
    # The batch books as the citizen's own request: the operator is recorded by the assignment.
    result = appointment_book(
        actor=request.citizen,
        citizen=request.citizen,
        slot_id=slot_id,
        service=request.service,
        idempotency_key=f"flex-{request.pk}",
        now=now,
    )
    return result.appointment


def _sms_farther(appointment: Appointment) -> None:
    citizen = appointment.citizen
    if not citizen.mobile:
        return
    language = citizen.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "office": appointment.office.name,
            "service": appointment.service.name,
            "when": when_text(appointment.start, language),
            "url": settings.SITE_URL.rstrip("/") + reverse("scheduling:mine"),
        }
    message_enqueue(
        template="scheduling.flexible_farther",
        to=citizen.mobile,
        recipient=citizen,
        language=language,
        context=context,
        dedupe_key=f"scheduling:appointment:{appointment.pk}:farther",
    )


@transaction.atomic
def flexible_request_wait_nearer(
    *, request: FlexibleRequest, actor: User, now: datetime | None = None
) -> FlexibleRequest:
    """The citizen declines a farther office: the appointment is cancelled and the request asked
    again, kept to the nearby offices (the next nightly run places it there when a place frees up,
    or tells the citizen none did by the last date)."""
    now = now or timezone.now()
    if request.citizen_id != actor.pk:
        raise NotFoundError(code="request_not_found")
    # Lock the request row only: PostgreSQL cannot lock the nullable side of the outer join.
    current = (
        FlexibleRequest.objects.select_for_update(of=("self",))
        .select_related("appointment")
        .get(pk=request.pk)
    )
    if (
        current.status != FlexibleRequestStatus.ASSIGNED
        or not current.placed_farther
        or current.appointment is None
        or current.appointment.status != AppointmentStatus.BOOKED
    ):
        raise ConflictError(_("This appointment was not placed farther away."), code="not_placed_farther")
    today = tehran_date(now)
    if current.latest <= today:
        raise ConflictError(
            _("Your dates end today: there is no later night to look for a nearer time."), code="too_late"
        )
    appointment_cancel(
        appointment=current.appointment,
        actor=actor,
        reason=str(_("Waiting for a nearer office")),
        now=now,
    )
    again = FlexibleRequest.objects.create(
        citizen=current.citizen,
        service=current.service,
        latitude=current.latitude,
        longitude=current.longitude,
        earliest=max(current.earliest, today + timedelta(days=1)),
        latest=current.latest,
        nearby_only=True,
    )
    audit.record(
        actor=actor,
        action="scheduling.flexible_request.wait_nearer",
        obj=again,
        data={"declined": current.pk, "appointment": current.appointment_id},
    )
    return again
