"""Survey anonymity that survives arithmetic (issue 13, 2; issue 15, "complaint reference").

The attacker is an office manager who reads the results, has one more person answer, and reads
again. The office reads only published snapshots (batches of at least five new answers, taken by
the nightly task), no figure comes from fewer than five answers, comments come in a seeded random
order without times, and no complaint reference appears in any survey result.
"""

from __future__ import annotations

import random
import re

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tanzim.feedback import periods, selectors
from tanzim.feedback.models import SurveyPublication, SurveyResponse
from tanzim.feedback.services import (
    complaint_file,
    publish_batch,
    survey_answer,
    survey_month_publish,
    survey_results_publish,
)
from tanzim.feedback.services import publication as publication_service
from tanzim.feedback.tasks import publish_survey_results
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.feedback import invite

pytestmark = pytest.mark.django_db

ANSWERS = {"access": 4, "courtesy": 4, "clarity": 4, "timeliness": 4, "fairness": 4, "overall": 4}


def links(personas, service, n: int) -> list[str]:
    """``n`` people served by office A, each with their survey link (the office's own activity)."""
    return [invite(personas.office_a, CitizenFactory(), service)[1] for _ in range(n)]


def answer(personas, service, n=1, *, tokens=None, comment="", **scores):
    """``n`` people answer: with links served beforehand (``tokens``), or served just now."""
    for _ in range(n):
        token = tokens.pop(0) if tokens is not None else links(personas, service, 1)[0]
        survey_answer(token=token, answers={**ANSWERS, **scores}, comment=comment)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def month_code() -> str:
    return periods.code(SurveyResponse.objects.order_by("pk")[0].period)


def what_the_manager_reads(client, personas) -> tuple[dict, list, str]:
    """The results API, the comments API and the figures of the results page."""
    manager = api(personas.manager_a)
    results = manager.get(reverse("api:feedback-office-results", args=["A0001"])).json()
    comments = manager.get(
        reverse("api:feedback-office-comments", args=["A0001"]), {"period": month_code()}
    ).json()
    client.force_login(personas.manager_a)
    page = client.get(reverse("feedback:office-results", args=["A0001"])).content.decode()
    figures = page[page.index('id="anonymity-note"') : page.index("</main>")]
    return results, comments, figures


# --- the attack ------------------------------------------------------------------------------------


def test_one_more_answer_changes_nothing_the_manager_reads_until_a_batch_of_five_is_published(
    client, personas, service
):
    tokens = links(personas, service, 10)  # the office served ten people; their links are out
    answer(personas, service, 5, tokens=tokens, comment="خوب بود")
    survey_results_publish()
    before = what_the_manager_reads(client, personas)
    assert before[0]["total"]["responses"] == 5 and before[0]["total"]["overall_mean"] == 4.0

    answer(personas, service, 1, tokens=tokens, comment="کارمند باجه مرا معطل کرد", overall=1, courtesy=1)
    assert what_the_manager_reads(client, personas) == before  # read, answer, read: no difference

    assert survey_results_publish() == 0  # the nightly task: one new answer is not a batch
    assert what_the_manager_reads(client, personas) == before

    answer(personas, service, 3, tokens=tokens, overall=5)
    survey_results_publish()
    assert what_the_manager_reads(client, personas) == before  # four new answers: still no batch

    answer(personas, service, 1, tokens=tokens, overall=5)
    assert survey_results_publish() == 1
    after = what_the_manager_reads(client, personas)
    assert after != before
    total_before, total_after = before[0]["total"], after[0]["total"]
    # The difference the manager can compute is the sum of a batch of at least five answers.
    assert total_after["responses"] - total_before["responses"] == 5 >= publish_batch()
    difference = total_after["overall_mean"] * 10 - total_before["overall_mean"] * 5
    assert difference == pytest.approx(1 + 5 + 5 + 5 + 5)
    assert "کارمند باجه مرا معطل کرد" in [c["text"] for c in after[1]]


