"""Metrics for ranking: counts, rates, means, share satisfied, shrunk score, Wilson bound, complaints."""

from __future__ import annotations

import math

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tanzim.feedback import metrics, periods
from tanzim.feedback.choices import ComplaintCategory, ComplaintStatus
from tanzim.feedback.models import Complaint, Questionnaire, SurveyResponse, SurveyTally
from tanzim.feedback.services import survey_tally_rebuild
from tanzim.testing.feedback import file_case, serve_visit

PERIOD = 140503


def add_responses(office, scores, *, period=PERIOD, courtesy=None):
    questionnaire = Questionnaire.objects.get(version=1)
    SurveyResponse.objects.bulk_create(
        [
            SurveyResponse(
                office=office,
                period=period,
                questionnaire=questionnaire,
                source="visit",
                language="fa",
                answered_on=timezone.localdate(),
                overall=score,
                courtesy=courtesy,
            )
            for score in scores
        ]
    )
    survey_tally_rebuild(period_from=period, period_to=period)


# --- the statistics -------------------------------------------------------------------------------


def test_the_wilson_bound_matches_the_formula_of_the_domain_notes():
    n, p, z = 40, 30 / 40, 1.96
    expected = (p + z * z / (2 * n) - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)

    assert metrics.wilson_lower_bound(30, 40) == pytest.approx(expected)
    assert metrics.wilson_lower_bound(0, 0) is None


@given(st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_wilson_bound_lies_between_zero_and_the_observed_share(pair):
    successes, n = pair
    bound = metrics.wilson_lower_bound(successes, n)

    assert 0 <= bound <= successes / n + 1e-12


@given(st.integers(min_value=1, max_value=2000))
def test_more_evidence_of_the_same_share_raises_the_wilson_bound(n):
    assert metrics.wilson_lower_bound(3 * 2 * n, 4 * 2 * n) > metrics.wilson_lower_bound(3 * n, 4 * n)


def test_a_wilson_bound_with_impossible_counts_is_an_error():
    with pytest.raises(ValueError):
        metrics.wilson_lower_bound(5, 4)


@given(
    mean=st.floats(min_value=1, max_value=5),
    prior=st.floats(min_value=1, max_value=5),
    n=st.integers(min_value=0, max_value=100_000),
    m=st.integers(min_value=0, max_value=500),
)
def test_the_shrunk_score_lies_between_the_office_mean_and_the_network_mean(mean, prior, n, m):
    shrunk = metrics.bayesian_average(mean, n, prior, m)

    assert min(mean, prior) - 1e-9 <= shrunk <= max(mean, prior) + 1e-9
    if n == 0:
        assert shrunk == prior


def test_the_shrunk_score_is_the_weighted_average_of_the_domain_notes():
    assert metrics.bayesian_average(5.0, 10, 4.0, 30) == pytest.approx(10 / 40 * 5 + 30 / 40 * 4)
    assert metrics.bayesian_average(None, 0, 4.0, 30) == 4.0
    assert metrics.bayesian_average(4.5, 3, None, 30) == 4.5


def test_the_minimum_sample_follows_the_finite_population_correction():
    assert metrics.minimum_sample(300) == 169
    assert metrics.minimum_sample(10**9) == 385
    assert metrics.minimum_sample(0) == 0


# --- per office -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_per_office_metrics_are_computed_in_one_grouped_pass(
    personas, settings, django_assert_max_num_queries
):
    settings.FEEDBACK_PRIOR_WEIGHT = 30
    add_responses(personas.office_a, [5, 5, 4, 2], courtesy=4)
    add_responses(personas.office_b, [1, 3])
    add_responses(personas.office_b, [5], period=PERIOD + 1)  # another month: not counted
    SurveyTally.objects.filter(office=personas.office_a, period=PERIOD).update(sent=10)

    with django_assert_max_num_queries(2):
        result = metrics.survey_metrics(period_from=PERIOD)

    a, b = result.offices[personas.office_a.pk], result.offices[personas.office_b.pk]
    assert result.network_mean == pytest.approx((16 + 4) / 6)
    assert (a.responses, a.invitations, a.response_rate) == (4, 10, 0.4)
    assert a.overall_mean == 4.0 and a.item_means["courtesy"] == 4.0 and a.item_means["access"] is None
    assert a.all_items_mean == pytest.approx((16 + 16) / 8)
    assert (a.satisfied, a.satisfied_share) == (3, 0.75)
    assert a.shrunk_score == pytest.approx(4 / 34 * 4.0 + 30 / 34 * result.network_mean)
    assert a.wilson_lower_bound == pytest.approx(metrics.wilson_lower_bound(3, 4))
    assert b.response_rate == 1.0 and b.satisfied_share == 0.0  # the rebuild counts at least the answers
    assert a.below_minimum_sample


