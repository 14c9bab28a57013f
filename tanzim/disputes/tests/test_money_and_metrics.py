"""Money (the resolution fee, the court fee halved by a settlement) and the figures for the
ranking and the public (settlement rate, kept out of court per 1,000 services, time to
resolution, respondent engagement, failure reasons) at office, province and nation level."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tanzim.audit.models import AuditEvent
from tanzim.catalog.fees import fee_quote
from tanzim.catalog.models import Service, Tariff
from tanzim.common.errors import PermissionDeniedError
from tanzim.disputes import metrics, services
from tanzim.finance import services as finance
from tanzim.finance.choices import PaymentStatus
from tanzim.finance.models import Payment, Refund
from tanzim.testing.disputes import (
    at,
    join_as_respondent,
    open_dispute,
    settle,
    to_mediation,
)

pytestmark = pytest.mark.django_db


def captured_service(personas, *, court_fee=0, reference=("finance.direct", "x"), payer=None):
    service = Service.objects.get(code="civil_petition" if court_fee else "case_followup")
    quote = fee_quote(service=service, channel="in_person", court_fee=court_fee)
    payment = finance.payment_create(
        office=personas.office_a,
        payer=payer or personas.other_citizen,
        quote=quote,
        reference_type=reference[0],
        reference_id=reference[1],
        actor=personas.clerk_a,
    )
    return finance.payment_record_at_counter(payment=payment, actor=personas.clerk_a, method="cash")


# --- money ---------------------------------------------------------------------------------------------


def test_a_settlement_charges_the_claimant_the_offices_resolution_fee(personas, clock):
    dispute = settle(personas, to_mediation(personas))
    fee = Payment.objects.get(reference_type="disputes.dispute", reference_id=str(dispute.pk))
    assert fee.status == PaymentStatus.PENDING and fee.amount == 1_500_000 and fee.payer == personas.citizen
    paid = finance.payment_record_at_counter(payment=fee, actor=personas.clerk_a, method="pos")
    assert paid.status == PaymentStatus.CAPTURED


def test_without_a_tariff_line_the_settlement_stands_and_the_fee_is_skipped(personas, clock):
    Tariff.objects.filter(service__code="dispute_resolution").delete()
    dispute = settle(personas, to_mediation(personas))
    assert dispute.status == "settled"
    assert not Payment.objects.filter(reference_type="disputes.dispute").exists()
    assert AuditEvent.objects.filter(action="disputes.fee.skipped", object_id=str(dispute.pk)).exists()


def test_a_settled_court_referred_money_claim_refunds_half_the_court_fee_once(personas, clock):
    from tanzim.testing.cases import make_draft

    case = make_draft(personas, Service.objects.get(code="civil_petition"))
    from tanzim.cases import services as cases

    cases.case_update(case=case, actor=personas.citizen, claim_amount=200_000_000)
    cases.case_submit(case=case, actor=personas.citizen)
    court = captured_service(
        personas, court_fee=1_200_000, reference=("cases.case", str(case.pk)), payer=personas.citizen
    )
    dispute = services.dispute_open_from_case(
        case=case, actor=personas.clerk_a, category="money_claim", respondent_mobile="09350001122"
    )
    dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    respondent = join_as_respondent(dispute).user
    dispute = services.dispute_respond(dispute=dispute, actor=respondent, accept=True)
    dispute = settle(personas, dispute)
    court.refresh_from_db()
    refund = Refund.objects.get(payment=court)
    assert refund.amount == 600_000 and refund.part == "court_fee" and refund.actor is None
    assert court.court_fee_refunded == 600_000 and dispute.court_fee_refund_id == refund.pk
    assert services.settlement._halve_court_fee(dispute) is None
    assert Refund.objects.filter(payment=court).count() == 1


def test_a_category_that_does_not_halve_the_court_fee_refunds_nothing(personas, clock):
    dispute = settle(personas, to_mediation(personas, category="lease", claim_amount=None))
    assert dispute.status == "settled" and not Refund.objects.exists()


# --- figures --------------------------------------------------------------------------------------------


@pytest.fixture
def month_of_disputes(personas, clock):
    """Azar 1405 at office A: settled, declined → referred, not contactable → closed, out of scope,
    withdrawn at intake; and four services delivered."""
    settled = to_mediation(personas)
    clock.move_to(at(3, 10))
    settled = settle(personas, settled)

    declined = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=declined, actor=personas.clerk_a)
    respondent = join_as_respondent(declined).user
    services.dispute_respond(dispute=declined, actor=respondent, accept=False)
    services.referral_create(dispute=declined, actor=personas.clerk_a)

    silent = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=silent, actor=personas.clerk_a)
    services.dispute_fail(dispute=silent, actor=personas.clerk_a, reason="not_contactable")
    services.dispute_close(dispute=silent, actor=personas.clerk_a)

    services.dispute_triage(
        dispute=open_dispute(personas, category="other", claim_amount=None), actor=personas.clerk_a
    )
    services.dispute_withdraw(dispute=open_dispute(personas), actor=personas.citizen)
    for n in range(4):
        captured_service(personas, reference=("finance.direct", f"m{n}"))
    return settled


def test_the_figures_of_a_month(personas, month_of_disputes):
    start, end = metrics.period_bounds(year=1405, month=9)
    figures = metrics.office_figures(start=start, end=end)[personas.office_a.pk]
    assert figures.opened == 5
    assert (figures.concluded, figures.settled, figures.referred, figures.closed, figures.withdrawn) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert figures.out_of_scope == 1
    assert figures.settlement_rate == 0.25
    assert figures.services == 4 and figures.kept_out_per_1000 == 250.0
    assert figures.engaged == 2 and figures.not_contactable == 1
    assert figures.engagement_rate == pytest.approx(2 / 3)
    assert figures.failure_reasons == {"not_contactable": 1, "party_withdrew": 1, "respondent_declined": 1}
    assert figures.median_days == pytest.approx(3, abs=0.1)
    assert figures.timeliness == 1.0


def test_another_month_has_none_of_it(personas, month_of_disputes):
    start, end = metrics.period_bounds(year=1405, month=8)
    assert personas.office_a.pk not in metrics.office_figures(start=start, end=end)


def test_office_province_and_nation_agree(personas, month_of_disputes):
    start, end = metrics.period_bounds(year=1405)
    report = metrics.dispute_metrics(user=personas.kanoon_admin, start=start, end=end)
    office = {o.pk: f for o, f in report.offices}[personas.office_a.pk]
    province = {p.pk: f for p, f in report.provinces}[personas.office_a.province_id]
    for figures in (province, report.nation):
        assert figures.as_dict() == office.as_dict()


def test_figures_are_scoped_to_what_the_viewer_oversees(personas, month_of_disputes):
    start, end = metrics.period_bounds(year=1405)
    mine = metrics.dispute_metrics(user=personas.clerk_a, start=start, end=end)
    assert [o.pk for o, _f in mine.offices] == [personas.office_a.pk]
    theirs = metrics.dispute_metrics(user=personas.clerk_b, start=start, end=end)
    assert theirs.nation.opened == 0
    province = metrics.dispute_metrics(user=personas.province_admin_a, start=start, end=end)
    assert province.nation.settled == 1
    with pytest.raises(PermissionDeniedError):
        metrics.dispute_metrics(user=personas.citizen, start=start, end=end)


def test_the_public_figures_show_the_nation_and_provinces_only(personas, month_of_disputes):
    report = metrics.public_figures(year=1405, month=9)
    assert report.nation.settled == 1 and report.offices == []
    assert [p.pk for p, _f in report.provinces] == [personas.office_a.province_id]
    # The cached report keeps the averages, not every dispute's duration.
    start, end = metrics.period_bounds(year=1405, month=9)
    counted = metrics.office_figures(start=start, end=end)[personas.office_a.pk]
    assert counted.durations and report.nation.durations == []
    assert (report.nation.mean_days, report.nation.median_days) == (counted.mean_days, counted.median_days)
    assert report.provinces[0][1].median_days == counted.median_days


def test_the_beat_task_counts_the_public_figures_before_the_page_asks(
    personas, month_of_disputes, django_assert_num_queries
):
    """The page reads the copy the task counted (no query on the disputes), and the next count
    takes in what happened since; a stale copy is what the page shows until then."""
    from django.core.cache import cache

    from tanzim.disputes import tasks

    cache.clear()
    assert tasks.warm_public_figures.delay().get() == 3  # this year, this month, last month
    with django_assert_num_queries(0):
        report = metrics.public_figures(year=1405, month=9)
    assert report.nation.settled == 1
    with django_assert_num_queries(0):
        assert metrics.public_figures(year=1405).nation.settled == 1

    services.dispute_withdraw(dispute=open_dispute(personas), actor=personas.citizen)
    assert metrics.public_figures(year=1405, month=9).nation.withdrawn == report.nation.withdrawn
    metrics.warm_public_figures()
    assert metrics.public_figures(year=1405, month=9).nation.withdrawn == report.nation.withdrawn + 1


def test_a_stage_still_open_after_its_deadline_counts_as_late(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    dispute = services.dispute_invite(dispute=dispute, actor=personas.clerk_a).dispute
    assert dispute.due_at is not None  # the respondent has until then to answer
    start, end = metrics.period_bounds(year=1405, month=9)

    def figures():
        return metrics.office_figures(start=start, end=end)[personas.office_a.pk]

    assert figures().steps_with_deadline == 0  # still in the stage, not yet due: not counted
    clock.move_to(dispute.due_at + timedelta(days=1))
    late = figures()
    assert (late.steps_with_deadline, late.steps_on_time) == (1, 0)
    assert late.timeliness == 0.0
