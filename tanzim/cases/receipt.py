"""The receipt of a case as a PDF (WeasyPrint): tracking code, who asked what, the fees and the payment.

It renders in the applicant's language (Persian by default: RTL, Persian digits, Jalali dates)
with the Vazirmatn font embedded, so it reads the same on any machine that opens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case
from tanzim.common.identifiers import mask_national_code
from tanzim.common.pdf import font_faces, render_pdf


@dataclass(frozen=True)
class FeeLine:
    label: str
    quantity: int
    unit_fee: int
    amount: int


@dataclass(frozen=True)
class Fees:
    """A fee quote laid out for display; labels follow the reader's language, not the submitter's."""

    year: int
    lines: tuple[FeeLine, ...]
    discount_pct: int
    discount: int
    office_fee: int
    free_service: bool
    client_office_fee: int
    subsidy: int
    court_fee: int
    client_total: int


def fee_lines(snapshot: dict[str, Any], service) -> Fees:
    labels = {
        "base": str(service.name),
        "extra_party": str(_("Extra party")),
        "extra_page": str(_("Extra page")),
    }
    lines = tuple(
        FeeLine(
            label=labels.get(line["code"], line.get("label", "")),
            quantity=int(line["quantity"]),
            unit_fee=int(line["unit_fee"]),
            amount=int(line["amount"]),
        )
        for line in snapshot.get("lines", ())
    )
    return Fees(
        year=int(snapshot.get("year", 0)),
        lines=lines,
        discount_pct=int(snapshot.get("discount_pct", 0)),
        discount=int(snapshot.get("discount", 0)),
        office_fee=int(snapshot.get("office_fee", 0)),
        free_service=bool(snapshot.get("free_service")),
        client_office_fee=int(snapshot.get("client_office_fee", 0)),
        subsidy=int(snapshot.get("subsidy", 0)),
        court_fee=int(snapshot.get("court_fee", 0)),
        client_total=int(snapshot.get("client_total", 0)),
    )


def _submitted_at(case: Case):
    event = (
        case.events.filter(to_status__in=[CaseStatus.SUBMITTED, CaseStatus.RESUBMITTED])
        .order_by("created_at", "pk")
        .first()
    )
    return event.created_at if event else None


def free_ground_of(case: Case) -> str:
    """The recorded ground of a free case, as its receipt names it ("" when the case is not free)."""
    from tanzim.finance.models import FreeServiceGrant
    from tanzim.finance.services.free import ground_label

    if not case.free_service:
        return ""
    grant = (
        FreeServiceGrant.objects.select_related("mission")
        .filter(reference_type="cases.case", reference_id=str(case.pk))
        .first()
    )
    return ground_label(grant) if grant is not None else ""


# A receipt acknowledges a payment: none is offered (or served) before the fees are paid. A free
# service (nothing to pay) is marked paid by the office's verification, so it gets one too.
PAID_STATUSES = frozenset({CaseStatus.PAID, CaseStatus.FILED, CaseStatus.CLOSED})


def receipt_ready(case: Case) -> bool:
    """Whether the case's receipt may be downloaded: its fees are frozen and paid."""
    return bool(case.fee_snapshot) and case.status in PAID_STATUSES


def receipt_context(*, case: Case, payment: Any = None) -> dict[str, Any]:
    parties = [
        {
            "role": party.get_role_display(),
            "kind": party.get_kind_display(),
            "name": party.name,
            # A receipt travels (printed, forwarded): identifiers are shown masked.
            "identifier": mask_national_code(party.identifier) if party.identifier else "",
            "abroad": party.resident_abroad,
        }
        for party in case.parties.all()
    ]
    return {
        "case": case,
        "parties": parties,
        "fees": fee_lines(case.fee_snapshot or {}, case.service),
        "payment": payment,
        "paid": getattr(payment, "status", "") == "captured",
        "free_ground": free_ground_of(case),
        "submitted_at": _submitted_at(case),
        "issued_at": timezone.now(),
        "font_faces": font_faces(),
        "site_url": settings.SITE_URL.rstrip("/"),
    }


def receipt_html(*, case: Case, payment: Any = None, language: str | None = None) -> str:
    language = language or case.applicant.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string("cases/receipt.html", receipt_context(case=case, payment=payment))


def receipt_pdf(*, case: Case, payment: Any = None, language: str | None = None) -> bytes:
    """The receipt as PDF bytes, in the applicant's language unless another is asked for."""
    return render_pdf(receipt_html(case=case, payment=payment, language=language))
