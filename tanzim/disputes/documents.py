"""Documents of a dispute: the settlement report and the award as Persian PDFs, and the packed
file of a referral (a ZIP with a summary PDF, the file as JSON and the documents).

PDFs are made with WeasyPrint in the reader's language (Persian by default: RTL, Jalali dates,
Persian digits) with Vazirmatn embedded through the common PDF renderer.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tanzim.common.identifiers import mask_national_code
from tanzim.common.jalali import format_jalali
from tanzim.common.pdf import font_faces, render_pdf
from tanzim.common.timezones import TEHRAN, viewing_in
from tanzim.disputes.choices import FailureReason, PartyRole, SettlementStatus
from tanzim.disputes.models import Award, Dispute, Referral, Settlement
from tanzim.disputes.selectors import award_deadlines_for


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _parties(dispute: Dispute) -> dict[str, Any]:
    return {p.role: p for p in dispute.parties.all()}


def settlement_context(settlement: Settlement) -> dict[str, Any]:
    dispute = settlement.dispute
    parties = _parties(dispute)
    signatures = {s.party.role: s for s in settlement.signatures.select_related("party")}
    obligations = list(settlement.obligations.select_related("obligor").order_by("position"))
    return {
        "dispute": dispute,
        "settlement": settlement,
        "claimant": parties.get(PartyRole.CLAIMANT),
        "respondent": parties.get(PartyRole.RESPONDENT),
        "mask": mask_national_code,
        "obligations": obligations,
        "total": sum(o.amount or 0 for o in obligations),
        "signatures": [signatures.get(PartyRole.CLAIMANT), signatures.get(PartyRole.RESPONDENT)],
        "signed": settlement.status == SettlementStatus.SIGNED,
        "mediator": dispute.mediator,
        "sessions": list(dispute.sessions.order_by("starts_at")),
        "issued_at": timezone.now(),
        "font_faces": font_faces(),
        "site_url": settings.SITE_URL.rstrip("/"),
    }


def settlement_pdf(*, settlement: Settlement, language: str | None = None) -> bytes:
    """The settlement report (گزارش اصلاحی); a report not signed by all is marked as a draft."""
    # A document is written in Tehran time, whoever asks for it (a party abroad reads the same file).
    with translation.override(language or settings.LANGUAGE_CODE), viewing_in(TEHRAN):
        return render_pdf(render_to_string("disputes/pdf/settlement.html", settlement_context(settlement)))


def award_context(award: Award) -> dict[str, Any]:
    arbitration = award.arbitration
    dispute = arbitration.dispute
    parties = _parties(dispute)
    rows = award_deadlines_for(award=award)
    votes = {v.arbitrator_id: v for v in award.votes.select_related("arbitrator")}
    return {
        "dispute": dispute,
        "arbitration": arbitration,
        "award": award,
        "claimant": parties.get(PartyRole.CLAIMANT),
        "respondent": parties.get(PartyRole.RESPONDENT),
        "arbitrators": list(
            arbitration.arbitrators.filter(status="accepted").order_by("number", "created_at")
        ),
        "votes": votes,
        "refusals": [v.arbitrator.name for v in votes.values() if v.signed_at is None],
        "party_rows": rows,
        "any_uncertain": any(r["compliance_due_uncertain"] or r["annulment_due_uncertain"] for r in rows),
        "issued_at": timezone.now(),
        "font_faces": font_faces(),
        "site_url": settings.SITE_URL.rstrip("/"),
    }


def award_pdf(*, award: Award, language: str | None = None) -> bytes:
    # A document is written in Tehran time, whoever asks for it (a party abroad reads the same file).
    with translation.override(language or settings.LANGUAGE_CODE), viewing_in(TEHRAN):
        return render_pdf(render_to_string("disputes/pdf/award.html", award_context(award)))


# --- the packed file of a referral ----------------------------------------------------------------


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def bundle_for(dispute: Dispute) -> dict[str, Any]:
    """Everything a council or court needs, as plain JSON: parties, claim, documents, history."""
    parties = list(dispute.parties.order_by("role"))
    settlements = list(dispute.settlements.order_by("number").prefetch_related("obligations", "signatures"))
    arbitrations = list(dispute.arbitrations.order_by("created_at").prefetch_related("arbitrators"))
    case = dispute.case
    return {
        "format": "tanzim.dispute-file/1",
        "reference": dispute.reference,
        "office": {
            "code": dispute.office.code,
            "name_fa": dispute.office.name_fa,
            "name_en": dispute.office.name_en,
        },
        "category": dispute.category,
        "claim_amount": dispute.claim_amount,
        "summary": dispute.summary,
        "opened_at": _when(dispute.created_at),
        "opened_at_jalali": format_jalali(dispute.created_at, persian_digits=False),
        "status": dispute.status,
        "triage": {
            "eligible": dispute.eligible,
            "path": dispute.path,
            "note": dispute.triage_note,
            "referral_target": dispute.referral_target,
        },
        "failure_reason": dispute.failure_reason,
        "failure_reason_label": str(FailureReason(dispute.failure_reason).label)
        if dispute.failure_reason
        else "",
        "respondent_response": dispute.respondent_response,
        "invitations_sent": dispute.invite_attempts,
        "window": {
            "opened": _when(dispute.window_started_on),
            "closes": _when(dispute.window_ends_on),
            "extensions": dispute.window_extensions,
            "criminal_track": dispute.criminal_track,
        },
        "case": {
            "tracking_code": case.tracking_code,
            "service": case.service.code,
            "title": case.title,
            "judiciary_reference": case.external_ref,
        }
        if case
        else None,
        "parties": [
            {
                "role": p.role,
                "name": p.name,
                "national_code": p.national_code,
                "mobile": p.mobile,
                "resident_abroad": p.resident_abroad,
                "joined_at": _when(p.joined_at),
            }
            for p in parties
        ],
        "documents": [
            {
                "title": d.title,
                "sha256": d.sha256,
                "pages": d.pages,
                "content_type": d.content_type,
                "shared": d.shared,
                "uploaded_at": _when(d.uploaded_at),
            }
            for d in dispute.documents.order_by("uploaded_at", "pk")
        ],
        "sessions": [
            {
                "kind": s.kind,
                "number": s.number,
                "starts_at": _when(s.starts_at),
                "mode": s.mode,
                "status": s.status,
                "result": s.result,
                "claimant_attended": s.claimant_attended,
                "respondent_attended": s.respondent_attended,
                "notes": s.notes,
            }
            for s in dispute.sessions.order_by("starts_at", "pk")
        ],
        "settlements": [
            {
                "version": st.number,
                "status": st.status,
                "terms": st.terms,
                "content_hash": st.content_hash,
                "obligations": [
                    {
                        "obligor": o.obligor.role,
                        "kind": o.kind,
                        "description": o.description,
                        "amount": o.amount,
                        "due_date": _when(o.due_date),
                    }
                    for o in st.obligations.all()
                ],
                "signed_by": sorted(sig.party.role for sig in st.signatures.all()),
            }
            for st in settlements
        ],
        "arbitrations": [
            {
                "agreement": a.agreement_kind,
                "agreement_date": _when(a.agreement_date),
                "panel_size": a.panel_size,
                "panel_size_fixed": a.panel_size_fixed,
                "status": a.status,
                "term_ends_on": _when(a.term_ends_on),
                "arbitrators": [
                    {
                        "seat": x.seat,
                        "number": x.number,
                        "name": x.name,
                        "status": x.status,
                        "grounds": x.grounds,
                    }
                    for x in a.arbitrators.all()
                ],
                "award": _award_json(a),
            }
            for a in arbitrations
        ],
        "history": [
            {
                "at": _when(e.created_at),
                "subject": e.subject,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor.username if e.actor else None,
                "on_behalf_of": e.on_behalf_of.username if e.on_behalf_of else None,
                "reason": e.reason,
            }
            for e in dispute.events.select_related("actor", "on_behalf_of").order_by("created_at", "pk")
        ],
        "packed_at": timezone.now().isoformat(),
    }


def _award_json(arbitration: Any) -> dict[str, Any] | None:
    award = Award.objects.filter(arbitration=arbitration).select_related("in_favour_of").first()
    if award is None:
        return None
    return {
        "decided_on": _when(award.decided_on),
        "decision": award.decision,
        "reasoning": award.reasoning,
        "amount": award.amount,
        "in_favour_of": award.in_favour_of.role if award.in_favour_of else None,
        "delivered_at": _when(award.delivered_at),
        "compliance_due": _when(award.compliance_due),
        "annulment_deadline": _when(award.annulment_deadline),
        "compliance": award.compliance,
        "notices": [
            {
                "party": n.party.role,
                "notified_on": _when(n.notified_on),
                "method": n.method,
                "compliance_due": _when(n.compliance_due),
                "annulment_due": _when(n.annulment_due),
            }
            for n in award.notices.select_related("party")
        ],
        "votes": [
            {
                "arbitrator": v.arbitrator.name,
                "vote": v.vote,
                "signed_at": _when(v.signed_at),
                "dissent": v.dissent,
            }
            for v in award.votes.select_related("arbitrator")
        ],
    }


def referral_zip(*, referral: Referral, language: str | None = None) -> bytes:
    """The packed file as a ZIP: summary.pdf, file.json and every document of the dispute."""
    dispute = referral.dispute
    # A document is written in Tehran time, whoever asks for it (a party abroad reads the same file).
    with translation.override(language or settings.LANGUAGE_CODE), viewing_in(TEHRAN):
        html = render_to_string(
            "disputes/pdf/referral.html",
            {
                "referral": referral,
                "dispute": dispute,
                "bundle": referral.bundle,
                "parties": list(dispute.parties.order_by("role")),
                "events": list(
                    dispute.events.select_related("actor", "on_behalf_of").order_by("created_at", "pk")
                ),
                "issued_at": timezone.now(),
                "font_faces": font_faces(),
            },
        )
        summary = render_pdf(html)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.pdf", summary)
        archive.writestr("file.json", json.dumps(referral.bundle, ensure_ascii=False, indent=2))
        for n, document in enumerate(dispute.documents.order_by("uploaded_at", "pk"), start=1):
            try:
                with document.file.open("rb") as handle:
                    archive.writestr(
                        f"documents/{n:02d}-{document.sha256[:12]}{document.extension}", handle.read()
                    )
            except OSError:
                archive.writestr(f"documents/{n:02d}-MISSING.txt", f"missing file {document.sha256}")
    return buffer.getvalue()
