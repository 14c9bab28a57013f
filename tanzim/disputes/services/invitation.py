"""The respondent's invitation (a join code by SMS), joining with it, and their answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from tanzim.accounts import services as account_services
from tanzim.accounts.models import User
from tanzim.cases.choices import CaseStatus
from tanzim.common import ratelimit
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.identifiers import clean_national_code, mask_phone
from tanzim.common.jalali import tehran_date
from tanzim.disputes import codes, rules
from tanzim.disputes.choices import (
    FINAL,
    DisputeCategory,
    DisputeStatus,
    EventSubject,
    FailureReason,
    OtpPurpose,
    PartyRole,
    ResolutionPath,
    RespondentResponse,
)
from tanzim.disputes.models import Dispute, JoinCode, Party
from tanzim.disputes.selectors import access_for
from tanzim.disputes.services._common import (
    INVALID_JOIN,
    INVALID_OTP,
    _audit,
    _check_otp,
    _date_text,
    _event,
    _idle_due,
    _lock,
    _now,
    _parties,
    _require,
    _send_otp,
    _sms,
    _text,
    _url,
    _window_end,
)
from tanzim.disputes.services.ladder import dispute_transition
from tanzim.disputes.services.mediation import _least_loaded
from tanzim.notify.models import Message


@dataclass(frozen=True)
class Invitation:
    dispute: Dispute
    code: str  # the plaintext code, only for the SMS; never shown by a page or the API
    expires_at: datetime
    attempt: int


def dispute_invite(*, dispute: Dispute, actor: User | None, expected_status: str | None = None) -> Invitation:
    """Send the respondent an SMS with a fresh join code (older codes stop working).

    The first invitation moves the dispute to "invited"; later ones are reminders, counted
    toward "not contactable".
    """
    with transaction.atomic():
        dispute = _lock(dispute)
        if actor is not None:
            _require(access_for(dispute=dispute, user=actor), "staff", "convener")
        if expected_status and expected_status != dispute.status:
            raise ConflictError(code="stale_status")
        if dispute.status not in (DisputeStatus.TRIAGED, DisputeStatus.INVITED):
            raise ConflictError(
                _("The respondent can only be invited before they answer."), code="not_invitable"
            )
        if dispute.file_first and (dispute.case is None or dispute.case.status != CaseStatus.FILED):
            raise ConflictError(
                _("This request is filed first: the respondent is invited once it has been filed."),
                code="file_first",
            )
        if dispute.invite_attempts >= settings.DISPUTES_INVITE_MAX_TRIES:
            raise ConflictError(
                _("The respondent was already invited %(n)s times.") % {"n": dispute.invite_attempts},
                code="too_many_invitations",
            )
        respondent = _parties(dispute)[PartyRole.RESPONDENT]
        if not respondent.mobile:
            raise DomainError(
                _("Add the respondent's mobile number first."),
                code="respondent_mobile_missing",
                fields={"mobile": [_("A mobile number is needed to send the codes.")]},
            )
        if respondent.joined_at:
            raise ConflictError(_("The respondent has already joined."), code="already_joined")
        now = _now()
        JoinCode.objects.filter(party=respondent, used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        code = codes.new_join_code()
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    join = JoinCode.objects.create(
                        party=respondent,
                        code_hash=codes.join_code_hash(code),
                        expires_at=now + timedelta(days=settings.DISPUTES_JOIN_CODE_TTL_DAYS),
                    )
                break
            except IntegrityError:
                code = codes.new_join_code()
        else:
            raise ConflictError(code="join_code_exhausted")
        attempt = dispute.invite_attempts + 1
        due = rules.reminder_due(sent_at=now)
        fields = {"invite_attempts": attempt, "last_invited_at": now, "due_at": due}
        first = dispute.status == DisputeStatus.TRIAGED
        if first:
            dispute = dispute_transition(
                dispute=dispute,
                to=DisputeStatus.INVITED,
                actor=actor,
                expected_status=DisputeStatus.TRIAGED,
                extra=fields,
            )
        else:
            Dispute.objects.filter(pk=dispute.pk).update(**fields, updated_at=now)
            dispute.refresh_from_db()
            _event(
                dispute,
                subject=EventSubject.INVITATION,
                subject_id=join.pk,
                frm="sent",
                to="reminded",
                actor=actor,
                due_at=due,
                now=now,
            )
        _audit("invitation.sent", dispute=dispute, actor=actor, obj=join, attempt=attempt)
        claimant = _parties(dispute)[PartyRole.CLAIMANT]
        _sms(
            respondent,
            "disputes.invitation" if first else "disputes.invitation_reminder",
            dispute=dispute,
            dedupe_key=f"dispute:{dispute.pk}:invite:{attempt}",
            context=lambda language: {
                "claimant": claimant.name,
                "category": DisputeCategory(dispute.category).label,
                "code": codes.format_join_code(code),
                "until": _date_text(join.expires_at, language),
                # The link carries the code, so the join page opens with it filled in.
                "url": _url("disputes:join") + "?" + urlencode({"code": codes.format_join_code(code)}),
            },
        )
    return Invitation(dispute=dispute, code=code, expires_at=join.expires_at, attempt=attempt)


def _live_join_code(code: str | None, *, now: datetime) -> JoinCode | None:
    cleaned = codes.clean_join_code(code)
    if cleaned is None:
        return None
    return (
        JoinCode.objects.select_related("party", "party__dispute", "party__dispute__office")
        .filter(
            code_hash=codes.join_code_hash(cleaned),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        .exclude(party__dispute__status__in=FINAL)
        .first()
    )


TOO_MANY_JOIN_TRIES = _("Too many wrong codes were tried. Please wait a few minutes and try again.")


def _join_guesses() -> ratelimit.GuessLimit:
    return ratelimit.GuessLimit(
        scope="dispute-join",
        per_address=settings.DISPUTES_JOIN_FAILURES_PER_ADDRESS,
        per_prefix=settings.DISPUTES_JOIN_FAILURES_PER_CODE_PREFIX,
        window=settings.DISPUTES_JOIN_GUESS_WINDOW_SECONDS,
        prefix_length=codes.JOIN_CODE_PREFIX_DIGITS,
    )


@dataclass(frozen=True)
class JoinTicket:
    join_code_id: int
    dispute_id: int
    masked_mobile: str


def join_start(*, code: str, national_code: str, ip: str | None = None) -> JoinTicket:
    """Step 1 of joining: the code from the SMS and the respondent's national code; an OTP follows.

    A wrong code, a wrong national code and an expired invitation get the same answer. Every
    failure counts, in a short window, against the client's address and against the first digits
    of the code tried (``_join_guesses``); only failures count, so the respondent with the right
    code and national code passes as long as nobody used those up.
    """
    guesses = _join_guesses()
    cleaned = codes.clean_join_code(code)
    guesses.check(ip=ip, secret=cleaned, message=TOO_MANY_JOIN_TRIES)
    now = _now()
    join = _live_join_code(cleaned, now=now)
    try:
        nc = clean_national_code(national_code)
    except ValidationError:
        nc = None
    party = join.party if join else None
    ok = (
        join is not None
        and party is not None
        and nc is not None
        and party.role == PartyRole.RESPONDENT
        and (not party.national_code or party.national_code == nc)
        and not Party.objects.filter(
            dispute=party.dispute, role=PartyRole.CLAIMANT, national_code=nc
        ).exists()
    )
    if not ok or join is None or party is None:
        guesses.failed(ip=ip, secret=cleaned)
        raise DomainError(INVALID_JOIN, code="join_invalid")
    with transaction.atomic():
        _send_otp(party, OtpPurpose.JOIN, dispute=party.dispute)
    return JoinTicket(
        join_code_id=join.pk, dispute_id=party.dispute_id, masked_mobile=mask_phone(party.mobile)
    )


@dataclass(frozen=True)
class JoinResult:
    user: User
    dispute: Dispute
    party: Party
    sign_in: bool  # the caller should sign the user in (a new or matching account)


def _claim_messages(party: Party, account: User) -> None:
    """The texts this dispute sent the party before they had an account (the invitation, its
    reminders) join their inbox once they join: the inbox lists a person's own messages."""
    Message.objects.filter(
        recipient__isnull=True, to=party.mobile, dedupe_key__startswith=f"dispute:{party.dispute_id}:"
    ).update(recipient=account)


