"""Flexible requests: "any office near me, any day in these dates", placed by the nightly batch."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.common.jalali import tehran_date
from tanzim.scheduling.choices import FlexibleRequestStatus
from tanzim.scheduling.models import Appointment, FlexibleRequest
from tanzim.scheduling.services.appointments import _check_expected, _lock_user, appointment_book
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
    *, request: FlexibleRequest, actor: User, slot_candidates: list[int], now: datetime | None = None
) -> Appointment | None:
    """Book the first free time among the rebalancer's candidate slots for one request.

    Runs as the system on the citizen's behalf (audit: actor = the Kanoon operator who ran
    the batch). A request whose candidates all filled meanwhile is left pending for the next run.
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
                    changes={"appointment_id": result.pk},
                    audit_data={"appointment": result.pk},
                )
                return result
        except DomainError:
            continue
    return None


def _book_for_batch(
    *, request: FlexibleRequest, actor: User, slot_id: int, now: datetime | None
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