def test_an_item_answered_by_one_person_of_a_batch_keeps_its_published_figure(personas, service):
    answer(personas, service, 5)
    survey_results_publish()
    answer(personas, service, 1, fairness=1)
    answer(personas, service, 4, fairness=None)
    survey_results_publish()
    results = api(personas.manager_a).get(reverse("api:feedback-office-results", args=["A0001"])).json()

    # Overall moved with the batch of five; fairness had one new answer, so it did not move.
    assert results["total"]["responses"] == 10
    assert results["total"]["item_means"]["fairness"] == 4.0
    publication = SurveyPublication.objects.get()
    assert (publication.fairness_n, publication.overall_n, publication.batch) == (5, 10, 2)

    answer(personas, service, 4, fairness=1)
    answer(personas, service, 1, fairness=None)
    survey_results_publish()
    publication.refresh_from_db()
    assert publication.fairness_n == 10  # now a batch of five fairness answers: it moves
    results = api(personas.manager_a).get(reverse("api:feedback-office-results", args=["A0001"])).json()
    assert results["total"]["item_means"]["fairness"] == pytest.approx((5 * 4 + 5 * 1) / 10)


def test_nothing_is_published_or_shown_below_five_answers_whatever_the_settings(personas, service, settings):
    settings.FEEDBACK_PUBLISH_BATCH = 2
    settings.FEEDBACK_MIN_RESPONSES_SHOWN = 1
    answer(personas, service, 4, comment="نظر")

    assert publish_batch() == 5 and survey_results_publish() == 0
    office = api(personas.manager_a).get(reverse("api:feedback-office-results", args=["A0001"])).json()
    kanoon = api(personas.kanoon_admin).get(reverse("api:feedback-office-results", args=["A0001"])).json()
    table = api(personas.kanoon_admin).get(reverse("api:feedback-metrics")).json()
    row = next(r for r in table["offices"] if r["office"] == "A0001")["survey"]
    for figures in (office["total"], kanoon["total"], row):
        assert figures["responses"] is None and figures["overall_mean"] is None
        assert figures["satisfied_share"] is None and figures["shrunk_score"] is None
        assert set(figures["item_means"].values()) == {None}
    assert table["network_mean"] is None


def test_the_kanoon_side_reads_live_figures_under_the_same_minimum(client, personas, service):
    answer(personas, service, 5, comment="سریع بود")  # not published yet

    office = api(personas.manager_a).get(reverse("api:feedback-office-results", args=["A0001"])).json()
    kanoon = api(personas.province_admin_a).get(reverse("api:feedback-office-results", args=["A0001"])).json()
    comments = api(personas.inspector).get(
        reverse("api:feedback-office-comments", args=["A0001"]), {"period": month_code()}
    )

    assert office["total"]["responses"] is None and office["published_on"] is None
    assert kanoon["total"]["responses"] == 5 and kanoon["total"]["overall_mean"] == 4.0
    assert [c["text"] for c in comments.json()] == ["سریع بود"] * 5
    client.force_login(personas.kanoon_admin)
    page = client.get(reverse("feedback:results"), {"province": personas.office_a.province.code})
    html = page.content.decode()
    row = html[html.index('data-office="A0001"') :]
    row = row[: row.index("</tr>")]
    assert "<td>۵</td>" in row or "<td>۵ " in row
    assert "۴٫۰۰" in row and "not-enough" not in row


def test_an_optional_item_answered_by_fewer_than_five_shows_not_enough_answers(client, personas, service):
    answer(personas, service, 3, fairness=None)
    answer(personas, service, 2, fairness=2)
    survey_results_publish()
    results = api(personas.manager_a).get(reverse("api:feedback-office-results", args=["A0001"])).json()
    client.force_login(personas.manager_a)
    page = client.get(reverse("feedback:office-results", args=["A0001"])).content.decode()

    assert results["total"]["overall_mean"] == 4.0 and results["total"]["item_means"]["fairness"] is None
    assert page.count('class="not-enough"') >= 2  # the fairness row by question and in the month table


# --- comments --------------------------------------------------------------------------------------


class FixedSeeds:
    def __init__(self, *seeds: int) -> None:
        self.seeds = list(seeds)

    def randbits(self, _bits: int) -> int:
        return self.seeds.pop(0)