@pytest.mark.django_db
def test_an_office_without_answers_gets_the_network_mean(personas):
    add_responses(personas.office_a, [4, 2])

    result = metrics.survey_metrics(period_from=PERIOD, office_ids=[personas.office_b.pk])

    silent = result.offices[personas.office_b.pk]
    assert silent.responses == 0 and silent.overall_mean is None
    assert silent.shrunk_score == pytest.approx(3.0) and silent.wilson_lower_bound is None


@pytest.mark.django_db
def test_a_range_of_months_adds_them_up(personas):
    add_responses(personas.office_a, [5, 5], period=140512)
    add_responses(personas.office_a, [1], period=140601)

    result = metrics.survey_metrics(period_from=140512, period_to=140601)

    assert result.offices[personas.office_a.pk].responses == 3


@pytest.mark.django_db
def test_periods_must_be_jalali_months_in_order(personas):
    with pytest.raises(ValueError):
        metrics.survey_metrics(period_from=140513)
    with pytest.raises(ValueError):
        metrics.survey_metrics(period_from=140505, period_to=140501)


@pytest.mark.django_db
def test_month_by_month_figures_of_one_office(personas):
    add_responses(personas.office_a, [5, 4], period=140502)
    add_responses(personas.office_a, [2], period=140504)

    months = metrics.survey_metrics_by_period(
        office_id=personas.office_a.pk, period_from=140502, period_to=140504
    )

    assert [months[p].responses for p in (140502, 140503, 140504)] == [2, 0, 1]


@pytest.mark.django_db
def test_upheld_complaints_are_counted_per_thousand_services(personas, service, settings):
    settings.FEEDBACK_PARTLY_UPHELD_WEIGHT_PCT = 50
    now = timezone.now()
    period = periods.period_of(now)
    for _ in range(3):
        serve_visit(personas.office_a, personas.citizen, service)
    file_case(personas.office_a, personas.citizen, service)
    for status in (
        ComplaintStatus.UPHELD,
        ComplaintStatus.PARTLY_UPHELD,
        ComplaintStatus.DISMISSED,
        ComplaintStatus.RECEIVED,
    ):
        Complaint.objects.create(
            reference=f"C{status[:8]}",
            office=personas.office_a,
            complainant=personas.citizen,
            category=ComplaintCategory.CONDUCT,
            description="x" * 30,
            status=status,
            status_changed_at=now,
            created_at=now,
            decided_at=now if status != ComplaintStatus.RECEIVED else None,
        )

    result = metrics.complaint_metrics(
        period_from=period, office_ids=[personas.office_a.pk, personas.office_b.pk]
    )

    a = result[personas.office_a.pk]
    assert (a.services, a.upheld, a.partly_upheld, a.dismissed) == (4, 1, 1, 1)
    assert a.per_thousand_services == pytest.approx(1000 * 1.5 / 4)
    assert result[personas.office_b.pk].per_thousand_services is None


@pytest.mark.django_db
def test_recent_complaint_counts_leave_out_withdrawn_ones(personas):
    now = timezone.now()
    for n, status in enumerate((ComplaintStatus.RECEIVED, ComplaintStatus.UPHELD, ComplaintStatus.WITHDRAWN)):
        Complaint.objects.create(
            reference=f"C00000000{n}",
            office=personas.office_a,
            complainant=personas.citizen,
            category=ComplaintCategory.DELAY,
            description="y" * 30,
            status=status,
            status_changed_at=now,
            created_at=now,
        )

    assert metrics.complaint_counts(days=90) == {personas.office_a.pk: {"received": 2, "upheld": 1}}


def test_periods_parse_every_way_people_type_a_month():
    assert periods.parse_period("1405-03") == 140503
    assert periods.parse_period("۱۴۰۵/۳") == 140503
    assert periods.parse_period(140503) == 140503
    assert periods.shift(140512, 1) == 140601 and periods.shift(140501, -1) == 140412
    assert periods.months_between(140511, 140602) == [140511, 140512, 140601, 140602]


@pytest.mark.parametrize("bad", ["1405-13", "05-03", "", None, "abc", "1405-00", 140513])
def test_a_month_that_is_not_one_is_refused(bad):
    from tanzim.common.errors import DomainError

    with pytest.raises(DomainError):
        periods.parse_period(bad)
