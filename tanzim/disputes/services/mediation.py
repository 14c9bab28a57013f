"""Mediation: the peace-maker, the legal window (and a criminal track), sessions and the
times the parties propose.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.disputes import rules, selectors
from tanzim.disputes.choices import (
    FINAL,
    ArbitrationStatus,
    ArbitratorSeat,
    ArbitratorStatus,
    CriminalTrack,
    DisputeStatus,
    EventSubject,
    FailureReason,
    SessionKind,
    SessionMode,
    SessionResult,
    SessionStatus,
)
from tanzim.disputes.models import Dispute, Session, SessionProposal
from tanzim.disputes.selectors import access_for
from tanzim.disputes.services._common import (
    _audit,
    _event,
    _idle_due,
    _lock,
    _now,
    _parties,
    _pk,
    _require,
    _sms,
    _text,
    _window_end,
)
from tanzim.disputes.services.ladder import dispute_transition, session_transition
from tanzim.offices.models import Office, WorkingHours

SESSION_MINUTES = (15, 240)


def mediators_of(office: Office) -> list[User]:
    """People holding the mediator role at the office today (the office's licence is checked at intake)."""
    now = _now()
    return list(
        User.objects.filter(
            is_active=True,
            roles__role=Role.MEDIATOR,
            roles__office=office,
            roles__valid_from__lte=now,
        )
        .filter(Q(roles__valid_until__isnull=True) | Q(roles__valid_until__gt=now))
        .distinct()
        .order_by("pk")
    )


def _least_loaded(office: Office) -> User | None:
    """The office's mediator with the fewest open disputes (then fewest upcoming sessions)."""
    candidates = mediators_of(office)
    if not candidates:
        return None
    open_load = dict(
        Dispute.objects.filter(mediator__in=candidates)
        .exclude(status__in=FINAL)
        .values_list("mediator")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sessions = dict(
        Session.objects.filter(convener__in=candidates, status=SessionStatus.SCHEDULED, ends_at__gte=_now())
        .values_list("convener")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return min(candidates, key=lambda u: (open_load.get(u.pk, 0), sessions.get(u.pk, 0), u.pk))


@transaction.atomic
def mediator_assign(*, dispute: Dispute, actor: User, mediator: User | int | None = None) -> Dispute:
    """Give the dispute a peace-maker of the office: the one named (an account or its id), or the
    least loaded."""
    dispute = _lock(dispute)
    _require(access_for(dispute=dispute, user=actor), "staff")
    if dispute.status in FINAL:
        raise ConflictError(_("This dispute is closed."), code="dispute_closed")
    if mediator is None:
        mediator = _least_loaded(dispute.office)
        if mediator is None:
            raise DomainError(_("No peace-maker or mediator works at this office."), code="no_mediator")
    else:
        wanted = _pk(mediator)
        mediator = next((u for u in mediators_of(dispute.office) if u.pk == wanted), None)
        if mediator is None:
            raise DomainError(
                _("This person is not a peace-maker or mediator of the office."),
                code="not_a_mediator",
                fields={"mediator": [_("This person is not a peace-maker or mediator of the office.")]},
            )
    if dispute.mediator_id == mediator.pk:
        return dispute
    previous = dispute.mediator_id
    dispute.mediator = mediator
    dispute.save(update_fields=["mediator", "updated_at"])
    _event(
        dispute,
        subject=EventSubject.DISPUTE,
        frm=dispute.status,
        to=dispute.status,
        actor=actor,
        reason=str(_("Mediator: %(name)s") % {"name": mediator.display_name}),
    )
    _audit("dispute.mediator_assigned", dispute=dispute, actor=actor, mediator=mediator.pk, previous=previous)
    return dispute


@transaction.atomic
def criminal_track_set(*, dispute: Dispute, actor: User, track: str) -> Dispute:
    """Art. 82: the prosecutor gave time to obtain the waiver (2 months) or sent it to mediation (3)."""
    dispute = _lock(dispute)
    _require(access_for(dispute=dispute, user=actor), "staff", "mediator")
    if not dispute.is_criminal:
        raise DomainError(_("Only a criminal mediation has a track."), code="not_criminal")
    if track not in CriminalTrack.values:
        raise DomainError(fields={"track": [_("Choose the waiver or the mediation track.")]})
    if dispute.status not in (DisputeStatus.TRIAGED, DisputeStatus.INVITED, DisputeStatus.MEDIATION):
        raise ConflictError(_("The track can no longer change."), code="track_frozen")
    if dispute.window_extensions:
        raise ConflictError(_("The track can no longer change after an extension."), code="track_frozen")
    dispute.criminal_track = track
    fields = ["criminal_track", "updated_at"]
    if dispute.window_started_on:
        dispute.window_ends_on = _window_end(dispute.window_started_on, criminal_track=track)
        dispute.due_at = rules.end_of_day(dispute.window_ends_on)
        fields += ["window_ends_on", "due_at"]
    dispute.save(update_fields=fields)
    _event(
        dispute,
        subject=EventSubject.DISPUTE,
        frm=dispute.status,
        to=dispute.status,
        actor=actor,
        reason=str(CriminalTrack(track).label),
        due_at=dispute.due_at,
    )
    _audit("dispute.criminal_track", dispute=dispute, actor=actor, track=track)
    return dispute


@transaction.atomic
def window_extend(*, dispute: Dispute, actor: User, reason: str) -> Dispute:
    """Extend a mediation window once more by its own length, within the law's limit (art. 82: once)."""
    dispute = _lock(dispute)
    _require(access_for(dispute=dispute, user=actor), "staff", "mediator")
    reason = _text(reason, limit=300)
    if not reason:
        raise DomainError(fields={"reason": [_("Say why the window is extended.")]})
    if dispute.status != DisputeStatus.MEDIATION or dispute.window_ends_on is None:
        raise ConflictError(_("Only a mediation in progress can be extended."), code="not_in_mediation")
    window = rules.mediation_window(criminal_track=dispute.criminal_track)
    if dispute.window_extensions >= window.max_extensions:
        raise ConflictError(
            ngettext_lazy(
                "This window cannot be extended again (at most %(n)s extension).",
                "This window cannot be extended again (at most %(n)s extensions).",
                "n",
            )
            % {"n": window.max_extensions},
            code="no_more_extensions",
        )
    if rules.is_past(dispute.window_ends_on, now=_now()):
        raise ConflictError(_("The window has already closed."), code="window_closed")
    old_end = dispute.window_ends_on
    new_end = window.rule.due(old_end, rules.calendar())
    if dispute.settle_by and not dispute.file_first and new_end > dispute.settle_by:
        raise ConflictError(
            _(
                "An extension would run past %(settle_by)s; the time limit to file ends on %(deadline)s "
                "and mediation does not stop it."
            )
            % {
                "settle_by": format_jalali(dispute.settle_by),
                "deadline": format_jalali(dispute.filing_deadline),
            },
            code="extension_passes_filing_limit",
        )
    dispute.window_ends_on = new_end
    dispute.window_extensions += 1
    dispute.due_at = rules.end_of_day(dispute.window_ends_on)
    dispute.save(update_fields=["window_ends_on", "window_extensions", "due_at", "updated_at"])
    _event(
        dispute,
        subject=EventSubject.DISPUTE,
        frm=dispute.status,
        to=dispute.status,
        actor=actor,
        reason=reason,
        due_at=dispute.due_at,
    )
    _audit(
        "dispute.window_extended",
        dispute=dispute,
        actor=actor,
        old_end=old_end.isoformat(),
        new_end=dispute.window_ends_on.isoformat(),
        reason=reason,
    )
    return dispute


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise DomainError(fields={name: [_("Enter a date and time.")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _check_office_hours(office: Office, starts: datetime, ends: datetime) -> None:
    local_start, local_end = timezone.localtime(starts), timezone.localtime(ends)
    if local_start.date() != local_end.date():
        raise DomainError(fields={"starts_at": [_("A session starts and ends on the same day.")]})
    hours = WorkingHours.objects.filter(office=office, weekday=local_start.weekday())
    fits = any(h.opens <= local_start.time() and local_end.time() <= h.closes for h in hours)
    if not fits:
        raise DomainError(
            _("An in-person session must be within the office's working hours."),
            code="outside_office_hours",
            fields={"starts_at": [_("An in-person session must be within the office's working hours.")]},
        )


def session_schedule(
    *,
    dispute: Dispute,
    actor: User,
    starts_at: datetime,
    minutes: int = 60,
    mode: str = SessionMode.IN_PERSON,
    location: str = "",
    past: bool = False,
) -> Session:
    """Set a session: on a working day, within the window or term, the convener free at that time.

    ``past`` enters a session that already took place (``session_record_past``): it ended before
    now, at most ``DISPUTES_PAST_SESSION_DAYS`` ago and not before the window opened; the parties
    are not texted about it, and holidays and office hours are not checked (it is a fact).
    """
    starts_at = _aware(starts_at, "starts_at")
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not SESSION_MINUTES[0] <= minutes <= SESSION_MINUTES[1]
    ):
        raise DomainError(fields={"minutes": [_("A session lasts 15 to 240 minutes.")]})
    if mode not in SessionMode.values:
        raise DomainError(fields={"mode": [_("Choose in person or video.")]})
    location = _text(location, limit=300)
    if mode == SessionMode.VIDEO and (location or not past) and not location.startswith("https://"):
        raise DomainError(fields={"location": [_("Give the video link (https://…).")]})
    with transaction.atomic():
        dispute = _lock(dispute)
        access = access_for(dispute=dispute, user=actor)
        _require(access, "staff", "convener")
        now = _now()
        if dispute.status == DisputeStatus.MEDIATION:
            kind, last_day = SessionKind.MEDIATION, dispute.window_ends_on
            convener = dispute.mediator
            if convener is None:
                raise DomainError(_("Assign a peace-maker or mediator first."), code="no_mediator")
        elif dispute.status == DisputeStatus.ARBITRATION:
            arbitration = selectors.live_arbitration(dispute=dispute)
            if arbitration is None or arbitration.status != ArbitrationStatus.ACTIVE:
                raise ConflictError(
                    _("The arbitrators are not all appointed yet."), code="arbitration_not_active"
                )
            kind, last_day = SessionKind.ARBITRATION, arbitration.term_ends_on
            # The chair convenes: the sole or third arbitrator, or member 1 of a panel the
            # agreement fixed; someone of the office otherwise.
            chair = next(
                (
                    a
                    for a in arbitration.arbitrators.filter(status=ArbitratorStatus.ACCEPTED)
                    if a.seat in (ArbitratorSeat.SOLE, ArbitratorSeat.PRESIDING)
                    or (a.seat == ArbitratorSeat.MEMBER and a.number == 1)
                ),
                None,
            )
            convener = chair.user if chair and chair.user else actor
        else:
            raise ConflictError(
                _("Sessions are held during mediation or arbitration."), code="no_sessions_now"
            )
        ends_at = starts_at + timedelta(minutes=minutes)
        if past:
            _check_past(dispute, starts_at, ends_at, now)
        elif starts_at <= now:
            raise DomainError(fields={"starts_at": [_("Choose a time in the future.")]})
        if last_day and tehran_date(starts_at) > last_day:
            raise DomainError(
                _("The session must be on or before %(day)s, when the legal period ends.")
                % {"day": format_jalali(last_day)},
                code="after_deadline",
                fields={"starts_at": [_("After the end of the legal period.")]},
            )
        if not past and not rules.calendar().is_working_day(starts_at):
            raise DomainError(
                _("That day is a holiday."),
                code="holiday",
                fields={"starts_at": [_("That day is a holiday.")]},
            )
        if mode == SessionMode.IN_PERSON:
            if not past:
                _check_office_hours(dispute.office, starts_at, ends_at)
            location = location or dispute.office.address
        User.objects.select_for_update().filter(
            pk=convener.pk
        ).first()  # one scheduler per convener at a time
        clash = Session.objects.filter(
            convener=convener, status=SessionStatus.SCHEDULED, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).exists()
        if clash:
            raise ConflictError(
                _("%(name)s already has a session at that time.") % {"name": convener.display_name},
                code="convener_busy",
            )
        number = (Session.objects.filter(dispute=dispute, kind=kind).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                session = Session.objects.create(
                    dispute=dispute,
                    kind=kind,
                    number=number,
                    convener=convener,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    mode=mode,
                    location=location,
                    created_by=actor,
                )
        except IntegrityError as exc:
            raise ConflictError(code="convener_busy") from exc
        _event(
            dispute,
            subject=EventSubject.SESSION,
            subject_id=session.pk,
            to=SessionStatus.SCHEDULED,
            actor=actor,
            due_at=starts_at,
        )
        _audit(
            "session.scheduled", dispute=dispute, actor=actor, obj=session, starts_at=starts_at.isoformat()
        )
        for party in _parties(dispute).values() if not past else ():
            _sms(
                party,
                "disputes.session_scheduled",
                dispute=dispute,
                dedupe_key=f"dispute-session:{session.pk}:{party.role}",
                context=lambda language: {
                    "kind": SessionKind(session.kind).label,
                    "when": format_jalali(session.starts_at, with_time=True, persian_digits=language == "fa"),
                    "where": session.location
                    if session.mode == SessionMode.IN_PERSON
                    else SessionMode(session.mode).label,
                },
            )
    return session


def _check_past(dispute: Dispute, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """A session entered after the fact: over by now, recent, and within the current attempt."""
    if ends_at > now:
        raise DomainError(
            _("A session entered after the fact must be over by now."),
            code="session_not_over",
            fields={"starts_at": [_("A session entered after the fact must be over by now.")]},
        )
    days = settings.DISPUTES_PAST_SESSION_DAYS
    if tehran_date(starts_at) < tehran_date(now) - timedelta(days=days):
        message = _("A past session can be entered up to %(days)s days after it took place.") % {
            "days": rules._digits(days)
        }
        raise DomainError(message, code="session_too_old", fields={"starts_at": [message]})
    if dispute.window_started_on and tehran_date(starts_at) < dispute.window_started_on:
        message = _("The session cannot be before the mediation began on %(day)s.") % {
            "day": format_jalali(dispute.window_started_on)
        }
        raise DomainError(message, code="before_window", fields={"starts_at": [message]})


def session_record_past(
    *,
    dispute: Dispute,
    actor: User,
    starts_at: datetime,
    minutes: int = 60,
    mode: str = SessionMode.IN_PERSON,
    location: str = "",
    status: str = SessionStatus.HELD,
    result: str = "",
    claimant_attended: bool | None = None,
    respondent_attended: bool | None = None,
    notes: str = "",
) -> Session:
    """A mediator enters a session that already took place, with what happened, in one step.

    The same rules as a session set in advance and then recorded (``session_schedule`` with
    ``past``, then ``session_record``): two failed sessions in the window still end a civil attempt.
    """
    if status not in (SessionStatus.HELD, SessionStatus.NO_SHOW):
        raise DomainError(fields={"status": [_("Choose held or no-show.")]})
    with transaction.atomic():
        session = session_schedule(
            dispute=dispute,
            actor=actor,
            starts_at=starts_at,
            minutes=minutes,
            mode=mode,
            location=location,
            past=True,
        )
        return session_record(
            session=session,
            actor=actor,
            status=status,
            result=result,
            claimant_attended=claimant_attended,
            respondent_attended=respondent_attended,
            notes=notes,
        )


def session_record(
    *,
    session: Session,
    actor: User,
    status: str,
    result: str = "",
    claimant_attended: bool | None = None,
    respondent_attended: bool | None = None,
    notes: str = "",
) -> Session:
    """Record what happened: held (with a result), a no-show, or cancelled.

    In civil mediation, failed sessions (no agreement, or a party absent) close the attempt once
    there are as many within the window as the councils law allows (two). Criminal mediation
    (art. 82) has no such rule: it ends by its window, by agreement or by withdrawal.
    """
    if status not in (SessionStatus.HELD, SessionStatus.NO_SHOW, SessionStatus.CANCELLED):
        raise DomainError(fields={"status": [_("Choose held, no-show or cancelled.")]})
    if status == SessionStatus.HELD and result not in SessionResult.values:
        raise DomainError(fields={"result": [_("Say how the session ended.")]})
    if (
        status == SessionStatus.NO_SHOW
        and claimant_attended is not False
        and respondent_attended is not False
    ):
        raise DomainError(fields={"claimant_attended": [_("Say which party did not come.")]})
    with transaction.atomic():
        dispute = _lock(session.dispute_id)
        session = Session.objects.select_for_update().select_related("dispute").get(pk=session.pk)
        access = access_for(dispute=dispute, user=actor)
        _require(access, "staff", "convener")
        now = _now()
        if status != SessionStatus.CANCELLED and session.starts_at > now:
            raise ConflictError(_("This session has not started yet."), code="session_in_future")
        changes = {"recorded_at": now, "notes": _text(notes, limit=5000)}
        if status == SessionStatus.HELD:
            changes.update(
                result=result,
                claimant_attended=True if claimant_attended is None else claimant_attended,
                respondent_attended=True if respondent_attended is None else respondent_attended,
            )
        elif status == SessionStatus.NO_SHOW:
            changes.update(claimant_attended=claimant_attended, respondent_attended=respondent_attended)
        session = session_transition(session=session, to=status, actor=actor, reason=result, changes=changes)
        if (
            dispute.status == DisputeStatus.MEDIATION
            and session.kind == SessionKind.MEDIATION
            and session.failed
            and not dispute.is_criminal
        ):
            failed = [
                s
                for s in dispute.sessions.filter(kind=SessionKind.MEDIATION)
                if s.failed
                and dispute.window_started_on
                and tehran_date(s.starts_at) >= dispute.window_started_on
            ]
            if len(failed) >= settings.DISPUTES_MEDIATION_FAILED_SESSIONS:
                dispute_transition(
                    dispute=dispute,
                    to=DisputeStatus.FAILED,
                    actor=actor,
                    reason=str(_("%(n)s sessions failed within the window.") % {"n": len(failed)}),
                    expected_status=DisputeStatus.MEDIATION,
                    extra={
                        "failure_reason": FailureReason.NO_SHOW
                        if session.status == SessionStatus.NO_SHOW
                        else FailureReason.NO_AGREEMENT,
                        "due_at": _idle_due(now),
                    },
                )
    return session


@transaction.atomic
def proposal_create(
    *, dispute: Dispute, actor: User, times: Sequence[datetime], note: str = ""
) -> SessionProposal:
    """A party proposes up to three times for a session."""
    dispute = _lock(dispute)
    access = access_for(dispute=dispute, user=actor)
    _require(access, "party")
    assert access.party is not None  # what _require just checked
    if dispute.status not in (DisputeStatus.INVITED, DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION):
        raise ConflictError(_("Times can be proposed while the dispute is being resolved."), code="not_now")
    times = [_aware(t, "times") for t in times or []]
    if not 1 <= len(times) <= 3:
        raise DomainError(fields={"times": [_("Propose one to three times.")]})
    now = _now()
    if any(t <= now for t in times):
        raise DomainError(fields={"times": [_("Choose times in the future.")]})
    proposal = SessionProposal.objects.create(
        dispute=dispute,
        party=access.party,
        times=[t.isoformat() for t in sorted(times)],
        note=_text(note, limit=300),
    )
    _audit("proposal.created", dispute=dispute, actor=actor, obj=proposal, count=len(times))
    return proposal
