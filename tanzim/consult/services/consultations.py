"""Consultations: consultants and their availability, booking (a time for video or phone, or a
written question with an answer deadline), payment at the remote price, the answer and the
outcome, and the sweep that refunds written questions not answered in time."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit.services import record
from tanzim.audit.workflow import transition
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.fees import fee_quote
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.normalize import normalize_free_text
from tanzim.consult.choices import (
    HOLDS_TIME,
    TIMED_MODES,
    ConsultantBasis,
    ConsultationMode,
    ConsultationStatus,
    Outcome,
    ReviewVerdict,
)
from tanzim.consult.models import Availability, Consultant, Consultation
from tanzim.consult.workflows import CONSULTATION, may_advise
from tanzim.scheduling.services import remote_appointment_book, remote_appointment_held

SLOT_MINUTES = 30
WRITTEN_ANSWER_HOURS = 48  # a written question is answered within two days or refunded
MAX_QUESTION = 4000
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _reference() -> str:
    return "C" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(9))


@transaction.atomic
def consultant_register(
    *, actor: Any, user: Any, office: Any, basis: str, licence_number: str = ""
) -> Consultant:
    """The Kanoon records who may advise and under what (an office's licence, or its approval)."""
    if not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon records consultants."), code="not_kanoon")
    if basis not in ConsultantBasis.values:
        raise DomainError(fields={"basis": [_("Choose under what the consultant advises.")]})
    if basis == ConsultantBasis.KANOON_APPROVED and not licence_number.strip():
        raise DomainError(fields={"licence_number": [_("Give the approval or licence number.")]})
    consultant, _created = Consultant.objects.update_or_create(
        user=user,
        defaults={
            "office": office,
            "basis": basis,
            "licence_number": licence_number.strip()[:40],
            "approved_by": actor,
            "active": True,
        },
    )
    record(
        actor=actor,
        action="consult.consultant.recorded",
        obj=consultant,
        office=office,
        data={"basis": basis},
    )
    return consultant


@transaction.atomic
def availability_set(
    *, consultant: Consultant, actor: Any, windows: list[tuple[int, time, time]]
) -> list[Availability]:
    """Replace a consultant's weekly windows (their own, or the Kanoon's edit)."""
    if actor.pk != consultant.user_id and not is_kanoon(actor):
        raise NotFoundError(_("Consultant not found."))
    errors = []
    for weekday, start, end in windows:
        if not 0 <= weekday <= 6 or end <= start:
            errors.append(_("Each window needs a weekday and an end after its start."))
    if errors:
        raise DomainError(fields={"windows": errors[:1]})
    consultant.availability.all().delete()
    made = [
        Availability.objects.create(consultant=consultant, weekday=w, start_time=s, end_time=e)
        for w, s, e in windows
    ]
    record(
        actor=actor,
        action="consult.availability.set",
        obj=consultant,
        office=consultant.office_id,
        data={"windows": len(made)},
    )
    return made


def open_times(
    *, consultant: Consultant, days: int = 7, now: datetime | None = None, minutes: int = SLOT_MINUTES
) -> list[datetime]:
    """The free starts of the next ``days`` days for a call of ``minutes``, on the consultant's
    windows (Tehran time): a start is free when no held booking overlaps the call."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    held = list(
        Consultation.objects.filter(
            consultant=consultant,
            status__in=[ConsultationStatus.AWAITING_PAYMENT, ConsultationStatus.BOOKED],
            ends_at__gt=now,
        ).values_list("starts_at", "ends_at")
    )
    length = timedelta(minutes=minutes)
    windows = list(consultant.availability.all())
    found = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        for window in windows:
            if window.weekday != day.weekday():
                continue
            start = datetime.combine(day, window.start_time, tzinfo=tz)
            end = datetime.combine(day, window.end_time, tzinfo=tz)
            while start + length <= end:
                free = not any(s < start + length and e > start for s, e in held if s and e)
                if start > now and free:
                    found.append(start)
                start += timedelta(minutes=SLOT_MINUTES)
    return sorted(found)


def _fits_availability(consultant: Consultant, starts_at: datetime, minutes: int = SLOT_MINUTES) -> bool:
    local = timezone.localtime(starts_at)
    ends = (local + timedelta(minutes=minutes)).time()
    for window in consultant.availability.filter(weekday=local.weekday()):
        if window.start_time <= local.time() and ends <= window.end_time and ends > local.time():
            minutes = (local.hour * 60 + local.minute) - (
                window.start_time.hour * 60 + window.start_time.minute
            )
            if minutes % SLOT_MINUTES == 0 and local.second == 0:
                return True
    return False


#: How long a video or phone consultation may be booked for, and its tariff line.
DURATIONS = {30: "consultation", 60: "consultation_60"}
#: Advice on a drafted document is priced by the document: the interview's tariff line.
DRAFT_SERVICES = {
    "formal-notice": "drafting_advice_notice",
    "mahrieh-petition": "drafting_advice_petition",
    "nafaqeh-petition": "drafting_advice_petition",
    "cheque-complaint": "drafting_advice_complaint",
    "brief": "drafting_advice_brief",
}


def service_code_for(*, mode: str, minutes: int = SLOT_MINUTES, draft: Any = None) -> str:
    """The tariff line a booking is priced by: the document reviewed, else the call's length."""
    if draft is not None:
        code = DRAFT_SERVICES.get(draft.version.interview.slug, "drafting_advice")
        if Service.objects.filter(code=code, active=True).exists():
            return code
        return "drafting_advice"
    if mode in TIMED_MODES:
        if minutes not in DURATIONS:
            raise DomainError(fields={"minutes": [_("Choose 30 or 60 minutes.")]}, code="bad_duration")
        return DURATIONS[minutes]
    return "consultation"


def price_for(*, service_code: str) -> tuple[Service, Any]:
    service = Service.objects.filter(code=service_code, active=True).first()
    if service is None:
        raise NotFoundError(_("This service is not in the catalogue."), code="no_service")
    return service, fee_quote(service=service, channel=ChannelKind.REMOTE)


@transaction.atomic
def consultation_book(
    *,
    citizen: Any,
    consultant: Consultant,
    mode: str,
    question: str,
    starts_at: datetime | None = None,
    facts: list[Any] | None = None,
    draft: Any = None,
    idempotency_key: str | None = None,
    minutes: int = SLOT_MINUTES,
) -> Consultation:
    """Book a time (video, phone) or ask in writing; the payment follows at the remote price.
    A start someone else holds is refused by the database (409), never double-booked."""
    body = {"consultant": consultant.pk, "mode": mode, "question": question, "starts_at": starts_at}
    if minutes != SLOT_MINUTES:
        body["minutes"] = minutes
    if idempotency_key:
        existing = Consultation.objects.filter(citizen=citizen, idempotency_key=idempotency_key).first()
        if existing is not None:
            check_replay(stored_fingerprint=existing.request_fingerprint, payload=body)
            return existing
    if mode not in ConsultationMode.values:
        raise DomainError(fields={"mode": [_("Choose how you want to be advised.")]})
    question = normalize_free_text(question)
    if not question:
        raise DomainError(fields={"question": [_("Write your question.")]})
    if len(question) > MAX_QUESTION:
        raise DomainError(fields={"question": [_("At most %(n)s characters.") % {"n": MAX_QUESTION}]})
    if not may_advise(consultant):
        raise DomainError(_("This consultant is not taking consultations."), code="consultant_unavailable")
    if draft is not None and (draft.user_id != citizen.pk or draft.finished_at is None):
        raise DomainError(
            fields={"draft": [_("Only a document you finished drafting can be sent for review.")]},
            code="draft_not_ready",
        )
    now = timezone.now()
    if draft is not None or mode not in TIMED_MODES:
        minutes = SLOT_MINUTES
    service_code = service_code_for(mode=mode, minutes=minutes, draft=draft)
    _service, quote = price_for(service_code=service_code)
    values: dict[str, Any] = {}
    if mode in TIMED_MODES:
        if starts_at is None:
            raise DomainError(fields={"starts_at": [_("Choose a time.")]})
        if starts_at <= now:
            raise DomainError(fields={"starts_at": [_("This time has passed.")]}, code="time_passed")
        if not _fits_availability(consultant, starts_at, minutes):
            raise DomainError(
                fields={"starts_at": [_("The consultant does not take consultations at this time.")]},
                code="outside_availability",
            )
        values = {"starts_at": starts_at, "ends_at": starts_at + timedelta(minutes=minutes)}
    else:
        values = {"answer_due_at": now + timedelta(hours=WRITTEN_ANSWER_HOURS)}
    if mode in TIMED_MODES:
        # The consultant's row is the lock: two bookings that overlap without sharing a start
        # (a one-hour call over a half-hour one) are decided one after the other.
        Consultant.objects.select_for_update().filter(pk=consultant.pk).first()
        overlapping = Consultation.objects.filter(
            consultant=consultant,
            status__in=HOLDS_TIME,
            starts_at__lt=values["ends_at"],
            ends_at__gt=values["starts_at"],
        )
        if overlapping.exists():
            raise ConflictError(
                _("This time was just taken. Choose another."),
                code="time_taken",
                fields={"starts_at": [_("This time was just taken. Choose another.")]},
            )
    try:
        with transaction.atomic():
            consultation = Consultation.objects.create(
                reference=_reference(),
                citizen=citizen,
                consultant=consultant,
                office=consultant.office,
                service_code=service_code,
                mode=mode,
                question=question,
                facts=facts or [],
                draft=draft,
                price=quote.client_total,
                status=ConsultationStatus.AWAITING_PAYMENT,
                status_changed_at=now,
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint(body) if idempotency_key else "",
                **values,
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("This time was just taken. Choose another."),
            code="time_taken",
            fields={"starts_at": [_("This time was just taken. Choose another.")]},
        ) from exc
    if mode in TIMED_MODES:
        # The call is an appointment too (no counter slot): the citizen's and the office's lists,
        # the reminders, the calendar file, the cancellation cut-off and the no-show sweep.
        appointment = remote_appointment_book(
            citizen=citizen,
            office=consultant.office,
            service=_service,
            start=values["starts_at"],
            end=values["ends_at"],
            channel=mode,
            case_ref=f"consult.consultation:{consultation.reference}",
            now=now,
        )
        Consultation.objects.filter(pk=consultation.pk).update(appointment=appointment)
        consultation.appointment = appointment
    record(
        actor=citizen,
        action="consult.consultation.booked",
        obj=consultation,
        office=consultation.office_id,
        data={"mode": mode, "price": consultation.price},
    )
    return consultation


def consultation_payment_open(*, consultation: Consultation, actor: Any) -> Any:
    """The payment for a booking, at the price quoted when it was made (the remote channel's)."""
    from tanzim.finance.services import payment_create

    if actor.pk != consultation.citizen_id:
        raise NotFoundError(_("Consultation not found."))
    if consultation.status != ConsultationStatus.AWAITING_PAYMENT:
        raise ConflictError(_("This consultation is not waiting for a payment."), code="not_awaiting_payment")
    _service, quote = price_for(service_code=consultation.service_code)
    from django.urls import reverse

    payment = payment_create(
        office=consultation.office,
        payer=consultation.citizen,
        quote=quote,
        reference_type="consult.consultation",
        reference_id=str(consultation.pk),
        actor=actor,
        return_url=reverse("consult:consultation", args=[consultation.reference]),
    )
    Consultation.objects.filter(pk=consultation.pk).update(payment=payment)
    return payment


def consultation_mark_paid(*, consultation_id: int, payment_id: int) -> Consultation | None:
    """The payment's signal: the booking is confirmed. Safe to run twice."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None or consultation.status != ConsultationStatus.AWAITING_PAYMENT:
        return consultation
    return transition(
        CONSULTATION,
        consultation,
        ConsultationStatus.BOOKED,
        expected_status=ConsultationStatus.AWAITING_PAYMENT,
        changes={"payment_id": payment_id},
    )


def consultation_answer(
    *,
    consultation: Consultation,
    actor: Any,
    advice: str,
    expected_status: str | None = None,
    verdict: str = "",
) -> Consultation:
    """The consultant writes the advice (kept with the consultation); who advised and under what
    licence is recorded with it. On a draft sent for review the advice is the comments and a
    verdict (approved, or changes needed) is required."""
    advice = normalize_free_text(advice)
    if not advice:
        raise DomainError(fields={"advice": [_("Write the advice.")]})
    if consultation.draft_id is not None and verdict not in ReviewVerdict.values:
        raise DomainError(fields={"verdict": [_("Say whether the draft is approved or needs changes.")]})
    if consultation.draft_id is None:
        verdict = ""
    consultant = consultation.consultant
    under = (
        f"{ConsultantBasis(consultant.basis).label} {consultant.licence_number}".strip()
        if consultant.basis == ConsultantBasis.KANOON_APPROVED
        else f"{ConsultantBasis(consultant.basis).label}: {consultant.office.code}"
    )
    if (
        consultation.mode == ConsultationMode.WRITTEN
        and consultation.answer_due_at
        and consultation.answer_due_at < timezone.now()
    ):
        raise ConflictError(
            _("The answer deadline has passed: this question is being refunded."), code="consultation_expired"
        )
    with transaction.atomic():
        answered = transition(
            CONSULTATION,
            consultation,
            ConsultationStatus.ANSWERED,
            actor=actor,
            expected_status=expected_status,
            changes={"advice": advice, "advised_under": str(under)[:120], "review_verdict": verdict},
        )
        if answered.appointment_id is not None:
            remote_appointment_held(appointment_id=answered.appointment_id)  # the call took place
    return answered


def consultation_close(
    *, consultation: Consultation, actor: Any, outcome: str, expected_status: str | None = None
) -> Consultation:
    if outcome not in Outcome.values:
        raise DomainError(fields={"outcome": [_("Choose an outcome.")]})
    return transition(
        CONSULTATION,
        consultation,
        ConsultationStatus.CLOSED,
        actor=actor,
        expected_status=expected_status,
        changes={"outcome": outcome},
        audit_data={"outcome": outcome},
    )


def _refund_fee(consultation: Consultation, reason: str) -> None:
    """Give back what is left of a paid consultation's fee, through finance refunds (the system acts)."""
    from tanzim.finance.choices import PaymentPart
    from tanzim.finance.services.refunds import refund_create

    payment = consultation.payment
    if payment is not None and payment.refundable[PaymentPart.OFFICE_FEE] > 0:
        refund_create(
            payment=payment,
            amount=payment.refundable[PaymentPart.OFFICE_FEE],
            part=PaymentPart.OFFICE_FEE,
            reason=reason,
            actor=None,
        )


def consultation_refund_overdue(*, now: datetime | None = None, limit: int = 500) -> int:
    """Refund each paid written question whose answer deadline passed, through finance refunds;
    each in its own transaction, claimed by the transition (a second worker gets a 409 and skips)."""
    now = now or timezone.now()
    due = list(
        Consultation.objects.filter(
            status=ConsultationStatus.BOOKED, mode=ConsultationMode.WRITTEN, answer_due_at__lt=now
        ).values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in due:
        try:
            with transaction.atomic():
                consultation = transition(
                    CONSULTATION, pk, ConsultationStatus.REFUNDED, expected_status=ConsultationStatus.BOOKED
                )
                _refund_fee(consultation, f"consultation {consultation.reference} not answered in time")
            done += 1
        except ConflictError:
            continue
    return done


def consultation_cancel_for_appointment(*, appointment_id: int) -> Consultation | None:
    """The call's appointment was cancelled in scheduling (by the citizen within the cut-off, or
    by the office with a reason): the consultation is cancelled and a captured payment refunded
    in full. Safe to run twice; an answered consultation is left as it is."""
    consultation = Consultation.objects.filter(appointment_id=appointment_id).first()
    if consultation is None or consultation.status not in (
        ConsultationStatus.AWAITING_PAYMENT,
        ConsultationStatus.BOOKED,
    ):
        return consultation
    try:
        with transaction.atomic():
            consultation = transition(
                CONSULTATION, consultation, ConsultationStatus.CANCELLED, expected_status=consultation.status
            )
            _refund_fee(consultation, f"consultation {consultation.reference}: its call was cancelled")
    except ConflictError:
        return Consultation.objects.filter(pk=consultation.pk).first()  # moved meanwhile
    return consultation
