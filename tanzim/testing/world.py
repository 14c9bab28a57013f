"""One object of every kind a route names, at one office for one citizen: what the existence-oracle
walk (``tanzim/web/tests/test_security_oracles.py``) and the security probe (``bench/probe/``) fetch
as someone else, and with an id that exists nowhere."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# An id no row has: a route walked with it must answer exactly as with someone else's.
MISSING_INT = 987_654_321


def objects_of_every_kind(p: Any, *, now: datetime, tag: str = "") -> tuple[dict[str, Any], list[str]]:
    """``(values, markers)``: the route parameter → the id of ``p.office_a``'s object, and the strings
    (references, codes, the citizen's identifiers) that must never appear in another person's answer."""
    from tanzim.accounts.services import api_token_issue
    from tanzim.cases import services as cases
    from tanzim.catalog.fees import fee_quote
    from tanzim.catalog.models import Service
    from tanzim.feedback.services.complaints import complaint_file
    from tanzim.finance.services import payment_create
    from tanzim.inspections import services as inspections
    from tanzim.scheduling.models import Slot
    from tanzim.scheduling.services import flexible_request_create, slots_generate, ticket_issue_walk_in
    from tanzim.testing.cases import make_draft
    from tanzim.testing.disputes import open_dispute
    from tanzim.testing.files import pdf_bytes, photo, png_bytes, upload
    from tanzim.testing.scheduling import book

    petition = Service.objects.get(code="civil_petition")
    followup = Service.objects.get(code="case_followup")
    values: dict[str, Any] = {"office": p.office_a.code}
    markers: list[str] = []

    case = make_draft(p, petition)
    values["case"], values["party"] = case.pk, case.parties.first().pk
    values["document"] = cases.document_add(
        case=case, actor=p.citizen, upload=upload("a.pdf", pdf_bytes(1))
    ).pk
    markers.append(case.tracking_code)

    slots_generate(office=p.office_a)
    slot = (
        Slot.objects.filter(office=p.office_a, start__gte=now + timedelta(hours=2)).order_by("start").first()
    )
    assert slot is not None, "no slot two hours ahead"
    values["appointment"] = book(p.citizen, slot, followup).pk
    values["ticket"] = ticket_issue_walk_in(office=p.office_a, actor=p.clerk_a).pk

    dispute = open_dispute(p)
    values["dispute"] = dispute.pk
    markers.append(dispute.reference)

    complaint = complaint_file(
        complainant=p.citizen,
        office=p.office_a,
        category="conduct",
        description=f"رفتار نامناسب کارمند دفتر {tag}".strip(),
        attachments=[upload("p.png", png_bytes(), "image/png")],
    )
    values["complaint"], values["attachment"] = complaint.reference, complaint.attachments.get().pk
    markers.append(complaint.reference)

    checklist = inspections.checklist_current()
    assert checklist is not None, "no published checklist"
    values["checklist"] = checklist.pk
    inspection = inspections.inspection_schedule(actor=p.inspector, office=p.office_a, kind="periodic")
    values["inspection"] = inspection.pk
    item = checklist.items.order_by("position")[0]
    values["item"] = item.pk
    inspection = inspections.inspection_transition(inspection=inspection, actor=p.inspector, action="start")
    values["evidence"] = inspections.inspection_evidence_add(
        inspection=inspection, actor=p.inspector, item_id=item.pk, upload=photo()
    ).pk
    finding = inspections.finding_add(
        inspection=inspection, actor=p.inspector, severity="major", description="بایگانی ناقص است"
    )
    values["finding"] = finding.pk
    values["corrective_action"] = inspections.corrective_action_add(
        finding=finding, actor=p.inspector, description="بایگانی کامل شود"
    ).pk
    payment = payment_create(
        office=p.office_a,
        payer=p.citizen,
        quote=fee_quote(service=petition, channel="in_person"),
        reference_type="tests.world",
        reference_id=f"world-{tag or 'a'}",
    )
    values["payment"] = str(payment.uuid)
    markers.append(str(payment.uuid))
    values["flexible_request"] = flexible_request_create(
        citizen=p.citizen,
        service=followup,
        latitude=35.7,
        longitude=51.4,
        earliest=now.date() + timedelta(days=1),  # tomorrow in Tehran as in UTC
        latest=now.date() + timedelta(days=8),
    ).pk
    # An API token of the office's clerk: someone else's token answers like a missing one.
    values["token"] = api_token_issue(user=p.clerk_a, label="someone else's").token.pk
    # A dispute's sessions, arbitrators and referrals need it far up its ladder: their routes are
    # walked with the world's dispute and an id that exists nowhere (the dispute's scope is checked).
    for name in ("session", "arbitrator", "referral"):
        values[name] = MISSING_INT + 1
    markers += [p.citizen.national_code, p.citizen.mobile]
    return values, markers


def queued_ranking_run(requested_by: Any) -> int:
    """A ranking run as the Kanoon's request leaves it (national: no office's object)."""
    from tanzim.ranking.models import RankingRun
    from tanzim.ranking.services import policy_current

    return RankingRun.objects.create(
        policy=policy_current(),
        period_kind="month",
        period_first=140508,
        period_last=140508,
        seed=1,
        requested_by=requested_by,
    ).pk


def objects_of_the_newer_apps(p: Any) -> dict[str, Any]:
    """The route parameter → the id of an object of office A (or of its province, for a new-office
    applicant) in the apps built on the engine: an enforcement file, a new-office application and
    its document, an outreach mission, a partner referral, a consultation tree."""
    from tanzim.consult.models import Tree
    from tanzim.membership.models import ApplicationDocument
    from tanzim.testing.enforcement import pilot, request_file
    from tanzim.testing.membership import applicant, give_documents, member_documents
    from tanzim.testing.outreach import approved
    from tanzim.testing.partners import make_partner, sent_referral

    values: dict[str, Any] = {}
    pilot(p.office_a.province)
    # Parties with no account here: the citizens of the world are outsiders to this file.
    values["enforcement_file"] = request_file(
        actor=p.clerk_a,
        office=p.office_a,
        creditors=[{"name": "طلبکار آزمون", "claim": 50_000_000, "mobile": "09120000011"}],
        debtor={"name": "بدهکار آزمون", "national_code": "0012345679", "mobile": "09120000012"},
    ).pk
    application = applicant(province_code=p.office_a.province.code, actor=p.kanoon_admin)
    give_documents(application, ("identity",))
    values["application"] = application.pk
    values["membership_document"] = ApplicationDocument.objects.filter(application=application).first().pk  # type: ignore[union-attr]
    values.update(member_documents(p.manager_a, p.office_a))
    values["mission"] = approved(p).pk
    values["partner_referral"] = sent_referral(p, make_partner()).pk
    values["slug"] = Tree.objects.order_by("pk").values_list("slug", flat=True).first()
    # A person abroad's identity check sent to office A (someone outside the world's citizens).
    from tanzim.accounts.identity import identity_submit
    from tanzim.testing.factories import CitizenFactory

    values["identity_check"] = identity_submit(
        user=CitizenFactory.create(resident_abroad=True),
        office_id=p.office_a.pk,
        method="consular",
        reference="WORLD-1",
    ).pk
    # An auction needs a file far along (seizure, valuation); a dead letter, a partner's webhook
    # given up: their routes are walked with an id that exists nowhere (the scope is still checked).
    # A tree's version number, a referral's document: walked the same way.
    values["auction"] = MISSING_INT + 2
    values["delivery"] = MISSING_INT + 3
    values["number"] = MISSING_INT + 4
    values["doc"] = MISSING_INT + 5
    return values
