"""Each bad input of the issue is refused with a clear error and nothing is lost; who may do what."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.enforcement import selectors, services
from tanzim.enforcement.choices import (
    AssetKind,
    AssetStatus,
    CollectionSource,
    JudgmentState,
    Step,
    TaskStatus,
)
from tanzim.enforcement.models import EnforcementFile, Schedule, Task
from tanzim.testing.enforcement import court_officer, pilot, request_file, served_file

pytestmark = pytest.mark.django_db
START = datetime(2030, 5, 25, 10, 0, tzinfo=TEHRAN)


@pytest.fixture
def officer(personas):
    return court_officer(personas.office_a.province)


def _debtor(personas):
    return {"name": "باب", "user": personas.other_citizen}


def _creditor(personas, claim=10_000_000):
    return [{"name": "آلیس", "user": personas.citizen, "claim": claim}]


def test_a_judgment_not_yet_final_is_refused(personas):
    with pytest.raises(DomainError) as refused:
        request_file(
            actor=personas.clerk_a,
            office=personas.office_a,
            creditors=_creditor(personas),
            debtor=_debtor(personas),
            state=JudgmentState.NOT_FINAL,
        )
    assert "judgment_state" in refused.value.fields
    assert not EnforcementFile.objects.exists()


def test_a_judgment_not_served_is_refused(personas):
    with pytest.raises(DomainError) as refused:
        services.file_request(
            actor=personas.clerk_a,
            office=personas.office_a,
            court="دادگاه",
            branch="1",
            judgment_number="1",
            judgment_date=tehran_date(timezone.now()) - timedelta(days=5),
            judgment_state=JudgmentState.FINAL,
            judgment_served_on=None,
            creditors=_creditor(personas),
            debtors=[_debtor(personas)],
        )
    assert "judgment_served_on" in refused.value.fields


def test_the_same_idempotency_key_returns_the_same_file(personas):
    first = request_file(
        actor=personas.clerk_a,
        office=personas.office_a,
        creditors=_creditor(personas),
        debtor=_debtor(personas),
        idempotency_key="req-000001",
    )
    again = request_file(
        actor=personas.clerk_a,
        office=personas.office_a,
        creditors=_creditor(personas),
        debtor=_debtor(personas),
        idempotency_key="req-000001",
    )
    assert first.pk == again.pk
    with pytest.raises(ConflictError):
        request_file(
            actor=personas.clerk_a,
            office=personas.office_a,
            creditors=_creditor(personas, 5),
            debtor=_debtor(personas),
            idempotency_key="req-000001",
        )


def test_another_office_cannot_file_for_office_a(personas):
    with pytest.raises(PermissionDeniedError):
        request_file(
            actor=personas.clerk_b,
            office=personas.office_a,
            creditors=_creditor(personas),
            debtor=_debtor(personas),
        )


def test_seizing_an_exempt_item_is_refused(personas, officer):
    pilot(personas.office_a.province)
    file = served_file(personas, officer)
    home = services.asset_create(
        file=file,
        actor=personas.clerk_a,
        found_by="creditor",
        data={"kind": AssetKind.LAND, "description": "خانه", "exempt_category": "home"},
    )
    with pytest.raises(DomainError) as refused:
        services.asset_seize(asset=home, actor=officer)
    assert refused.value.code == "asset_exempt"
    home.refresh_from_db()
    assert home.status == AssetStatus.LISTED


def test_garnishing_more_than_the_fraction_is_refused(personas, officer):
    pilot(personas.office_a.province)
    file = served_file(personas, officer)
    salary = services.asset_create(
        file=file,
        actor=personas.clerk_a,
        found_by="creditor",
        data={
            "kind": AssetKind.SALARY,
            "description": "حقوق",
            "monthly_salary": 90_000_000,
            "protected_benefits": 0,
        },
    )
    services.asset_seize(asset=salary, actor=officer)
    with pytest.raises(DomainError) as refused:
        services.salary_garnish(
            asset=salary, actor=personas.clerk_a, monthly=30_000_001
        )  # ⅓ of 90 m, no dependants
    assert refused.value.code == "garnish_over_limit"
    assert (
        services.salary_garnish(asset=salary, actor=personas.clerk_a, monthly=30_000_000).garnish_monthly
        == 30_000_000
    )


def test_a_valuation_objection_after_three_days_is_refused(personas, officer):
    pilot(personas.office_a.province)
    with time_machine.travel(START, tick=False):  # a Saturday
        file = served_file(personas, officer)
        car = services.asset_create(
            file=file,
            actor=personas.citizen,
            found_by="creditor",
            data={"kind": AssetKind.VEHICLE, "description": "خودرو"},
        )
        services.asset_seize(asset=car, actor=officer)
        services.asset_value(asset=car, actor=officer, value=100_000_000, valuer="کارشناس")
    car.refresh_from_db()
    assert car.objection_due == tehran_date(START) + timedelta(days=4)
    with time_machine.travel(START + timedelta(days=5), tick=False), pytest.raises(DomainError) as refused:
        services.objection_file(asset=car, actor=personas.other_citizen, text="کم است")
    assert refused.value.code == "objection_late"
    with time_machine.travel(START + timedelta(days=4), tick=False):
        assert (
            services.objection_file(asset=car, actor=personas.other_citizen, text="کم است").objection_status
            == "pending"
        )


def test_a_bid_below_the_start_or_after_the_end_is_refused(personas, officer):
    from tanzim.testing.factories import CitizenFactory

    pilot(personas.office_a.province)
    with time_machine.travel(START, tick=False):
        file = served_file(personas, officer)
        car = services.asset_create(
            file=file,
            actor=personas.citizen,
            found_by="creditor",
            data={"kind": AssetKind.VEHICLE, "description": "خودرو"},
        )
        services.asset_seize(asset=car, actor=officer)
        services.asset_value(asset=car, actor=officer, value=100_000_000, valuer="کارشناس")
    with time_machine.travel(START + timedelta(days=6), tick=False):
        opens = START + timedelta(days=20)
        services.auction_create(asset=car, actor=officer, starts_at=opens, ends_at=opens + timedelta(hours=1))
        auction = car.auctions.get()
        bidder = CitizenFactory.create()
        services.registration_create(auction=auction, actor=bidder)
        with pytest.raises(PermissionDeniedError):
            services.registration_create(auction=auction, actor=personas.other_citizen)  # the debtor
    with pytest.raises(DomainError) as low:
        services.bid_place(auction=auction, actor=bidder, amount=99_999_999, now=opens + timedelta(minutes=1))
    assert low.value.code == "bid_below_start"
    with pytest.raises(DomainError) as late:
        services.bid_place(auction=auction, actor=bidder, amount=120_000_000, now=opens + timedelta(hours=2))
    assert late.value.code == "bid_after_end"
    assert not auction.bids.exists()


def test_a_distribution_that_does_not_add_up_is_refused(personas, officer):
    pilot(personas.office_a.province)
    file = served_file(personas, officer, amount=50_000_000)
    services.collection_record(
        file=file, actor=personas.clerk_a, amount=50_000_000, source=CollectionSource.DEBTOR_PAYMENT
    )
    creditor = file.parties.get(role="creditor")
    with pytest.raises(DomainError) as refused:
        services.schedule_prepare(
            file=file, actor=personas.clerk_a, shares={creditor.pk: 40_000_000}, surplus=0
        )
    assert refused.value.code == "schedule_does_not_add_up"
    assert not Schedule.objects.exists()
    assert (
        services.schedule_prepare(
            file=file, actor=personas.clerk_a, shares={creditor.pk: 50_000_000}, surplus=0
        ).fee
        == 0
    )


def test_an_office_step_waits_for_the_court_officer_where_the_setting_says_so(personas, officer):
    pilot(personas.office_a.province, approval=True)
    file = request_file(
        actor=personas.clerk_a,
        office=personas.office_a,
        creditors=_creditor(personas),
        debtor=_debtor(personas),
    )
    services.writ_issue(file=file, actor=officer, writ_number="W")
    task = services.service_record(file=file, actor=personas.clerk_a, served_on=tehran_date(timezone.now()))
    assert task.status == TaskStatus.AWAITING_APPROVAL
    file.refresh_from_db()
    assert file.status == "writ_issued"
    with pytest.raises(PermissionDeniedError):
        services.task_decide(task=task, actor=personas.manager_a, approve=True)
    services.task_decide(task=task, actor=officer, approve=True)
    file.refresh_from_db()
    assert file.status == "served" and file.debtor_window_due is not None


def test_a_step_not_handed_over_is_refused_to_the_office(personas, officer):
    pilot(personas.office_a.province, Step.SERVICE)
    file = served_file(personas, officer)
    car = services.asset_create(
        file=file,
        actor=personas.citizen,
        found_by="creditor",
        data={"kind": AssetKind.VEHICLE, "description": "خودرو"},
    )
    with pytest.raises(PermissionDeniedError):
        services.asset_seize(asset=car, actor=personas.clerk_a)
    assert not Task.objects.filter(step=Step.SEIZURE).exists()


def test_only_the_court_issues_the_writ_and_a_stay_stops_every_step(personas, officer):
    pilot(personas.office_a.province)
    file = request_file(
        actor=personas.clerk_a,
        office=personas.office_a,
        creditors=_creditor(personas),
        debtor=_debtor(personas),
    )
    with pytest.raises(PermissionDeniedError):
        services.writ_issue(file=file, actor=personas.clerk_a, writ_number="W")
    with pytest.raises(ConflictError):
        services.writ_issue(file=file, actor=officer, writ_number="W", expected_status="served")
    services.writ_issue(file=file, actor=officer, writ_number="W")
    stay = services.stay_add(file=file, actor=officer, reason="court_order")
    with pytest.raises(ConflictError):
        services.service_record(file=file, actor=personas.clerk_a, served_on=tehran_date(timezone.now()))
    services.stay_lift(stay=stay, actor=officer)
    services.service_record(file=file, actor=personas.clerk_a, served_on=tehran_date(timezone.now()))


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("citizen", True),
        ("other_citizen", True),
        ("clerk_a", True),
        ("manager_a", True),
        ("province_admin_a", True),
        ("kanoon_admin", True),
        ("inspector", True),
        ("clerk_b", False),
        ("mediator_a", False),
        ("partner", False),
    ],
)
def test_who_sees_a_file(personas, who, sees, client):
    file = request_file(
        actor=personas.clerk_a,
        office=personas.office_a,
        creditors=_creditor(personas),
        debtor=_debtor(personas),
    )
    user = getattr(personas, who)
    if sees:
        assert selectors.file_get_for(actor=user, pk=file.pk) == file
    else:
        with pytest.raises(NotFoundError):
            selectors.file_get_for(actor=user, pk=file.pk)
    client.force_login(user)
    assert client.get(f"/enforcement/files/{file.pk}/").status_code == (200 if sees else 404)
    assert client.get("/enforcement/files/999999/").status_code == 404
