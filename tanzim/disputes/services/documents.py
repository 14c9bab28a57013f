"""Files: documents the parties and the office add, and the PDFs made after commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import User
from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError
from tanzim.disputes.choices import FINAL, SettlementStatus
from tanzim.disputes.models import Award, Dispute, DisputeDocument, Settlement
from tanzim.disputes.selectors import access_for
from tanzim.disputes.services._common import _audit, _lock, _require, _text


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
