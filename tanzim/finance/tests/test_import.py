from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.finance import services
from tanzim.finance.models import Payment, Transaction
from tanzim.finance.services import ImportRow
from tanzim.testing.finance import AFTER_MEHR_1404, IN_MEHR_1404, free_grant

pytestmark = pytest.mark.django_db


def _rows(personas, n=5, when=None, **changes):
    when = when or timezone.now() - timedelta(hours=1)
    values = {
        "office_id": personas.office_a.pk,
        "reference_type": "legacy.register",
        "service_code": "civil_petition",
        "channel": "in_person",
        "office_fee": 770_000,
        "court_fee": 300_000,
        "captured_at": when,
    }
    values.update(changes)
    return [ImportRow(reference_id=f"r{i}", **values) for i in range(n)]


def test_imported_payments_are_captured_with_their_ledger_postings_once(personas):
    free = ImportRow(
        office_id=personas.office_b.pk,
        reference_type="legacy.register",
        reference_id="free-1",
        service_code="civil_petition",
        channel="in_person",
        office_fee=0,
        court_fee=0,
        subsidy=770_000,
        captured_at=timezone.now() - timedelta(hours=2),
    )
    rows = [*_rows(personas), free]
    grant = free_grant(
        office=personas.office_b,
        actor=personas.clerk_b,
        reference_type="legacy.register",
        reference_id="free-1",
    )
    assert services.payments_import(rows=rows, actor=personas.kanoon_admin) == 6
    grant.refresh_from_db()
    assert grant.payment == Payment.objects.get(reference_id="free-1")
    assert Payment.objects.filter(status="captured", method="import").count() == 6
    assert Transaction.objects.filter(kind="payment").count() == 5
    assert Transaction.objects.filter(kind="subsidy").count() == 1
    assert services.payments_import(rows=rows, actor=None) == 0
    assert Payment.objects.count() == 6


def test_an_import_into_a_settled_month_is_refused(personas, policy):
    with time_machine.travel(AFTER_MEHR_1404, tick=False):
        services.settlement_run(year=1404, month=7, actor=None)
        with pytest.raises(ConflictError):
            services.payments_import(rows=_rows(personas, when=IN_MEHR_1404), actor=None)
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    "changes",
    [{"office_fee": -1}, {"court_fee": 1.5}, {"method": "barter"}, {"reference_type": ""}],
)
def test_a_bad_import_row_is_refused(personas, changes):
    with pytest.raises(DomainError):
        services.payments_import(rows=_rows(personas, n=1, **changes), actor=None)
    assert Payment.objects.count() == 0


def test_an_import_from_the_future_is_refused(personas):
    with pytest.raises(DomainError):
        services.payments_import(
            rows=_rows(personas, n=1, when=timezone.now() + timedelta(days=1)), actor=None
        )


def test_only_the_kanoon_imports(personas):
    with pytest.raises(PermissionDeniedError):
        services.payments_import(rows=_rows(personas, n=1), actor=personas.manager_a)


def test_note_to_art_505_an_imported_free_service_without_a_recorded_ground_is_refused(personas):
    free = ImportRow(
        office_id=personas.office_b.pk,
        reference_type="legacy.register",
        reference_id="free-2",
        service_code="civil_petition",
        channel="in_person",
        office_fee=0,
        court_fee=0,
        subsidy=770_000,
        captured_at=timezone.now() - timedelta(hours=2),
    )
    with pytest.raises(DomainError) as refused:
        services.payments_import(rows=[*_rows(personas), free], actor=personas.kanoon_admin)
    assert refused.value.code == "free_service_ground_required"
    assert not Payment.objects.exists()
