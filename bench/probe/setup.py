"""The security probe's data, on a production-stack database (bench/probe/run.sh runs it).

Two worlds that must not see each other: office A (Tehran) with its citizen, and office B (another
province) with another citizen. Each world holds one object of every kind a route names (a request
with a party and a document, an appointment, a queue ticket, a dispute, a complaint with a file, an
inspection with evidence, a finding and a corrective action, a payment, a flexible request, an API
token). Then the 13 personas with an API token and a page session each (the second sign-in step
marked passed, as after a real sign-in), two payments with their bank's signed callbacks, and a
one-place slot with 50 citizens ready to book it. Everything the probe needs is written as JSON:
``python bench/probe/setup.py OUT.json``.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BOOKERS = 50
MISSING_INT = 987_654_321


def world(p: Any, tag: str) -> dict[str, Any]:
    """One object of every kind, at ``p.office_a`` for ``p.citizen`` (a mirrored persona set for B)."""
    from django.utils import timezone

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
    now = timezone.now()
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
        description=f"رفتار نامناسب کارمند دفتر {tag}",
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
        reference_type="probe.thing",
        reference_id=f"probe-{tag}",
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
    from tanzim.accounts.services import api_token_issue

    values["token"] = api_token_issue(user=p.clerk_a, label="probe victim").token.pk
    # Far up a dispute's ladder: walked with the world's dispute and an id that exists nowhere.
    for name in ("session", "arbitrator", "referral"):
        values[name] = MISSING_INT + 1
    markers += [p.citizen.national_code, p.citizen.mobile]
    return {"values": values, "markers": markers}


def signed_in(user: Any) -> dict[str, str]:
    """An API token and a page session (second step passed) for ``user``."""
    from django.conf import settings
    from django.test import Client

    from tanzim.accounts import twofactor
    from tanzim.accounts.services import api_token_issue

    client = Client()
    client.force_login(user)
    session = client.session
    twofactor.mark_session(session, user)
    session.save()
    return {
        "token": api_token_issue(user=user, label="probe").key,
        "session": session.session_key or "",
        "cookie": settings.SESSION_COOKIE_NAME,
    }


def main(out: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from tanzim.accounts.choices import Role
    from tanzim.catalog.fees import fee_quote
    from tanzim.catalog.models import Service
    from tanzim.finance.gateways.base import sign
    from tanzim.finance.services import payment_create
    from tanzim.offices.models import City
    from tanzim.scheduling.models import Slot
    from tanzim.testing.factories import CitizenFactory, OfficeFactory, UserFactory, give_role
    from tanzim.testing.finance import gateway_callback

    tehran = City.objects.get(code="THR-01")
    other = City.objects.exclude(province=tehran.province).filter(is_capital=True).order_by("code").first()
    office_a = OfficeFactory.create(city=tehran, code="A0001", name_fa="دفتر الف", name_en="Office A")
    office_b = OfficeFactory.create(city=other, code="B0001", name_fa="دفتر ب", name_en="Office B")
    staff = UserFactory.create
    people = SimpleNamespace(
        office_a=office_a,
        office_b=office_b,
        citizen=CitizenFactory.create(first_name="آلیس", last_name="احمدی"),
        other_citizen=CitizenFactory.create(first_name="باب", last_name="بهرامی"),
        clerk_a=give_role(staff(username="probe.clerk.a"), Role.CLERK, office=office_a),
        manager_a=give_role(staff(username="probe.manager.a"), Role.OFFICE_MANAGER, office=office_a),
        mediator_a=give_role(staff(username="probe.mediator.a"), Role.MEDIATOR, office=office_a),
        arbitrator_a=give_role(staff(username="probe.arbitrator.a"), Role.ARBITRATOR, office=office_a),
        consultant_a=give_role(staff(username="probe.consultant.a"), Role.CONSULTANT, office=office_a),
        clerk_b=give_role(staff(username="probe.clerk.b"), Role.CLERK, office=office_b),
        province_a=give_role(
            staff(username="probe.province.a"), Role.PROVINCE_ADMIN, province=tehran.province
        ),
        inspector=give_role(staff(username="probe.inspector"), Role.INSPECTOR),
        kanoon=give_role(staff(username="probe.kanoon"), Role.KANOON_ADMIN),
        partner=give_role(staff(username="probe.partner"), Role.PARTNER),
    )
    mirrored = SimpleNamespace(
        office_a=office_b, citizen=people.other_citizen, clerk_a=people.clerk_b, inspector=people.inspector
    )
    worlds = {"A": world(people, "A"), "B": world(mirrored, "B")}
    from tanzim.ranking.models import RankingRun
    from tanzim.ranking.services import policy_current

    # A queued ranking run is national (neither world's): walked, not judged.
    run = RankingRun.objects.create(
        policy=policy_current(),
        period_kind="month",
        period_first=140508,
        period_last=140508,
        seed=1,
        requested_by=people.kanoon,
    ).pk
    for w in worlds.values():
        w["values"]["run"] = run
    personas = {
        name: signed_in(getattr(people, name))
        for name in (
            "citizen",
            "other_citizen",
            "clerk_a",
            "manager_a",
            "mediator_a",
            "arbitrator_a",
            "consultant_a",
            "clerk_b",
            "province_a",
            "inspector",
            "kanoon",
            "partner",
        )
    }

    # Payments: one for 30 concurrent genuine callbacks, one for five forgeries.
    petition = Service.objects.get(code="civil_petition")
    payments = {}
    for name in ("genuine", "forged"):
        payment = payment_create(
            office=office_a,
            payer=people.citizen,
            quote=fee_quote(service=petition, channel="in_person"),
            reference_type="probe.callback",
            reference_id=f"probe-{name}",
        )
        payload, signature = gateway_callback(payment)
        payments[name] = {"id": str(payment.uuid), "payload": payload, "signature": signature}
    genuine = payments["genuine"]["payload"]
    forged = payments["forged"]["payload"]
    payments["forgeries"] = {
        "a signature of zeros": [forged, "0" * 64],
        "no signature": [forged, ""],
        "the amount changed": [
            {**forged, "amount": str(int(forged.get("amount", 0) or 0) + 1)},
            payments["forged"]["signature"],
        ],
        "another payment's signature": [forged, payments["genuine"]["signature"]],
        "signed with another key": [forged, sign(forged, "not the gateway key")],
    }
    payments["genuine"]["payload"] = genuine

    # One place, fifty citizens.
    followup = Service.objects.get(code="case_followup")
    slot = (
        Slot.objects.filter(office=office_a, start__gte=timezone.now() + timedelta(days=1))
        .order_by("-start")
        .first()
    )
    assert slot is not None, "no slot from tomorrow on"
    Slot.objects.filter(pk=slot.pk).update(capacity=1, bookable=1)
    bookers = [signed_in(CitizenFactory.create())["token"] for _ in range(BOOKERS)]

    Path(out).write_text(
        json.dumps(
            {
                "host": settings.ALLOWED_HOSTS[0],
                "worlds": worlds,
                "personas": personas,
                "payments": payments,
                "booking": {
                    "slot": slot.pk,
                    "service": followup.code,
                    "office": office_a.code,
                    "tokens": bookers,
                },
            },
            ensure_ascii=False,
            default=str,
        )
    )
    print(f"  2 worlds, {len(personas)} signed-in personas, {BOOKERS} bookers, 2 payments")


if __name__ == "__main__":
    main(sys.argv[1])
