"""The security probe's data, on a production-stack database (bench/probe/run.sh runs it).

Two worlds that must not see each other: office A (Tehran) with its citizen, and office B (another
province) with another citizen. Each world holds one object of every kind a route names (a request
with a party and a document, an appointment, a queue ticket, a dispute, a complaint with a file, an
inspection with evidence, a finding and a corrective action, a payment, a flexible request, an API
token). Then the 13 personas with an API token and a page session each (the second sign-in step
marked passed, as after a real sign-in), two payments with their bank's signed callbacks, and a
one-place slot with 50 citizens ready to book it. Everything the probe needs is written as JSON:
``python bench/probe/worlds.py OUT.json``.
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


def world(p: Any, tag: str) -> dict[str, Any]:
    """One object of every kind, at ``p.office_a`` for ``p.citizen`` (a mirrored persona set for B)."""
    from django.utils import timezone

    from tanzim.testing.world import objects_of_every_kind

    values, markers = objects_of_every_kind(p, now=timezone.now(), tag=tag)
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
    from tanzim.testing.world import queued_ranking_run

    # A queued ranking run is national (neither world's): walked, not judged.
    run = queued_ranking_run(people.kanoon)
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
