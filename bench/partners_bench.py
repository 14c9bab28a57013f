"""The partner API and the partner portal with thousands of referrals on PostgreSQL: p50/p95.

Migrates a scratch database, makes one office (BP…), a council with a branch, a referral kind and an
API key, a few disputes, and ``--referrals`` referrals addressed to the council in every stage
after "sent" (bulk inserted: the figures are about reading and moving them, not preparing them).
Then it times, with Django's test client in one process (server time, no network):

* the partner API: the inbox list (first page of 50, and filtered by status), one referral's
  detail (its packed file, documents and checklist), an acknowledgement (a move with its event and
  its hash-chained audit event), and a coded outcome (written on the dispute's history too);
* the partner portal: the desk of a member of the council's staff, and one referral's page;
* the SQL query count of each.

Figures only; nothing here asserts on time.

    createdb -h 127.0.0.1 -U postgres tz_partners_bench
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_partners_bench .venv/bin/python bench/partners_bench.py
    ... bench/partners_bench.py --referrals 5000 --calls 200

Use a scratch database: the script migrates it and adds its own rows (office BP…, partner
bench-council-…, users bench-partners-…), leaving earlier runs' rows in place.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from tanzim.accounts.choices import Role  # noqa: E402
from tanzim.accounts.models import RoleAssignment, User  # noqa: E402
from tanzim.disputes import services as disputes  # noqa: E402
from tanzim.offices.models import City, Licence, Office  # noqa: E402
from tanzim.partners import services  # noqa: E402
from tanzim.partners.choices import OutcomeCode, PartnerKind, ReferralStatus  # noqa: E402
from tanzim.partners.models import (  # noqa: E402
    Branch,
    Partner,
    PartnerMember,
    Referral,
    ReferralKind,
    RequiredDocument,
)
from tanzim.testing.factories import next_national_code  # noqa: E402

#: Of every 10 referrals: 4 sent, 2 received, 1 in progress, 2 with an outcome, 1 closed.
MIX = [ReferralStatus.SENT] * 4 + [ReferralStatus.RECEIVED] * 2 + [ReferralStatus.IN_PROGRESS]
MIX += [ReferralStatus.OUTCOME] * 2 + [ReferralStatus.CLOSED]


def say(text: str) -> None:
    print(text, flush=True)


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def user(name: str, role: str, office: Office | None = None) -> User:
    person, _ = User.objects.get_or_create(username=name)
    RoleAssignment.objects.get_or_create(
        user=person, role=role, office=office, defaults={"valid_from": timezone.now()}
    )
    return person


def measure(name: str, calls: int, fn: Callable[[int], Any], expect: int = 200) -> None:
    """Call ``fn(i)`` ``calls`` times; print p50/p95 in ms and the SQL queries of the last call."""
    samples: list[float] = []
    queries = 0
    for i in range(calls):
        reset_queries()  # the query log is capped: counted from empty each call
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            answer = fn(i)
            samples.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
        assert answer.status_code == expect, (name, answer.status_code, answer.content[:300])
    say(
        f"{name:<40} n={len(samples):>4}  p50={statistics.median(samples):7.1f} ms"
        f"  p95={pct(samples, 95):7.1f} ms  queries={queries}"
    )


def party() -> dict[str, str]:
    return {"name": "بهرام بهرامی", "mobile": "+98935000" + f"{random.randrange(10_000):04d}",
            "national_code": next_national_code()}  # fmt: skip


def setup(total: int) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:6].upper()
    city = City.objects.get(code="THR-01")
    office = Office.objects.create(
        code=f"BP{tag}",
        name_fa="دفتر محک همکاران",
        name_en="Partners bench office",
        province=city.province,
        city=city,
        address="-",
        latitude=city.latitude,
        longitude=city.longitude,
    )
    Licence.objects.create(office=office, kind="mediation", valid_from="2024-01-01")
    clerk = user(f"bench-partners-clerk-{tag}", Role.CLERK, office)
    kanoon = user(f"bench-partners-kanoon-{tag}", Role.KANOON_ADMIN)
    staff = user(f"bench-partners-member-{tag}", Role.PARTNER)
    partner = Partner.objects.create(
        code=f"bench-council-{tag.lower()}",
        kind=PartnerKind.COUNCIL,
        name_fa="شورای محک",
        name_en="Bench council",
    )
    branch = Branch.objects.create(
        partner=partner,
        name_fa="شعبه یک",
        name_en="Branch one",
        city=city,
        address="-",
        opens=clock_time(8),
        closes=clock_time(14),
    )
    kind = ReferralKind.objects.create(
        partner=partner, code="hearing", name_fa="رسیدگی", name_en="Hearing", ack_days=3, outcome_days=20
    )
    for position, code in enumerate(("claim", "court_letter")):
        RequiredDocument.objects.create(
            kind=kind, code=code, name_fa=code, name_en=code, required=position == 0, position=position
        )
    PartnerMember.objects.create(user=staff, partner=partner, branch=branch)
    issued = services.api_key_issue(partner=partner, actor=kanoon, label="bench")
    files = [
        disputes.dispute_open(
            actor=clerk,
            office=office,
            category="mahriyeh",
            claim_amount=400_000_000,
            claimant=party(),
            respondent=party(),
            summary="مطالبه مهریه",
        )
        for _n in range(20)
    ]
    now = timezone.now()
    rows = []
    for i in range(total):
        status = MIX[i % len(MIX)]
        sent = now - timedelta(days=30, minutes=i)
        received = sent + timedelta(days=2) if status != ReferralStatus.SENT else None
        concluded = status in (ReferralStatus.OUTCOME, ReferralStatus.CLOSED)
        rows.append(
            Referral(
                reference=f"PB{tag}{i:08d}"[:16],
                office=office,
                kind=kind,
                partner=partner,
                branch=branch,
                dispute=files[i % len(files)],
                note="",
                bundle={"format": "bench", "reference": files[i % len(files)].reference, "parties": []},
                status=status,
                status_changed_at=received or sent,
                partner_reference="" if received is None else f"RC-{i:06d}",
                sent_at=sent,
                received_at=received,
                ack_due_at=sent + timedelta(days=3),
                outcome_due_at=sent + timedelta(days=20),
                outcome_at=sent + timedelta(days=15) if concluded else None,
                outcome_code=OutcomeCode.SETTLED if concluded else "",
                closed_at=sent + timedelta(days=16) if status == ReferralStatus.CLOSED else None,
                created_by=clerk,
            )
        )
    Referral.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE partners_referral")
    return {"partner": partner, "issued": issued, "staff": staff, "tag": tag}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        say("warning: not PostgreSQL (set DATABASE_URL); figures are for a look only")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    made = setup(args.referrals)
    say(f"{args.referrals} referrals to one council loaded in {time.perf_counter() - started:.1f} s")
    partner = made["partner"]
    api = Client(HTTP_AUTHORIZATION=f"PartnerKey {made['issued'].secret}")
    refs = list(Referral.objects.filter(partner=partner).values_list("reference", flat=True))
    sent = list(
        Referral.objects.filter(partner=partner, status=ReferralStatus.SENT).values_list(
            "reference", flat=True
        )
    )
    received = list(
        Referral.objects.filter(partner=partner, status=ReferralStatus.RECEIVED).values_list(
            "reference", flat=True
        )
    )
    pick = random.Random(19)
    calls = args.calls
    base = "/api/v1/partners/inbox/"
    measure("API inbox, first 50", calls, lambda i: api.get(base, {"limit": 50}))
    measure("API inbox, status=sent, offset 1000", calls, lambda i: api.get(base, {"status": "sent", "limit": "50", "offset": "1000"}))  # fmt: skip
    measure("API fetch one referral", calls, lambda i: api.get(f"{base}{pick.choice(refs)}/"))
    acks = min(calls, len(sent))
    measure(
        "API acknowledge (sent → received)",
        acks,
        lambda i: api.post(
            f"{base}{sent[i]}/transition/",
            {"action": "acknowledge", "expected_status": "sent", "partner_reference": f"AK-{i:05d}"},
            content_type="application/json",
        ),
    )
    outcomes = min(calls, len(received))
    measure(
        "API outcome (received → outcome)",
        outcomes,
        lambda i: api.post(
            f"{base}{received[i]}/outcome/",
            {"outcome_code": "settled", "note": "سازش", "expected_status": "received"},
            content_type="application/json",
        ),
    )
    portal = Client(HTTP_ACCEPT_LANGUAGE="fa")
    portal.force_login(made["staff"])
    pks = list(Referral.objects.filter(partner=partner).values_list("pk", flat=True))
    measure("portal desk (the branch's referrals)", calls, lambda i: portal.get("/partners/desk/"))
    measure("portal referral page", calls, lambda i: portal.get(f"/partners/{pick.choice(pks)}/"))
    say(f"open referrals at the council after the run: {Referral.objects.filter(partner=partner, status__in=['sent', 'received', 'in_progress']).count()}")  # fmt: skip


if __name__ == "__main__":
    from django.conf import settings

    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(
        ALLOWED_HOSTS=["*"], SECURE_SSL_REDIRECT=False, STORAGES={**settings.STORAGES, "staticfiles": static}
    ):
        main()
