"""Writes for surveys and complaints.

Survey invitations are made by the system only: the one entry point takes an event (an
appointment served, a case filed or closed, a dispute concluded), re-reads it from the
database and derives the office and the person from it, so no caller can choose an office
or a recipient. Nothing in the API or the pages calls it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import OFFICE_ROLES, Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.accounts.selectors import scope_for
from tanzim.audit import services as audit
from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case, CaseEvent
from tanzim.common import ratelimit
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.identifiers import parse_phone
from tanzim.common.jalali import TEHRAN, format_jalali, tehran_date
from tanzim.common.normalize import normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.feedback import signals
from tanzim.feedback.choices import (
    ACTION_TARGET,
    ALLOWED,
    DECIDED,
    OPEN,
    SCALE,
    ComplaintCategory,
    ComplaintStatus,
    InvitationSource,
    SurveyDimension,
)
from tanzim.feedback.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    InvitationGuard,
    Questionnaire,
    SurveyInvitation,
    SurveyResponse,
    SurveyTally,
)
from tanzim.feedback.periods import period_of
from tanzim.notify.services import message_enqueue
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office
from tanzim.offices.selectors import working_calendar
from tanzim.scheduling.choices import AppointmentStatus, TicketStatus
from tanzim.scheduling.models import Appointment, QueueTicket

logger = logging.getLogger(__name__)

TOKEN_BYTES = 24  # 192 bits: 32 URL-safe characters
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")
COMMENT_MAX = 1000
DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 4000
DECISION_NOTE_MIN = 10
HANDLER_ROLES = (Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.KANOON_ADMIN)
_HOUR, _DAY = 3600, 86400


# --- keyed hashes ---------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    """Tokens carry 192 random bits, so a plain hash is enough and survives a key rotation."""
    return hashlib.sha256(token.encode()).hexdigest()


def _keyed(text: str) -> str:
    """Phone numbers are a small space: hash them with a key so the table cannot be reversed."""
    return hmac.new(settings.SECRET_KEY.encode(), f"feedback:{text}".encode(), hashlib.sha256).hexdigest()


def phone_key(phone: str) -> str:
    return _keyed(f"phone:{phone}")


def _user_key(user_id: int) -> str:
    return _keyed(f"user:{user_id}")


# --- staff of an office ---------------------------------------------------------------------------


def office_staff(office: Office | int, *, now: datetime | None = None) -> tuple[set[int], set[str]]:
    """Ids and phone keys of everyone who currently holds a role at this office."""
    now = now or timezone.now()
    office_id = getattr(office, "pk", office)
    rows = (
        RoleAssignment.objects.filter(office_id=office_id, role__in=sorted(OFFICE_ROLES), valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .values_list("user_id", "user__mobile")
    )
    ids, phones = set(), set()
    for user_id, mobile in rows:
        ids.add(user_id)
        if mobile:
            phones.add(phone_key(mobile))
    return ids, phones


def is_office_staff(user: Any, office: Office) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return scope_for(user).can_act_for_office(office, *OFFICE_ROLES)


# --- invitations (system only) --------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    office: Office
    when: datetime
    recipients: tuple[tuple[User | None, str], ...]


def _with_phone(user: User | None) -> tuple[tuple[User | None, str], ...]:
    return ((user, user.mobile),) if user is not None and user.mobile else ()


def _dispute_event(dispute_id: int) -> _Event | None:
    """Both sides of a concluded dispute are invited. Read only fields the disputes app is
    known to have (office, parties with an account or a mobile, concluded_at), guarded."""
    try:
        model = apps.get_model("disputes", "Dispute")
    except LookupError:
        return None
    dispute = model._default_manager.filter(pk=dispute_id).first()
    office = getattr(dispute, "office", None) if dispute is not None else None
    if not isinstance(office, Office) or getattr(dispute, "concluded_at", True) is None:
        return None
    people: list[tuple[User | None, str]] = []
    parties = getattr(dispute, "parties", None)
    for party in parties.all() if parties is not None and hasattr(parties, "all") else ():
        user = getattr(party, "user", None)
        user = user if isinstance(user, User) else None
        phone = (user.mobile if user is not None else "") or getattr(party, "mobile", "") or ""
        people.append((user, phone))
    seen, recipients = set(), []
    for user, phone in people:
        if phone and phone not in seen:
            seen.add(phone)
            recipients.append((user, phone))
    when = getattr(dispute, "concluded_at", None)
    return _Event(office, when if isinstance(when, datetime) else timezone.now(), tuple(recipients))


def _resolve_event(source: str, source_id: int) -> _Event | None:
    """The office, time and people of an event, read from its own table; None when it does not qualify."""
    if source == InvitationSource.VISIT:
        appt = (
            Appointment.objects.select_related("office", "citizen")
            .filter(pk=source_id, status=AppointmentStatus.SERVED)
            .first()
        )
        if appt is None:
            return None
        return _Event(appt.office, appt.finished_at or appt.updated_at, _with_phone(appt.citizen))
    if source == InvitationSource.WALK_IN:
        # A ticket that belongs to an appointment is surveyed as that visit, never twice.
        ticket = (
            QueueTicket.objects.select_related("office", "citizen")
            .filter(pk=source_id, status=TicketStatus.SERVED, appointment__isnull=True)
            .first()
        )
        if ticket is None:
            return None
        return _Event(ticket.office, ticket.finished_at or ticket.joined_at, _with_phone(ticket.citizen))
    if source in (InvitationSource.CASE_FILED, InvitationSource.CASE_CLOSED):
        target = CaseStatus.FILED if source == InvitationSource.CASE_FILED else None
        wanted = [target] if target else [CaseStatus.CLOSED, CaseStatus.REJECTED]
        event = (
            CaseEvent.objects.filter(case_id=source_id, to_status__in=wanted)
            .select_related("case__office", "case__applicant")
            .order_by("-created_at")
            .first()
        )
        if event is None:
            return None
        case: Case = event.case
        if case.status == CaseStatus.CANCELLED:
            return None
        return _Event(case.office, event.created_at, _with_phone(case.applicant))
    if source == InvitationSource.DISPUTE:
        return _dispute_event(source_id)
    raise ValueError(f"Unknown invitation source {source!r}.")


class _Skip(Exception):
    """Roll back the savepoint of one invitation (cooldown or race) without failing the event."""


def _claim_guard(office_id: int, key: str, now: datetime, cooldown: timedelta) -> bool:
    """True when no invitation went to ``key`` at this office within the cooldown (race-safe)."""
    if InvitationGuard.objects.filter(office_id=office_id, key=key, last_at__lte=now - cooldown).update(
        last_at=now
    ):
        return True
    try:
        with transaction.atomic():
            InvitationGuard.objects.create(office_id=office_id, key=key, last_at=now)
    except IntegrityError:
        return False
    return True


def _tally(office_id: int, period: int, **increments: Any) -> None:
    """Add to an office's tally for a period (one row per office and month: little contention)."""
    changes = {name: F(name) + value for name, value in increments.items()}
    if SurveyTally.objects.filter(office_id=office_id, period=period).update(**changes):
        return
    try:
        with transaction.atomic():
            SurveyTally.objects.create(office_id=office_id, period=period, **increments)
    except IntegrityError:
        SurveyTally.objects.filter(office_id=office_id, period=period).update(**changes)


