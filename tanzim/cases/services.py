"""Writes for cases: drafting, documents, and the one transition service of the workflow."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from tanzim.accounts.identity import require_identity
from tanzim.accounts.models import User
from tanzim.accounts.permissions import is_office_staff
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.cases import signals
from tanzim.cases.adapters import FilingError, identity_verifier, judiciary
from tanzim.cases.choices import (
    EDITABLE,
    CancelReason,
    CaseStatus,
    IdentityMethod,
    PartyKind,
    PartyRole,
    ProceedingStage,
    RejectReason,
)
from tanzim.cases.models import Case, CaseEvent, Document, Party, StatusSla
from tanzim.cases.tracking import new_tracking_code
from tanzim.cases.workflows import CASE, authorize, case_not_found
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.fees import FeeQuote, fee_quote
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.identifiers import clean_legal_entity_id, clean_national_code, parse_phone
from tanzim.common.jalali import TEHRAN
from tanzim.common.normalize import normalize_free_text, normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.notify.services import message_enqueue
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office
from tanzim.offices.selectors import office_licence_kinds, working_calendar

NOTIFY_ON: dict[str, str] = {
    CaseStatus.NEEDS_CORRECTION: "cases.needs_correction",
    CaseStatus.AWAITING_PAYMENT: "cases.awaiting_payment",
    CaseStatus.FILED: "cases.filed",
    CaseStatus.REJECTED: "cases.rejected",
}


# --- permissions ----------------------------------------------------------------------------


def _editable(case: Case, actor: User) -> User | None:
    """Drafting rights: the applicant, or staff of the office for an in-person/semi case."""
    if actor.pk != case.applicant_id and not is_office_staff(actor, case.office):
        raise case_not_found()
    if case.status not in EDITABLE:
        raise ConflictError(_("This request can no longer be edited."), code="case_not_editable")
    target = CaseStatus.SUBMITTED if case.status == CaseStatus.DRAFT else CaseStatus.RESUBMITTED
    return authorize(case, actor, case.status, target, CASE.kinds(case.status, target))


# --- deadlines ------------------------------------------------------------------------------


def due_for(status: str, *, start: datetime | None = None) -> datetime | None:
    """End of the working day N working days after ``start`` (Tehran), or None without a target."""
    sla = StatusSla.objects.filter(status=status).first()
    if sla is None:
        return None
    start = start or timezone.now()
    day = working_calendar().add_working_days(start.astimezone(TEHRAN).date(), sla.working_days)
    return datetime.combine(day, time(23, 59, 59), tzinfo=TEHRAN)


# --- the transition service -----------------------------------------------------------------


def case_transition(
    *,
    case: Case,
    to: str,
    actor: User | None,
    reason: str = "",
    expected_status: str | None = None,
    changes: dict[str, Any] | None = None,
) -> Case:
    """Move a case along the workflow (through the engine); each status starts its own deadline."""
    to = CaseStatus(to)
    now = timezone.now()
    due = due_for(to, start=now)
    with transaction.atomic():
        moved = transition(
            CASE,
            case,
            to,
            actor=actor,
            expected_status=expected_status,
            reason=reason,
            changes={"due_at": due, **(changes or {})},
            event_data={"due_at": due},
            now=now,
        )
        current = Case.objects.select_related("office", "service", "applicant").get(pk=moved.pk)
        _after_transition(current, to)
    return current


def _after_transition(case: Case, new: str) -> None:
    template = NOTIFY_ON.get(new)
    if template and case.applicant.mobile:
        message_enqueue(
            template=template,
            to=case.applicant.mobile,
            recipient=case.applicant,
            context={
                "code": case.tracking_code_display,
                "service": case.service.name_fa
                if case.applicant.preferred_language == "fa"
                else case.service.name_en,
            },
            dedupe_key=f"case:{case.pk}:{new}:{case.status_changed_at.timestamp():.0f}",
        )
    if new == CaseStatus.FILED:
        transaction.on_commit(lambda: signals.case_filed.send(sender=Case, case=case))
    elif new in (CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.CANCELLED):
        transaction.on_commit(lambda: signals.case_closed.send(sender=Case, case=case, status=new))


# --- drafting -------------------------------------------------------------------------------


def _clean_party(
    *,
    role: str,
    kind: str,
    name: str,
    national_code: str = "",
    legal_id: str = "",
    phone: str = "",
    address: str = "",
    resident_abroad: bool = False,
) -> dict[str, Any]:
    errors: dict[str, list] = {}
    data = {
        "role": role,
        "kind": kind,
        "name": normalize_text(name),
        "address": normalize_text(address),
        "resident_abroad": bool(resident_abroad),
        "national_code": "",
        "legal_id": "",
        "phone": "",
    }
    if role not in PartyRole.values:
        errors["role"] = [_("Unknown party role.")]
    if kind not in PartyKind.values:
        errors["kind"] = [_("Unknown kind of party.")]
    if not data["name"]:
        errors["name"] = [_("This field is required.")]
    try:
        if kind == PartyKind.LEGAL:
            data["legal_id"] = clean_legal_entity_id(legal_id)
        elif national_code or not resident_abroad:
            data["national_code"] = clean_national_code(national_code)
    except Exception as exc:  # ValidationError with a translated message
        errors["legal_id" if kind == PartyKind.LEGAL else "national_code"] = list(
            getattr(exc, "messages", [exc])
        )
    if phone:
        try:
            data["phone"] = parse_phone(phone)
        except Exception as exc:
            errors["phone"] = list(getattr(exc, "messages", [exc]))
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    return data


def _check_distinct_parties(case: Case, data: dict[str, Any], exclude_pk: int | None = None) -> None:
    ident = data["national_code"] or data["legal_id"]
    if not ident:
        return
    others = case.parties.exclude(pk=exclude_pk) if exclude_pk else case.parties.all()
    for other in others:
        if other.identifier == ident and {other.role, data["role"]} == {
            PartyRole.CLAIMANT,
            PartyRole.RESPONDENT,
        }:
            raise DomainError(
                _("The respondent cannot be the same person as the claimant."),
                code="same_party",
                fields={"national_code": [_("The respondent cannot be the same person as the claimant.")]},
            )
        if other.identifier == ident and other.role == data["role"]:
            raise DomainError(_("This party is already on the request."), code="duplicate_party")


@transaction.atomic
def case_create(
    *,
    actor: User,
    service: Service,
    channel: str,
    office: Office,
    title: str,
    applicant: User | None = None,
    claim_text: str = "",
    claim_amount: int | None = None,
    free_service: bool = False,
    ground: str = "",
    proceeding: str = ProceedingStage.FIRST_INSTANCE,
    **evidence: Any,
) -> Case:
    """Start a draft. A citizen starts their own; a clerk starts one for a walk-in citizen.

    A free service is granted only by the office's staff and only on a recorded ground with its
    evidence (note to art. 505 CPC; ``evidence`` as ``finance.services.free_service_grant`` takes
    it), counted against the office's monthly cap: the grant is written in this transaction, so a
    refused ground leaves no draft behind.
    """
    applicant = applicant or actor
    staff = is_office_staff(actor, office)
    if applicant.pk != actor.pk and not staff:
        raise PermissionDeniedError(_("Only office staff can start a request for someone else."))
    if channel not in service.channels:
        raise DomainError(
            _("This service is not offered on this channel."),
            code="channel_not_allowed",
            fields={"channel": [_("This service is not offered on this channel.")]},
        )
    if office.status != OfficeStatus.ACTIVE:
        raise DomainError(_("This office is not accepting requests."), code="office_inactive")
    if service.licence_required and service.licence_required not in office_licence_kinds(office=office):
        raise DomainError(_("This office is not licensed for this service."), code="office_not_licensed")
    if free_service and not staff:
        raise PermissionDeniedError(
            _("Only office staff can grant a free service."), code="free_service_staff"
        )
    if claim_amount is not None and claim_amount < 0:
        raise DomainError(fields={"claim_amount": [_("This cannot be negative.")]})
    title = normalize_free_text(title)
    if not title:
        raise DomainError(fields={"title": [_("This field is required.")]})
    _check_proceeding(proceeding)
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    tracking_code=new_tracking_code(),
                    service=service,
                    channel=channel,
                    office=office,
                    applicant=applicant,
                    created_by=actor,
                    status=CaseStatus.DRAFT,
                    status_changed_at=now,
                    title=title[:200],
                    claim_text=normalize_free_text(claim_text),
                    claim_amount=claim_amount,
                    free_service=free_service,
                    proceeding=proceeding,
                )
            break
        except IntegrityError:  # a tracking-code collision: draw again
            continue
    else:
        raise ConflictError(code="tracking_code_exhausted")
    on_behalf = applicant if applicant.pk != actor.pk else None
    CaseEvent.objects.create(
        case=case,
        created_at=now,
        to_status=CaseStatus.DRAFT,
        actor=actor,
        on_behalf_of=on_behalf,
        office=office,
    )
    audit.record(
        actor=actor,
        on_behalf_of=on_behalf,
        action="cases.case.created",
        obj=case,
        office=office,
        data={"service": service.code, "channel": channel, "free_service": free_service},
    )
    if free_service:
        from tanzim.finance.services import free_service_grant

        grant = free_service_grant(
            office=office,
            ground=ground,
            **evidence,
            reference_type="cases.case",
            reference_id=str(case.pk),
            actor=actor,
        )
        audit.record(
            actor=actor,
            on_behalf_of=on_behalf,
            action="cases.case.marked_free",
            obj=case,
            office=office,
            data={"ground": grant.ground, "grant": grant.pk, "month": grant.month},
        )
    # The applicant is the first claimant unless they are filing for a company.
    if applicant.national_code:
        Party.objects.create(
            case=case,
            role=PartyRole.CLAIMANT,
            kind=PartyKind.NATURAL,
            name=applicant.get_full_name() or applicant.username,
            national_code=applicant.national_code,
            phone=applicant.mobile,
            resident_abroad=applicant.resident_abroad,
        )
    return case


def _check_proceeding(proceeding: str) -> None:
    if proceeding not in ProceedingStage.values:
        raise DomainError(fields={"proceeding": [_("Choose the stage of proceedings.")]})


@transaction.atomic
def case_update(
    *,
    case: Case,
    actor: User,
    title: str | None = None,
    claim_text: str | None = None,
    claim_amount: int | None = None,
    proceeding: str | None = None,
    judgment_notified_on: date | None = None,
    applicant_abroad: bool | None = None,
) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    on_behalf = _editable(case, actor)
    fields: list[str] = []
    if title is not None:
        title = normalize_free_text(title)
        if not title:
            raise DomainError(fields={"title": [_("This field is required.")]})
        case.title, fields = title[:200], [*fields, "title"]
    if claim_text is not None:
        case.claim_text, fields = normalize_free_text(claim_text), [*fields, "claim_text"]
    if claim_amount is not None:
        if claim_amount < 0:
            raise DomainError(fields={"claim_amount": [_("This cannot be negative.")]})
        case.claim_amount, fields = claim_amount, [*fields, "claim_amount"]
    if proceeding:
        _check_proceeding(proceeding)
        case.proceeding, fields = proceeding, [*fields, "proceeding"]
    if judgment_notified_on is not None:
        if judgment_notified_on > timezone.localdate():
            raise DomainError(fields={"judgment_notified_on": [_("This day has not come yet.")]})
        case.judgment_notified_on, fields = judgment_notified_on, [*fields, "judgment_notified_on"]
    if applicant_abroad is not None and applicant_abroad != case.applicant_abroad:
        case.applicant_abroad, fields = applicant_abroad, [*fields, "applicant_abroad"]
    if fields:
        case.save(update_fields=[*fields, "updated_at"])
        audit.record(
            actor=actor,
            on_behalf_of=on_behalf,
            action="cases.case.edited",
            obj=case,
            office=case.office_id,
            data={"fields": fields},
        )
    return case


@transaction.atomic
def party_add(*, case: Case, actor: User, **party: Any) -> Party:
    case = Case.objects.select_for_update().get(pk=case.pk)
    on_behalf = _editable(case, actor)
    data = _clean_party(**party)
    _check_distinct_parties(case, data)
    created = Party.objects.create(case=case, **data)
    audit.record(
        actor=actor,
        on_behalf_of=on_behalf,
        action="cases.party.added",
        obj=created,
        office=case.office_id,
        data={"role": data["role"], "kind": data["kind"]},
    )
    return created


@transaction.atomic
def party_remove(*, party: Party, actor: User) -> None:
    case = Case.objects.select_for_update().get(pk=party.case_id)
    on_behalf = _editable(case, actor)
    audit.record(
        actor=actor,
        on_behalf_of=on_behalf,
        action="cases.party.removed",
        obj=party,
        office=case.office_id,
        data={"role": party.role},
    )
    party.delete()


@transaction.atomic
def document_add(*, case: Case, actor: User, upload, title: str = "") -> Document:
    """Store a checked file; its SHA-256 names it, and its pages count toward the fee."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    on_behalf = _editable(case, actor)
    if case.documents.count() >= settings.CASES_MAX_DOCUMENTS:
        raise DomainError(
            _("This request already has the maximum number of documents."), code="too_many_documents"
        )
    checked = inspect_upload(upload)
    if case.documents.filter(sha256=checked.sha256).exists():
        raise DomainError(
            _("This file is already attached."),
            code="duplicate_document",
            fields={"file": [_("This file is already attached.")]},
        )
    document = Document(
        case=case,
        title=normalize_text(title) or getattr(upload, "name", "")[:200] or "—",
        content_type=checked.content_type,
        size=checked.size,
        pages=checked.pages,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    document.file.save("upload", ContentFile(checked.content), save=False)
    document.save()
    Case.objects.filter(pk=case.pk).update(originals_confirmed=False)
    audit.record(
        actor=actor,
        on_behalf_of=on_behalf,
        action="cases.document.added",
        obj=document,
        office=case.office_id,
        data={"sha256": checked.sha256, "pages": checked.pages},
    )
    return document


@transaction.atomic
def document_remove(*, document: Document, actor: User) -> None:
    case = Case.objects.select_for_update().get(pk=document.case_id)
    on_behalf = _editable(case, actor)
    audit.record(
        actor=actor,
        on_behalf_of=on_behalf,
        action="cases.document.removed",
        obj=document,
        office=case.office_id,
        data={"sha256": document.sha256},
    )
    name, storage = document.file.name, document.file.storage
    transaction.on_commit(lambda: storage.delete(name))
    document.delete()


@transaction.atomic
def case_confirm_originals(*, case: Case, actor: User) -> Case:
    """The applicant states that the electronic copies match the originals."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    on_behalf = _editable(case, actor)
    case.originals_confirmed = True
    case.save(update_fields=["originals_confirmed", "updated_at"])
    audit.record(
        actor=actor,
        on_behalf_of=on_behalf,
        action="cases.case.originals_confirmed",
        obj=case,
        office=case.office_id,
    )
    return case


# --- workflow steps -------------------------------------------------------------------------


def quote_for(case: Case) -> FeeQuote:
    parties = case.parties.exclude(role=PartyRole.REPRESENTATIVE).count()
    pages = sum(case.documents.values_list("pages", flat=True))
    return fee_quote(
        service=case.service,
        channel=case.channel,
        parties=parties,
        pages=pages,
        free_service=case.free_service,
    )


def _check_complete(case: Case) -> None:
    roles = set(case.parties.values_list("role", flat=True))
    missing = []
    if PartyRole.CLAIMANT not in roles:
        missing.append(str(_("a claimant")))
    if (
        case.service.category == "filing"
        and PartyRole.RESPONDENT not in roles
        and case.service.code != "request"
    ):
        missing.append(str(_("a respondent")))
    if case.channel != ChannelKind.IN_PERSON and not case.originals_confirmed and case.documents.exists():
        missing.append(str(_("your confirmation that the copies match the originals")))
    if missing:
        raise DomainError(
            _("The request is not complete: %(missing)s.")
            % {"missing": pgettext("list separator", ", ").join(missing)},
            code="case_incomplete",
        )


def case_submit(*, case: Case, actor: User, expected_status: str | None = None) -> Case:
    case = Case.objects.select_related("service").get(pk=case.pk)
    to = CaseStatus.SUBMITTED if case.status == CaseStatus.DRAFT else CaseStatus.RESUBMITTED
    if case.status not in (CaseStatus.DRAFT, CaseStatus.NEEDS_CORRECTION):
        raise ConflictError(_("This request was already submitted."), code="already_submitted")
    if not is_office_staff(actor, case.office):  # filing oneself from abroad needs a checked identity
        require_identity(actor)
    _check_complete(case)
    quote = quote_for(case)
    return case_transition(
        case=case,
        to=to,
        actor=actor,
        expected_status=expected_status or case.status,
        changes={"fee_snapshot": quote.as_dict(), "correction_note": ""},
    )


def case_start_review(*, case: Case, actor: User, expected_status: str | None = None) -> Case:
    return case_transition(case=case, to=CaseStatus.IN_REVIEW, actor=actor, expected_status=expected_status)


def case_request_correction(
    *, case: Case, actor: User, note: str, expected_status: str | None = None
) -> Case:
    note = normalize_free_text(note)
    if not note:
        raise DomainError(fields={"note": [_("Say what needs correcting.")]})
    return case_transition(
        case=case,
        to=CaseStatus.NEEDS_CORRECTION,
        actor=actor,
        reason=note,
        expected_status=expected_status,
        changes={"correction_note": note},
    )


def case_verify(
    *, case: Case, actor: User, identity_checked_in_person: bool = False, expected_status: str | None = None
) -> Case:
    """Identity and originals are checked: at the counter or the short visit, or electronically (remote)."""
    case = Case.objects.select_related("applicant").get(pk=case.pk)
    if case.channel == ChannelKind.REMOTE:
        applicant = case.applicant
        ok = identity_verifier().verify(
            national_code=applicant.national_code or "",
            mobile=applicant.mobile,
            birth_date=applicant.birth_date,
        )
        if not ok:
            raise DomainError(
                _("The applicant's identity could not be verified electronically."),
                code="identity_not_verified",
            )
        method = IdentityMethod.ADAPTER
    else:
        if not identity_checked_in_person:
            raise DomainError(
                _("Confirm that you checked the applicant's identity card and the originals."),
                code="identity_not_checked",
                fields={"identity_checked_in_person": [_("This must be confirmed.")]},
            )
        method = IdentityMethod.IN_PERSON
    case = case_transition(
        case=case,
        to=CaseStatus.VERIFIED,
        actor=actor,
        expected_status=expected_status,
        changes={"identity_method": method},
    )
    return case_request_payment(case=case, actor=actor)


def case_request_payment(*, case: Case, actor: User) -> Case:
    """Verified → awaiting payment, with the payment opened at the quote frozen at submission."""
    from tanzim.finance.services import payment_create

    with transaction.atomic():
        case = case_transition(
            case=case, to=CaseStatus.AWAITING_PAYMENT, actor=actor, expected_status=CaseStatus.VERIFIED
        )
        payment_create(
            office=case.office,
            payer=case.applicant,
            quote=FeeQuote.from_dict(case.fee_snapshot or {}),
            reference_type="cases.case",
            reference_id=str(case.pk),
            idempotency_key=f"case-{case.pk}-fee",
            actor=actor,
            return_url=case_url(case),
        )
    return Case.objects.get(pk=case.pk)


def case_url(case: Case) -> str:
    """The case's page: where the payment gateway sends the payer back."""
    return reverse("cases:detail", kwargs={"pk": case.pk})


def case_payment_open(*, case: Case, actor: User):
    """The case's payment ready for the gateway: the pending one, or a new one at the frozen quote.

    A payment expires after a few minutes while a citizen may come back to pay days later; the
    new payment carries the amounts frozen at submission, never a fresh quote.
    """
    from tanzim.finance.choices import PaymentStatus
    from tanzim.finance.models import Payment
    from tanzim.finance.services import payment_create

    case = Case.objects.select_related("office", "applicant").get(pk=case.pk)
    if actor is None or (actor.pk != case.applicant_id and not is_office_staff(actor, case.office)):
        raise case_not_found()
    if case.status != CaseStatus.AWAITING_PAYMENT or not case.fee_snapshot:
        raise ConflictError(_("This request is not waiting for a payment."), code="not_awaiting_payment")
    paid = Payment.objects.filter(
        reference_type="cases.case", reference_id=str(case.pk), status=PaymentStatus.CAPTURED
    ).first()
    if paid is not None:
        # Paid, but the case did not hear of it (a lost signal): catch up instead of charging twice.
        case_mark_paid(case_id=case.pk, payment_id=paid.pk)
        raise ConflictError(_("This request is already paid."), code="already_paid")
    return payment_create(
        office=case.office,
        payer=case.applicant,
        quote=FeeQuote.from_dict(case.fee_snapshot),
        reference_type="cases.case",
        reference_id=str(case.pk),
        actor=actor,
        return_url=case_url(case),
    )


def case_mark_paid(*, case_id: int, payment_id: int) -> Case | None:
    """Called when the finance app captured the case's payment; safe to run twice."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None or case.status != CaseStatus.AWAITING_PAYMENT:
        return case
    try:
        case = case_transition(
            case=case,
            to=CaseStatus.PAID,
            actor=None,
            reason=f"payment {payment_id}",
            expected_status=CaseStatus.AWAITING_PAYMENT,
        )
    except ConflictError:
        return Case.objects.get(pk=case_id)
    from tanzim.cases.tasks import file_case

    transaction.on_commit(lambda: file_case.delay(case.pk))
    return case


def case_reject(
    *, case: Case, actor: User, reason: str, note: str = "", expected_status: str | None = None
) -> Case:
    if reason not in RejectReason.values:
        raise DomainError(fields={"reason": [_("Choose a reason.")]})
    return case_transition(
        case=case,
        to=CaseStatus.REJECTED,
        actor=actor,
        reason=normalize_free_text(note),
        expected_status=expected_status,
        changes={"outcome_reason": reason},
    )


def case_cancel(*, case: Case, actor: User | None, reason: str, expected_status: str | None = None) -> Case:
    if reason not in CancelReason.values:
        raise DomainError(fields={"reason": [_("Choose a reason.")]})
    return case_transition(
        case=case,
        to=CaseStatus.CANCELLED,
        actor=actor,
        expected_status=expected_status,
        changes={"outcome_reason": reason},
    )


def case_close(*, case: Case, actor: User, note: str = "", expected_status: str | None = None) -> Case:
    return case_transition(
        case=case,
        to=CaseStatus.CLOSED,
        actor=actor,
        reason=normalize_free_text(note),
        expected_status=expected_status,
    )


ACTIONS = ("submit", "start_review", "request_correction", "verify", "reject", "cancel", "close")


def case_act(
    *,
    case: Case,
    actor: User,
    action: str,
    expected_status: str | None,
    note: str = "",
    reason: str = "",
    identity_checked_in_person: bool = False,
) -> Case:
    """One named move, as the case page and the API name them (``action`` + ``expected_status``)."""
    expected = {"expected_status": expected_status}
    if action == "submit":
        return case_submit(case=case, actor=actor, **expected)
    if action == "start_review":
        return case_start_review(case=case, actor=actor, **expected)
    if action == "request_correction":
        return case_request_correction(case=case, actor=actor, note=note, **expected)
    if action == "verify":
        return case_verify(
            case=case, actor=actor, identity_checked_in_person=identity_checked_in_person, **expected
        )
    if action == "reject":
        return case_reject(case=case, actor=actor, reason=reason, note=note, **expected)
    if action == "cancel":
        return case_cancel(
            case=case, actor=actor, reason=reason or CancelReason.APPLICANT_WITHDREW, **expected
        )
    if action == "close":
        return case_close(case=case, actor=actor, note=note, **expected)
    raise DomainError(fields={"action": [_("Unknown action.")]}, code="unknown_action")


def case_note_add(*, case: Case, text: str, actor: User | None = None) -> CaseEvent:
    """A line on the case's history from another app (a partner body's news); the status stays."""
    with transaction.atomic():
        case, note = Case.objects.select_for_update().get(pk=case.pk), normalize_free_text(text)[:300]
        same = {"from_status": case.status, "to_status": case.status, "office_id": case.office_id}
        event = CaseEvent.objects.create(
            case=case, created_at=timezone.now(), actor=actor, reason=note, **same
        )
        audit.record(action="cases.case.noted", actor=actor, obj=case, office=case.office_id)
    return event


FILING_RETRY_AFTER = timedelta(minutes=2)


def case_file(*, case_id: int) -> str:
    """Send a paid case to the judiciary. Claimed by compare-and-set so two workers never both send.

    A crash after the judiciary answered is harmless: the adapter is keyed by tracking code and
    returns the same reference on the retry.
    """
    now = timezone.now()
    unclaimed = Q(filing_claimed_at__isnull=True) | Q(filing_claimed_at__lt=now - FILING_RETRY_AFTER)
    claimed = Case.objects.filter(unclaimed, pk=case_id, status=CaseStatus.PAID).update(
        filing_claimed_at=now, filing_attempts=F("filing_attempts") + 1
    )
    if not claimed:
        return "skipped"
    case = Case.objects.select_related("service", "office").get(pk=case_id)
    try:
        ref = judiciary().file(
            tracking_code=case.tracking_code,
            payload={
                "service": case.service.code,
                "office": case.office.code,
                "channel": case.channel,
            },
        )
    except FilingError:
        Case.objects.filter(pk=case_id).update(filing_claimed_at=None)
        return "retry"
    case_transition(
        case=case,
        to=CaseStatus.FILED,
        actor=None,
        reason="",
        expected_status=CaseStatus.PAID,
        changes={"external_ref": ref, "filing_claimed_at": None},
    )
    return "filed"
