"""Writes for disputes: intake and triage, the respondent's invitation and join, mediation
sessions, settlement and signing, arbitration and award, referral, and the money they move.

Every function is keyword-only and follows one shape: check who acts and the state, lock or
compare-and-set, save with ``update_fields``, write the event row and the audit event in the
same transaction, and leave SMS (outbox) and signals for after commit. The dispute ladder has
one transition service (``dispute_transition``); each sub-workflow (session, settlement,
arbitration, award, referral) has its own small table and its own transition service.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from tanzim.accounts import services as account_services
from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.accounts.permissions import is_office_staff
from tanzim.audit import services as audit
from tanzim.audit.workflow import Workflow, transition
from tanzim.common import ratelimit
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.identifiers import clean_national_code, mask_phone, parse_phone
from tanzim.common.jalali import format_jalali, tehran_date, to_jalali_date
from tanzim.common.money import format_rials
from tanzim.common.normalize import normalize_text
from tanzim.disputes import codes, rules, selectors
from tanzim.disputes.choices import (
    ABSOLUTE_GROUNDS,
    FINAL,
    MANUAL_FAILURE_REASONS,
    OUTCOME,
    AgreementKind,
    ArbitrationStatus,
    ArbitratorSeat,
    ArbitratorStatus,
    ComplianceStatus,
    CriminalTrack,
    DisputeCategory,
    DisputeOrigin,
    DisputeStatus,
    Disqualification,
    EventSubject,
    FailureReason,
    ObligationKind,
    OtpPurpose,
    PartyRole,
    ReferralPurpose,
    ReferralReason,
    ReferralStatus,
    ReferralTarget,
    ResolutionPath,
    RespondentResponse,
    SessionKind,
    SessionMode,
    SessionResult,
    SessionStatus,
    SettlementStatus,
)
from tanzim.disputes.models import (
    Arbitration,
    Arbitrator,
    Award,
    Dispute,
    DisputeDocument,
    DisputeEvent,
    JoinCode,
    Obligation,
    Party,
    PartyOtp,
    Referral,
    Session,
    SessionProposal,
    Settlement,
    Signature,
    TriageRule,
)
from tanzim.disputes.selectors import Access, access_for
from tanzim.disputes.signals import dispute_concluded
from tanzim.disputes.workflows import ARBITRATION, ARBITRATOR, AWARD, DISPUTE, REFERRAL, SESSION, SETTLEMENT
from tanzim.notify.services import message_enqueue
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import Office, WorkingHours
from tanzim.offices.selectors import office_licence_kinds

logger = logging.getLogger(__name__)

INVALID_JOIN = _("The code or the national code is wrong, or the invitation has expired.")
INVALID_OTP = _("The code is wrong or has expired. Request a new code.")
JOIN_WINDOW = 3600
MAX_OBLIGATIONS = 60
MAX_OBLIGATION_YEARS = 10
SESSION_MINUTES = (15, 240)

# SMS to the parties when the dispute reaches a stage.
NOTIFY_ON = {
    DisputeStatus.SETTLED: "disputes.settled",
    DisputeStatus.FAILED: "disputes.failed",
    DisputeStatus.AWARDED: "disputes.awarded",
    DisputeStatus.REFERRED: "disputes.referred",
    DisputeStatus.WITHDRAWN: "disputes.withdrawn",
}


# --- small helpers --------------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def _today() -> date:
    return tehran_date(timezone.now())


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _int_or_none(value: Any, name: str, *, positive: bool = False) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(fields={name: [_("Enter a whole amount in rials.")]})
    if value < 0 or (positive and value == 0):
        raise DomainError(fields={name: [_("Enter an amount more than zero.")]})
    if value > 10**15:
        raise DomainError(fields={name: [_("This amount is too large.")]})
    return value


def _text(value: Any, *, limit: int) -> str:
    return normalize_text(str(value or ""))[:limit]


def _lock(dispute: Dispute | int) -> Dispute:
    found = Dispute.objects.select_for_update().filter(pk=_pk(dispute)).first()
    if found is None:
        raise selectors._not_found()
    return Dispute.objects.select_related("office", "office__province", "mediator", "case").get(pk=found.pk)


def _require(access: Access, *kinds: str) -> None:
    """Allow when the actor is one of ``kinds``; a stranger gets 404, a known person 403."""
    if not access.any:
        raise selectors._not_found()
    checks = {
        "staff": access.staff,
        "convener": access.convener,
        "mediator": access.mediator,
        "arbitrator": access.arbitrator is not None,
        "party": access.party is not None,
        "claimant": access.role == PartyRole.CLAIMANT,
        "respondent": access.role == PartyRole.RESPONDENT,
        "reader": access.reader,
    }
    if not any(checks[kind] for kind in kinds):
        raise PermissionDeniedError()


def _parties(dispute: Dispute) -> dict[str, Party]:
    return {p.role: p for p in Party.objects.filter(dispute=dispute).select_related("user")}


def _event(
    dispute: Dispute,
    *,
    subject: str,
    to: str,
    frm: str = "",
    actor: Any = None,
    on_behalf_of: Any = None,
    subject_id: int | None = None,
    reason: str = "",
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute,
        subject=subject,
        subject_id=subject_id,
        created_at=now or _now(),
        from_status=frm,
        to_status=to,
        actor=actor,
        on_behalf_of=on_behalf_of,
        office_id=dispute.office_id,
        reason=str(reason)[:300],
        due_at=due_at,
    )


def _audit(
    action: str, *, dispute: Dispute, actor: Any, obj: Any = None, on_behalf_of: Any = None, **data
) -> None:
    audit.record(
        action=f"disputes.{action}",
        actor=actor,
        on_behalf_of=on_behalf_of,
        obj=obj or dispute,
        office=dispute.office_id,
        data={"dispute": dispute.pk, **data},
    )


def _language_of(party: Party) -> str:
    if party.user_id and party.user.preferred_language:
        return party.user.preferred_language
    return settings.LANGUAGE_CODE


def _office_name(office: Office, language: str) -> str:
    return office.name_en if language.startswith("en") else office.name_fa


def _url(name: str, **kwargs: Any) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)


def _sms(
    party: Party,
    template: str,
    *,
    dispute: Dispute,
    dedupe_key: str,
    context: Callable[[str], dict[str, Any]] | None = None,
) -> None:
    """An SMS to a party in their language, through the outbox in the caller's transaction."""
    if not party.mobile:
        return
    language = _language_of(party)
    with translation.override(language):
        values = {
            "reference": dispute.reference_display,
            "office": _office_name(dispute.office, language),
            "url": _url("disputes:detail", pk=dispute.pk),
            **({k: str(v) for k, v in context(language).items()} if context else {}),
        }
    message_enqueue(
        template=template,
        to=party.mobile,
        context=values,
        language=language,
        recipient=party.user,
        dedupe_key=dedupe_key[:120],
    )


def _date_text(day: date | datetime | None, language: str) -> str:
    return format_jalali(day, persian_digits=language == "fa", long=True)


def _send_concluded(dispute: Dispute, outcome: str) -> None:
    """Tell higher apps after commit; a failing receiver is logged, never undoes the outcome."""

    def send() -> None:
        for receiver, result in dispute_concluded.send_robust(
            sender=Dispute, dispute=dispute, outcome=outcome
        ):
            if isinstance(result, Exception):
                logger.error(
                    "disputes signal receiver %s failed: %s",
                    getattr(receiver, "__qualname__", receiver),
                    type(result).__name__,
                    exc_info=result,
                )

    transaction.on_commit(send)


# --- the dispute ladder: one transition service ---------------------------------------------------


