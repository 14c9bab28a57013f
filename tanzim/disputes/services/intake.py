"""Intake: a dispute opened at an office or from a case, and corrections before triage (the
triage itself is in ``triage.py``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts import services as account_services
from tanzim.accounts.identity import require_identity
from tanzim.accounts.models import User
from tanzim.accounts.permissions import is_office_staff
from tanzim.cases.choices import SETTLE_FIRST_STATUSES
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.jalali import to_jalali_date
from tanzim.disputes import rules
from tanzim.disputes.choices import (
    FINAL,
    DisputeCategory,
    DisputeOrigin,
    DisputeStatus,
    EventSubject,
    OffenceGrade,
    PartyRole,
)
from tanzim.disputes.models import Dispute, DisputeDocument, JoinCode, Party
from tanzim.disputes.selectors import access_for
from tanzim.disputes.services._common import (
    PartyInput,
    _audit,
    _clean_party,
    _event,
    _int_or_none,
    _lock,
    _now,
    _parties,
    _pk,
    _require,
    _sms,
    _text,
    _today,
)
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import Office
from tanzim.offices.selectors import office_licence_kinds


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
    offence_grade: int | None = None,
    offence_compoundable: bool | None = None,
    knowledge_date: date | None = None,
    cheque_date: date | None = None,
    dishonour_date: date | None = None,
    file_first: bool = False,
) -> Dispute:
    """Open a dispute at a licensed office (a clerk), or from a case (its office or its applicant).

    A criminal complaint records whether the offence is compoundable, its ta'zir grade and when
    the victim learned of it; a cheque its date and the dishonour certificate's. A time limit
    that mediation would outrun refuses the diversion (see ``rules.settle_first``); a request
    may then be filed first and mediated after (``file_first``).
    """
    claimant, respondent = PartyInput.of(claimant), PartyInput.of(respondent)
    staff = is_office_staff(actor, office)
    from_case = case is not None
    if from_case and case.office_id != office.pk:
        raise DomainError(_("A dispute from a case is opened at the case's office."), code="case_office")
    if not staff and not (from_case and case.applicant_id == actor.pk):
        raise PermissionDeniedError(_("Only the office's clerks can open a dispute."), code="staff_only")
    if not staff:
        require_identity(actor)  # an applicant abroad files only once their identity is checked
    body = {
        "office": office.pk,
        "category": category,
        "claim_amount": claim_amount,
        "case": _pk(case),
        "claimant": [claimant.name, claimant.national_code, claimant.mobile, _pk(claimant.user)],
        "respondent": [respondent.name, respondent.national_code, respondent.mobile],
        "offence": [offence_grade, offence_compoundable, _iso(knowledge_date)],
        "cheque": [_iso(cheque_date), _iso(dishonour_date)],
        "file_first": bool(file_first),
    }
    if idempotency_key:
        found = Dispute.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
        if found is not None:
            check_replay(stored_fingerprint=found.request_fingerprint, payload=body)
            return found
    _check_office(office)
    if from_case and case.is_review:
        raise DomainError(REVIEW_NEVER_DIVERTED, code="review_never_diverted")
    errors: dict[str, list] = {}
    if category not in DisputeCategory.values:
        errors["category"] = [_("Choose a category.")]
    try:
        claim_amount = _int_or_none(claim_amount, "claim_amount")
    except DomainError as exc:
        errors.update(exc.fields)
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    facts = _time_facts(
        category,
        offence_grade=offence_grade,
        offence_compoundable=offence_compoundable,
        knowledge_date=knowledge_date,
        cheque_date=cheque_date,
        dishonour_date=dishonour_date,
    )
    check = rules.settle_first(
        clock=rules.filing_clock(category=category, today=_today(), **facts),
        today=_today(),
        criminal=category == DisputeCategory.CRIMINAL,
    )
    field = "knowledge_date" if category == DisputeCategory.CRIMINAL else "cheque_date"
    if check.code == "filing_limit_passed":
        raise DomainError(check.refusal, code=check.code, fields={field: [check.refusal]})
    if file_first and not from_case:
        raise DomainError(
            _("Only a request can be filed first; open the request, then the dispute from it."),
            code="file_first_needs_request",
        )
    if not check.allowed and not file_first:
        raise DomainError(check.refusal, code=check.code)
    deadline = check.clock.deadline
    settle_by = check.settle_by or (
        deadline - timedelta(days=settings.DISPUTES_SETTLE_FIRST_MARGIN_DAYS) if deadline else None
    )
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
    dispute: Dispute | None = None
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
                    filing_limit=check.clock.limit,
                    filing_deadline=deadline,
                    settle_by=settle_by,
                    file_first=bool(file_first and from_case),
                    **facts,
                )
            break
        except IntegrityError:
            if (
                idempotency_key
                and Dispute.objects.filter(created_by=actor, idempotency_key=idempotency_key).exists()
            ):
                return Dispute.objects.get(created_by=actor, idempotency_key=idempotency_key)
            continue
    if dispute is None:
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
        filing_limit=dispute.filing_limit,
        filing_deadline=_iso(dispute.filing_deadline),
        file_first=dispute.file_first,
    )
    if from_case:
        _copy_case_documents(dispute, case, actor)
    dispute = Dispute.objects.select_related("office").get(pk=dispute.pk)
    if dispute.filing_deadline:
        _sms(
            _parties(dispute)[PartyRole.CLAIMANT],
            "disputes.opened_with_deadline",
            dispute=dispute,
            dedupe_key=f"dispute:{dispute.pk}:opened",
            context=lambda language: {
                "category": DisputeCategory(category).label,
                "warning": settle_first_warning(dispute),
            },
        )
    else:
        _sms(
            _parties(dispute)[PartyRole.CLAIMANT],
            "disputes.opened",
            dispute=dispute,
            dedupe_key=f"dispute:{dispute.pk}:opened",
            context=lambda language: {"category": DisputeCategory(category).label},
        )
    return dispute


REVIEW_NEVER_DIVERTED = _(
    "An appeal or cassation request is never sent to mediation: its period runs from the notice of "
    "the judgment and mediation does not stop it. File it now."
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def settle_first_warning(dispute: Dispute) -> str:
    """What the page and the SMS say about a time limit that keeps running (in the active language)."""
    if not dispute.filing_deadline:
        return ""
    return rules.deadline_warning(
        deadline=dispute.filing_deadline, settle_by=dispute.settle_by, file_first=dispute.file_first
    )


def _past(day: date | None, name: str, errors: dict[str, list]) -> None:
    if day is not None and day > _today():
        errors[name] = [_("This date cannot be in the future.")]


def _time_facts(
    category: str,
    *,
    offence_grade: int | None,
    offence_compoundable: bool | None,
    knowledge_date: date | None,
    cheque_date: date | None,
    dishonour_date: date | None,
) -> dict[str, Any]:
    """The facts a category needs to know its time limit and (criminal) its art. 82 eligibility."""
    facts: dict[str, Any] = {
        "offence_grade": None,
        "offence_compoundable": None,
        "knowledge_date": None,
        "cheque_date": None,
        "dishonour_date": None,
    }
    errors: dict[str, list] = {}
    required = [_("This field is required.")]
    if category == DisputeCategory.CRIMINAL:
        if offence_grade is not None and offence_grade not in OffenceGrade.values:
            errors["offence_grade"] = [_("Choose a grade from 1 to 8.")]
        if offence_compoundable is None:
            errors["offence_compoundable"] = [_("Say whether the offence is compoundable.")]
        elif offence_compoundable and knowledge_date is None:
            errors["knowledge_date"] = [_("Give the day the complainant learned of the offence.")]
        elif not offence_compoundable and offence_grade is None:
            errors["offence_grade"] = required
        _past(knowledge_date, "knowledge_date", errors)
        facts.update(
            offence_grade=offence_grade,
            offence_compoundable=offence_compoundable,
            knowledge_date=knowledge_date if offence_compoundable else None,
        )
    elif category == DisputeCategory.CHEQUE:
        if cheque_date is None:
            errors["cheque_date"] = [_("Give the date written on the cheque.")]
        _past(dishonour_date, "dishonour_date", errors)
        if cheque_date and dishonour_date and dishonour_date < cheque_date:
            errors["dishonour_date"] = [_("The certificate cannot be older than the cheque's date.")]
        facts.update(cheque_date=cheque_date, dishonour_date=dishonour_date)
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    return facts


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


CASE_STATUSES_FOR_DISPUTE = SETTLE_FIRST_STATUSES


def dispute_open_from_case(
    *,
    case: Any,
    actor: User,
    category: str,
    summary: str = "",
    respondent_mobile: str = "",
    idempotency_key: str | None = None,
    **time_facts: Any,
) -> Dispute:
    """A petition or complaint goes to resolution first: its parties, amount and documents come along.

    An appeal or cassation request never does (its period keeps running); a time limit the
    mediation would outrun refuses it unless the request is filed first (``file_first``).
    """
    from tanzim.cases.choices import PartyRole as CasePartyRole

    case = type(case).objects.select_related("office", "applicant").get(pk=case.pk)
    if case.is_review:
        raise DomainError(REVIEW_NEVER_DIVERTED, code="review_never_diverted")
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
        **time_facts,
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
    fields: list[str] = []
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
