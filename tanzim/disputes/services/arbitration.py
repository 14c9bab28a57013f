"""Arbitration: the agreement, the arbitrators and their eligibility (arts. 466, 469), the panel
formed, the term (art. 484) and its extension (its running out is in ``deadlines``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.common.jalali import tehran_date
from tanzim.disputes import rules
from tanzim.disputes.choices import (
    ABSOLUTE_GROUNDS,
    MAX_PANEL_SIZE,
    STATUTORY_PANEL_SIZE,
    AgreementKind,
    ArbitrationStatus,
    ArbitratorSeat,
    ArbitratorStatus,
    DisputeStatus,
    Disqualification,
    EventSubject,
    PartyRole,
    ResolutionPath,
)
from tanzim.disputes.models import Arbitration, Arbitrator, Dispute, Party
from tanzim.disputes.selectors import access_for
from tanzim.disputes.services._common import (
    PartyInput,
    _audit,
    _clean_party,
    _date_text,
    _event,
    _lock,
    _now,
    _office_name,
    _parties,
    _pk,
    _require,
    _sms,
    _text,
    _today,
)
from tanzim.disputes.services.ladder import arbitration_transition, arbitrator_transition, dispute_transition
from tanzim.notify.services import message_enqueue
from tanzim.offices.choices import LicenceKind
from tanzim.offices.selectors import office_licence_kinds


def arbitration_start(
    *,
    dispute: Dispute,
    actor: User,
    agreement_kind: str,
    agreement_date: date,
    agreement_text: str,
    panel_size: int | None = None,
    agreed_term_days: int | None = None,
) -> Arbitration:
    """Record the arbitration agreement (an existing clause or one agreed now) and the panel's size.

    The parties may fix any number of arbitrators (art. 454); when they did not, the panel is
    three: each party names one and the two named agree a third (art. 464). Criminal matters are
    not arbitrable.
    """
    errors: dict[str, list] = {}
    if agreement_kind not in AgreementKind.values:
        errors["agreement_kind"] = [_("Choose an existing clause or an agreement made now.")]
    if not isinstance(agreement_date, date) or agreement_date > _today():
        errors["agreement_date"] = [_("Give the date of the agreement (not in the future).")]
    agreement_text = _text(agreement_text, limit=10000)
    if not agreement_text:
        errors["agreement_text"] = [_("Write down the agreement or the clause.")]
    fixed = panel_size is not None
    if fixed and (
        isinstance(panel_size, bool)
        or not isinstance(panel_size, int)
        or not 1 <= panel_size <= MAX_PANEL_SIZE
    ):
        errors["panel_size"] = [
            _("The number of arbitrators the agreement fixes: 1 to %(max)s (empty: three, art. 464).")
            % {"max": MAX_PANEL_SIZE}
        ]
    if agreed_term_days is not None and (
        isinstance(agreed_term_days, bool)
        or not isinstance(agreed_term_days, int)
        or not 1 <= agreed_term_days <= 365
    ):
        errors["agreed_term_days"] = [_("An agreed term is 1 to 365 days.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    size = panel_size if fixed and panel_size is not None else STATUTORY_PANEL_SIZE
    with transaction.atomic():
        dispute = _lock(dispute)
        _require(access_for(dispute=dispute, user=actor), "staff")
        refusal = rules.arbitration_refusal(dispute)
        if refusal:
            raise DomainError(refusal, code="criminal_not_arbitrable")
        if LicenceKind.ARBITRATION not in office_licence_kinds(office=dispute.office):
            raise DomainError(_("This office is not licensed for arbitration."), code="office_not_licensed")
        if dispute.status not in (DisputeStatus.FAILED, DisputeStatus.ARBITRATION):
            raise ConflictError(
                _("Arbitration starts after the respondent agrees to it or after mediation fails."),
                code="no_arbitration_now",
            )
        if dispute.arbitrations.filter(
            status__in=[ArbitrationStatus.FORMING, ArbitrationStatus.ACTIVE]
        ).exists():
            raise ConflictError(_("An arbitration is already under way."), code="arbitration_exists")
        if dispute.status == DisputeStatus.FAILED:
            dispute = dispute_transition(
                dispute=dispute,
                to=DisputeStatus.ARBITRATION,
                actor=actor,
                reason=str(AgreementKind(agreement_kind).label),
                expected_status=DisputeStatus.FAILED,
                extra={"path": ResolutionPath.ARBITRATION},
            )
        arbitration = Arbitration.objects.create(
            dispute=dispute,
            agreement_kind=agreement_kind,
            agreement_date=agreement_date,
            agreement_text=agreement_text,
            panel_size=size,
            panel_size_fixed=fixed,
            agreed_term_days=agreed_term_days,
            created_by=actor,
        )
        _event(
            dispute,
            subject=EventSubject.ARBITRATION,
            subject_id=arbitration.pk,
            to=ArbitrationStatus.FORMING,
            actor=actor,
        )
        _audit(
            "arbitration.started",
            dispute=dispute,
            actor=actor,
            obj=arbitration,
            agreement=agreement_kind,
            panel_size=size,
            panel_size_fixed=fixed,
        )
    return arbitration


def _lock_arbitration(arbitration: Arbitration | int) -> tuple[Dispute, Arbitration]:
    arbitration_id = _pk(arbitration)
    dispute_id = Arbitration.objects.filter(pk=arbitration_id).values_list("dispute_id", flat=True).first()
    if dispute_id is None:
        raise NotFoundError()
    dispute = _lock(dispute_id)
    return dispute, Arbitration.objects.select_for_update().select_related("dispute").get(pk=arbitration_id)


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def panel_seats(arbitration: Arbitration) -> list[tuple[str, int]]:
    """The seats of a panel as (seat, number): a sole arbitrator; the art. 464 panel (claimant's,
    respondent's, and the third they agree); or members 1..N of a panel the agreement fixed."""
    if arbitration.panel_size == 1:
        return [(ArbitratorSeat.SOLE, 1)]
    if not arbitration.panel_size_fixed:
        return [(ArbitratorSeat.CLAIMANT, 1), (ArbitratorSeat.RESPONDENT, 2), (ArbitratorSeat.PRESIDING, 3)]
    return [(ArbitratorSeat.MEMBER, n) for n in range(1, arbitration.panel_size + 1)]


def _seat_for(arbitration: Arbitration, seat: str, number: int | None) -> tuple[str, int]:
    """The seat asked for: by its name (sole, claimant's, respondent's, third) or by its number."""
    seats = panel_seats(arbitration)
    if seat and seat != ArbitratorSeat.MEMBER:
        found = [s for s in seats if s[0] == seat]
    elif number is not None:
        found = [s for s in seats if s[1] == number and (not seat or s[0] == seat)]
    else:
        found = seats if len(seats) == 1 else []
    if len(found) != 1:
        raise DomainError(fields={"seat": [_("This seat does not exist on this panel.")]})
    return found[0]


def arbitrator_propose(
    *,
    arbitration: Arbitration,
    actor: User,
    seat: str = "",
    number: int | None = None,
    name: str = "",
    national_code: str = "",
    mobile: str = "",
    birth_date: date | None = None,
    user: User | None = None,
) -> Arbitrator:
    """Name a person for a seat: of the art. 464 panel (each side names one and those two agree a
    third), or a numbered seat of a panel whose size the agreement fixed."""
    with transaction.atomic():
        dispute, arbitration = _lock_arbitration(arbitration)
        _require(access_for(dispute=dispute, user=actor), "staff")
        if arbitration.status != ArbitrationStatus.FORMING:
            raise ConflictError(_("The panel is already formed."), code="panel_formed")
        seat, number = _seat_for(arbitration, seat or "", number)
        live = list(
            arbitration.arbitrators.filter(status__in=[ArbitratorStatus.PROPOSED, ArbitratorStatus.ACCEPTED])
        )
        if any(a.number == number for a in live):
            raise ConflictError(_("This seat is already taken."), code="seat_taken")
        if seat == ArbitratorSeat.PRESIDING:
            accepted = {a.seat for a in live if a.status == ArbitratorStatus.ACCEPTED}
            if not {ArbitratorSeat.CLAIMANT, ArbitratorSeat.RESPONDENT} <= accepted:
                raise ConflictError(
                    _("The third arbitrator is agreed by the two others, once both have accepted."),
                    code="presiding_too_early",
                )
        data = _clean_party(
            PartyInput(name=name, national_code=national_code, mobile=mobile, user=user),
            "arbitrator",
            require_mobile=False,
        )
        birth = user.birth_date if user is not None and user.birth_date else birth_date
        if data["national_code"]:
            if any(a.national_code == data["national_code"] for a in live):
                raise DomainError(_("This person already holds a seat."), code="already_seated")
            if Party.objects.filter(dispute=dispute, national_code=data["national_code"]).exists():
                raise DomainError(
                    _("A party cannot be an arbitrator in their own dispute."), code="party_as_arbitrator"
                )
        arbitrator = Arbitrator.objects.create(
            arbitration=arbitration,
            seat=seat,
            number=number,
            user=user,
            name=data["name"],
            national_code=data["national_code"],
            mobile=data["mobile"],
            birth_date=birth,
        )
        _event(
            dispute,
            subject=EventSubject.ARBITRATOR,
            subject_id=arbitrator.pk,
            to=ArbitratorStatus.PROPOSED,
            actor=actor,
            reason=arbitrator.seat_label,
        )
        _audit("arbitrator.proposed", dispute=dispute, actor=actor, obj=arbitrator, seat=seat, number=number)
    return arbitrator


def arbitrator_grounds(arbitrator: Arbitrator) -> list[str]:
    """The declared grounds and the waivers still missing, as translated text for the error."""
    return [str(Disqualification(g).label) for g in arbitrator.grounds if g in Disqualification.values]


def arbitrator_declare(
    *,
    arbitrator: Arbitrator,
    actor: User,
    grounds: Sequence[str] = (),
    note: str = "",
    birth_date: date | None = None,
) -> Arbitrator:
    """The arbitrator's eligibility declaration (arts. 466, 469); age is computed from the birth date.

    The declaration is always kept. A ground of art. 466 disqualifies the person; a ground of
    art. 469 blocks acceptance until both parties waive it.
    """
    grounds = list(dict.fromkeys(grounds or []))
    unknown = [g for g in grounds if g not in Disqualification.values or g == Disqualification.UNDER_AGE]
    if unknown:
        raise DomainError(fields={"grounds": [_("Unknown ground.")]})
    with transaction.atomic():
        dispute, _arbitration = _lock_arbitration(arbitrator.arbitration_id)
        arbitrator = Arbitrator.objects.select_for_update().get(pk=arbitrator.pk)
        access = access_for(dispute=dispute, user=actor)
        own = arbitrator.user_id is not None and arbitrator.user_id == actor.pk
        if not own:
            _require(access, "staff")
        if arbitrator.status != ArbitratorStatus.PROPOSED:
            raise ConflictError(_("This arbitrator's declaration is closed."), code="declaration_closed")
        birth = birth_date or arbitrator.birth_date
        if birth is None:
            raise DomainError(fields={"birth_date": [_("The birth date is needed to check the age.")]})
        if birth > _today():
            raise DomainError(fields={"birth_date": [_("The birth date cannot be in the future.")]})
        if _age_on(birth, _today()) < settings.DISPUTES_ARBITRATOR_MIN_AGE:
            grounds.append(Disqualification.UNDER_AGE)
        arbitrator.birth_date = birth
        arbitrator.grounds = grounds
        arbitrator.declaration_note = _text(note, limit=500)
        arbitrator.declared_at = _now()
        arbitrator.save(update_fields=["birth_date", "grounds", "declaration_note", "declared_at"])
        _audit("arbitrator.declared", dispute=dispute, actor=actor, obj=arbitrator, grounds=grounds)
        if any(g in ABSOLUTE_GROUNDS for g in grounds):
            arbitrator = arbitrator_transition(
                arbitrator=arbitrator,
                to=ArbitratorStatus.DISQUALIFIED,
                actor=actor,
                dispute=dispute,
                reason=", ".join(arbitrator_grounds(arbitrator))[:300],
            )
        else:
            _event(
                dispute,
                subject=EventSubject.ARBITRATOR,
                subject_id=arbitrator.pk,
                frm=ArbitratorStatus.PROPOSED,
                to="declared",
                actor=actor,
                reason=", ".join(arbitrator_grounds(arbitrator))[:300],
            )
    return arbitrator


def arbitrator_waive(*, arbitrator: Arbitrator, party: Party | str, actor: User) -> Arbitrator:
    """A party agrees to an arbitrator despite a ground of art. 469 (never one of art. 466)."""
    with transaction.atomic():
        dispute, _arbitration = _lock_arbitration(arbitrator.arbitration_id)
        arbitrator = Arbitrator.objects.select_for_update().get(pk=arbitrator.pk)
        access = access_for(dispute=dispute, user=actor)
        role = party.role if isinstance(party, Party) else party
        if role not in PartyRole.values:
            raise DomainError(fields={"party": [_("Choose the claimant or the respondent.")]})
        if access.role != role:
            _require(access, "staff")
        on_behalf = _parties(dispute)[role].user if access.role != role else None
        if arbitrator.status != ArbitratorStatus.PROPOSED or arbitrator.declared_at is None:
            raise ConflictError(_("There is no declaration to waive."), code="nothing_to_waive")
        if any(g in ABSOLUTE_GROUNDS for g in arbitrator.grounds):
            raise DomainError(_("This ground cannot be waived (art. 466)."), code="not_waivable")
        if not arbitrator.grounds:
            raise ConflictError(_("There is no ground to waive."), code="nothing_to_waive")
        field_name = f"waived_by_{role}_at"
        if getattr(arbitrator, field_name) is None:
            setattr(arbitrator, field_name, _now())
            arbitrator.save(update_fields=[field_name])
            _event(
                dispute,
                subject=EventSubject.ARBITRATOR,
                subject_id=arbitrator.pk,
                frm=arbitrator.status,
                to=f"waived_by_{role}"[:20],
                actor=actor,
                on_behalf_of=on_behalf,
            )
            _audit(
                "arbitrator.waived",
                dispute=dispute,
                actor=actor,
                on_behalf_of=on_behalf,
                obj=arbitrator,
                party=role,
            )
    return arbitrator


def arbitrator_withdraw(*, arbitrator: Arbitrator, actor: User, reason: str) -> Arbitrator:
    """Take back a proposal not yet accepted (e.g. a ground the parties will not waive): the seat is free."""
    reason = _text(reason, limit=300)
    if not reason:
        raise DomainError(fields={"reason": [_("Say why the proposal is withdrawn.")]})
    with transaction.atomic():
        dispute, arbitration = _lock_arbitration(arbitrator.arbitration_id)
        access = access_for(dispute=dispute, user=actor)
        if not (arbitrator.user_id and arbitrator.user_id == actor.pk):
            _require(access, "staff")
        if arbitration.status != ArbitrationStatus.FORMING:
            raise ConflictError(_("The panel is already formed."), code="panel_formed")
        return arbitrator_transition(
            arbitrator=Arbitrator.objects.get(pk=arbitrator.pk),
            to=ArbitratorStatus.WITHDRAWN,
            actor=actor,
            dispute=dispute,
            reason=reason,
        )


def arbitrator_accept(*, arbitrator: Arbitrator, actor: User) -> Arbitrator:
    """The arbitrator accepts and is notified. When every seat is filled the term starts (art. 484)."""
    with transaction.atomic():
        dispute, arbitration = _lock_arbitration(arbitrator.arbitration_id)
        arbitrator = Arbitrator.objects.select_for_update().get(pk=arbitrator.pk)
        access = access_for(dispute=dispute, user=actor)
        if not (arbitrator.user_id and arbitrator.user_id == actor.pk):
            _require(access, "staff")
        if arbitrator.status == ArbitratorStatus.DISQUALIFIED:
            raise DomainError(
                _("This arbitrator is disqualified: %(grounds)s.")
                % {"grounds": "، ".join(arbitrator_grounds(arbitrator))},
                code="arbitrator_disqualified",
            )
        if arbitrator.status != ArbitratorStatus.PROPOSED:
            raise ConflictError(_("This arbitrator has already accepted."), code="already_accepted")
        if arbitrator.declared_at is None:
            raise DomainError(
                _("The arbitrator must make the eligibility declaration first."), code="no_declaration"
            )
        if arbitrator.grounds and not (
            arbitrator.waived_by_claimant_at and arbitrator.waived_by_respondent_at
        ):
            raise DomainError(
                _("This arbitrator cannot be appointed unless both parties agree: %(grounds)s.")
                % {"grounds": "، ".join(arbitrator_grounds(arbitrator))},
                code="arbitrator_not_eligible",
            )
        now = _now()
        arbitrator = arbitrator_transition(
            arbitrator=arbitrator,
            to=ArbitratorStatus.ACCEPTED,
            actor=actor,
            dispute=dispute,
            changes={"notified_at": now},
        )
        if arbitrator.mobile:
            language = (
                arbitrator.user.preferred_language if arbitrator.user else ""
            ) or settings.LANGUAGE_CODE
            with translation.override(language):
                context = {
                    "reference": dispute.reference_display,
                    "seat": arbitrator.seat_label,
                    "office": _office_name(dispute.office, language),
                }
            message_enqueue(
                template="disputes.arbitrator_appointed",
                to=arbitrator.mobile,
                recipient=arbitrator.user,
                context=context,
                language=language,
                dedupe_key=f"dispute-arbitrator:{arbitrator.pk}:accepted",
            )
        seated = arbitration.arbitrators.filter(status=ArbitratorStatus.ACCEPTED).count()
        if seated == arbitration.panel_size:
            today = tehran_date(now)
            term_end = rules.arbitration_term_end(today, agreed_days=arbitration.agreed_term_days)
            arbitration_transition(
                arbitration=arbitration,
                to=ArbitrationStatus.ACTIVE,
                actor=actor,
                changes={"all_notified_on": today, "term_ends_on": term_end},
            )
            Dispute.objects.filter(pk=dispute.pk).update(due_at=rules.end_of_day(term_end), updated_at=now)
            for party in _parties(dispute).values():
                _sms(
                    party,
                    "disputes.arbitration_active",
                    dispute=dispute,
                    dedupe_key=f"dispute-arbitration:{arbitration.pk}:active:{party.role}",
                    context=lambda language: {"until": _date_text(term_end, language)},
                )
    return arbitrator


def arbitration_extend(
    *, arbitration: Arbitration, actor: User, days: int, agreed_by_both: bool, note: str = ""
) -> Arbitration:
    """Extend the term by the parties' agreement (art. 484), before it runs out."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        raise DomainError(fields={"days": [_("An extension is 1 to 365 days.")]})
    if agreed_by_both is not True:
        raise DomainError(
            _("The term is extended only when both parties agree."),
            code="extension_needs_agreement",
            fields={"agreed_by_both": [_("Both parties must agree.")]},
        )
    with transaction.atomic():
        dispute, arbitration = _lock_arbitration(arbitration)
        _require(access_for(dispute=dispute, user=actor), "staff")
        if arbitration.status != ArbitrationStatus.ACTIVE:
            raise ConflictError(_("Only a running term can be extended."), code="term_not_running")
        old = arbitration.term_ends_on
        if old is None or rules.is_past(old, now=_now()):
            raise ConflictError(_("The term has already ended."), code="term_ended")
        # Like the term itself, the extended term does not move over holidays (see rules).
        new = old + timedelta(days=days)
        arbitration.term_ends_on = new
        arbitration.extensions += 1
        arbitration.save(update_fields=["term_ends_on", "extensions"])
        Dispute.objects.filter(pk=dispute.pk).update(due_at=rules.end_of_day(new))
        _event(
            dispute,
            subject=EventSubject.ARBITRATION,
            subject_id=arbitration.pk,
            frm=arbitration.status,
            to=arbitration.status,
            actor=actor,
            reason=_text(note, limit=300) or str(_("Extended by agreement")),
            due_at=rules.end_of_day(new),
        )
        _audit(
            "arbitration.extended",
            dispute=dispute,
            actor=actor,
            obj=arbitration,
            old_end=old.isoformat(),
            new_end=new.isoformat(),
        )
    return arbitration
