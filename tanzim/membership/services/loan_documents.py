"""A loan's documents, in the style of the applicant's: checked by content (PDF, JPEG or PNG),
kept in private storage, read through a logged, signed link.

The member gives the signed application form and supporting papers while the loan is waiting or
approved; the Kanoon attaches the signed contract once the loan is approved (or paid out).
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.uploads import inspect_upload
from tanzim.membership.choices import LOAN_MEMBER_DOCUMENTS, LoanDocumentKind, LoanStatus
from tanzim.membership.models import LoanApplication, LoanDocument

MAX_PER_LOAN = 10
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@transaction.atomic
def loan_document_add(*, loan: LoanApplication, actor: Any, kind: str, upload: Any) -> LoanDocument:
    if kind not in LoanDocumentKind.values:
        raise DomainError(fields={"kind": [_("Unknown document.")]})
    locked = LoanApplication.objects.select_for_update().get(pk=loan.pk)
    if kind in LOAN_MEMBER_DOCUMENTS:
        if locked.member_id != getattr(actor, "pk", None):
            raise PermissionDeniedError()
        open_states: tuple[str, ...] = (LoanStatus.SUBMITTED, LoanStatus.APPROVED)
    else:
        if not is_kanoon(actor):
            raise PermissionDeniedError()
        open_states = (LoanStatus.APPROVED, LoanStatus.DISBURSED)
    if locked.status not in open_states:
        raise ConflictError(
            _("This document cannot be added while the loan is “%(status)s”.")
            % {"status": locked.get_status_display()},
            code="wrong_status",
        )
    if locked.documents.count() >= MAX_PER_LOAN:
        raise ConflictError(_("At most %(n)s documents.") % {"n": MAX_PER_LOAN}, code="too_many")
    checked = inspect_upload(upload)
    document = LoanDocument(
        loan=locked,
        kind=kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    document.file.save(f"{kind}{EXTENSIONS[checked.content_type]}", ContentFile(checked.content), save=False)
    document.save()
    audit.record(
        actor=actor,
        action="membership.loan.document_added",
        obj=document,
        office=locked.office_id,
        data={"loan": locked.pk, "kind": kind, "sha256": checked.sha256},
    )
    return document
