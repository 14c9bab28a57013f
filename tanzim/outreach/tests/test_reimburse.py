from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.formatting import money
from tanzim.common.jalali import JalaliMonth
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.ledger import ledger_verify
from tanzim.finance.models import Account, Entry, Transaction
from tanzim.finance.selectors import office_statement
from tanzim.finance.services.free import free_service_cap_set
from tanzim.inspections.choices import SampleVerdict
from tanzim.inspections.models import FreeServiceSample
from tanzim.outreach import services
from tanzim.outreach.choices import MissionStatus
from tanzim.outreach.models import Reimbursement
from tanzim.outreach.rates import rate_on
from tanzim.testing import outreach as h

pytestmark = pytest.mark.django_db


def reported(personas, frozen, time_machine, *, n=4):
    mission = h.approved(personas)
    services.field_sync(mission=mission, actor=personas.clerk_a, items=[h.item(i) for i in range(n)])
    services.mission_hold(mission=mission, actor=personas.clerk_a)
    services.mission_report(
        mission=mission, actor=personas.clerk_a, people_served=n, note="خدمات روز جهادی ثبت شد"
    )
    return mission


def next_month(frozen):
    _first, after = JalaliMonth.of(frozen).date_range()
    return after + timedelta(days=2)


def test_the_monthly_run_pays_the_office_through_the_ledger_and_the_statement_shows_it(
    personas, frozen, time_machine
):
    mission = reported(personas, frozen, time_machine)
    with pytest.raises(ConflictError):
        services.mission_reimburse(mission=mission, actor=personas.kanoon_admin)  # the month is not over
    time_machine.move_to(frozen.replace(day=1) + timedelta(days=30), tick=False)
    month = JalaliMonth.of(frozen)
    [paid] = services.reimbursement_run(month=month, actor=personas.kanoon_admin)
    per_diem = rate_on("per_diem", mission.starts_on)
    expected_services = 4 * rate_on("sana", mission.starts_on)
    assert paid.services == 4 and paid.services_rials == expected_services
    assert paid.per_diem_rials == per_diem * 1 * mission.days
    assert paid.travel_rials == rate_on("travel_km", mission.starts_on) * mission.distance_km * 2
    txn = Transaction.objects.get(kind=TransactionKind.REIMBURSEMENT)
    assert txn.office_id == personas.office_a.pk
    mission.refresh_from_db()
    assert mission.status == MissionStatus.REIMBURSED
    assert ledger_verify().ok
    receivable = Account.objects.get(office=personas.office_a, purpose=AccountPurpose.KANOON_RECEIVABLE)
    assert Entry.objects.filter(account=receivable, debit=paid.total).count() == 1
    paid_in = month.next()
    statement = office_statement(
        user=personas.manager_a, office=personas.office_a, year=paid_in.year, month=paid_in.month
    )
    assert statement.receivable_end == paid.total
    # A second run pays nothing twice.
    assert services.reimbursement_run(month=month, actor=personas.kanoon_admin) == []
    assert Transaction.objects.filter(kind=TransactionKind.REIMBURSEMENT).count() == 1
    # The inspectors got their sample of the month's free services.
    assert FreeServiceSample.objects.filter(office=personas.office_a, month=month.key).exists()


def test_an_unapproved_mission_is_refused(personas, frozen):
    mission = h.plan(personas.kanoon_admin)
    with pytest.raises(DomainError) as err:
        services.mission_reimburse(mission=mission, actor=personas.kanoon_admin)
    assert err.value.code == "mission_not_approved"
    with pytest.raises(PermissionDeniedError):
        services.reimbursement_run(month=JalaliMonth.of(frozen).previous(), actor=personas.manager_a)


def test_a_failed_sample_and_the_rials_cap_are_left_out(personas, frozen, time_machine):
    mission = reported(personas, frozen, time_machine, n=4)
    month = JalaliMonth.of(frozen)
    price = rate_on("sana", mission.starts_on)
    free_service_cap_set(
        office=personas.office_a,
        month=month,
        max_count=None,
        max_rials=2 * price,
        actor=personas.kanoon_admin,
    )
    time_machine.move_to(frozen.replace(day=1) + timedelta(days=30), tick=False)
    first_grant = mission.field_services.order_by("recorded_at", "pk").first().grant
    from tanzim.inspections.services.free_services import free_service_sample_draw

    free_service_sample_draw(month=month)
    FreeServiceSample.objects.filter(grant=first_grant).update(verdict=SampleVerdict.FAILS)
    if not FreeServiceSample.objects.filter(grant=first_grant).exists():
        FreeServiceSample.objects.create(
            grant=first_grant,
            office=personas.office_a,
            month=month.key,
            verdict=SampleVerdict.FAILS,
            drawn_at=h.timezone.now(),
        )
    [paid] = services.mission_reimburse(mission=mission, actor=personas.kanoon_admin)
    assert paid.services == 2 and paid.excluded == 2
    assert Reimbursement.objects.count() == 1


def test_the_office_statement_shows_the_reimbursement_as_its_own_line(personas, frozen, time_machine, client):
    mission = reported(personas, frozen, time_machine, n=3)
    time_machine.move_to(frozen.replace(day=1) + timedelta(days=30), tick=False)
    month = JalaliMonth.of(frozen)
    [paid] = services.reimbursement_run(month=month, actor=personas.kanoon_admin)
    assert mission.pk == paid.mission_id
    paid_in = month.next()
    statement = office_statement(
        user=personas.manager_a, office=personas.office_a, year=paid_in.year, month=paid_in.month
    )
    [line] = [o for o in statement.others if o.purpose == AccountPurpose.MISSION_REVENUE]
    assert line.amount == paid.total
    with translation.override("en"):
        assert str(AccountPurpose.MISSION_REVENUE.label) == "Mission costs reimbursed by the Kanoon"
    # The page the office reads: the line, in Persian, with the amount.
    client.force_login(personas.manager_a)
    page = client.get(
        reverse("finance:statement", args=[personas.office_a.code, paid_in.year, paid_in.month]),
        HTTP_ACCEPT_LANGUAGE="fa",
    )
    assert page.status_code == 200
    html = page.content.decode()
    with translation.override("fa"):
        label = str(AccountPurpose.MISSION_REVENUE.label)
    assert label != "Mission costs reimbursed by the Kanoon"  # translated
    row = html[html.index(label) :][:400]
    assert money(paid.total) in row
    # Nothing of it counts as a fee: the fee lines are untouched by the reimbursement.
    assert statement.office_fees == 0 and statement.collected == 0
