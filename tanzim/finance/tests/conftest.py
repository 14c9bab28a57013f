"""Finance fixtures. After every test that touched the database the ledger must verify.

Helpers (the months tests travel to, paying at the simulated bank) are in tanzim/testing/finance.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tanzim.accounts.models import RoleAssignment
from tanzim.catalog.fees import fee_quote
from tanzim.catalog.models import Service
from tanzim.finance import services
from tanzim.finance.ledger import ledger_verify
from tanzim.testing.finance import free_grant, uses_database


@pytest.fixture(autouse=True)
def _ledger_stays_balanced(request):
    """The ledger invariants hold after every test: balanced transactions, payments agree."""
    uses_db = uses_database(request)
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
    """A pending payment of the citizen at office A (civil petition, optional court fee).

    A free one made by office staff has its ground recorded first (``grounded=False`` skips it).
    """
    counter = {"n": 0}

    def make(
        *,
        office=None,
        payer=None,
        court_fee=0,
        free_service=False,
        grounded=True,
        actor=None,
        reference_id=None,
        **kw,
    ):
        counter["n"] += 1
        office = office or personas.office_a
        reference_id = reference_id or f"thing-{counter['n']}"
        if free_service and grounded and actor is not None:
            free_grant(office=office, actor=actor, reference_type="tests.thing", reference_id=reference_id)
        return services.payment_create(
            office=office,
            payer=payer or personas.citizen,
            quote=quote(court_fee=court_fee, free_service=free_service, **kw),
            reference_type="tests.thing",
            reference_id=reference_id,
            actor=actor,
        )

    return make
