"""Free services and the Kanoon's money: reimbursed only on a recorded ground, within the monthly cap."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection

from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import JalaliMonth
from tanzim.finance import selectors, services
from tanzim.finance.models import FreeServiceGrant, Payment, SettlementLine
from tanzim.testing.finance import AFTER_MEHR_1404, IN_MEHR_1404, free_grant


@pytest.mark.django_db
def test_settlement_reimburses_only_grounded_free_services(personas, policy, make_payment):
    with time_machine.travel(IN_MEHR_1404, tick=False):
        make_payment(free_service=True, actor=personas.clerk_a)
        with pytest.raises(DomainError) as refused:
            make_payment(free_service=True, grounded=False, actor=personas.clerk_a)
        assert refused.value.code == "free_service_ground_required"
        overview = selectors.kanoon_overview(user=personas.kanoon_admin, year=1404, month=7)
    row = next(r for r in overview.rows if r.office_id == personas.office_a.pk)
    assert (row.free_services, row.subsidies) == (1, 770_000)
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        run = services.settlement_run(year=1404, month=7, actor=personas.kanoon_admin)
    line = SettlementLine.objects.get(run=run, office=personas.office_a)
    assert (line.free_services, line.subsidies) == (1, 770_000)
    assert run.free_services == 1
    assert Payment.objects.filter(subsidy__gt=0).count() == 1


@pytest.mark.django_db
def test_the_cap_in_rials_refuses_the_free_payment_that_would_pass_it(personas, make_payment):
    with time_machine.travel(IN_MEHR_1404, tick=False):
        services.free_service_cap_set(
            office=None, month=None, max_count=None, max_rials=1_000_000, actor=personas.kanoon_admin
        )
        make_payment(free_service=True, actor=personas.clerk_a)
        with pytest.raises(ConflictError) as refused:
            make_payment(free_service=True, actor=personas.clerk_a)
    assert refused.value.code == "free_service_cap_reached"
    assert Payment.objects.filter(subsidy__gt=0).count() == 1


@pytest.mark.django_db
def test_the_most_specific_cap_applies_and_the_settings_give_the_default(personas, settings):
    settings.FINANCE_FREE_SERVICE_CAP_COUNT = 7
    mehr = JalaliMonth(1404, 7)
    assert services.free_service_cap_for(office=personas.office_a, month=mehr).max_count == 7
    services.free_service_cap_set(
        office=None, month=None, max_count=5, max_rials=None, actor=personas.kanoon_admin
    )
    services.free_service_cap_set(
        office=personas.office_a, month=mehr, max_count=2, max_rials=None, actor=personas.kanoon_admin
    )
    assert services.free_service_cap_for(office=personas.office_a, month=mehr).max_count == 2
    assert services.free_service_cap_for(office=personas.office_a, month=mehr.next()).max_count == 5
    assert services.free_service_cap_for(office=personas.office_b, month=mehr).max_count == 5
    with pytest.raises(Exception) as refused:
        services.free_service_cap_set(
            office=None, month=None, max_count=9, max_rials=None, actor=personas.clerk_a
        )
    assert refused.value.__class__.__name__ == "PermissionDeniedError"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_free_service_cap_holds_when_two_clerks_grant_the_last_one_at_once(personas):
    services.free_service_cap_set(
        office=personas.office_a, month=None, max_count=1, max_rials=None, actor=personas.kanoon_admin
    )
    barrier = threading.Barrier(2)

    def grant(clerk, n):
        try:
            barrier.wait()
            free_grant(
                office=personas.office_a, actor=clerk, reference_type="tests.race", reference_id=str(n)
            )
            return "ok"
        except ConflictError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(grant, [personas.clerk_a, personas.manager_a], [1, 2]))
    assert results == ["free_service_cap_reached", "ok"]
    assert FreeServiceGrant.objects.filter(office=personas.office_a).count() == 1
