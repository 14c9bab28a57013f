"""Around a consultation: a free consultation on a recorded ground (the Kanoon reimburses the
office), the Kanoon's register of consultants by national code and office code, and the files the
citizen or the consultant attach to a consultation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon, is_office_staff
from tanzim.audit.services import record
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.fees import fee_quote
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.identifiers import clean_national_code
from tanzim.common.normalize import normalize_digits, normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.consult.choices import ConsultationStatus
from tanzim.consult.models import Consultant, Consultation, ConsultationDocument
from tanzim.consult.services.consultations import consultant_register, consultation_mark_paid, price_for
from tanzim.consult.workflows import consultation_not_found
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office

REFERENCE_TYPE = "consult.consultation"
MAX_DOCUMENTS = 10
OPEN_FOR_FILES = (
    ConsultationStatus.AWAITING_PAYMENT,
    ConsultationStatus.BOOKED,
    ConsultationStatus.ANSWERED,
)


def consultation_make_free(
    *,
    consultation: Consultation,
    actor: Any,
    ground: str,
    evidence_number: str = "",
    confirmation_document: Any = None,
    mission: Any = None,
    decision_date: Any = None,
) -> Consultation:
    """The office's counter staff record the ground (Relief Committee, Welfare allowance, an outreach
    mission, a Kanoon decision): the citizen pays nothing, the free payment is captured at once with
    the subsidy the Kanoon owes the office, and the booking is confirmed. A ground the finance rules
    refuse (no evidence, the month's cap reached) leaves the booking as it was."""
    from tanzim.finance.services import free_service_grant, payment_create

    if not is_office_staff(actor, consultation.office):
        if actor is not None and actor.pk in (consultation.citizen_id, consultation.consultant.user_id):
            raise PermissionDeniedError(
                _("Only the office's staff can waive the fee for a vulnerable client."),
                code="waiver_not_allowed",
            )
        raise consultation_not_found()
    if consultation.status != ConsultationStatus.AWAITING_PAYMENT:
        raise ConflictError(_("This consultation is not waiting for a payment."), code="not_awaiting_payment")
    service, _quote = price_for(service_code=consultation.service_code)
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.status != ConsultationStatus.AWAITING_PAYMENT:
            raise ConflictError(
                _("This consultation is not waiting for a payment."), code="not_awaiting_payment"
            )
        free_service_grant(
            office=consultation.office,
            ground=ground,
            evidence_number=evidence_number,
            confirmation_document=confirmation_document,
            mission=mission,
            **({"decision_date": decision_date} if decision_date is not None else {}),
            reference_type=REFERENCE_TYPE,
            reference_id=str(consultation.pk),
            actor=actor,
        )
        quote = fee_quote(service=service, channel=ChannelKind.REMOTE, free_service=True)
        payment = payment_create(
            office=consultation.office,
            payer=consultation.citizen,
            quote=quote,
            reference_type=REFERENCE_TYPE,
            reference_id=str(consultation.pk),
            actor=actor,
        )
        Consultation.objects.filter(pk=consultation.pk).update(payment=payment, price=0)
        record(
            actor=actor,
            action="consult.consultation.made_free",
            obj=consultation,
            office=consultation.office_id,
            data={"ground": ground, "payment": payment.pk, "subsidy": quote.subsidy},
        )
        # The capture's signal confirms it too after the commit; the second call changes nothing.
        consultation_mark_paid(consultation_id=consultation.pk, payment_id=payment.pk)
    consultation.refresh_from_db()
    return consultation


def consultant_register_from_form(
    *, actor: Any, national_code: str, office_code: str, basis: str, licence_number: str = ""
) -> Consultant:
    """The Kanoon's page: the person by national code, the office by its code; every refusal is
    named on its field and nothing is saved."""
    if not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon records consultants."), code="not_kanoon")
    errors: dict[str, list[Any]] = {}
    user = None
    try:
        code = clean_national_code(national_code or "")
    except ValidationError:
        errors["national_code"] = [_("Enter a valid 10-digit national code.")]
    else:
        user = get_user_model().objects.filter(national_code=code, is_active=True).first()
        if user is None:
            errors["national_code"] = [_("No user has this national code.")]
    office_code = normalize_digits(normalize_text(office_code or "")).strip()
    office = Office.objects.filter(code__iexact=office_code).first() if office_code else None
    if office is None:
        errors["office"] = [_("Unknown office.")]
    elif office.status != OfficeStatus.ACTIVE:
        errors["office"] = [_("This office is not active.")]
    licence_number = normalize_digits(normalize_text(licence_number or ""))
    if len(licence_number) > 40:
        errors["licence_number"] = [_("At most %(n)s characters.") % {"n": 40}]
    if errors:
        raise DomainError(_("The consultant was not recorded."), fields=errors, code="consultant_invalid")
    return consultant_register(
        actor=actor, user=user, office=office, basis=basis, licence_number=licence_number
    )


@transaction.atomic
def consultant_set_active(*, actor: Any, consultant: Consultant, active: bool) -> Consultant:
    if not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon records consultants."), code="not_kanoon")
    consultant = Consultant.objects.select_for_update().get(pk=consultant.pk)
    consultant.active = active
    consultant.save(update_fields=["active"])
    record(
        actor=actor,
        action="consult.consultant.activated" if active else "consult.consultant.suspended",
        obj=consultant,
        office=consultant.office_id,
    )
    return consultant


def consultation_document_add(
    *, consultation: Consultation, actor: Any, upload: Any, title: str = ""
) -> ConsultationDocument:
    """The citizen or the consultant attach a PDF, JPEG or PNG (checked by its content, as every
    upload is); at most ``MAX_DOCUMENTS``, and not once the consultation is over."""
    if actor is None or actor.pk not in (consultation.citizen_id, consultation.consultant.user_id):
        raise consultation_not_found()
    if consultation.status not in OPEN_FOR_FILES:
        raise ConflictError(
            _("This consultation is over: no more files can be attached."), code="consultation_over"
        )
    if upload is None:
        raise DomainError(fields={"file": [_("Choose a file (PDF, JPEG or PNG).")]})
    title = normalize_text(title or "")[:200] or normalize_text(getattr(upload, "name", "") or "")[:200]
    checked = inspect_upload(upload)
    with transaction.atomic():
        Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
        if consultation.documents.count() >= MAX_DOCUMENTS:
            raise ConflictError(
                _("At most %(n)s files can be attached to a consultation.") % {"n": MAX_DOCUMENTS},
                code="too_many_documents",
                fields={
                    "file": [
                        _("At most %(n)s files can be attached to a consultation.") % {"n": MAX_DOCUMENTS}
                    ]
                },
            )
        if consultation.documents.filter(sha256=checked.sha256).exists():
            raise ConflictError(
                _("This file is already attached."),
                code="document_duplicate",
                fields={"file": [_("This file is already attached.")]},
            )
        document = ConsultationDocument(
            consultation=consultation,
            title=title or str(_("Document")),
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        document.file.save("upload", ContentFile(checked.content), save=False)
        document.save()
        record(
            actor=actor,
            action="consult.document.attached",
            obj=consultation,
            office=consultation.office_id,
            data={"document": document.pk, "sha256": checked.sha256, "size": checked.size},
        )
    return document


def consultation_document_get(*, consultation: Consultation, document_id: int) -> ConsultationDocument:
    """A file of a consultation the caller already read through ``consultation_get_for``."""
    document = consultation.documents.filter(pk=document_id).first()
    if document is None:
        raise NotFoundError(_("Document not found."), code="document_not_found")
    return document
