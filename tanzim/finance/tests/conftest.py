"""Finance test helpers. After every test that touched the database the ledger must verify."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tanzim.accounts.models import RoleAssignment
from tanzim.catalog.fees import fee_quote
from tanzim.catalog.models import Service
from tanzim.finance import services
from tanzim.finance.gateways import simulated
from tanzim.finance.ledger import ledger_verify

TEHRAN = ZoneInfo("Asia/Tehran")
# 1404/07/15 10:00 Tehran: a Tuesday in Mehr 1404, well inside the month.
IN_MEHR_1404 = datetime(2025, 10, 7, 10, 0, tzinfo=TEHRAN)
# 1404/08/05: Mehr 1404 has ended and may be settled.
AFTER_MEHR_1404 = datetime(2025, 10, 27, 10, 0, tzinfo=TEHRAN)


def _uses_db(request) -> bool:
    names = set(request.fixturenames)
    return bool(request.node.get_closest_marker("django_db")) or bool(
        names & {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
    )


@pytest.fixture(autouse=True)
def _ledger_stays_balanced(request):
    """The ledger invariants hold after every test: balanced transactions, payments agree."""
    uses_db = _uses_db(request)
    if uses_db:
        # Set the database up before this fixture, so this check runs before it is torn down.
        request.getfixturevalue("_django_db_helper")
    yield
    if uses_db:
        report = ledger_verify()
        assert report.ok, report.problems


@pytest.fixture
def personas(personas):
    """The shared personas, with roles valid since 1399 so tests can travel back to 1403 and 1404."""
    RoleAssignment.objects.update(valid_from=datetime(2020, 3, 20, tzinfo=UTC))
    return personas


@pytest.fixture
def quote():
    """``quote(service="civil_petition", channel="in_person", court_fee=0, free_service=False, ...)``."""

    def make(service: str = "civil_petition", channel: str = "in_person", **kwargs):
        return fee_quote(service=Service.objects.get(code=service), channel=channel, **kwargs)

    return make


@pytest.fixture
def policy(db):
    return services.share_policy_set(
        valid_from_year=1400,
        valid_from_month=1,
        base_rate_bp=1000,
        tier_adjustments_bp={"A": -300, "B": -100, "C": 0, "D": 200},
        dispute_credit_bp=50,
        dispute_credit_cap_bp=150,
    )


@pytest.fixture
def make_payment(personas, quote):
    """A pending payment of the citizen at office A (civil petition, optional court fee)."""
    counter = {"n": 0}

    def make(
        *, office=None, payer=None, court_fee=0, free_service=False, actor=None, reference_id=None, **kw
    ):
        counter["n"] += 1
        return services.payment_create(
            office=office or personas.office_a,
            payer=payer or personas.citizen,
            quote=quote(court_fee=court_fee, free_service=free_service, **kw),
            reference_type="tests.thing",
            reference_id=reference_id or f"thing-{counter['n']}",
            actor=actor,
        )

    return make


def gateway_callback(payment, action: str = "pay"):
    """Start the payment at the simulated bank, press a button there; return the signed callback."""
    url = services.payment_start(payment=payment)
    token = url.rstrip("/").split("/")[-1]
    _session, payload, signature = simulated.bank_decide(token=token, action=action)
    return payload, signature


def pay_online(payment, action: str = "pay"):
    payload, signature = gateway_callback(payment, action)
    return services.payment_handle_callback(payload=payload, signature=signature)
