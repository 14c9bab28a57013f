"""Helpers for finance tests: the months the tests travel to, paying at the simulated bank."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tanzim.finance import services
from tanzim.finance.gateways import simulated

TEHRAN = ZoneInfo("Asia/Tehran")
# 1404/07/15 10:00 Tehran: a Tuesday in Mehr 1404, well inside the month.
IN_MEHR_1404 = datetime(2025, 10, 7, 10, 0, tzinfo=TEHRAN)
# 1404/08/05: Mehr 1404 has ended and may be settled.
AFTER_MEHR_1404 = datetime(2025, 10, 27, 10, 0, tzinfo=TEHRAN)


def uses_database(request) -> bool:
    """Whether the test asked for the database (a ``django_db`` mark or one of pytest-django's fixtures)."""
    names = set(request.fixturenames)
    return bool(request.node.get_closest_marker("django_db")) or bool(
        names & {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
    )


def free_grant(
    *, office, actor, reference_type: str, reference_id: str, ground: str = "relief_committee", **kw
):
    """A free service's recorded ground (a Relief Committee card and its confirmation, by default)."""
    from tanzim.testing.files import pdf_bytes, upload

    if ground != "outreach_mission":
        kw.setdefault("evidence_number", "12345678")
        kw.setdefault("confirmation_document", upload("confirmation.pdf", pdf_bytes()))
    return services.free_service_grant(
        office=office,
        ground=ground,
        reference_type=reference_type,
        reference_id=reference_id,
        actor=actor,
        **kw,
    )


def gateway_callback(payment, action: str = "pay"):
    """Start the payment at the simulated bank, press a button there; return the signed callback."""
    url = services.payment_start(payment=payment)
    token = url.rstrip("/").split("/")[-1]
    _session, payload, signature = simulated.bank_decide(token=token, action=action)
    return payload, signature


def pay_online(payment, action: str = "pay"):
    payload, signature = gateway_callback(payment, action)
    return services.payment_handle_callback(payload=payload, signature=signature)