def _fk_ids(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Other fields a move writes, a related object given by its id (what the engine sets back)."""
    return {
        f"{name}_id" if isinstance(value, models.Model) else name: getattr(value, "pk", value)
        for name, value in changes.items()
    }


def dispute_transition(
    *,
    dispute: Dispute,
    to: str,
    actor: Any,
    reason: str = "",
    expected_status: str | None = None,
    on_behalf_of: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> Dispute:
    """Move a dispute along the ladder. A stale move (someone moved it first) is a 409.

    ``extra`` holds the other fields that change with the stage (deadline, failure reason…);
    ``due_at`` in it is the new stage's deadline, otherwise the dispute has none.
    """
    try:
        to = DisputeStatus(to).value
    except ValueError as exc:
        raise DomainError(fields={"to": [_("Unknown stage.")]}) from exc
    changes = {"due_at": None, **(extra or {})}
    with transaction.atomic():
        moved = transition(
            DISPUTE,
            _pk(dispute),
            to,
            actor=actor,
            expected_status=expected_status,
            reason=reason,
            on_behalf_of=on_behalf_of,
            changes=_fk_ids(changes),
            event_data={"due_at": changes["due_at"]},
            audit_data={"failure_reason": changes.get("failure_reason", "")},
        )
        current = Dispute.objects.select_related("office", "office__province", "mediator", "case").get(
            pk=moved.pk
        )
        _after_transition(current, to, actor)
    return current


def _after_transition(dispute: Dispute, new: str, actor: Any) -> None:
    if new in FINAL or new == DisputeStatus.FAILED:
        _wind_down(dispute, actor)
    template = NOTIFY_ON.get(new)
    if template:
        for party in _parties(dispute).values():
            _sms(
                party,
                template,
                dispute=dispute,
                dedupe_key=f"dispute:{dispute.pk}:{new}:{dispute.status_changed_at.timestamp():.0f}:{party.role}",
                context=lambda language, d=dispute: {
                    "reason": d.get_failure_reason_display() if d.failure_reason else "",
                    "target": ReferralTarget(d.referral_target).label if d.referral_target else "",
                    "due": _date_text(d.due_at, language),
                },
            )
    if new in FINAL:
        _send_concluded(dispute, OUTCOME[new])


def _wind_down(dispute: Dispute, actor: Any) -> None:
    """A dispute that stops its current attempt leaves no open settlement, session or arbitration."""
    settlement = dispute.settlements.filter(
        status__in=[SettlementStatus.DRAFT, SettlementStatus.SIGNING]
    ).first()
    if settlement is not None:
        settlement_transition(
            settlement=settlement,
            to=SettlementStatus.VOIDED,
            actor=actor,
            reason=str(_("The attempt ended.")),
            changes={"voided_at": _now(), "void_reason": str(_("The attempt ended."))[:300]},
        )
    for session in dispute.sessions.filter(status=SessionStatus.SCHEDULED):
        session_transition(session=session, to=SessionStatus.CANCELLED, actor=actor, reason="attempt ended")
    if dispute.status in FINAL:
        arbitration = dispute.arbitrations.filter(
            status__in=[ArbitrationStatus.FORMING, ArbitrationStatus.ACTIVE]
        ).first()
        if arbitration is not None:
            arbitration_transition(arbitration=arbitration, to=ArbitrationStatus.ENDED, actor=actor)


# --- sub-workflow transition services -------------------------------------------------------------


def _sub_move(
    workflow: Workflow[Any],
    obj: Any,
    to: str,
    *,
    actor: Any,
    dispute_id: int,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    on_behalf_of: Any = None,
) -> Any:
    return transition(
        workflow,
        obj,
        to,
        actor=actor,
        reason=reason,
        on_behalf_of=on_behalf_of,
        changes=changes,
        audit_data={"dispute": dispute_id},
    )


def session_transition(
    *, session: Session, to: str, actor: Any, reason: str = "", changes: Mapping[str, Any] | None = None
) -> Session:
    return _sub_move(
        SESSION, session, to, actor=actor, dispute_id=session.dispute_id, reason=reason, changes=changes
    )


def settlement_transition(
    *, settlement: Settlement, to: str, actor: Any, reason: str = "", changes: Mapping[str, Any] | None = None
) -> Settlement:
    return _sub_move(
        SETTLEMENT,
        settlement,
        to,
        actor=actor,
        dispute_id=settlement.dispute_id,
        reason=reason,
        changes=changes,
    )


def arbitration_transition(
    *,
    arbitration: Arbitration,
    to: str,
    actor: Any,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> Arbitration:
    return _sub_move(
        ARBITRATION,
        arbitration,
        to,
        actor=actor,
        dispute_id=arbitration.dispute_id,
        reason=reason,
        changes=changes,
    )


def arbitrator_transition(
    *,
    arbitrator: Arbitrator,
    to: str,
    actor: Any,
    dispute: Dispute,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> Arbitrator:
    return _sub_move(
        ARBITRATOR, arbitrator, to, actor=actor, dispute_id=dispute.pk, reason=reason, changes=changes
    )


def award_transition(
    *, award: Award, to: str, actor: Any, reason: str = "", on_behalf_of: Any = None
) -> Award:
    return _sub_move(
        AWARD,
        award,
        to,
        actor=actor,
        dispute_id=award.arbitration.dispute_id,
        reason=reason,
        on_behalf_of=on_behalf_of,
    )


def referral_transition(
    *, referral: Referral, to: str, actor: Any, reason: str = "", changes: Mapping[str, Any] | None = None
) -> Referral:
    return _sub_move(
        REFERRAL, referral, to, actor=actor, dispute_id=referral.dispute_id, reason=reason, changes=changes
    )


# --- intake ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyInput:
    """A party as typed at intake. The claimant needs an account (to sign); the respondent not yet."""

    name: str = ""
    mobile: str = ""
    national_code: str = ""
    resident_abroad: bool = False
    user: User | None = None

    @classmethod
    def of(cls, value: PartyInput | Mapping[str, Any] | None) -> PartyInput:
        if isinstance(value, PartyInput):
            return value
        value = dict(value or {})
        return cls(**{k: v for k, v in value.items() if k in cls.__dataclass_fields__})


def _clean_party(data: PartyInput, prefix: str, *, require_mobile: bool) -> dict[str, Any]:
    errors: dict[str, list] = {}
    clean = {
        "name": _text(data.name, limit=200),
        "national_code": "",
        "mobile": "",
        "resident_abroad": bool(data.resident_abroad),
    }
    if data.user is not None:
        clean["name"] = clean["name"] or data.user.get_full_name() or data.user.username
        clean["national_code"] = data.user.national_code or ""
        clean["mobile"] = data.user.mobile or ""
        clean["resident_abroad"] = data.user.resident_abroad
    if not clean["name"]:
        errors[f"{prefix}.name"] = [_("This field is required.")]
    if data.national_code and not clean["national_code"]:
        try:
            clean["national_code"] = clean_national_code(data.national_code)
        except ValidationError as exc:
            errors[f"{prefix}.national_code"] = list(exc.messages)
    if data.mobile and not clean["mobile"]:
        try:
            clean["mobile"] = parse_phone(data.mobile)
        except ValidationError as exc:
            errors[f"{prefix}.mobile"] = list(exc.messages)
    elif require_mobile and not clean["mobile"]:
        errors[f"{prefix}.mobile"] = [_("A mobile number is needed to send the codes.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    return clean


def _new_reference() -> str:
    year = to_jalali_date(timezone.now()).year % 100
    return f"{year:02d}{secrets.randbelow(10**8):08d}"


def _check_office(office: Office) -> None:
    if office.status != OfficeStatus.ACTIVE:
        raise DomainError(_("This office is not taking disputes."), code="office_inactive")
    if LicenceKind.MEDIATION not in office_licence_kinds(office=office):
        raise DomainError(
            _("This office is not licensed for mediation and peace-making."), code="office_not_licensed"
        )


def _claimant_account(actor: User, office: Office, data: PartyInput) -> User:
    """The claimant signs the settlement by SMS code, so they need an account: find or open one."""
    if data.user is not None:
        return data.user
    if not data.national_code or not data.mobile:
        raise DomainError(
            _("Please correct the errors below."),
            fields={
                k: [_("This field is required.")]
                for k, v in (("claimant.national_code", data.national_code), ("claimant.mobile", data.mobile))
                if not v
            },
        )
    first, _space, last = _text(data.name, limit=200).partition(" ")
    try:
        return account_services.citizen_register_at_counter(
            actor=actor,
            national_code=data.national_code,
            mobile=data.mobile,
            first_name=first,
            last_name=last or first,
        )
    except ValidationError as exc:
        raise DomainError(
            _("Please correct the errors below."), fields={"claimant": list(exc.messages)}
        ) from exc


@transaction.atomic
def dispute_open(
    *,
    actor: User,
    office: Office,
    category: str,
    claimant: PartyInput | Mapping[str, Any],
    respondent: PartyInput | Mapping[str, Any],
    claim_amount: int | None = None,
    summary: str = "",
    case: Any = None,
    idempotency_key: str | None = None,
) -> Dispute:
    """Open a dispute at a licensed office (a clerk), or from a case (its office or its applicant)."""
    claimant, respondent = PartyInput.of(claimant), PartyInput.of(respondent)
    staff = is_office_staff(actor, office)
    from_case = case is not None
    if from_case and case.office_id != office.pk:
        raise DomainError(_("A dispute from a case is opened at the case's office."), code="case_office")
    if not staff and not (from_case and case.applicant_id == actor.pk):
        raise PermissionDeniedError(_("Only the office's clerks can open a dispute."), code="staff_only")
    body = {
        "office": office.pk,
        "category": category,
        "claim_amount": claim_amount,
        "case": _pk(case),
        "claimant": [claimant.name, claimant.national_code, claimant.mobile, _pk(claimant.user)],
        "respondent": [respondent.name, respondent.national_code, respondent.mobile],
    }
    if idempotency_key:
        found = Dispute.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
        if found is not None:
            check_replay(stored_fingerprint=found.request_fingerprint, payload=body)
            return found
    _check_office(office)
    errors: dict[str, list] = {}
    if category not in DisputeCategory.values:
        errors["category"] = [_("Choose a category.")]
    try:
        claim_amount = _int_or_none(claim_amount, "claim_amount")
    except DomainError as exc:
        errors.update(exc.fields)
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    claimant_data = _clean_party(claimant, "claimant", require_mobile=claimant.user is None)
    respondent_data = _clean_party(respondent, "respondent", require_mobile=False)
    claimant_user = _claimant_account(actor, office, claimant)
    claimant_data.update(
        national_code=claimant_user.national_code or claimant_data["national_code"],
        mobile=claimant_user.mobile or claimant_data["mobile"],
    )
    if (
        respondent_data["national_code"]
        and respondent_data["national_code"] == claimant_data["national_code"]
    ):
        raise DomainError(
            _("The respondent cannot be the same person as the claimant."),
            code="same_party",
            fields={
                "respondent.national_code": [_("The respondent cannot be the same person as the claimant.")]
            },
        )
    now = _now()
    for _attempt in range(8):
        try:
            with transaction.atomic():
                dispute = Dispute.objects.create(
                    reference=_new_reference(),
                    office=office,
                    case=case,
                    origin=DisputeOrigin.CASE if from_case else DisputeOrigin.OFFICE,
                    category=category,
                    claim_amount=claim_amount,
                    summary=_text(summary, limit=5000),
                    status=DisputeStatus.INTAKE,
                    status_changed_at=now,
                    created_by=actor,
                    created_at=now,
                    idempotency_key=idempotency_key or None,
                    request_fingerprint=fingerprint(body),
                )
            break
        except IntegrityError:
            if (
                idempotency_key
                and Dispute.objects.filter(created_by=actor, idempotency_key=idempotency_key).exists()
            ):
                return Dispute.objects.get(created_by=actor, idempotency_key=idempotency_key)
            continue
    else:
        raise ConflictError(code="reference_exhausted")
    on_behalf = claimant_user if actor.pk != claimant_user.pk else None
    Party.objects.create(
        dispute=dispute, role=PartyRole.CLAIMANT, user=claimant_user, joined_at=now, **claimant_data
    )
    Party.objects.create(dispute=dispute, role=PartyRole.RESPONDENT, **respondent_data)
    _event(
        dispute,
        subject=EventSubject.DISPUTE,
        to=DisputeStatus.INTAKE,
        actor=actor,
        on_behalf_of=on_behalf,
        now=now,
    )
    _audit(
        "dispute.opened",
        dispute=dispute,
        actor=actor,
        on_behalf_of=on_behalf,
        category=category,
        claim_amount=claim_amount,
        origin=dispute.origin,
        case=_pk(case),
    )
    if from_case:
        _copy_case_documents(dispute, case, actor)
    dispute = Dispute.objects.select_related("office").get(pk=dispute.pk)
    _sms(
        _parties(dispute)[PartyRole.CLAIMANT],
        "disputes.opened",
        dispute=dispute,
        dedupe_key=f"dispute:{dispute.pk}:opened",
        context=lambda language: {"category": DisputeCategory(category).label},
    )
    return dispute


def _copy_case_documents(dispute: Dispute, case: Any, actor: User) -> None:
    claimant = Party.objects.get(dispute=dispute, role=PartyRole.CLAIMANT)
    for doc in case.documents.all():
        DisputeDocument.objects.get_or_create(
            dispute=dispute,
            sha256=doc.sha256,
            defaults={
                "title": doc.title,
                "file": doc.file.name,
                "content_type": doc.content_type,
                "size": doc.size,
                "pages": doc.pages,
                "provided_by": claimant,
                "shared": True,
                "uploaded_by": actor,
            },
        )


CASE_STATUSES_FOR_DISPUTE = (
    "submitted",
    "in_review",
    "resubmitted",
    "verified",
    "awaiting_payment",
    "paid",
    "filed",
)


def dispute_open_from_case(
    *,
    case: Any,
    actor: User,
    category: str,
    summary: str = "",
    respondent_mobile: str = "",
    idempotency_key: str | None = None,
) -> Dispute:
    """A petition or complaint goes to resolution first: its parties, amount and documents come along."""
    from tanzim.cases.choices import PartyRole as CasePartyRole

    case = type(case).objects.select_related("office", "applicant").get(pk=case.pk)
    if case.status not in CASE_STATUSES_FOR_DISPUTE:
        raise ConflictError(
            _("This request cannot be sent to dispute resolution now."), code="case_not_ready"
        )
    live = Dispute.objects.filter(case=case).exclude(status__in=FINAL)
    if live.exists():
        raise ConflictError(_("This request already has a dispute in progress."), code="case_has_dispute")
    respondent = case.parties.filter(role=CasePartyRole.RESPONDENT).order_by("pk").first()
    if respondent is None:
        raise DomainError(_("The request names no respondent."), code="no_respondent")
    return dispute_open(
        actor=actor,
        office=case.office,
        category=category,
        claimant=PartyInput(user=case.applicant),
        respondent=PartyInput(
            name=respondent.name,
            national_code=respondent.national_code,
            mobile=respondent_mobile or respondent.phone,
            resident_abroad=respondent.resident_abroad,
        ),
        claim_amount=case.claim_amount,
        summary=summary or case.claim_text or case.title,
        case=case,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def dispute_update(
    *,
    dispute: Dispute,
    actor: User,
    category: str | None = None,
    claim_amount: int | None = None,
    summary: str | None = None,
) -> Dispute:
    """Correct what was typed at intake; after triage the facts are frozen."""
    dispute = _lock(dispute)
    _require(access_for(dispute=dispute, user=actor), "staff")
    if dispute.status != DisputeStatus.INTAKE:
        raise ConflictError(_("Only a dispute at intake can be edited."), code="not_editable")
    fields = []
    if category is not None:
        if category not in DisputeCategory.values:
            raise DomainError(fields={"category": [_("Choose a category.")]})
        dispute.category, fields = category, [*fields, "category"]
    if claim_amount is not None:
        dispute.claim_amount, fields = _int_or_none(claim_amount, "claim_amount"), [*fields, "claim_amount"]
    if summary is not None:
        dispute.summary, fields = _text(summary, limit=5000), [*fields, "summary"]
    if fields:
        dispute.save(update_fields=[*fields, "updated_at"])
        _audit("dispute.edited", dispute=dispute, actor=actor, fields=fields)
    return dispute


@transaction.atomic
def party_update(
    *,
    party: Party,
    actor: User,
    name: str | None = None,
    national_code: str | None = None,
    mobile: str | None = None,
    resident_abroad: bool | None = None,
) -> Party:
    """Correct a party who has not joined yet (e.g. the respondent's mobile before inviting)."""
    dispute = _lock(party.dispute_id)
    _require(access_for(dispute=dispute, user=actor), "staff")
    party = Party.objects.select_for_update().get(pk=party.pk)
    if dispute.status in FINAL:
        raise ConflictError(_("This dispute is closed."), code="dispute_closed")
    if party.user_id:
        raise ConflictError(
            _("This party has an account; they keep their own details."), code="party_has_account"
        )
    data = _clean_party(
        PartyInput(
            name=party.name if name is None else name,
            national_code=party.national_code if national_code is None else national_code,
            mobile=party.mobile if mobile is None else mobile,
            resident_abroad=party.resident_abroad if resident_abroad is None else resident_abroad,
        ),
        party.role,
        require_mobile=False,
    )
    other = Party.objects.filter(dispute=dispute).exclude(pk=party.pk).first()
    if data["national_code"] and other and other.national_code == data["national_code"]:
        raise DomainError(
            _("The respondent cannot be the same person as the claimant."),
            code="same_party",
            fields={"national_code": [_("The respondent cannot be the same person as the claimant.")]},
        )
    changed = [k for k, v in data.items() if getattr(party, k) != v]
    for key in changed:
        setattr(party, key, data[key])
    if changed:
        party.save(update_fields=changed)
        if "mobile" in changed:
            # A code sent to the old number must not let anyone in any more.
            JoinCode.objects.filter(party=party, used_at__isnull=True, revoked_at__isnull=True).update(
                revoked_at=_now()
            )
        _audit("party.edited", dispute=dispute, actor=actor, obj=party, fields=changed)
    return party


# --- triage ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageDecision:
    eligible: bool
    path: str
    referral_target: str
    note: str
    rule: TriageRule | None
    halves_court_fee: bool


def triage_decide(*, category: str, claim_amount: int | None) -> TriageDecision:
    """Apply the Kanoon's rule for a category and amount: eligible or not, which path, why."""
    rule = TriageRule.objects.filter(category=category).first()
    if rule is None:
        return TriageDecision(
            eligible=False,
            path=ResolutionPath.COURT,
            referral_target=ReferralTarget.COURT,
            note=str(_("No triage rule covers this category; the competent court decides.")),
            rule=None,
            halves_court_fee=False,
        )
    if rule.requires_amount and claim_amount is None:
        raise DomainError(
            _("This kind of dispute needs the claim amount."),
            code="amount_required",
            fields={"claim_amount": [_("This kind of dispute needs the claim amount.")]},
        )
    if not rule.eligible:
        return TriageDecision(
            eligible=False,
            path=ResolutionPath.COURT,
            referral_target=rule.referral_target,
            note=rule.note or str(_("Offices may not resolve this kind of dispute.")),
            rule=rule,
            halves_court_fee=False,
        )
    ceiling = rule.ceiling
    if ceiling is not None and claim_amount is not None and claim_amount > ceiling:
        path = rule.over_ceiling_path
        return TriageDecision(
            eligible=path != ResolutionPath.COURT,
            path=path,
            referral_target=rule.over_ceiling_referral_target,
            note=str(
                _("The claim is above the ceiling of %(ceiling)s rials.") % {"ceiling": format_rials(ceiling)}
            ),
            rule=rule,
            halves_court_fee=False,
        )
    return TriageDecision(
        eligible=True,
        path=rule.path,
        referral_target=rule.referral_target,
        note=rule.note,
        rule=rule,
        halves_court_fee=rule.halves_court_fee,
    )


def dispute_triage(*, dispute: Dispute, actor: User, expected_status: str | None = None) -> Dispute:
    """Intake → triaged with a recommended path; an out-of-scope dispute goes straight to court."""
    with transaction.atomic():
        dispute = _lock(dispute)
        _require(access_for(dispute=dispute, user=actor), "staff")
        if dispute.status != DisputeStatus.INTAKE:
            raise ConflictError(_("This dispute was already triaged."), code="already_triaged")
        if expected_status and expected_status != dispute.status:
            raise ConflictError(code="stale_status")
        decision = triage_decide(category=dispute.category, claim_amount=dispute.claim_amount)
        fields = {
            "eligible": decision.eligible,
            "path": decision.path,
            "triage_rule": decision.rule,
            "triage_note": decision.note[:300],
            "referral_target": decision.referral_target,
            "halves_court_fee": decision.halves_court_fee,
            "criminal_track": CriminalTrack.MEDIATION
            if decision.path == ResolutionPath.CRIMINAL_MEDIATION
            else "",
        }
        if decision.eligible:
            return dispute_transition(
                dispute=dispute,
                to=DisputeStatus.TRIAGED,
                actor=actor,
                reason=decision.note,
                expected_status=DisputeStatus.INTAKE,
                extra=fields,
            )
        Dispute.objects.filter(pk=dispute.pk).update(**fields)
        dispute.refresh_from_db()
        referral_create(
            dispute=dispute,
            actor=actor,
            reason=ReferralReason.OUT_OF_SCOPE,
            target=decision.referral_target,
            note=decision.note,
        )
        return Dispute.objects.select_related("office").get(pk=dispute.pk)


# --- the respondent's invitation and join ---------------------------------------------------------


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
                "url": _url("disputes:join"),
            },
        )
    return Invitation(dispute=dispute, code=code, expires_at=join.expires_at, attempt=attempt)