def test_comments_come_in_a_seeded_random_order_that_does_not_reveal_the_newest(
    personas, service, monkeypatch
):
    monkeypatch.setattr(publication_service, "secrets", FixedSeeds(11, 23))
    for i in range(12):
        answer(personas, service, 1, comment=f"نظر {i}")
    survey_results_publish()
    url, period = reverse("api:feedback-office-comments", args=["A0001"]), month_code()
    first = [c["text"] for c in api(personas.manager_a).get(url, {"period": period}).json()]
    by_time = [f"نظر {i}" for i in range(12)]

    assert first == [f"نظر {i}" for i in _shuffle(list(range(12)), 11)]
    assert sorted(first) == sorted(by_time) and first not in (by_time, by_time[::-1])
    assert [c["text"] for c in api(personas.manager_a).get(url, {"period": period}).json()] == first

    for i in range(12, 17):
        answer(personas, service, 1, comment=f"نظر {i}")
    survey_results_publish()
    second = [c["text"] for c in api(personas.manager_a).get(url, {"period": period}).json()]
    newest = {f"نظر {i}" for i in range(12, 17)}
    positions = sorted(second.index(text) for text in newest)

    assert second == [f"نظر {i}" for i in _shuffle(list(range(17)), 23)]
    assert positions not in ([0, 1, 2, 3, 4], [12, 13, 14, 15, 16])  # neither on top nor at the end
    assert second[:12] != first  # the whole order changed, not the new ones slotted in


def _shuffle(items: list[int], seed: int) -> list[int]:
    random.Random(seed).shuffle(items)
    return items


def test_comments_carry_no_time_and_no_respondent(personas, service):
    answer(personas, service, 5, comment="منتظر ماندم")
    survey_results_publish()
    response = api(personas.manager_a).get(
        reverse("api:feedback-office-comments", args=["A0001"]), {"period": month_code()}
    )

    assert {key for c in response.json() for key in c} == {"period", "text"}
    assert not re.search(r"\d\d:\d\d|T\d\d", response.content.decode())


# --- complaint references --------------------------------------------------------------------------


def test_no_complaint_reference_in_any_survey_result_page_or_response(client, personas, service):
    answer(personas, service, 5, comment="خوب")
    survey_results_publish()
    complaint = complaint_file(
        complainant=personas.citizen,
        office=personas.office_a,
        category="delay",
        description="پرونده من دو هفته بی‌پاسخ ماند و کسی پاسخگو نبود.",
    )
    period = month_code()
    reads = []
    for user in (personas.manager_a, personas.province_admin_a, personas.kanoon_admin):
        reads += [
            api(user).get(reverse("api:feedback-office-results", args=["A0001"])),
            api(user).get(reverse("api:feedback-office-comments", args=["A0001"]), {"period": period}),
            api(user).get(reverse("api:feedback-metrics")),
        ]
        client.force_login(user)
        reads += [
            client.get(reverse("feedback:office-results", args=["A0001"])),
            client.get(reverse("feedback:office-results", args=["A0001"]), {"comments": period}),
            client.get(reverse("feedback:results"), follow=True),
        ]

    assert all(r.status_code == 200 for r in reads)
    for response in reads:
        assert complaint.reference not in response.content.decode()
        assert reverse("feedback:complaint", args=[complaint.reference]) not in response.content.decode()


# --- the task, the schedule and the cut-off --------------------------------------------------------


def test_publication_is_a_nightly_task_and_answering_never_publishes(personas, service):
    entry = django_settings.CELERY_BEAT_SCHEDULE["feedback-publish-survey-results"]
    answer(personas, service, 7)

    assert entry["task"] == "tanzim.feedback.tasks.publish_survey_results"
    assert isinstance(entry["schedule"], crontab)
    assert not SurveyPublication.objects.exists()
    publish_survey_results.delay()
    publication = SurveyPublication.objects.get()
    assert (publication.responses, publication.batch) == (7, 1)
    assert publication.up_to == SurveyResponse.objects.order_by("-pk").first().pk
    assert survey_month_publish(office_id=personas.office_a.pk, period=publication.period) is None


def test_the_answer_takes_the_tally_lock_before_its_response_draws_an_id(personas, service):
    _invitation, token = invite(personas.office_a, CitizenFactory(), service)
    with CaptureQueriesContext(connection) as queries:
        survey_answer(token=token, answers=ANSWERS)
    statements = [q["sql"] for q in queries.captured_queries]
    tally = next(i for i, sql in enumerate(statements) if sql.startswith('UPDATE "feedback_surveytally"'))
    insert = next(
        i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "feedback_surveyresponse"')
    )

    assert tally < insert


def test_the_office_view_is_computed_from_the_snapshot_not_the_answers(personas, service):
    answer(personas, service, 5)
    survey_results_publish()
    SurveyPublication.objects.update(overall_sum=5 * 3)  # a snapshot that differs from the table
    result = selectors.office_results_for(
        user=personas.manager_a,
        office=personas.office_a,
        period_from=SurveyPublication.objects.get().period,
        period_to=SurveyPublication.objects.get().period,
    )

    assert result.total.overall_mean == 3.0 and not result.oversight
