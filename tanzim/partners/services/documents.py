"""A partner's read of a referral's document through its API: scoped to the referral, logged."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tanzim.audit.services import record
from tanzim.common.errors import NotFoundError
from tanzim.partners.models import ApiKey, Referral, ReferralDocument
from tanzim.partners.selectors import NOT_SENT


def partner_document_read(
    *, referral: Referral, document_id: Any, api_key: ApiKey
) -> tuple[ReferralDocument, bytes]:
    """The document and its bytes, for the partner the referral is addressed to.

    Another partner's referral, a referral not sent, a document of another referral or none: the
    same 404. Every read is an event on the office's audit chain, naming the key and the document
    (the confidential-read log needs a person; the caller here is the partner's key).
    """
    text = str(document_id)
    if (
        api_key.partner_id != referral.partner_id
        or referral.status in NOT_SENT
        or not text.isdigit()
        or len(text) > 18
    ):
        raise NotFoundError(code="document_not_found")
    document = ReferralDocument.objects.filter(referral=referral, pk=int(text)).first()
    if document is None:
        raise NotFoundError(code="document_not_found")
    with document.file.open("rb") as handle:
        content = handle.read()
    with transaction.atomic():
        record(
            action="partners.referral.document_downloaded",
            obj=referral,
            office=referral.office_id,
            data={"document": document.pk, "api_key": api_key.prefix, "size": len(content)},
        )
    return document, content
