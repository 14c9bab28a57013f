"""Runs: request, execute, approve, reproduce, and each bad input with its clear error."""

from __future__ import annotations

import pytest
from django.utils import translation

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.finance.models import OfficeTier, SharePolicy
from tanzim.offices.models import Office
from tanzim.ranking import policy as policy_rules
from tanzim.ranking import services
from tanzim.ranking.choices import IndicatorKey, RunStatus
from tanzim.ranking.models import IndicatorValue, RankingResult, RankingRunEvent
from tanzim.ranking.tests.helpers import ACK
from tanzim.testing.factories import OfficeFactory
from tanzim.testing.ranking import answer


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the pages test the Persian ones."""
    with translation.override("en"):
        yield


def finished_run(actor, period="1405-03", reason=""):
    run = services.run_request(actor=actor, period=period, reason=reason)
    return services.run_execute(run_id=run.pk)


def test_a_run_ranks_every_office_with_data_and_stores_inputs_and_outputs(surveyed):
    run = finished_run(surveyed.kanoon_admin)

    assert run.status == RunStatus.FINISHED and run.progress == 100
    a = RankingResult.objects.get(run=run, office=surveyed.office_a)
    b = RankingResult.objects.get(run=run, office=surveyed.office_b)
    assert a.rank < b.rank
    assert a.province_rank == 1 and b.province_rank == 1  # different provinces
    assert a.tier and b.tier
    assert a.median_rank is not None and a.rank_p05 <= a.median_rank <= a.rank_p95
    values = IndicatorValue.objects.filter(result=a)
    assert {v.key for v in values} == set(IndicatorKey.values)
    satisfaction = values.get(key=IndicatorKey.SATISFACTION)
    assert satisfaction.raw == pytest.approx((40 * 5 + 20 * 4) / 60)
    assert satisfaction.sample == 60
    assert run.inputs_digest and run.outputs_digest
    assert list(RankingRunEvent.objects.filter(run=run).values_list("to_status", flat=True)) == [
        RunStatus.QUEUED,
        RunStatus.RUNNING,
        RunStatus.FINISHED,
    ]


def test_answers_the_office_has_not_been_shown_in_a_batch_never_reach_the_ranking(surveyed):
    """The ranking's satisfaction (shown to the office and the public) comes from published batches
    only: an unpublished answer, compared with the office's results page, would be one person's."""
    answer(surveyed.office_a, overall=1, n=3)  # fewer than five new answers: not published

    run = finished_run(surveyed.kanoon_admin)

    a = RankingResult.objects.get(run=run, office=surveyed.office_a)
    satisfaction = IndicatorValue.objects.get(result=a, key=IndicatorKey.SATISFACTION)
    assert satisfaction.sample == 60
    assert satisfaction.raw == pytest.approx((40 * 5 + 20 * 4) / 60)
    assert a.satisfaction_responses == 60


def test_an_office_with_no_surveys_shows_insufficient_data_never_zero(surveyed):
    silent = OfficeFactory(city=surveyed.office_a.city)
    run = finished_run(surveyed.kanoon_admin)

    result = RankingResult.objects.get(run=run, office=silent)
    value = IndicatorValue.objects.get(result=result, key=IndicatorKey.SATISFACTION)
    assert value.raw is None and value.sample == 0 and value.insufficient
    assert result.satisfaction_insufficient
    assert value.shrunk == pytest.approx(run.parameters["indicators"][0]["prior"])  # the network mean, not 0
    assert value.shrunk > 3


def test_shrinkage_pulls_a_small_sample_toward_the_network_mean(surveyed):
    run = finished_run(surveyed.kanoon_admin)

    b = IndicatorValue.objects.get(
        result__run=run, result__office=surveyed.office_b, key=IndicatorKey.SATISFACTION
    )
    prior = run.parameters["indicators"][0]["prior"]
    assert b.raw == 3.0 and b.raw < b.shrunk < prior
    assert b.insufficient  # 6 answers is below the minimum sample


def test_a_reproduced_run_gives_identical_results(surveyed):
    run = finished_run(surveyed.kanoon_admin)

    again = services.run_reproduce(run=run)

    assert again.identical and again.differences == 0
    assert again.outputs_digest == run.outputs_digest


def test_running_a_task_twice_computes_once(surveyed):
    run = services.run_request(actor=surveyed.kanoon_admin, period="1405-03")
    services.run_execute(run_id=run.pk)
    services.run_execute(run_id=run.pk)

    assert RankingResult.objects.filter(run=run).count() == Office.objects.count()


def test_a_period_with_no_data_is_refused(surveyed):
    with pytest.raises(DomainError) as error:
        services.run_request(actor=surveyed.kanoon_admin, period="1404-07")
    assert error.value.code == "no_data"
    assert "no data" in str(error.value.message)


def test_a_period_that_has_not_ended_is_refused(surveyed):
    with pytest.raises(DomainError) as error:
        services.run_request(actor=surveyed.kanoon_admin, period="1405-04")
    assert error.value.code == "period_not_ended"


def test_a_malformed_period_is_refused(surveyed):
    with pytest.raises(DomainError) as error:
        services.run_request(actor=surveyed.kanoon_admin, period="Khordad")
    assert error.value.code == "invalid_period"


def test_only_the_kanoon_starts_a_run(surveyed):
    with pytest.raises(PermissionDeniedError):
        services.run_request(actor=surveyed.manager_a, period="1405-03")
    with pytest.raises(PermissionDeniedError):
        services.run_request(actor=surveyed.province_admin_a, period="1405-03")


def test_approval_sets_each_office_tier_for_the_next_month_and_is_audited(surveyed, share_policy):
    run = finished_run(surveyed.kanoon_admin)

    approved = services.run_approve(run=run, actor=surveyed.kanoon_admin, **ACK)

    assert approved.status == RunStatus.APPROVED
    assert (approved.effective_year, approved.effective_month) == (1405, 4)
    a = RankingResult.objects.get(run=run, office=surveyed.office_a)
    assert OfficeTier.objects.get(office=surveyed.office_a, year=1405, month=4).tier == a.tier
    assert OfficeTier.objects.filter(year=1405, month=4).count() == run.ranked_count
    event = AuditEvent.objects.get(action="ranking.run.approved")
    assert event.actor_id == surveyed.kanoon_admin.pk
    assert sum(event.data["tiers"].values()) == run.ranked_count
    # the ranking policy's per-tier adjustments reach the share policy from that month
    new = SharePolicy.objects.get(valid_from_year=1405, valid_from_month=4)
    assert new.tier_adjustments_bp == policy_rules.DEFAULT_ADJUSTMENTS_BP
    assert new.base_rate_bp == share_policy.base_rate_bp


def test_only_the_kanoon_approves_and_only_a_finished_run(surveyed):
    run = services.run_request(actor=surveyed.kanoon_admin, period="1405-03")
    with pytest.raises(ConflictError):
        services.run_approve(run=run, actor=surveyed.kanoon_admin, **ACK)  # still queued
    run = services.run_execute(run_id=run.pk)
    with pytest.raises(PermissionDeniedError):
        services.run_approve(run=run, actor=surveyed.province_admin_a, **ACK)
    services.run_approve(run=run, actor=surveyed.kanoon_admin, **ACK)
    with pytest.raises(ConflictError):
        services.run_approve(run=run, actor=surveyed.kanoon_admin, **ACK)  # stale: already approved


def test_rerunning_an_approved_period_needs_a_reason_and_makes_a_new_run(surveyed):
    first = services.run_approve(run=finished_run(surveyed.kanoon_admin), actor=surveyed.kanoon_admin, **ACK)

    with pytest.raises(ConflictError) as error:
        services.run_request(actor=surveyed.kanoon_admin, period="1405-03")
    assert error.value.code == "period_approved"
    assert "never overwrites" in str(error.value.message)

    second = finished_run(surveyed.kanoon_admin, reason="late survey answers imported")
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.status == RunStatus.APPROVED  # untouched until the new one is approved
    assert RankingResult.objects.filter(run=first).count() == Office.objects.count()

    services.run_approve(run=second, actor=surveyed.kanoon_admin, **ACK)
    first.refresh_from_db()
    assert first.status == RunStatus.SUPERSEDED
    assert RankingResult.objects.filter(run=first).count() == Office.objects.count()


def test_a_second_run_while_one_is_under_way_is_a_conflict(surveyed):
    services.run_request(actor=surveyed.kanoon_admin, period="1405-03")
    with pytest.raises(ConflictError) as error:
        services.run_request(actor=surveyed.kanoon_admin, period="1405-03")
    assert error.value.code == "run_in_progress"


def test_change_since_last_period_compares_with_the_previous_run(surveyed):
    answer(surveyed.office_a, overall=2, n=30, period=140502)
    answer(surveyed.office_b, overall=5, n=30, period=140502)
    services.run_approve(
        run=finished_run(surveyed.kanoon_admin, period="1405-02"), actor=surveyed.kanoon_admin, **ACK
    )

    run = finished_run(surveyed.kanoon_admin)

    a = RankingResult.objects.get(run=run, office=surveyed.office_a)
    assert run.previous_run is not None
    assert a.previous_score is not None and a.score > a.previous_score


def test_a_quarter_reads_its_three_months(surveyed):
    answer(surveyed.office_b, overall=5, n=30, period=140501)
    run = finished_run(surveyed.kanoon_admin, period="1405-Q1")

    b = IndicatorValue.objects.get(
        result__run=run, result__office=surveyed.office_b, key=IndicatorKey.SATISFACTION
    )
    assert b.sample == 36


# --- policy versions ----------------------------------------------------------------------------


def _policy_args(**changes):
    args = policy_rules.defaults()
    args.update(changes)
    return args


def test_a_new_policy_is_a_new_version_and_past_runs_keep_theirs(surveyed):
    run = finished_run(surveyed.kanoon_admin)
    indicators = policy_rules.defaults()["indicators"]
    indicators[0]["weight_bp"], indicators[1]["weight_bp"] = 5000, 0

    policy = services.policy_create(actor=surveyed.kanoon_admin, **_policy_args(indicators=indicators))

    assert policy.version == run.policy.version + 1
    run.refresh_from_db()
    assert run.policy.indicators[0]["weight_bp"] == 4000
    assert services.policy_current() == policy


def test_weights_that_do_not_add_up_to_100_are_refused(surveyed):
    indicators = policy_rules.defaults()["indicators"]
    indicators[0]["weight_bp"] = 3000

    with pytest.raises(DomainError) as error:
        services.policy_create(actor=surveyed.kanoon_admin, **_policy_args(indicators=indicators))

    assert error.value.code == "weights_not_100"
    assert "90%" in str(error.value.message)


def test_overlapping_tier_bands_are_refused(surveyed):
    bands = policy_rules.defaults()["tier_bands"]
    bands[1]["high"] = 90  # B up to 90 while A starts at 85

    with pytest.raises(DomainError) as error:
        services.policy_create(actor=surveyed.kanoon_admin, **_policy_args(tier_bands=bands))

    assert error.value.code == "bands_overlap"
    assert "overlap" in str(error.value.message)


def test_a_gap_between_bands_is_refused(surveyed):
    bands = policy_rules.defaults()["tier_bands"]
    bands[2]["low"] = 60

    with pytest.raises(DomainError) as error:
        services.policy_create(actor=surveyed.kanoon_admin, **_policy_args(tier_bands=bands))

    assert "gap" in str(error.value.message)


def test_only_the_kanoon_edits_the_policy(surveyed):
    with pytest.raises(PermissionDeniedError):
        services.policy_create(actor=surveyed.province_admin_a, **_policy_args())
