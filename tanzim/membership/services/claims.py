"""Insurance claims: the insured member submits with documents; the Kanoon pays or refuses.

"Paid" records what the insurer paid and its reference: the insurer pays the member directly, so
nothing goes through the Kanoon's ledger. Every status change goes through ``CLAIM``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.normalize import normalize_free_text, normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.membership.choices import ClaimStatus
from tanzim.membership.models import Claim, ClaimDocument, Enrolment, InsurancePolicy
from tanzim.membership.workflows import CLAIM

MAX_DOCUMENTS = 5
REASON_MAX = 300
#: The insurer's file: one row per insured person, these columns in this order (docs/membership.md).
INSURER_COLUMNS: tuple[str, ...] = (
    "policy",
    "member_national_code",
    "insured_national_code",
    "name",
    "relation",
    "office",
    "from",
    "monthly_premium",
)


def _amount(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DomainError(fields={field: [_("Enter a whole amount in rials, more than zero.")]})
    return value


@transaction.atomic
def claim_submit(
    *,
    enrolment: Enrolment,
    actor: Any,
    amount: int,
    description: str,
    uploads: list[Any],
    dependant_id: int | None = None,
) -> Claim:
    """The enrolled member claims for themself or a dependant, with 1 to 5 documents."""
    if enrolment.member_id != getattr(actor, "pk", None):
        raise PermissionDeniedError()
    amount = _amount(amount, "amount")
    text = normalize_free_text(description or "")[:300]
    errors: dict[str, list[Any]] = {}
    if not text:
        errors["description"] = [_("Say what the claim is for.")]
    if not uploads:
        errors["documents"] = [_("Attach the invoices or medical documents.")]
    elif len(uploads) > MAX_DOCUMENTS:
        errors["documents"] = [_("At most %(n)s documents.") % {"n": MAX_DOCUMENTS}]
    dependant = None
    if dependant_id:
        dependant = enrolment.dependants.filter(pk=dependant_id).first()
        if dependant is None:
            raise NotFoundError()
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    checked = [inspect_upload(upload) for upload in uploads]  # refuses what is not a PDF or picture
    claim = Claim.objects.create(
        enrolment=enrolment, dependant=dependant, amount=amount, description=text, submitted_by=actor
    )
    extensions = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
    for item in checked:
        document = ClaimDocument(
            claim=claim, content_type=item.content_type, size=item.size, sha256=item.sha256
        )
        document.file.save(f"claim{extensions[item.content_type]}", ContentFile(item.content), save=False)
        document.save()
    audit.record(
        actor=actor,
        action="membership.claim.submitted",
        obj=claim,
        office=enrolment.office_id,
        data={"amount": amount, "documents": len(checked), "dependant": dependant_id},
    )
    return claim


def _lock(claim: Claim) -> Claim:
    return Claim.objects.select_related("enrolment").select_for_update(of=("self",)).get(pk=claim.pk)


@transaction.atomic
def claim_pay(
    *, claim: Claim, actor: Any, paid_amount: int, reference: str, expected_status: str | None = None
) -> Claim:
    """The Kanoon records that the insurer paid ``paid_amount`` (at most what was claimed)."""
    locked = _lock(claim)
    paid_amount = _amount(paid_amount, "paid_amount")
    reference = normalize_text(reference or "")[:60]
    errors: dict[str, list[Any]] = {}
    if paid_amount > locked.amount:
        errors["paid_amount"] = [_("At most the amount claimed.")]
    if not reference:
        errors["reference"] = [_("Give the insurer's reference.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    return transition(
        CLAIM,
        locked,
        ClaimStatus.PAID,
        actor=actor,
        expected_status=expected_status or ClaimStatus.SUBMITTED,
        changes={"paid_amount": paid_amount, "insurer_reference": reference},
        audit_data={"paid_amount": paid_amount, "reference": reference},
    )


@transaction.atomic
def claim_refuse(*, claim: Claim, actor: Any, reason: str, expected_status: str | None = None) -> Claim:
    """The Kanoon refuses the claim with the reason the member is shown."""
    reason = normalize_free_text(reason or "")[:REASON_MAX]
    if not reason:
        raise DomainError(fields={"reason": [_("Say why it is refused.")]}, code="reason_required")
    locked = _lock(claim)
    return transition(
        CLAIM,
        locked,
        ClaimStatus.REFUSED,
        actor=actor,
        expected_status=expected_status or ClaimStatus.SUBMITTED,
        reason=reason,
        changes={"reason": reason},
    )


def insurer_csv(*, policy: InsurancePolicy) -> str:
    """The insurer's file (``INSURER_COLUMNS``): the member and each dependant, one row each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INSURER_COLUMNS)
    enrolments = policy.enrolments.select_related("member", "office").prefetch_related("dependants")
    for enrolment in enrolments.order_by("office__code", "pk"):
        code = enrolment.member.national_code or ""
        common = (enrolment.office.code, enrolment.started_on.isoformat(), str(policy.monthly_premium))
        writer.writerow([policy.code, code, code, enrolment.member.get_full_name(), "self", *common])
        for dependant in enrolment.dependants.order_by("pk"):
            writer.writerow(
                [policy.code, code, dependant.national_code, dependant.full_name, dependant.relation, *common]
            )
    return out.getvalue()