def join_verify(*, join_code_id: int, national_code: str, otp: str, user: User | None = None) -> JoinResult:
    """Step 2 of joining: the one-time code sent to the invited mobile links the respondent's account.

    A signed-in user joins with their own account (same national code). Otherwise an existing
    account with that national code and the invited mobile is used, or a new citizen account is
    opened. An account with that national code but another mobile must sign in first: the code
    proves the invited mobile, not the account.
    """
    nc = clean_national_code(national_code)
    now = _now()
    matched = None
    with transaction.atomic():
        join = (
            JoinCode.objects.select_for_update()
            .filter(pk=join_code_id, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if join is None:
            raise DomainError(INVALID_JOIN, code="join_invalid")
        party = (
            Party.objects.select_for_update()
            .select_related("dispute", "dispute__office")
            .get(pk=join.party_id)
        )
        if party.national_code and party.national_code != nc:
            raise DomainError(INVALID_JOIN, code="join_invalid")
        matched = _check_otp(party, OtpPurpose.JOIN, otp)
    if matched is None:
        raise DomainError(INVALID_OTP, code="invalid_code")
    with transaction.atomic():
        join = JoinCode.objects.select_for_update().get(pk=join_code_id)
        party = (
            Party.objects.select_for_update()
            .select_related("dispute", "dispute__office")
            .get(pk=join.party_id)
        )
        if join.used_at or party.user_id:
            raise ConflictError(_("This invitation was already used."), code="already_joined")
        sign_in = False
        if user is not None and getattr(user, "is_authenticated", False):
            if user.national_code != nc:
                raise PermissionDeniedError(
                    _("This invitation is for someone else. Sign out and open it again."), code="other_person"
                )
            account = user
        else:
            found = User.objects.filter(national_code=nc).first()
            if found is not None and found.mobile != party.mobile:
                raise DomainError(
                    _(
                        "You already have a Tanzim account with another mobile number. Sign in to it first, "
                        "then enter the invitation code again."
                    ),
                    code="sign_in_first",
                )
            if found is not None:
                account = found
            else:
                first, _space, last = party.name.partition(" ")
                account = account_services.citizen_register_by_invitation(
                    national_code=nc,
                    mobile=party.mobile,
                    first_name=first,
                    last_name=last,
                    purpose="dispute respondent",
                )
            sign_in = True
        party.user, party.joined_at, party.national_code = account, now, nc
        party.save(update_fields=["user", "joined_at", "national_code"])
        _claim_messages(party, account)
        join.used_at = now
        join.save(update_fields=["used_at"])
        _event(
            party.dispute,
            subject=EventSubject.INVITATION,
            subject_id=join.pk,
            frm="sent",
            to="joined",
            actor=account,
            now=now,
        )
        _audit("party.joined", dispute=party.dispute, actor=account, obj=party)
    return JoinResult(user=account, dispute=party.dispute, party=party, sign_in=sign_in)


def dispute_respond(
    *, dispute: Dispute, actor: User, accept: bool, note: str = "", expected_status: str | None = None
) -> Dispute:
    """The respondent accepts resolution (mediation or arbitration, as triaged) or declines it."""
    with transaction.atomic():
        dispute = _lock(dispute)
        access = access_for(dispute=dispute, user=actor)
        _require(access, "respondent", "staff")
        if dispute.status != DisputeStatus.INVITED:
            raise ConflictError(_("The respondent has already answered."), code="already_answered")
        respondent = _parties(dispute)[PartyRole.RESPONDENT]
        on_behalf = respondent.user if access.role != PartyRole.RESPONDENT else None
        now = _now()
        note = _text(note, limit=300)
        JoinCode.objects.filter(party=respondent, used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if not accept:
            return dispute_transition(
                dispute=dispute,
                to=DisputeStatus.FAILED,
                actor=actor,
                on_behalf_of=on_behalf,
                reason=note,
                expected_status=expected_status or DisputeStatus.INVITED,
                extra={
                    "failure_reason": FailureReason.RESPONDENT_DECLINED,
                    "respondent_response": RespondentResponse.DECLINED,
                    "responded_at": now,
                    "outcome_note": note,
                    "due_at": _idle_due(now),
                },
            )
        answer = {"respondent_response": RespondentResponse.ACCEPTED, "responded_at": now}
        if dispute.path == ResolutionPath.ARBITRATION:
            refusal = rules.arbitration_refusal(dispute)
            if refusal:
                raise DomainError(refusal, code="criminal_not_arbitrable")
            return dispute_transition(
                dispute=dispute,
                to=DisputeStatus.ARBITRATION,
                actor=actor,
                on_behalf_of=on_behalf,
                reason=note,
                expected_status=expected_status or DisputeStatus.INVITED,
                extra=answer,
            )
        start = tehran_date(now)
        end = _window_end(start, criminal_track=dispute.criminal_track)
        mediator = dispute.mediator or _least_loaded(dispute.office)
        return dispute_transition(
            dispute=dispute,
            to=DisputeStatus.MEDIATION,
            actor=actor,
            on_behalf_of=on_behalf,
            reason=note,
            expected_status=expected_status or DisputeStatus.INVITED,
            extra={
                **answer,
                "mediator": mediator,
                "window_started_on": start,
                "window_ends_on": end,
                "window_extensions": 0,
                "due_at": rules.end_of_day(end),
            },
        )
