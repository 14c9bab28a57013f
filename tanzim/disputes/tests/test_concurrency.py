"""Racing writers (PostgreSQL: SQLite serialises every writer anyway): the last two signatures at
once, two clerks triaging at once, one mediator booked twice at once, one party signing twice."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from tanzim.common.errors import ConflictError
from tanzim.disputes import services
from tanzim.disputes.choices import DisputeStatus
from tanzim.disputes.models import DisputeEvent, Session, Signature
from tanzim.finance.models import Payment
from tanzim.testing.disputes import at, last_otp, open_dispute, to_mediation, two_instalments

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls in threads released together; returns (results, errors) in call order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = [None] * len(calls)

    def run(n, call):
        try:
            barrier.wait()
            results[n] = call()
        except Exception as exc:  # reported by the test
            errors[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def open_for_signing(personas):
    dispute = to_mediation(personas)
    settlement = services.settlement_draft(
        dispute=dispute,
        actor=personas.mediator_a,
        terms="",
        obligations=two_instalments(date(2027, 1, 5), date(2027, 2, 4)),
    )
    return dispute, services.settlement_open(settlement=settlement, actor=personas.mediator_a)


def test_the_last_two_signatures_at_once_settle_the_dispute_exactly_once(personas, clock):
    dispute, settlement = open_for_signing(personas)
    claimant, respondent = dispute.parties.get(role="claimant"), dispute.parties.get(role="respondent")
    codes = {}
    for party, user in ((claimant, personas.citizen), (respondent, respondent.user)):
        services.settlement_request_code(settlement=settlement, party=party, actor=user)
        codes[party.role] = last_otp(party.mobile)
    results, errors = race(
        lambda: services.settlement_sign(
            settlement=settlement, party=claimant, actor=personas.citizen, code=codes["claimant"]
        ),
        lambda: services.settlement_sign(
            settlement=settlement, party=respondent, actor=respondent.user, code=codes["respondent"]
        ),
    )
    assert errors == [None, None]
    assert sorted(r.completed for r in results) == [False, True]
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.SETTLED
    assert DisputeEvent.objects.filter(dispute=dispute, subject="dispute", to_status="settled").count() == 1
    assert (
        Payment.objects.filter(reference_type="disputes.dispute", reference_id=str(dispute.pk)).count() == 1
    )


def test_one_party_signing_twice_at_once_leaves_one_signature(personas, clock):
    dispute, settlement = open_for_signing(personas)
    claimant = dispute.parties.get(role="claimant")
    services.settlement_request_code(settlement=settlement, party=claimant, actor=personas.citizen)
    code = last_otp(claimant.mobile)
    results, errors = race(
        *[
            lambda: services.settlement_sign(
                settlement=settlement, party=claimant, actor=personas.citizen, code=code
            )
            for _n in range(4)
        ]
    )
    assert Signature.objects.filter(settlement=settlement).count() == 1
    succeeded = [r for r in results if r is not None]
    assert sum(not r.already_signed for r in succeeded) == 1
    # A racer that lost may find the code used up: it gets a clear refusal, never a second signature.
    assert all(e is None or getattr(e, "code", "") == "invalid_code" for e in errors)


def test_two_clerks_triaging_at_once_make_one_move(personas, clock):
    dispute = open_dispute(personas)
    _results, errors = race(
        lambda: services.dispute_triage(dispute=dispute, actor=personas.clerk_a),
        lambda: services.dispute_triage(dispute=dispute, actor=personas.manager_a),
    )
    assert sum(e is None for e in errors) == 1
    assert all(e is None or isinstance(e, ConflictError) for e in errors)
    assert DisputeEvent.objects.filter(dispute=dispute, to_status="triaged").count() == 1


def test_a_mediator_cannot_be_booked_twice_at_the_same_time(personas, clock):
    first, second = to_mediation(personas), to_mediation(personas)
    _results, errors = race(
        lambda: services.session_schedule(dispute=first, actor=personas.mediator_a, starts_at=at(2, 10)),
        lambda: services.session_schedule(dispute=second, actor=personas.mediator_a, starts_at=at(2, 10, 30)),
    )
    assert sum(e is None for e in errors) == 1
    assert all(e is None or getattr(e, "code", "") == "convener_busy" for e in errors)
    assert Session.objects.filter(convener=personas.mediator_a, status="scheduled").count() == 1


def test_two_workers_sweeping_at_once_handle_each_due_dispute_exactly_once(personas, clock, monkeypatch):
    from datetime import timedelta

    from tanzim.disputes.services import deadlines

    monkeypatch.setattr(deadlines, "CLAIM_BATCH", 3)  # many small batches, so the workers interleave
    disputes = []
    for _n in range(12):
        dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
        services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
        dispute.refresh_from_db()
        disputes.append(dispute)
    clock.move_to(max(d.due_at for d in disputes) + timedelta(minutes=1))

    results, errors = race(services.deadlines_sweep, services.deadlines_sweep)

    assert errors == [None, None]
    assert sum(r.get("reminded", 0) for r in results) == 12  # shared, none done twice
    attempts = {d.pk: d.invite_attempts for d in disputes}
    for dispute in disputes:
        dispute.refresh_from_db()
        assert dispute.invite_attempts == attempts[dispute.pk] + 1
    assert services.deadlines_sweep() == {}
