"""Helpers for partners tests: partners of a kind with a branch and a checklist, a member of the
partner's staff, a referral walked to a stage, and a real local HTTP server for webhooks."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tanzim.accounts.choices import Role
from tanzim.offices.models import City
from tanzim.partners import services
from tanzim.partners.choices import PartnerKind
from tanzim.partners.models import Branch, Partner, PartnerMember, Referral, ReferralKind, RequiredDocument
from tanzim.testing.factories import UserFactory, give_role
from tanzim.testing.files import pdf_bytes, upload


def make_partner(
    kind: str = PartnerKind.COUNCIL,
    *,
    code: str | None = None,
    city: City | None = None,
    webhook_url: str = "",
    secret: str = "",
    documents: tuple[tuple[str, bool], ...] = (("claim", True), ("court_letter", False)),
) -> ReferralKind:
    """A partner of ``kind`` with one branch (in Tehran unless told) and one referral kind."""
    code = code or f"{kind}-test"
    partner = Partner.objects.create(
        code=code,
        kind=kind,
        name_fa=f"شریک {code}",
        name_en=f"Partner {code}",
        webhook_url=webhook_url,
        webhook_secret=secret,
    )
    Branch.objects.create(
        partner=partner,
        name_fa="شعبه مرکزی",
        name_en="Central branch",
        city=city or City.objects.get(code="THR-01"),
        address="Tehran",
        opens=time(8),
        closes=time(14),
    )
    kind_obj = ReferralKind.objects.create(
        partner=partner, code="file", name_fa="رسیدگی", name_en="Hearing", ack_days=3, outcome_days=20
    )
    for position, (doc, required) in enumerate(documents):
        RequiredDocument.objects.create(
            kind=kind_obj,
            code=doc,
            name_fa=f"سند {doc}",
            name_en=f"Document {doc}",
            required=required,
            position=position,
            citizen_task_fa="از دادگاه نامه ارجاع بگیرید" if doc == "court_letter" else "",
            citizen_task_en="Ask the court for the referral letter" if doc == "court_letter" else "",
        )
    return kind_obj


def make_member(partner: Partner, *, branch: Branch | None = None, username: str | None = None) -> Any:
    user = give_role(UserFactory.create(username=username or f"member.{partner.code}"), Role.PARTNER)
    PartnerMember.objects.create(user=user, partner=partner, branch=branch)
    return user


def attach_required(referral: Referral, actor: Any) -> None:
    for line in services.missing_documents(referral):
        services.referral_document_add(
            referral=referral, actor=actor, requirement=line, upload=upload(f"{line.code}.pdf", pdf_bytes())
        )


def sent_referral(personas: Any, kind: ReferralKind, *, dispute: Any = None) -> Referral:
    from tanzim.testing.disputes import open_dispute

    dispute = dispute or open_dispute(personas)
    referral = services.referral_prepare(actor=personas.clerk_a, kind=kind, dispute=dispute)
    attach_required(referral, personas.clerk_a)
    return services.referral_send(referral=referral, actor=personas.clerk_a)


@dataclass
class PartnerServer:
    """A real HTTP server in a thread, answering each POST with the next of ``answers`` (then 200)."""

    answers: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.server_address[1]
        return f"http://127.0.0.1:{port}/hooks/"

    def start(self) -> PartnerServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                owner.received.append(
                    {
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                        "json": json.loads(body),
                    }
                )
                code = owner.answers.pop(0) if owner.answers else 200
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def event_ids(self) -> list[str]:
        return [r["json"]["id"] for r in self.received]
