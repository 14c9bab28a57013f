"""Complaints: filing (with files checked by content), assignment and the complaint workflow.

Every status change goes through the engine (``feedback.workflows.COMPLAINT``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.accounts.permissions import can_oversee, works_at_office
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.cases.models import Case
from tanzim.common import ratelimit
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.i18n import bilingual
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.jalali import TEHRAN, format_jalali
from tanzim.common.normalize import normalize_free_text, normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.feedback import signals
from tanzim.feedback.choices import (
    ACTION_TARGET,
    DECIDED,
    OPEN,
    ComplaintCategory,
    ComplaintStatus,
)
from tanzim.feedback.models import Complaint, ComplaintAttachment, ComplaintEvent
from tanzim.feedback.workflows import COMPLAINANT, COMPLAINT, complaint_not_found
from tanzim.notify.services import message_enqueue
from tanzim.offices.models import Office
from tanzim.offices.selectors import working_calendar
from tanzim.scheduling.models import Appointment

DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 4000
DECISION_NOTE_MIN = 10
_DAY = 86400


def _new_reference() -> str:
    while True:
        reference = "C" + "".join(str(secrets.randbelow(10)) for _ in range(9))
        if not Complaint.objects.filter(reference=reference).exists():
            return reference


def _end_of_day(day) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=TEHRAN)


def complaint_due(status: str, *, start: datetime) -> datetime | None:
    """The deadline that runs in each status, on the working calendar (Tehran days)."""
    calendar = working_calendar()
    day = start.astimezone(TEHRAN).date()
    if status == ComplaintStatus.RECEIVED:
        return _end_of_day(calendar.add_working_days(day, settings.FEEDBACK_COMPLAINT_ACK_WORKING_DAYS))
    if status == ComplaintStatus.ACKNOWLEDGED:
        return _end_of_day(calendar.add_working_days(day, settings.FEEDBACK_COMPLAINT_DECISION_WORKING_DAYS))
    return None


def _inspect_attachment(upload) -> Any:
    limit = settings.FEEDBACK_COMPLAINT_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        message = _("The file is larger than %(mb)s MB.") % {"mb": max(1, limit // (1024 * 1024))}
        raise DomainError(message, code="file_too_large", fields={"attachments": [message]})
    try:
        inspected = inspect_upload(upload)
    except DomainError as exc:
        raise DomainError(exc.message, code=exc.code, fields={"attachments": [exc.message]}) from exc
    if inspected.size > limit:
        message = _("The file is larger than %(mb)s MB.") % {"mb": max(1, limit // (1024 * 1024))}
        raise DomainError(message, code="file_too_large", fields={"attachments": [message]})
    return inspected


def _store_attachment(complaint: Complaint, inspected, name: str, actor: User) -> ComplaintAttachment | None:
    if complaint.attachments.filter(sha256=inspected.sha256).exists():
        return None
    attachment = ComplaintAttachment(
        complaint=complaint,
        name=normalize_text(name)[:120] or "file",
        content_type=inspected.content_type,
        size=inspected.size,
        pages=inspected.pages,
        sha256=inspected.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(attachment_name(attachment), ContentFile(inspected.content), save=False)
    attachment.save()
    return attachment


def attachment_name(attachment: ComplaintAttachment) -> str:
    return f"{attachment.sha256}{attachment.extension}"


def _linked_case(case_id: Any, complainant: User) -> Case | None:
    if case_id in (None, ""):
        return None
    case = (
        Case.objects.filter(pk=case_id, applicant=complainant).select_related("office").first()
        if str(case_id).isdigit()
        else None
    )
    if case is None:
        raise DomainError(fields={"case": [_("You have no request with this number.")]}, code="unknown_case")
    return case


def _linked_appointment(appointment_id: Any, complainant: User) -> Appointment | None:
    if appointment_id in (None, ""):
        return None
    appt = (
        Appointment.objects.filter(pk=appointment_id, citizen=complainant).select_related("office").first()
        if str(appointment_id).isdigit()
        else None
    )
    if appt is None:
        raise DomainError(
            fields={"appointment": [_("You have no appointment with this number.")]},
            code="unknown_appointment",
        )
    return appt


@transaction.atomic
def complaint_file(
    *,
    complainant: User,
    office: Office | None,
    category: str,
    description: str,
    about_staff: bool = False,
    staff_description: str = "",
    case_id: Any = None,
    appointment_id: Any = None,
    attachments: list | tuple = (),
    idempotency_key: str | None = None,
) -> Complaint:
    """A citizen complains about an office or one of its staff. Files are checked by content first."""
    if not getattr(complainant, "is_authenticated", False):
        raise PermissionDeniedError()
    payload = {
        "office": getattr(office, "code", None),
        "category": category,
        "description": description,
        "about_staff": bool(about_staff),
        "staff_description": staff_description,
        "case": str(case_id or ""),
        "appointment": str(appointment_id or ""),
        "attachments": [getattr(f, "name", "") for f in attachments],
    }
    if idempotency_key:
        existing = Complaint.objects.filter(complainant=complainant, idempotency_key=idempotency_key).first()
        if existing is not None:
            check_replay(stored_fingerprint=existing.request_fingerprint, payload=payload)
            return existing
    errors: dict[str, list] = {}
    if category not in ComplaintCategory.values:
        errors["category"] = [_("Choose a category.")]
    text = normalize_free_text(description or "")
    if len(text) < DESCRIPTION_MIN:
        errors["description"] = [
            _("Describe what happened in at least %(min)s characters.") % {"min": DESCRIPTION_MIN}
        ]
    elif len(text) > DESCRIPTION_MAX:
        errors["description"] = [_("At most %(max)s characters.") % {"max": DESCRIPTION_MAX}]
    staff_text = normalize_free_text(staff_description or "")[:200]
    if about_staff and not staff_text:
        errors["staff_description"] = [_("Say who the staff member is (name, desk or counter).")]
    if len(attachments) > settings.FEEDBACK_COMPLAINT_MAX_ATTACHMENTS:
        errors["attachments"] = [
            _("At most %(max)s files.") % {"max": settings.FEEDBACK_COMPLAINT_MAX_ATTACHMENTS}
        ]
    case = appointment = None
    try:
        case = _linked_case(case_id, complainant)
    except DomainError as exc:
        errors.update(exc.fields)
    try:
        appointment = _linked_appointment(appointment_id, complainant)
    except DomainError as exc:
        errors.update(exc.fields)
    linked_office = (case.office if case else None) or (appointment.office if appointment else None)
    office = office or linked_office
    if office is None:
        errors["office"] = [_("Choose the office.")]
    elif case and appointment and case.office_id != appointment.office_id:
        errors["appointment"] = [_("The request and the appointment were at different offices.")]
    elif linked_office is not None and linked_office.pk != office.pk:
        errors["office"] = [_("The request or appointment you chose was at another office.")]
    if errors or office is None:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    if works_at_office(complainant, office):
        raise PermissionDeniedError(
            _("Staff raise concerns about their own office with the Kanoon directly."),
            code="own_office_complaint",
        )
    inspected = [(_inspect_attachment(f), getattr(f, "name", "")) for f in attachments]
    ratelimit.check(
        "complaint",
        str(complainant.pk),
        limit=settings.FEEDBACK_COMPLAINTS_PER_CITIZEN_PER_DAY,
        window=_DAY,
        message=_("You have sent many complaints today. Try again tomorrow."),
    )
    now = timezone.now()
    due = complaint_due(ComplaintStatus.RECEIVED, start=now)
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                reference=_new_reference(),
                office=office,
                complainant=complainant,
                category=category,
                description=text,
                about_staff=bool(about_staff),
                staff_description=staff_text if about_staff else "",
                case=case,
                appointment=appointment,
                status=ComplaintStatus.RECEIVED,
                status_changed_at=now,
                due_at=due,
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint(payload) if idempotency_key else "",
                created_at=now,
            )
    except IntegrityError:
        existing = Complaint.objects.filter(complainant=complainant, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        check_replay(stored_fingerprint=existing.request_fingerprint, payload=payload)
        return existing
    for item, name in inspected:
        _store_attachment(complaint, item, name, complainant)
    ComplaintEvent.objects.create(
        complaint=complaint,
        created_at=now,
        from_status="",
        to_status=ComplaintStatus.RECEIVED,
        actor=complainant,
        due_at=due,
    )
    audit.record(
        actor=complainant,
        action="feedback.complaint.received",
        obj=complaint,
        office=office,
        data={"category": category, "attachments": len(inspected)},
    )
    ratelimit.hit("complaint", str(complainant.pk), window=_DAY)
    _notify_complainant(complaint, "feedback.complaint_received")
    transaction.on_commit(
        lambda: signals.complaint_filed.send(
            sender=Complaint,
            complaint_id=complaint.pk,
            office_id=complaint.office_id,
            category=complaint.category,
        )
    )
    return complaint


def _notify_complainant(complaint: Complaint, template: str) -> None:
    person = complaint.complainant
    if not person.mobile:
        return
    english = (person.preferred_language or "fa").startswith("en")
    message_enqueue(
        template=template,
        to=person.mobile,
        recipient=person,
        context={
            "reference": complaint.reference,
            "office": bilingual(complaint.office, language="en" if english else "fa"),
            "due": format_jalali(complaint.due_at, persian_digits=not english) if complaint.due_at else "",
            "outcome": str(ComplaintStatus(complaint.status).label),
            "url": settings.SITE_URL.rstrip("/")
            + reverse("feedback:complaint", kwargs={"reference": complaint.reference}),
        },
        dedupe_key=f"complaint:{complaint.pk}:{template}",
    )


@transaction.atomic
def complaint_attach(*, complaint: Complaint, actor: User, upload) -> ComplaintAttachment:
    """The complainant adds a file while the complaint is open."""
    current = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if current.complainant_id != getattr(actor, "pk", None):
        raise complaint_not_found()
    if current.status not in OPEN:
        raise ConflictError(
            _("Files can only be added while the complaint is open."), code="complaint_closed"
        )
    if current.attachments.count() >= settings.FEEDBACK_COMPLAINT_MAX_ATTACHMENTS:
        raise DomainError(
            _("At most %(max)s files.") % {"max": settings.FEEDBACK_COMPLAINT_MAX_ATTACHMENTS},
            code="too_many_files",
            fields={"attachments": [_("Too many files.")]},
        )
    inspected = _inspect_attachment(upload)
    attachment = _store_attachment(current, inspected, getattr(upload, "name", ""), actor)
    if attachment is None:
        raise ConflictError(_("This file is already attached."), code="duplicate_file")
    audit.record(
        actor=actor,
        action="feedback.complaint.file_added",
        obj=current,
        office=current.office_id,
        data={"attachment": attachment.pk},
    )
    return attachment


@transaction.atomic
def complaint_assign(*, complaint: Complaint, actor: User, handler: User) -> Complaint:
    """Give an open complaint to an inspector or province admin who covers the office."""
    current = Complaint.objects.select_for_update().select_related("office").get(pk=complaint.pk)
    if not can_oversee(actor, current.office):
        raise complaint_not_found()
    if current.status not in OPEN:
        raise ConflictError(_("This complaint is closed."), code="complaint_closed")
    if not can_oversee(handler, current.office):
        raise DomainError(
            fields={"handler": [_("This person does not handle complaints about this office.")]},
            code="not_a_handler",
        )
    current.handler = handler
    current.save(update_fields=["handler", "updated_at"])
    audit.record(
        actor=actor,
        action="feedback.complaint.assigned",
        obj=current,
        office=current.office_id,
        data={"handler": handler.pk},
    )
    return current


def complaint_transition(
    *,
    complaint: Complaint,
    actor: User,
    action: str,
    note: str = "",
    expected_status: str | None = None,
) -> Complaint:
    """Move a complaint along the workflow (through the engine). Stale moves are a 409."""
    if action not in ACTION_TARGET:
        raise DomainError(fields={"action": [_("Unknown action.")]}, code="unknown_action")
    to = ComplaintStatus(ACTION_TARGET[action])
    text = normalize_free_text(note or "")[:4000]
    if to in DECIDED and len(text) < DECISION_NOTE_MIN:
        raise DomainError(
            fields={"note": [_("Give the reasons for the decision; the citizen will read them.")]},
            code="reasons_required",
        )
    with transaction.atomic():
        current = Complaint.objects.get(pk=complaint.pk)
        now = timezone.now()
        # The decision deadline keeps running from acknowledgement through the investigation.
        due = current.due_at if to == ComplaintStatus.INVESTIGATING else complaint_due(to, start=now)
        changes: dict[str, Any] = {"due_at": due}
        if to in DECIDED:
            changes["decision_note"] = text
        if to != ComplaintStatus.WITHDRAWN and current.handler_id is None:
            changes["handler"] = actor
        transition(
            COMPLAINT,
            current,
            to,
            actor=actor,
            expected_status=expected_status,
            changes=changes,
            event_data={"note": text, "due_at": due},
            now=now,
        )
        current = Complaint.objects.select_related("office", "complainant").get(pk=current.pk)
        if to == ComplaintStatus.ACKNOWLEDGED:
            _notify_complainant(current, "feedback.complaint_acknowledged")
        elif to in DECIDED:
            _notify_complainant(current, "feedback.complaint_decided")
            transaction.on_commit(
                lambda: signals.complaint_decided.send(
                    sender=Complaint,
                    complaint_id=current.pk,
                    office_id=current.office_id,
                    category=current.category,
                    outcome=to.value,
                )
            )
    return current


def complaint_available_actions(*, complaint: Complaint, user: Any) -> list[str]:
    """The actions this person may take now, for buttons."""
    is_complainant = getattr(user, "pk", None) == complaint.complainant_id
    handles = can_oversee(user, complaint.office)
    actions = []
    for action, target in ACTION_TARGET.items():
        if not COMPLAINT.can_move(complaint.status, target):
            continue
        theirs = is_complainant if COMPLAINANT in COMPLAINT.kinds(complaint.status, target) else handles
        if theirs:
            actions.append(action)
    return actions
