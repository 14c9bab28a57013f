"""Surveys: invitations (made by the system only), answering, the tallies and the questionnaire.

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
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import RoleAssignment, User
from tanzim.accounts.permissions import OFFICE_WORKERS, is_kanoon, works_at_office
from tanzim.audit import services as audit
from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case, CaseEvent
from tanzim.common import ratelimit
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.i18n import bilingual
from tanzim.common.identifiers import parse_phone
from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.common.normalize import normalize_text
from tanzim.disputes.models import Dispute
from tanzim.feedback.choices import SCALE, InvitationSource, SurveyDimension
from tanzim.feedback.models import (
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
from tanzim.scheduling.choices import AppointmentStatus, TicketStatus
from tanzim.scheduling.models import Appointment, QueueTicket

logger = logging.getLogger(__name__)

TOKEN_BYTES = 24  # 192 bits: 32 URL-safe characters
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")
LINK_PREFIX = 8  # failed links are also counted per their first characters
COMMENT_MAX = 1000
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
    office_id = office.pk if isinstance(office, Office) else office
    rows = (
        RoleAssignment.objects.filter(office_id=office_id, role__in=OFFICE_WORKERS, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .values_list("user_id", "user__mobile")
    )
    ids, phones = set(), set()
    for user_id, mobile in rows:
        ids.add(user_id)
        if mobile:
            phones.add(phone_key(mobile))
    return ids, phones


# --- invitations (system only) --------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    office: Office
    when: datetime
    recipients: tuple[tuple[User | None, str], ...]


def _with_phone(user: User | None) -> tuple[tuple[User | None, str], ...]:
    return ((user, user.mobile),) if user is not None and user.mobile else ()


def _dispute_event(dispute_id: int) -> _Event | None:
    """Both sides of a concluded dispute who took part (joined it): those with an account, or with
    a mobile on file. A dispute referred to a council, court or prosecutor is not surveyed."""
    dispute = Dispute.objects.select_related("office").filter(pk=dispute_id).first()
    if dispute is None or dispute.concluded_at is None or dispute.status == "referred":
        return None
    seen, recipients = set(), []
    for party in dispute.parties.select_related("user").filter(joined_at__isnull=False):
        phone = (party.user.mobile if party.user is not None else "") or party.mobile
        if phone and phone not in seen:
            seen.add(phone)
            recipients.append((party.user, phone))
    return _Event(dispute.office, dispute.concluded_at, tuple(recipients))


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
            "office": bilingual(office, language="en" if english else "fa"),
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


def _link_guesses() -> ratelimit.GuessLimit:
    return ratelimit.GuessLimit(
        scope="survey-bad-link",
        per_address=settings.FEEDBACK_BAD_LINKS_PER_ADDRESS,
        per_prefix=settings.FEEDBACK_BAD_LINKS_PER_TOKEN_PREFIX,
        window=settings.FEEDBACK_BAD_LINKS_WINDOW_SECONDS,
        prefix_length=LINK_PREFIX,
    )


def _bad_link(token: str | None, ip: str | None) -> DomainError:
    """A malformed or unknown link: 404, or 429 once its address or its first characters have
    used up their failures in the short window (someone trying link after link)."""
    guesses = _link_guesses()
    guesses.check(
        ip=ip,
        secret=token,
        message=_("Too many invalid survey links from this connection. Try again in a few minutes."),
    )
    guesses.failed(ip=ip, secret=token)
    return NotFoundError(_("This survey link is not valid."), code="survey_link_invalid")


def invitation_for_token(token: str, *, ip: str | None = None, lock: bool = False) -> SurveyInvitation:
    """The invitation behind a link, or 404 for a malformed or unknown (forged) token.

    A real link always opens: its 192 random bits cannot be reached by guessing, so the limit
    stands only in the guesser's way (per address and per the link's first characters, in a
    short window) and never in the way of a neighbour behind the same address.
    """
    if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
        raise _bad_link(token if isinstance(token, str) else None, ip)
    invitations = SurveyInvitation.objects.select_related("office", "questionnaire")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise _bad_link(token, ip)
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
        or works_at_office(user, office)
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
    # The tally first: its row lock is held from here to commit, before the response draws its id,
    # so the publication task (which locks the same row) never misses an answer below its cut-off.
    _tally(office.pk, invitation.period, answered=1, overall_sum=cleaned[SurveyDimension.OVERALL])
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
    if not is_kanoon(actor):
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