def survey_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("feedback:survey", kwargs={"token": token})


def _invite_one(
    *,
    source: str,
    source_id: int,
    office: Office,
    user: User | None,
    raw_phone: str,
    questionnaire: Questionnaire,
    staff: tuple[set[int], set[str]],
    now: datetime,
) -> SurveyInvitation | None:
    try:
        phone = parse_phone(raw_phone)
    except ValidationError:
        return None
    phone_hash = phone_key(phone)
    recipient_key = _user_key(user.pk) if user is not None else phone_hash
    staff_ids, staff_phones = staff
    if (user is not None and user.pk in staff_ids) or phone_hash in staff_phones:
        return None  # staff never rate their own office
    if SurveyInvitation.objects.filter(
        source=source, source_id=source_id, recipient_key=recipient_key
    ).exists():
        return None
    cooldown = timedelta(days=settings.FEEDBACK_INVITATION_COOLDOWN_DAYS)
    period = period_of(now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        with transaction.atomic():
            for key in dict.fromkeys((recipient_key, phone_hash)):
                if not _claim_guard(office.pk, key, now, cooldown):
                    raise _Skip
            invitation = SurveyInvitation.objects.create(
                office=office,
                period=period,
                source=source,
                source_id=source_id,
                recipient=user,
                recipient_key=recipient_key,
                phone_hash=phone_hash,
                token_hash=token_hash(token),
                questionnaire=questionnaire,
                created_at=now,
                expires_at=now + timedelta(days=settings.FEEDBACK_INVITATION_TTL_DAYS),
            )
    except (_Skip, IntegrityError):
        return None
    _tally(office.pk, period, sent=1)
    language = getattr(user, "preferred_language", None) or settings.LANGUAGE_CODE
    english = language.startswith("en")
    message_enqueue(
        template="feedback.survey_invitation",
        to=phone,
        recipient=user,
        language=language,
        context={
            "office": office.name_en if english else office.name_fa,
            "url": survey_url(token),
            "until": format_jalali(invitation.expires_at, persian_digits=not english),
        },
        dedupe_key=f"survey:{invitation.pk}",
    )
    audit.record(
        action="feedback.invitation.sent",
        obj=invitation,
        office=office,
        data={"source": source, "period": period},
    )
    return invitation


@transaction.atomic
def invitations_for_event(
    *, source: str, source_id: int, now: datetime | None = None
) -> list[SurveyInvitation]:
    """Invite the people served by one event to rate the office (system only; safe to call twice).

    Nothing is sent for an event that does not qualify (not served, cancelled, unknown), for
    an event older than a link's lifetime, to staff of the office, or to a person or phone
    already invited by this office within the cooldown.
    """
    source = InvitationSource(source)
    now = now or timezone.now()
    event = _resolve_event(source, int(source_id))
    if event is None or not event.recipients:
        return []
    if event.office.status != OfficeStatus.ACTIVE:
        return []
    if event.when < now - timedelta(
        days=settings.FEEDBACK_INVITATION_TTL_DAYS
    ) or event.when > now + timedelta(minutes=5):
        return []
    questionnaire = Questionnaire.objects.filter(active=True).first()
    if questionnaire is None:
        logger.warning("feedback: no active questionnaire; no survey invitation sent")
        return []
    staff = office_staff(event.office, now=now)
    created = []
    for user, phone in event.recipients:
        invitation = _invite_one(
            source=source,
            source_id=int(source_id),
            office=event.office,
            user=user,
            raw_phone=phone,
            questionnaire=questionnaire,
            staff=staff,
            now=now,
        )
        if invitation is not None:
            created.append(invitation)
    return created


# --- answering the survey -------------------------------------------------------------------------


def _bad_link(ip: str | None) -> NotFoundError:
    if ip:
        ratelimit.hit("survey-bad-link", ip, window=_HOUR)
    return NotFoundError(_("This survey link is not valid."), code="survey_link_invalid")


def check_link_rate(ip: str | None) -> None:
    """Someone trying link after link is guessing: stop them before any lookup."""
    if ip:
        ratelimit.check(
            "survey-bad-link",
            ip,
            limit=settings.FEEDBACK_BAD_LINKS_PER_IP_PER_HOUR,
            window=_HOUR,
            message=_("Too many invalid survey links from this connection. Try again later."),
        )


def invitation_for_token(token: str, *, ip: str | None = None, lock: bool = False) -> SurveyInvitation:
    """The invitation behind a link, or 404 for a malformed or unknown (forged) token."""
    check_link_rate(ip)
    if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
        raise _bad_link(ip)
    invitations = SurveyInvitation.objects.select_related("office", "questionnaire")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise _bad_link(ip)
    return invitation


def _clean_answers(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, int | None]:
    if not isinstance(answers, dict):
        raise DomainError(
            _("Please answer the questions."),
            code="invalid_answers",
            fields={"answers": [_("Expected an answer per item.")]},
        )
    items = {item.dimension: item for item in questionnaire.items.all()}
    errors: dict[str, list] = {}
    cleaned: dict[str, int | None] = {}
    for key in answers:
        if key not in items:
            errors[str(key)[:40]] = [_("This survey has no such question.")]
    for dimension, item in items.items():
        value = answers.get(dimension)
        if value in (None, "", "na"):
            if item.required:
                errors[dimension] = [_("Please answer this question.")]
            cleaned[dimension] = None
            continue
        if isinstance(value, bool):
            value = None
        elif isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or value not in SCALE:
            errors[dimension] = [_("Choose a score from 1 to 5.")]
            continue
        cleaned[dimension] = value
    if errors:
        raise DomainError(_("Please correct the answers below."), code="invalid_answers", fields=errors)
    return cleaned


@transaction.atomic
def survey_answer(
    *,
    token: str,
    answers: dict[str, Any],
    comment: str = "",
    language: str = "fa",
    ip: str | None = None,
    user: Any = None,
    now: datetime | None = None,
) -> SurveyResponse:
    """Record one anonymous response; the link then stops working.

    Refused: a malformed or unknown link (404), a used or expired one (409), a flood from one
    phone or connection (429), and staff of the office, whether the link was sent to them or
    they are signed in (403). Nothing is counted unless the whole response is valid.
    """
    now = now or timezone.now()
    invitation = invitation_for_token(token, ip=ip, lock=True)
    if invitation.used_at is not None:
        raise ConflictError(
            _("This survey has already been answered. Thank you."), code="survey_already_answered"
        )
    if invitation.expires_at <= now:
        raise ConflictError(_("This survey link has expired."), code="survey_link_expired")
    office = invitation.office
    ratelimit.check(
        "survey-phone",
        invitation.phone_hash,
        limit=settings.FEEDBACK_ANSWERS_PER_PHONE_PER_DAY,
        window=_DAY,
        message=_("Too many surveys answered from this phone today. Try again tomorrow."),
    )
    if ip:
        ratelimit.check(
            "survey-ip",
            ip,
            limit=settings.FEEDBACK_ANSWERS_PER_IP_PER_HOUR,
            window=_HOUR,
            message=_("Too many surveys answered from this connection. Try again later."),
        )
    staff_ids, staff_phones = office_staff(office, now=now)
    if (
        (invitation.recipient_id is not None and invitation.recipient_id in staff_ids)
        or invitation.phone_hash in staff_phones
        or is_office_staff(user, office)
    ):
        raise PermissionDeniedError(
            _("Staff of an office cannot answer their own office's survey."), code="own_office_survey"
        )
    cleaned = _clean_answers(invitation.questionnaire, answers)
    text = normalize_text(comment or "")
    if len(text) > COMMENT_MAX:
        raise DomainError(
            _("The comment may be at most %(max)s characters.") % {"max": COMMENT_MAX},
            code="comment_too_long",
            fields={"comment": [_("Too long.")]},
        )
    if not SurveyInvitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(used_at=now):
        raise ConflictError(
            _("This survey has already been answered. Thank you."), code="survey_already_answered"
        )
    response = SurveyResponse.objects.create(
        office=office,
        period=invitation.period,
        questionnaire=invitation.questionnaire,
        source=invitation.source,
        language="en" if str(language).startswith("en") else "fa",
        answered_on=tehran_date(now),
        comment=text,
        **{d: cleaned.get(d) for d in SurveyDimension.values},
    )
    _tally(office.pk, invitation.period, answered=1, overall_sum=response.overall)
    ratelimit.hit("survey-phone", invitation.phone_hash, window=_DAY)
    if ip:
        ratelimit.hit("survey-ip", ip, window=_HOUR)
    # No actor and no link to the invitation: the audit trail keeps the office's count honest
    # without recording who answered.
    audit.record(action="feedback.survey.answered", office=office, data={"period": invitation.period})
    return response


@transaction.atomic
def survey_tally_rebuild(*, period_from: int, period_to: int) -> int:
    """Recompute the answers and overall sums of the tallies from the responses (one GROUP BY).

    For repairs and bulk loads; invitations sent are kept (never below the answers counted).
    """
    from django.db.models import Count, Sum

    grouped = {
        (row["office_id"], row["period"]): row
        for row in SurveyResponse.objects.filter(period__gte=period_from, period__lte=period_to)
        .values("office_id", "period")
        .annotate(n=Count("pk"), total=Sum("overall"))
        .order_by()
    }
    existing = {
        (t.office_id, t.period): t
        for t in SurveyTally.objects.filter(period__gte=period_from, period__lte=period_to)
    }
    changed, created = [], []
    for key, tally in existing.items():
        row = grouped.get(key, {"n": 0, "total": 0})
        tally.answered, tally.overall_sum = row["n"], row["total"] or 0
        tally.sent = max(tally.sent, tally.answered)
        changed.append(tally)
    for (office_id, period), row in grouped.items():
        if (office_id, period) not in existing:
            created.append(
                SurveyTally(
                    office_id=office_id,
                    period=period,
                    sent=row["n"],
                    answered=row["n"],
                    overall_sum=row["total"] or 0,
                )
            )
    SurveyTally.objects.bulk_update(changed, ["sent", "answered", "overall_sum"], batch_size=1000)
    SurveyTally.objects.bulk_create(created, batch_size=1000)
    return len(changed) + len(created)


# --- the questionnaire ----------------------------------------------------------------------------


@transaction.atomic
def questionnaire_activate(*, questionnaire: Questionnaire, actor: User) -> Questionnaire:
    """Send this version to new invitations; links already sent keep the version they were sent with."""
    if not scope_for(actor).is_kanoon:
        raise PermissionDeniedError()
    dimensions = set(questionnaire.items.values_list("dimension", flat=True))
    if SurveyDimension.OVERALL not in dimensions:
        raise DomainError(
            _("A questionnaire needs the overall satisfaction item."), code="questionnaire_without_overall"
        )
    Questionnaire.objects.filter(active=True).exclude(pk=questionnaire.pk).update(active=False)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(active=True)
    audit.record(
        actor=actor,
        action="feedback.questionnaire.activated",
        obj=questionnaire,
        data={"version": questionnaire.version},
    )
    questionnaire.refresh_from_db()
    return questionnaire


# --- complaints -----------------------------------------------------------------------------------


def can_handle(user: Any, office: Office) -> bool:
    """The province admin of the office's province, an inspector covering it, or the Kanoon."""
    if not getattr(user, "is_authenticated", False):
        return False
    return scope_for(user).can_act_for_office(office, *HANDLER_ROLES)


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
    text = normalize_text(description or "")
    if len(text) < DESCRIPTION_MIN:
        errors["description"] = [
            _("Describe what happened in at least %(min)s characters.") % {"min": DESCRIPTION_MIN}
        ]
    elif len(text) > DESCRIPTION_MAX:
        errors["description"] = [_("At most %(max)s characters.") % {"max": DESCRIPTION_MAX}]
    staff_text = normalize_text(staff_description or "")[:200]
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
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    if is_office_staff(complainant, office):
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
            "office": complaint.office.name_en if english else complaint.office.name_fa,
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
        raise NotFoundError(_("Complaint not found."), code="complaint_not_found")
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
    if not can_handle(actor, current.office):
        raise NotFoundError(_("Complaint not found."), code="complaint_not_found")
    if current.status not in OPEN:
        raise ConflictError(_("This complaint is closed."), code="complaint_closed")
    if not can_handle(handler, current.office):
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


def _check_actor(current: Complaint, actor: Any, to: str) -> None:
    if to == ComplaintStatus.WITHDRAWN:
        if getattr(actor, "pk", None) != current.complainant_id:
            if can_handle(actor, current.office):
                raise PermissionDeniedError(
                    _("Only the complainant can withdraw a complaint."), code="not_complainant"
                )
            raise NotFoundError(_("Complaint not found."), code="complaint_not_found")
        return
    if not can_handle(actor, current.office):
        if getattr(actor, "pk", None) == current.complainant_id or is_office_staff(actor, current.office):
            raise PermissionDeniedError(
                _("Complaints are handled by the Kanoon's inspectors and province administrators."),
                code="not_a_handler",
            )
        raise NotFoundError(_("Complaint not found."), code="complaint_not_found")


def complaint_transition(
    *,
    complaint: Complaint,
    actor: User,
    action: str,
    note: str = "",
    expected_status: str | None = None,
) -> Complaint:
    """Move a complaint along the workflow (the one transition service). Stale moves are a 409."""
    if action not in ACTION_TARGET:
        raise DomainError(fields={"action": [_("Unknown action.")]}, code="unknown_action")
    to = ComplaintStatus(ACTION_TARGET[action])
    text = normalize_text(note or "")[:4000]
    with transaction.atomic():
        current = Complaint.objects.select_related("office", "complainant").get(pk=complaint.pk)
        _check_actor(current, actor, to)
        old = current.status
        if expected_status and expected_status != old:
            raise ConflictError(code="stale_status")
        if to not in ALLOWED[old]:
            raise ConflictError(
                _("A complaint that is “%(status)s” cannot be moved to “%(to)s”.")
                % {"status": current.get_status_display(), "to": to.label},
                code="transition_not_allowed",
            )
        if to in DECIDED and len(text) < DECISION_NOTE_MIN:
            raise DomainError(
                fields={"note": [_("Give the reasons for the decision; the citizen will read them.")]},
                code="reasons_required",
            )
        now = timezone.now()
        due = complaint_due(to, start=now)
        if to == ComplaintStatus.INVESTIGATING:
            due = current.due_at  # the decision deadline keeps running from acknowledgement
        changes: dict[str, Any] = {"status": to, "status_changed_at": now, "due_at": due, "updated_at": now}
        if to in DECIDED:
            changes.update(decided_at=now, decision_note=text)
        if to != ComplaintStatus.WITHDRAWN and current.handler_id is None:
            changes["handler"] = actor
        if not Complaint.objects.filter(pk=current.pk, status=old).update(**changes):
            raise ConflictError(code="stale_status")
        ComplaintEvent.objects.create(
            complaint=current,
            created_at=now,
            from_status=old,
            to_status=to,
            actor=actor,
            note=text,
            due_at=due,
        )
        audit.record(
            actor=actor,
            action=f"feedback.complaint.{to}",
            obj=current,
            office=current.office_id,
            data={"from": old},
        )
        current.refresh_from_db()
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
    actions = []
    for action, target in ACTION_TARGET.items():
        if target not in ALLOWED[complaint.status]:
            continue
        if target == ComplaintStatus.WITHDRAWN:
            if getattr(user, "pk", None) == complaint.complainant_id:
                actions.append(action)
        elif can_handle(user, complaint.office):
            actions.append(action)
    return actions