def invitation_follow_up(*, dispute_id: int, now: datetime | None = None) -> str:
    """A try went unanswered: remind, or after the last try mark the respondent not contactable.

    Safe to run twice: it acts only on an invited dispute whose deadline has passed.
    """
    now = now or _now()
    dispute = Dispute.objects.filter(pk=dispute_id, status=DisputeStatus.INVITED, due_at__lt=now).first()
    if dispute is None:
        return "skipped"
    if dispute.invite_attempts < settings.DISPUTES_INVITE_MAX_TRIES:
        try:
            dispute_invite(dispute=dispute, actor=None, expected_status=DisputeStatus.INVITED)
        except (ConflictError, DomainError):
            return "skipped"
        return "reminded"
    try:
        dispute_transition(
            dispute=dispute,
            to=DisputeStatus.FAILED,
            actor=None,
            reason=str(_("No answer after %(n)s invitations.") % {"n": dispute.invite_attempts}),
            expected_status=DisputeStatus.INVITED,
            extra={
                "failure_reason": FailureReason.NOT_CONTACTABLE,
                "respondent_response": RespondentResponse.NOT_CONTACTABLE,
                "responded_at": None,
                "due_at": _idle_due(now),
            },
        )
    except ConflictError:
        return "skipped"
    JoinCode.objects.filter(party__dispute=dispute, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    return "not_contactable"


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


def _send_otp(
    party: Party, purpose: str, *, settlement: Settlement | None = None, dispute: Dispute
) -> PartyOtp:
    now = _now()
    scope_key = f"{party.pk}:{purpose}"
    ratelimit.check(
        "dispute-otp",
        scope_key,
        limit=settings.OTP_REQUESTS_PER_HOUR,
        window=JOIN_WINDOW,
        message=_("Too many codes were requested. Please wait and try again later."),
    )
    ratelimit.hit("dispute-otp", scope_key, window=JOIN_WINDOW)
    PartyOtp.objects.filter(party=party, purpose=purpose, used_at__isnull=True).update(used_at=now)
    otp = PartyOtp.objects.create(
        party=party,
        purpose=purpose,
        settlement=settlement,
        code_hash="",
        expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
    )
    code = codes.new_otp()
    otp.code_hash = codes.otp_hash(otp.pk, code)
    otp.save(update_fields=["code_hash"])
    minutes = max(1, settings.OTP_TTL_SECONDS // 60)
    if purpose == OtpPurpose.JOIN:
        _sms(
            party,
            "disputes.join_otp",
            dispute=dispute,
            dedupe_key=f"dispute-otp:{otp.pk}",
            context=lambda language: {"code": code, "minutes": minutes},
        )
    else:
        obligations = list(settlement.obligations.all()) if settlement else []
        _sms(
            party,
            "disputes.sign_otp",
            dispute=dispute,
            dedupe_key=f"dispute-otp:{otp.pk}",
            context=lambda language: {
                "code": code,
                "minutes": minutes,
                "count": len(obligations),
                "total": format_rials(
                    sum(o.amount or 0 for o in obligations), persian_digits=language == "fa"
                ),
            },
        )
    return otp


@dataclass(frozen=True)
class JoinTicket:
    join_code_id: int
    dispute_id: int
    masked_mobile: str


def join_start(*, code: str, national_code: str, ip: str | None = None) -> JoinTicket:
    """Step 1 of joining: the code from the SMS and the respondent's national code; an OTP follows.

    A wrong code, a wrong national code and an expired invitation get the same answer, and every
    failure counts toward a lock-out per address.
    """
    ident = ip or "unknown"
    ratelimit.check("dispute-join-ip", ident, limit=settings.LOGIN_MAX_FAILURES * 4, window=JOIN_WINDOW)
    now = _now()
    join = _live_join_code(code, now=now)
    try:
        nc = clean_national_code(national_code)
    except ValidationError:
        nc = None
    party = join.party if join else None
    ok = (
        join is not None
        and nc is not None
        and party.role == PartyRole.RESPONDENT
        and (not party.national_code or party.national_code == nc)
        and not Party.objects.filter(
            dispute=party.dispute, role=PartyRole.CLAIMANT, national_code=nc
        ).exists()
    )
    if not ok:
        ratelimit.hit("dispute-join-ip", ident, window=JOIN_WINDOW)
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


def _check_otp(
    party: Party, purpose: str, entered: str, *, settlement: Settlement | None = None
) -> PartyOtp | None:
    """The newest live code of this purpose, if ``entered`` matches; counts the attempt either way."""
    otps = PartyOtp.objects.select_for_update().filter(
        party=party, purpose=purpose, used_at__isnull=True, expires_at__gt=_now()
    )
    if settlement is not None:
        otps = otps.filter(settlement=settlement)
    otp = otps.order_by("-created_at", "-pk").first()
    if otp is None or otp.attempts >= settings.OTP_MAX_ATTEMPTS:
        return None
    otp.attempts += 1
    ok = codes.otp_matches(otp.pk, otp.code_hash, entered)
    if ok:
        otp.used_at = _now()
    otp.save(update_fields=["attempts", "used_at"])
    return otp if ok else None


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
            account = User.objects.filter(national_code=nc).first()
            if account is not None and account.mobile != party.mobile:
                raise DomainError(
                    _(
                        "You already have a Tanzim account with another mobile number. Sign in to it first, "
                        "then enter the invitation code again."
                    ),
                    code="sign_in_first",
                )
            if account is None:
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


# --- the respondent's answer, mediator, window ----------------------------------------------------


def _window_end(start: date, *, criminal_track: str) -> date:
    return rules.mediation_window(criminal_track=criminal_track).rule.due(start, rules.calendar())


def _idle_due(now: datetime) -> datetime:
    return rules.end_of_day(tehran_date(now) + timedelta(days=settings.DISPUTES_FAILED_IDLE_DAYS))


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
def mediator_assign(*, dispute: Dispute, actor: User, mediator: User | None = None) -> Dispute:
    """Give the dispute a peace-maker of the office: the one named, or the least loaded."""
    dispute = _lock(dispute)
    _require(access_for(dispute=dispute, user=actor), "staff")
    if dispute.status in FINAL:
        raise ConflictError(_("This dispute is closed."), code="dispute_closed")
    if mediator is None:
        mediator = _least_loaded(dispute.office)
        if mediator is None:
            raise DomainError(_("No peace-maker or mediator works at this office."), code="no_mediator")
    elif mediator.pk not in {u.pk for u in mediators_of(dispute.office)}:
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
    dispute.window_ends_on = window.rule.due(old_end, rules.calendar())
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


def mediation_expire(*, dispute_id: int, now: datetime | None = None) -> str:
    """The legal window closed without a settlement: the attempt fails. Safe to run twice."""
    now = now or _now()
    dispute = Dispute.objects.filter(pk=dispute_id, status=DisputeStatus.MEDIATION).first()
    if dispute is None or not rules.is_past(dispute.window_ends_on, now=now):
        return "skipped"
    try:
        dispute_transition(
            dispute=dispute,
            to=DisputeStatus.FAILED,
            actor=None,
            reason=str(_("The window closed on %(day)s.") % {"day": format_jalali(dispute.window_ends_on)}),
            expected_status=DisputeStatus.MEDIATION,
            extra={"failure_reason": FailureReason.WINDOW_EXPIRED, "due_at": _idle_due(now)},
        )
    except ConflictError:
        return "skipped"
    return "failed"


def dispute_fail(
    *, dispute: Dispute, actor: User, reason: str, note: str = "", expected_status: str | None = None
) -> Dispute:
    """Record a coded failure by hand (the mediator or the office; the respondent may withdraw)."""
    if reason not in [r.value for r in MANUAL_FAILURE_REASONS]:
        raise DomainError(fields={"reason": [_("Choose a reason.")]})
    with transaction.atomic():
        dispute = _lock(dispute)
        access = access_for(dispute=dispute, user=actor)
        _require(access, "staff", "convener", "respondent")
        if access.party and not (access.staff or access.convener) and reason != FailureReason.PARTY_WITHDREW:
            raise PermissionDeniedError(_("A party can only withdraw."), code="party_can_only_withdraw")
        if dispute.status not in (DisputeStatus.INVITED, DisputeStatus.MEDIATION):
            raise ConflictError(
                _("A dispute at stage “%(status)s” cannot fail this way.")
                % {"status": dispute.get_status_display()},
                code="transition_not_allowed",
            )
        extra = {
            "failure_reason": reason,
            "outcome_note": _text(note, limit=500),
            "due_at": _idle_due(_now()),
        }
        if reason == FailureReason.NOT_CONTACTABLE:
            extra["respondent_response"] = RespondentResponse.NOT_CONTACTABLE
        elif reason == FailureReason.RESPONDENT_DECLINED:
            extra.update(respondent_response=RespondentResponse.DECLINED, responded_at=_now())
        return dispute_transition(
            dispute=dispute,
            to=DisputeStatus.FAILED,
            actor=actor,
            reason=note,
            expected_status=expected_status or dispute.status,
            extra=extra,
        )


def dispute_withdraw(
    *, dispute: Dispute, actor: User, note: str = "", expected_status: str | None = None
) -> Dispute:
    """The claimant withdraws (or the office records it for them)."""
    with transaction.atomic():
        dispute = _lock(dispute)
        access = access_for(dispute=dispute, user=actor)
        _require(access, "claimant", "staff")
        claimant = _parties(dispute)[PartyRole.CLAIMANT]
        on_behalf = claimant.user if access.role != PartyRole.CLAIMANT else None
        return dispute_transition(
            dispute=dispute,
            to=DisputeStatus.WITHDRAWN,
            actor=actor,
            on_behalf_of=on_behalf,
            reason=note,
            expected_status=expected_status or dispute.status,
            extra={"failure_reason": FailureReason.PARTY_WITHDREW, "outcome_note": _text(note, limit=500)},
        )


def dispute_close(
    *, dispute: Dispute, actor: User | None, note: str = "", expected_status: str | None = None
) -> Dispute:
    """A failed dispute nobody takes further is closed (by the office, or after the idle period)."""
    return dispute_transition(
        dispute=dispute,
        to=DisputeStatus.CLOSED,
        actor=actor,
        reason=note or (str(_("No next step was asked for.")) if actor is None else ""),
        expected_status=expected_status or DisputeStatus.FAILED,
        extra={"outcome_note": _text(note, limit=500)} if note else None,
    )


def failed_idle_close(*, dispute_id: int, now: datetime | None = None) -> str:
    now = now or _now()
    dispute = Dispute.objects.filter(pk=dispute_id, status=DisputeStatus.FAILED, due_at__lt=now).first()
    if dispute is None:
        return "skipped"
    try:
        dispute_close(dispute=dispute, actor=None, expected_status=DisputeStatus.FAILED)
    except ConflictError:
        return "skipped"
    return "closed"


# --- sessions -------------------------------------------------------------------------------------


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
) -> Session:
    """Set a session: on a working day, within the window or term, the convener free at that time."""
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
    if mode == SessionMode.VIDEO and not location.startswith("https://"):
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
            chair = next(
                (
                    a
                    for a in arbitration.arbitrators.filter(status=ArbitratorStatus.ACCEPTED)
                    if a.seat in (ArbitratorSeat.SOLE, ArbitratorSeat.PRESIDING)
                ),
                None,
            )
            convener = chair.user if chair and chair.user_id else actor
        else:
            raise ConflictError(
                _("Sessions are held during mediation or arbitration."), code="no_sessions_now"
            )
        ends_at = starts_at + timedelta(minutes=minutes)
        if starts_at <= now:
            raise DomainError(fields={"starts_at": [_("Choose a time in the future.")]})
        if last_day and tehran_date(starts_at) > last_day:
            raise DomainError(
                _("The session must be on or before %(day)s, when the legal period ends.")
                % {"day": format_jalali(last_day)},
                code="after_deadline",
                fields={"starts_at": [_("After the end of the legal period.")]},
            )
        if not rules.calendar().is_working_day(starts_at):
            raise DomainError(
                _("That day is a holiday."),
                code="holiday",
                fields={"starts_at": [_("That day is a holiday.")]},
            )
        if mode == SessionMode.IN_PERSON:
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
        for party in _parties(dispute).values():
            _sms(
                party,
                "disputes.session_scheduled",
                dispute=dispute,
                dedupe_key=f"dispute-session:{session.pk}:{party.role}",
                context=lambda language, s=session: {
                    "kind": SessionKind(s.kind).label,
                    "when": format_jalali(s.starts_at, with_time=True, persian_digits=language == "fa"),
                    "where": s.location if s.mode == SessionMode.IN_PERSON else SessionMode(s.mode).label,
                },
            )
    return session


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

    In mediation, failed sessions (no agreement, or a party absent) close the attempt once
    there are as many within the window as the law allows (two).
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


# --- documents ------------------------------------------------------------------------------------


@transaction.atomic
def document_add(
    *, dispute: Dispute, actor: User, upload: Any, title: str = "", shared: bool = True
) -> DisputeDocument:
    """A checked file (PDF, JPEG or PNG) added to the dispute; shared files both parties see."""
    from tanzim.common.uploads import inspect_upload

    dispute = _lock(dispute)
    access = access_for(dispute=dispute, user=actor)
    _require(access, "staff", "convener", "party")
    if dispute.status in FINAL:
        raise ConflictError(_("This dispute is closed."), code="dispute_closed")
    if dispute.documents.count() >= settings.CASES_MAX_DOCUMENTS:
        raise DomainError(
            _("This dispute already has the maximum number of documents."), code="too_many_documents"
        )
    checked = inspect_upload(upload)
    if dispute.documents.filter(sha256=checked.sha256).exists():
        raise DomainError(
            _("This file is already attached."),
            code="duplicate_document",
            fields={"file": [_("This file is already attached.")]},
        )
    document = DisputeDocument(
        dispute=dispute,
        title=_text(title, limit=200) or _text(getattr(upload, "name", ""), limit=200) or "—",
        content_type=checked.content_type,
        size=checked.size,
        pages=checked.pages,
        sha256=checked.sha256,
        provided_by=access.party,
        shared=bool(shared),
        uploaded_by=actor,
    )
    document.file.save("upload", ContentFile(checked.content), save=False)
    document.save()
    _audit(
        "document.added",
        dispute=dispute,
        actor=actor,
        obj=document,
        sha256=checked.sha256,
        shared=bool(shared),
    )
    return document


# --- settlement -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObligationInput:
    obligor: str  # the party's role: "claimant" or "respondent"
    kind: str
    description: str
    due_date: date | None
    amount: int | None = None

    @classmethod
    def of(cls, value: ObligationInput | Mapping[str, Any]) -> ObligationInput:
        if isinstance(value, ObligationInput):
            return value
        value = dict(value)
        return cls(
            obligor=value.get("obligor", ""),
            kind=value.get("kind", ObligationKind.PAYMENT),
            description=value.get("description", ""),
            due_date=value.get("due_date"),
            amount=value.get("amount"),
        )


def _clean_obligations(items: Iterable[Any], parties: Mapping[str, Party]) -> list[dict[str, Any]]:
    items = [ObligationInput.of(item) for item in (items or [])]
    if not items:
        raise DomainError(
            _("A settlement needs at least one obligation."),
            code="no_obligations",
            fields={"obligations": [_("A settlement needs at least one obligation.")]},
        )
    if len(items) > MAX_OBLIGATIONS:
        raise DomainError(fields={"obligations": [_("Too many obligations.")]})
    today = _today()
    latest = today.replace(year=today.year + MAX_OBLIGATION_YEARS)
    errors: dict[str, list] = {}
    clean = []
    for n, item in enumerate(items):
        key = f"obligations.{n}"
        description = _text(item.description, limit=500)
        if item.obligor not in parties:
            errors[f"{key}.obligor"] = [_("Say which party owes this.")]
        if item.kind not in ObligationKind.values:
            errors[f"{key}.kind"] = [_("Choose a payment or an act.")]
        if not description:
            errors[f"{key}.description"] = [_("Say what is to be done.")]
        amount = item.amount
        if item.kind == ObligationKind.PAYMENT:
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                errors[f"{key}.amount"] = [_("A payment needs an amount in rials, more than zero.")]
            elif amount > 10**15:
                errors[f"{key}.amount"] = [_("This amount is too large.")]
        elif amount not in (None, 0, ""):
            errors[f"{key}.amount"] = [_("An act has no amount; describe it instead.")]
        else:
            amount = None
        due = item.due_date
        if isinstance(due, datetime):
            due = tehran_date(due)
        if not isinstance(due, date):
            errors[f"{key}.due_date"] = [_("Every obligation needs a due date.")]
        elif due < today:
            errors[f"{key}.due_date"] = [_("The due date cannot be in the past.")]
        elif due > latest:
            errors[f"{key}.due_date"] = [_("The due date is too far away.")]
        if not any(k.startswith(key) for k in errors):
            clean.append(
                {
                    "position": n + 1,
                    "obligor": parties[item.obligor],
                    "kind": item.kind,
                    "description": description,
                    "amount": amount,
                    "due_date": due,
                }
            )
    if errors:
        raise DomainError(_("Please correct the obligations."), code="bad_obligations", fields=errors)
    return clean


def settlement_draft(
    *, dispute: Dispute, actor: User, terms: str, obligations: Sequence[ObligationInput | Mapping[str, Any]]
) -> Settlement:
    """Write (or rewrite) the draft settlement report: the terms and each obligation."""
    with transaction.atomic():
        dispute = _lock(dispute)
        _require(access_for(dispute=dispute, user=actor), "staff", "convener")
        if dispute.status not in (DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION):
            raise ConflictError(
                _("A settlement is drafted during mediation or arbitration."), code="no_settlement_now"
            )
        parties = _parties(dispute)
        clean = _clean_obligations(obligations, parties)
        terms = _text(terms, limit=10000)
        live = (
            Settlement.objects.select_for_update()
            .filter(dispute=dispute)
            .exclude(status=SettlementStatus.VOIDED)
            .first()
        )
        if live is not None and live.status != SettlementStatus.DRAFT:
            raise ConflictError(
                _("This settlement is already out for signing. Void it to change it."),
                code="settlement_frozen",
            )
        if live is None:
            number = (dispute.settlements.aggregate(n=Max("number"))["n"] or 0) + 1
            try:
                with transaction.atomic():
                    live = Settlement.objects.create(
                        dispute=dispute, number=number, terms=terms, drafted_by=actor
                    )
            except IntegrityError as exc:
                raise ConflictError(code="stale_status") from exc
            _event(
                dispute,
                subject=EventSubject.SETTLEMENT,
                subject_id=live.pk,
                to=SettlementStatus.DRAFT,
                actor=actor,
            )
        else:
            live.terms, live.drafted_by = terms, actor
            live.save(update_fields=["terms", "drafted_by"])
            live.obligations.all().delete()
        Obligation.objects.bulk_create([Obligation(settlement=live, **item) for item in clean])
        _audit(
            "settlement.drafted",
            dispute=dispute,
            actor=actor,
            obj=live,
            obligations=len(clean),
            total=sum(item["amount"] or 0 for item in clean),
        )
    return live


def settlement_content_hash(settlement: Settlement) -> str:
    """What the parties sign: the terms, the parties and every obligation, in a stable form."""
    parties = {p.pk: [p.role, p.name, p.national_code] for p in settlement.dispute.parties.all()}
    payload = {
        "dispute": settlement.dispute.reference,
        "version": settlement.number,
        "terms": settlement.terms,
        "parties": sorted(parties.values()),
        "obligations": [
            [o.position, parties[o.obligor_id][0], o.kind, o.description, o.amount, o.due_date.isoformat()]
            for o in settlement.obligations.order_by("position")
        ],
    }
    return fingerprint(payload)


def settlement_open(*, settlement: Settlement, actor: User) -> Settlement:
    """Freeze the draft and ask both parties to sign it by SMS code."""
    with transaction.atomic():
        dispute = _lock(settlement.dispute_id)
        _require(access_for(dispute=dispute, user=actor), "staff", "convener")
        settlement = Settlement.objects.select_for_update().select_related("dispute").get(pk=settlement.pk)
        if dispute.status not in (DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION):
            raise ConflictError(_("This dispute is no longer being resolved."), code="no_settlement_now")
        if not settlement.obligations.exists():
            raise DomainError(_("A settlement needs at least one obligation."), code="no_obligations")
        missing = [p for p in _parties(dispute).values() if not p.mobile]
        if missing:
            raise DomainError(
                _("Each party needs a mobile number to sign by SMS code."), code="party_mobile_missing"
            )
        settlement = settlement_transition(
            settlement=settlement,
            to=SettlementStatus.SIGNING,
            actor=actor,
            changes={"content_hash": settlement_content_hash(settlement), "opened_at": _now()},
        )
        for party in _parties(dispute).values():
            _sms(
                party,
                "disputes.sign_request",
                dispute=dispute,
                dedupe_key=f"dispute-settlement:{settlement.pk}:open:{party.role}",
            )
    return settlement


def settlement_void(*, settlement: Settlement, actor: User, reason: str) -> Settlement:
    """Withdraw a draft or an unsigned report (signatures on it stay in the history)."""
    reason = _text(reason, limit=300)
    if not reason:
        raise DomainError(fields={"reason": [_("Say why the settlement is voided.")]})
    with transaction.atomic():
        dispute = _lock(settlement.dispute_id)
        _require(access_for(dispute=dispute, user=actor), "staff", "convener")
        return settlement_transition(
            settlement=Settlement.objects.select_related("dispute").get(pk=settlement.pk),
            to=SettlementStatus.VOIDED,
            actor=actor,
            reason=reason,
            changes={"voided_at": _now(), "void_reason": reason},
        )


def _signing_party(settlement: Settlement, party: Party | str, actor: User) -> tuple[Dispute, Party, Access]:
    dispute = Dispute.objects.select_related("office").get(pk=settlement.dispute_id)
    access = access_for(dispute=dispute, user=actor)
    if not access.any:
        raise selectors._not_found()
    parties = _parties(dispute)
    role = party.role if isinstance(party, Party) else party
    target = parties.get(role)
    if target is None or (isinstance(party, Party) and party.dispute_id != dispute.pk):
        raise NotFoundError(_("This person is not a party to the dispute."), code="not_a_party")
    if access.party and not (access.staff or access.convener):
        if access.party.pk != target.pk:
            raise PermissionDeniedError(_("You can only sign for yourself."), code="sign_for_yourself")
    elif not (access.staff or access.convener):
        raise PermissionDeniedError(_("Only the parties sign a settlement."), code="not_a_party")
    return dispute, target, access


@dataclass(frozen=True)
class CodeSent:
    masked_mobile: str
    already_signed: bool = False


def settlement_request_code(*, settlement: Settlement, party: Party | str, actor: User) -> CodeSent:
    """Send a party their signing code. The office may send it for a party sitting in front of it."""
    dispute, target, _access = _signing_party(settlement, party, actor)
    with transaction.atomic():
        settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if Signature.objects.filter(settlement=settlement, party=target).exists():
            return CodeSent(masked_mobile=mask_phone(target.mobile), already_signed=True)
        if settlement.status != SettlementStatus.SIGNING:
            raise ConflictError(_("This settlement is not open for signing."), code="not_open_for_signing")
        _send_otp(target, OtpPurpose.SIGN, settlement=settlement, dispute=dispute)
    return CodeSent(masked_mobile=mask_phone(target.mobile))


@dataclass(frozen=True)
class SignResult:
    settlement: Settlement
    signature: Signature
    already_signed: bool
    completed: bool  # this signature was the last one: the dispute is settled

    @property
    def message(self) -> str:
        if self.already_signed:
            return str(_("This party has already signed this settlement; nothing changed."))
        if self.completed:
            return str(_("Signed. Every party has signed: the dispute is settled."))
        return str(_("Signed. Waiting for the other party's signature."))


def settlement_sign(*, settlement: Settlement, party: Party | str, actor: User, code: str) -> SignResult:
    """A party confirms the settlement with the code sent to their mobile. Twice is a no-op.

    The last signature settles the dispute: the office's resolution fee is charged, a court fee
    halved by the settlement is refunded, and the signed PDF is made after commit.
    """
    dispute, target, access = _signing_party(settlement, party, actor)
    on_behalf = target.user if access.party is None or access.party.pk != target.pk else None
    with transaction.atomic():
        dispute = _lock(dispute)
        settlement = Settlement.objects.select_for_update().select_related("dispute").get(pk=settlement.pk)
        existing = Signature.objects.filter(settlement=settlement, party=target).first()
        if existing is not None:
            return SignResult(settlement=settlement, signature=existing, already_signed=True, completed=False)
        if settlement.status != SettlementStatus.SIGNING:
            raise ConflictError(_("This settlement is not open for signing."), code="not_open_for_signing")
        if dispute.status == DisputeStatus.MEDIATION and rules.is_past(dispute.window_ends_on, now=_now()):
            raise ConflictError(_("The mediation window has closed."), code="window_closed")
        otp = _check_otp(target, OtpPurpose.SIGN, code, settlement=settlement)
    if otp is None:
        raise DomainError(INVALID_OTP, code="invalid_code", fields={"code": [INVALID_OTP]})
    with transaction.atomic():
        dispute = _lock(dispute)
        settlement = Settlement.objects.select_for_update().select_related("dispute").get(pk=settlement.pk)
        existing = Signature.objects.filter(settlement=settlement, party=target).first()
        if existing is not None:
            return SignResult(settlement=settlement, signature=existing, already_signed=True, completed=False)
        if settlement.status != SettlementStatus.SIGNING:
            raise ConflictError(_("This settlement is not open for signing."), code="not_open_for_signing")
        now = _now()
        signature = Signature.objects.create(
            settlement=settlement,
            party=target,
            content_hash=settlement.content_hash,
            signed_at=now,
            actor=actor,
            otp=otp,
        )
        _event(
            dispute,
            subject=EventSubject.SETTLEMENT,
            subject_id=settlement.pk,
            frm=SettlementStatus.SIGNING,
            to=f"signed_by_{target.role}"[:20],
            actor=actor,
            on_behalf_of=on_behalf,
            now=now,
        )
        _audit(
            "settlement.signature",
            dispute=dispute,
            actor=actor,
            on_behalf_of=on_behalf,
            obj=signature,
            party=target.role,
            content_hash=settlement.content_hash,
        )
        signed_roles = set(
            Signature.objects.filter(settlement=settlement).values_list("party__role", flat=True)
        )
        completed = signed_roles >= set(PartyRole.values)
        if completed:
            settlement = settlement_transition(
                settlement=settlement, to=SettlementStatus.SIGNED, actor=actor, changes={"signed_at": now}
            )
            dispute = dispute_transition(
                dispute=dispute,
                to=DisputeStatus.SETTLED,
                actor=actor,
                on_behalf_of=on_behalf,
                reason=str(_("Settlement report v%(n)s signed by every party.") % {"n": settlement.number}),
                expected_status=dispute.status,
            )
            _settlement_money(dispute, actor)
            from tanzim.disputes.tasks import render_settlement_pdf

            settlement_id = settlement.pk
            transaction.on_commit(lambda: render_settlement_pdf.delay(settlement_id))
    return SignResult(settlement=settlement, signature=signature, already_signed=False, completed=completed)


# --- money ----------------------------------------------------------------------------------------


def _settlement_money(dispute: Dispute, actor: Any) -> None:
    """The office earns its resolution fee; a court fee halved by the settlement goes back."""
    from tanzim.finance import services as finance

    _charge_resolution_fee(dispute, actor)
    try:
        with transaction.atomic():
            finance.dispute_resolved_record(
                office=dispute.office, reference=dispute.reference, resolved_at=_now()
            )
    except DomainError:
        logger.warning("disputes: could not record dispute %s as resolved", dispute.pk)
    _halve_court_fee(dispute)


def resolution_fee_quote(dispute: Dispute):
    """The office's resolution fee for this dispute, from the tariff line (None if there is none)."""
    from tanzim.catalog.choices import ChannelKind
    from tanzim.catalog.fees import fee_quote
    from tanzim.catalog.models import Service

    service = Service.objects.filter(code=settings.DISPUTES_RESOLUTION_SERVICE, active=True).first()
    if service is None:
        return None
    held = dispute.sessions.filter(status=SessionStatus.HELD)
    video_only = held.exists() and not held.filter(mode=SessionMode.IN_PERSON).exists()
    channel = ChannelKind.REMOTE if video_only and service.remote else service.channels[-1]
    try:
        return fee_quote(service=service, channel=channel, parties=2)
    except DomainError:
        return None


def _charge_resolution_fee(dispute: Dispute, actor: Any) -> Any:
    from tanzim.finance import services as finance

    quote = resolution_fee_quote(dispute)
    claimant = _parties(dispute)[PartyRole.CLAIMANT]
    if quote is None:
        logger.warning("disputes: no tariff line for the resolution fee; dispute %s not charged", dispute.pk)
        _audit("fee.skipped", dispute=dispute, actor=actor, reason="no tariff line")
        return None
    try:
        with transaction.atomic():
            return finance.payment_create(
                office=dispute.office,
                payer=claimant.user,
                quote=quote,
                reference_type="disputes.dispute",
                reference_id=str(dispute.pk),
                idempotency_key=f"dispute-{dispute.pk}-resolution-fee",
                actor=None,
                return_url=reverse("disputes:detail", kwargs={"pk": dispute.pk}),
            )
    except DomainError as exc:
        logger.warning("disputes: resolution fee for dispute %s refused (%s)", dispute.pk, exc.code)
        _audit("fee.skipped", dispute=dispute, actor=actor, reason=exc.code)
        return None


def _halve_court_fee(dispute: Dispute) -> Any:
    """A court-referred money claim settled: half the court fee paid for its case is refunded."""
    from tanzim.finance import services as finance
    from tanzim.finance.choices import PaymentPart, PaymentStatus
    from tanzim.finance.models import Payment

    if not dispute.halves_court_fee or dispute.case_id is None or dispute.court_fee_refund_id:
        return None
    payment = (
        Payment.objects.filter(
            reference_type="cases.case",
            reference_id=str(dispute.case_id),
            status=PaymentStatus.CAPTURED,
            court_fee__gt=0,
        )
        .order_by("-captured_at")
        .first()
    )
    if payment is None:
        return None
    amount = min(payment.court_fee // 2, payment.court_fee - payment.court_fee_refunded)
    if amount <= 0:
        return None
    refund = finance.refund_create(
        payment=payment,
        amount=amount,
        part=PaymentPart.COURT_FEE,
        reason=str(
            _("Dispute %(ref)s settled: half the court fee is refunded.") % {"ref": dispute.reference_display}
        ),
        actor=None,
    )
    Dispute.objects.filter(pk=dispute.pk).update(court_fee_refund_id=refund.pk)
    _audit("fee.court_fee_halved", dispute=dispute, actor=None, payment=payment.pk, amount=amount)
    return refund


# --- arbitration ----------------------------------------------------------------------------------


def arbitration_start(
    *,
    dispute: Dispute,
    actor: User,
    agreement_kind: str,
    agreement_date: date,
    agreement_text: str,
    panel_size: int = 1,
    agreed_term_days: int | None = None,
) -> Arbitration:
    """Record the arbitration agreement (an existing clause or one agreed now) and the panel's size."""
    errors: dict[str, list] = {}
    if agreement_kind not in AgreementKind.values:
        errors["agreement_kind"] = [_("Choose an existing clause or an agreement made now.")]
    if not isinstance(agreement_date, date) or agreement_date > _today():
        errors["agreement_date"] = [_("Give the date of the agreement (not in the future).")]
    agreement_text = _text(agreement_text, limit=10000)
    if not agreement_text:
        errors["agreement_text"] = [_("Write down the agreement or the clause.")]
    if panel_size not in (1, 3):
        errors["panel_size"] = [_("One or three arbitrators.")]
    if agreed_term_days is not None and (
        isinstance(agreed_term_days, bool)
        or not isinstance(agreed_term_days, int)
        or not 1 <= agreed_term_days <= 365
    ):
        errors["agreed_term_days"] = [_("An agreed term is 1 to 365 days.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    with transaction.atomic():
        dispute = _lock(dispute)
        _require(access_for(dispute=dispute, user=actor), "staff")
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
            panel_size=panel_size,
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
            panel_size=panel_size,
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


def arbitrator_propose(
    *,
    arbitration: Arbitration,
    actor: User,
    seat: str,
    name: str = "",
    national_code: str = "",
    mobile: str = "",
    birth_date: date | None = None,
    user: User | None = None,
) -> Arbitrator:
    """Name a person for a seat: each side names one and those two agree a third (art. 464)."""
    with transaction.atomic():
        dispute, arbitration = _lock_arbitration(arbitration)
        _require(access_for(dispute=dispute, user=actor), "staff")
        if arbitration.status != ArbitrationStatus.FORMING:
            raise ConflictError(_("The panel is already formed."), code="panel_formed")
        seats = (
            {ArbitratorSeat.SOLE}
            if arbitration.panel_size == 1
            else {ArbitratorSeat.CLAIMANT, ArbitratorSeat.RESPONDENT, ArbitratorSeat.PRESIDING}
        )
        if seat not in seats:
            raise DomainError(fields={"seat": [_("This seat does not exist on this panel.")]})
        live = list(
            arbitration.arbitrators.filter(status__in=[ArbitratorStatus.PROPOSED, ArbitratorStatus.ACCEPTED])
        )
        if any(a.seat == seat for a in live):
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
            reason=str(ArbitratorSeat(seat).label),
        )
        _audit("arbitrator.proposed", dispute=dispute, actor=actor, obj=arbitrator, seat=seat)
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
                arbitrator.user.preferred_language if arbitrator.user_id else ""
            ) or settings.LANGUAGE_CODE
            with translation.override(language):
                context = {
                    "reference": dispute.reference_display,
                    "seat": str(ArbitratorSeat(arbitrator.seat).label),
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
            term_end = rules.arbitration_term(agreed_days=arbitration.agreed_term_days).due(
                today, rules.calendar()
            )
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
                    context=lambda language, end=term_end: {"until": _date_text(end, language)},
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
        if rules.is_past(arbitration.term_ends_on, now=_now()):
            raise ConflictError(_("The term has already ended."), code="term_ended")
        old = arbitration.term_ends_on
        arbitration.term_ends_on = rules.calendar().next_working_day(old + timedelta(days=days))
        arbitration.extensions += 1
        arbitration.save(update_fields=["term_ends_on", "extensions"])
        Dispute.objects.filter(pk=dispute.pk).update(due_at=rules.end_of_day(arbitration.term_ends_on))
        _event(
            dispute,
            subject=EventSubject.ARBITRATION,
            subject_id=arbitration.pk,
            frm=arbitration.status,
            to=arbitration.status,
            actor=actor,
            reason=_text(note, limit=300) or str(_("Extended by agreement")),
            due_at=rules.end_of_day(arbitration.term_ends_on),
        )
        _audit(
            "arbitration.extended",
            dispute=dispute,
            actor=actor,
            obj=arbitration,
            old_end=old.isoformat(),
            new_end=arbitration.term_ends_on.isoformat(),
        )
    return arbitration


def arbitration_expire(*, arbitration_id: int, now: datetime | None = None) -> str:
    """The term ran out without an award: the arbitration fails. Safe to run twice."""
    now = now or _now()
    arbitration = Arbitration.objects.filter(pk=arbitration_id, status=ArbitrationStatus.ACTIVE).first()
    if arbitration is None or not rules.is_past(arbitration.term_ends_on, now=now):
        return "skipped"
    with transaction.atomic():
        dispute, arbitration = _lock_arbitration(arbitration)
        if arbitration.status != ArbitrationStatus.ACTIVE:
            return "skipped"
        arbitration_transition(
            arbitration=arbitration,
            to=ArbitrationStatus.EXPIRED,
            actor=None,
            reason=str(_("The term ended on %(day)s.") % {"day": format_jalali(arbitration.term_ends_on)}),
        )
        if dispute.status == DisputeStatus.ARBITRATION:
            dispute_transition(
                dispute=dispute,
                to=DisputeStatus.FAILED,
                actor=None,
                expected_status=DisputeStatus.ARBITRATION,
                extra={"failure_reason": FailureReason.ARBITRATION_EXPIRED, "due_at": _idle_due(now)},
            )
    return "expired"


def award_record(
    *,
    arbitration: Arbitration,
    actor: User,
    reasoning: str,
    decision: str,
    decided_on: date | None = None,
    amount: int | None = None,
    in_favour_of: str | None = None,
    dissent: str = "",
) -> Award:
    """Record the reasoned award (art. 482) within the term and deliver it to the parties."""
    reasoning, decision = _text(reasoning, limit=20000), _text(decision, limit=10000)
    errors: dict[str, list] = {}
    if not reasoning:
        errors["reasoning"] = [_("An award gives its reasons (art. 482).")]
    if not decision:
        errors["decision"] = [_("Write the decision.")]
    if in_favour_of not in (None, "", *PartyRole.values):
        errors["in_favour_of"] = [_("Choose the claimant or the respondent.")]
    try:
        amount = _int_or_none(amount, "amount")
    except DomainError as exc:
        errors.update(exc.fields)
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    with transaction.atomic():
        dispute, arbitration = _lock_arbitration(arbitration)
        access = access_for(dispute=dispute, user=actor)
        _require(access, "staff", "arbitrator")
        if (
            access.arbitrator is not None
            and not access.staff
            and access.arbitrator.status != ArbitratorStatus.ACCEPTED
        ):
            raise PermissionDeniedError(_("Only an appointed arbitrator records the award."))
        if arbitration.status != ArbitrationStatus.ACTIVE:
            raise ConflictError(_("The arbitration is not running."), code="term_not_running")
        now = _now()
        today = tehran_date(now)
        decided_on = decided_on or today
        if decided_on > today:
            raise DomainError(fields={"decided_on": [_("The award date cannot be in the future.")]})
        if arbitration.all_notified_on and decided_on < arbitration.all_notified_on:
            raise DomainError(
                fields={"decided_on": [_("The award cannot predate the appointment of the arbitrators.")]}
            )
        if decided_on > arbitration.term_ends_on or today > arbitration.term_ends_on:
            raise DomainError(
                _("The arbitration term ended on %(day)s; an award after the term has no effect (art. 484).")
                % {"day": format_jalali(arbitration.term_ends_on)},
                code="award_after_term",
            )
        parties = _parties(dispute)
        abroad = any(p.resident_abroad for p in parties.values())
        cal = rules.calendar()
        award = Award.objects.create(
            arbitration=arbitration,
            decided_on=decided_on,
            reasoning=reasoning,
            decision=decision,
            amount=amount,
            in_favour_of=parties.get(in_favour_of) if in_favour_of else None,
            dissent=_text(dissent, limit=10000),
            delivered_at=now,
            compliance_due=rules.award_compliance().due(today, cal, resident_abroad=abroad),
            annulment_deadline=rules.award_annulment().due(today, cal, resident_abroad=abroad),
            recorded_by=actor,
        )
        _event(
            dispute, subject=EventSubject.AWARD, subject_id=award.pk, to=ComplianceStatus.PENDING, actor=actor
        )
        _audit(
            "award.recorded",
            dispute=dispute,
            actor=actor,
            obj=award,
            amount=amount,
            in_favour_of=in_favour_of or "",
        )
        arbitration_transition(arbitration=arbitration, to=ArbitrationStatus.AWARDED, actor=actor)
        dispute = dispute_transition(
            dispute=dispute,
            to=DisputeStatus.AWARDED,
            actor=actor,
            expected_status=DisputeStatus.ARBITRATION,
            extra={"due_at": rules.end_of_day(award.compliance_due)},
        )
        from tanzim.finance import services as finance

        try:
            with transaction.atomic():
                finance.dispute_resolved_record(
                    office=dispute.office, reference=dispute.reference, resolved_at=now
                )
        except DomainError:
            logger.warning("disputes: could not record dispute %s as resolved", dispute.pk)
        from tanzim.disputes.tasks import render_award_pdf

        award_id = award.pk
        transaction.on_commit(lambda: render_award_pdf.delay(award_id))
    return award


def _lock_award(award: Award | int) -> tuple[Dispute, Award]:
    award_id = _pk(award)
    dispute_id = Award.objects.filter(pk=award_id).values_list("arbitration__dispute_id", flat=True).first()
    if dispute_id is None:
        raise NotFoundError()
    dispute = _lock(dispute_id)
    return dispute, Award.objects.select_for_update().select_related("arbitration__dispute").get(pk=award_id)


def award_mark_complied(*, award: Award, actor: User, note: str = "") -> Award:
    """The party who won (or the office) confirms the award was complied with."""
    with transaction.atomic():
        dispute, award = _lock_award(award)
        access = access_for(dispute=dispute, user=actor)
        winner = award.in_favour_of
        if not (winner and access.party and access.party.pk == winner.pk):
            _require(access, "staff")
        award = award_transition(
            award=award, to=ComplianceStatus.COMPLIED, actor=actor, reason=_text(note, limit=300)
        )
        Dispute.objects.filter(pk=dispute.pk).update(due_at=None, updated_at=_now())
    return award


def award_request_enforcement(*, award: Award, actor: User, note: str = "") -> Referral:
    """The award was not complied with in time: pack the file for an enforcement request (art. 488)."""
    with transaction.atomic():
        dispute, award = _lock_award(award)
        access = access_for(dispute=dispute, user=actor)
        winner = award.in_favour_of
        is_winner = bool(winner and access.party and access.party.pk == winner.pk)
        if not is_winner:
            _require(access, "staff")
        if not rules.is_past(award.compliance_due, now=_now()):
            raise ConflictError(
                _("The other party has until %(day)s to comply.")
                % {"day": format_jalali(award.compliance_due)},
                code="compliance_period_running",
            )
        on_behalf = winner.user if winner and not is_winner else None
        award = award_transition(
            award=award, to=ComplianceStatus.ENFORCEMENT, actor=actor, on_behalf_of=on_behalf
        )
        referral = _referral_pack(
            dispute=dispute,
            actor=actor,
            purpose=ReferralPurpose.ENFORCEMENT,
            target=ReferralTarget.COURT,
            reason=ReferralReason.AWARD_NOT_COMPLIED,
            note=note,
        )
        Dispute.objects.filter(pk=dispute.pk).update(due_at=None, updated_at=_now())
    return referral


# --- referral -------------------------------------------------------------------------------------


def referral_bundle(dispute: Dispute) -> dict[str, Any]:
    """The packed file: parties, claims, documents and the whole resolution history."""
    from tanzim.disputes.documents import bundle_for

    return bundle_for(dispute)


def _referral_pack(
    *, dispute: Dispute, actor: User, purpose: str, target: str, reason: str, note: str = ""
) -> Referral:
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                dispute=dispute,
                purpose=purpose,
                target=target,
                reason=reason,
                note=_text(note, limit=500),
                bundle=referral_bundle(dispute),
                created_by=actor,
            )
    except IntegrityError as exc:
        raise ConflictError(_("This dispute was already referred."), code="already_referred") from exc
    _event(
        dispute,
        subject=EventSubject.REFERRAL,
        subject_id=referral.pk,
        to=ReferralStatus.PACKED,
        actor=actor,
        reason=str(ReferralTarget(target).label),
    )
    _audit(
        "referral.packed",
        dispute=dispute,
        actor=actor,
        obj=referral,
        target=target,
        reason=reason,
        purpose=purpose,
    )
    return referral


def referral_create(
    *,
    dispute: Dispute,
    actor: User,
    reason: str | None = None,
    target: str | None = None,
    note: str = "",
    expected_status: str | None = None,
) -> Referral:
    """Refer the dispute to a council, peace court, court or prosecutor, with the file packed."""
    if target not in (None, "", *ReferralTarget.values):
        raise DomainError(fields={"target": [_("Choose where the dispute goes.")]})
    if reason not in (None, "", *ReferralReason.values) or reason == ReferralReason.AWARD_NOT_COMPLIED:
        raise DomainError(fields={"reason": [_("Choose a reason.")]})
    with transaction.atomic():
        dispute = _lock(dispute)
        _require(access_for(dispute=dispute, user=actor), "staff")
        if expected_status and expected_status != dispute.status:
            raise ConflictError(code="stale_status")
        if dispute.status not in (DisputeStatus.INTAKE, DisputeStatus.TRIAGED, DisputeStatus.FAILED):
            raise ConflictError(
                _("A dispute at stage “%(status)s” cannot be referred.")
                % {"status": dispute.get_status_display()},
                code="transition_not_allowed",
            )
        if not reason:
            if dispute.status == DisputeStatus.FAILED:
                reason = (
                    ReferralReason.RESPONDENT_DECLINED
                    if dispute.failure_reason == FailureReason.RESPONDENT_DECLINED
                    else ReferralReason.RESOLUTION_FAILED
                )
            else:
                reason = ReferralReason.CLAIMANT_CHOICE
        if not target:
            target = dispute.referral_target or (
                ReferralTarget.PROSECUTOR
                if dispute.category == DisputeCategory.CRIMINAL
                else ReferralTarget.COURT
            )
        Dispute.objects.filter(pk=dispute.pk).update(referral_target=target)
        dispute.referral_target = target
        referral = _referral_pack(
            dispute=dispute,
            actor=actor,
            purpose=ReferralPurpose.ADJUDICATION,
            target=target,
            reason=reason,
            note=note,
        )
        dispute_transition(
            dispute=dispute,
            to=DisputeStatus.REFERRED,
            actor=actor,
            reason=str(ReferralReason(reason).label),
            expected_status=dispute.status,
        )
    return Referral.objects.select_related("dispute").get(pk=referral.pk)


def referral_record_tracking(*, referral: Referral, actor: User, tracking_reference: str) -> Referral:
    """The receiving council, court or prosecutor gave a tracking reference: record it."""
    reference = normalize_text(tracking_reference or "").replace(" ", "")
    if not (4 <= len(reference) <= 40) or not all(ch.isalnum() or ch in "-/" for ch in reference):
        raise DomainError(
            fields={"tracking_reference": [_("Enter the reference as given (4 to 40 letters or digits).")]}
        )
    with transaction.atomic():
        dispute = _lock(referral.dispute_id)
        _require(access_for(dispute=dispute, user=actor), "staff")
        referral = referral_transition(
            referral=Referral.objects.select_related("dispute").get(pk=referral.pk),
            to=ReferralStatus.SENT,
            actor=actor,
            reason=reference,
            changes={"tracking_reference": reference, "sent_at": _now()},
        )
        claimant = _parties(dispute)[PartyRole.CLAIMANT]
        _sms(
            claimant,
            "disputes.referral_sent",
            dispute=dispute,
            dedupe_key=f"dispute-referral:{referral.pk}:sent",
            context=lambda language: {"target": ReferralTarget(referral.target).label, "tracking": reference},
        )
    return referral


# --- deadlines sweep ------------------------------------------------------------------------------


def deadlines_sweep(*, now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Run every deadline that has passed: reminders, not contactable, windows, terms, idle failures.

    Each step re-reads and compare-and-sets, so two sweeps at once do each thing once.
    """
    now = now or _now()
    today = tehran_date(now)
    counts: dict[str, int] = {}

    def tally(outcome: str) -> None:
        counts[outcome] = counts.get(outcome, 0) + 1

    for pk in Dispute.objects.filter(status=DisputeStatus.INVITED, due_at__lt=now).values_list(
        "pk", flat=True
    )[:limit]:
        tally(invitation_follow_up(dispute_id=pk, now=now))
    for pk in Dispute.objects.filter(status=DisputeStatus.MEDIATION, window_ends_on__lt=today).values_list(
        "pk", flat=True
    )[:limit]:
        tally(mediation_expire(dispute_id=pk, now=now))
    for pk in Arbitration.objects.filter(status=ArbitrationStatus.ACTIVE, term_ends_on__lt=today).values_list(
        "pk", flat=True
    )[:limit]:
        tally(arbitration_expire(arbitration_id=pk, now=now))
    for pk in Dispute.objects.filter(status=DisputeStatus.FAILED, due_at__lt=now).values_list(
        "pk", flat=True
    )[:limit]:
        tally(failed_idle_close(dispute_id=pk, now=now))
    counts.pop("skipped", None)
    return counts


# --- documents made after commit ------------------------------------------------------------------


def settlement_store_pdf(*, settlement_id: int) -> bool:
    """Render the signed settlement report once and keep it; safe to run twice."""
    from tanzim.disputes.documents import settlement_pdf, sha256

    settlement = (
        Settlement.objects.select_related("dispute", "dispute__office").filter(pk=settlement_id).first()
    )
    if settlement is None or settlement.status != SettlementStatus.SIGNED or settlement.pdf:
        return False
    content = settlement_pdf(settlement=settlement)
    digest = sha256(content)
    settlement.pdf.save(
        f"{settlement.dispute.reference}-v{settlement.number}-{digest[:12]}.pdf",
        ContentFile(content),
        save=False,
    )
    updated = Settlement.objects.filter(pk=settlement.pk, pdf="").update(
        pdf=settlement.pdf.name, pdf_sha256=digest
    )
    if updated:
        audit.record(
            action="disputes.settlement.pdf_stored",
            obj=settlement,
            office=settlement.dispute.office_id,
            data={"sha256": digest},
        )
    return bool(updated)


def award_store_pdf(*, award_id: int) -> bool:
    from tanzim.disputes.documents import award_pdf, sha256

    award = Award.objects.select_related("arbitration__dispute__office").filter(pk=award_id).first()
    if award is None or award.pdf:
        return False
    content = award_pdf(award=award)
    digest = sha256(content)
    reference = award.arbitration.dispute.reference
    award.pdf.save(f"{reference}-award-{digest[:12]}.pdf", ContentFile(content), save=False)
    updated = Award.objects.filter(pk=award.pk, pdf="").update(pdf=award.pdf.name, pdf_sha256=digest)
    if updated:
        audit.record(
            action="disputes.award.pdf_stored",
            obj=award,
            office=award.arbitration.dispute.office_id,
            data={"sha256": digest},
        )
    return bool(updated)


__all__ = [
    "CodeSent",
    "Invitation",
    "JoinResult",
    "JoinTicket",
    "ObligationInput",
    "PartyInput",
    "SignResult",
    "TriageDecision",
    "arbitration_expire",
    "arbitration_extend",
    "arbitration_start",
    "arbitration_transition",
    "arbitrator_accept",
    "arbitrator_declare",
    "arbitrator_propose",
    "arbitrator_transition",
    "arbitrator_waive",
    "arbitrator_withdraw",
    "award_mark_complied",
    "award_record",
    "award_request_enforcement",
    "award_store_pdf",
    "award_transition",
    "criminal_track_set",
    "deadlines_sweep",
    "dispute_close",
    "dispute_fail",
    "dispute_invite",
    "dispute_open",
    "dispute_open_from_case",
    "dispute_respond",
    "dispute_transition",
    "dispute_triage",
    "dispute_update",
    "dispute_withdraw",
    "document_add",
    "invitation_follow_up",
    "join_start",
    "join_verify",
    "mediation_expire",
    "mediator_assign",
    "party_update",
    "proposal_create",
    "referral_create",
    "referral_record_tracking",
    "referral_transition",
    "session_record",
    "session_schedule",
    "session_transition",
    "settlement_draft",
    "settlement_open",
    "settlement_request_code",
    "settlement_sign",
    "settlement_store_pdf",
    "settlement_transition",
    "settlement_void",
    "triage_decide",
    "window_extend",
]
