"""Answering the survey: a link works once, expires, can't be forged, and floods are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.common.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from tanzim.feedback.models import SurveyInvitation, SurveyResponse
from tanzim.feedback.services import survey_answer
from tanzim.testing.factories import CitizenFactory, give_role
from tanzim.testing.feedback import ALL_FIVES, invite

pytestmark = pytest.mark.django_db


def test_a_link_records_one_anonymous_response(personas, survey_link):
    invitation, token = survey_link

    response = survey_answer(token=token, answers={**ALL_FIVES, "access": None}, comment="  خیلی خوب بود  ")

    assert response.office == personas.office_a and response.period == invitation.period
    assert (response.overall, response.access, response.comment) == (5, None, "خیلی خوب بود")
    assert response.answered_on == timezone.localdate()
    invitation.refresh_from_db()
    assert invitation.used_at is not None


def test_a_response_holds_nothing_that_identifies_who_answered(personas, survey_link):
    _invitation, token = survey_link
    survey_answer(token=token, answers=ALL_FIVES)

    fields = {f.name for f in SurveyResponse._meta.get_fields()}

    assert fields.isdisjoint(
        {"recipient", "invitation", "user", "phone", "phone_hash", "case", "created_at", "token_hash"}
    )
    related = {f.related_model for f in SurveyResponse._meta.get_fields() if f.is_relation}
    assert {m._meta.label for m in related} == {"offices.Office", "feedback.Questionnaire"}
    values = {str(v) for v in SurveyResponse.objects.values().get().values()}
    assert personas.citizen.mobile not in values


def test_a_link_works_only_once(survey_link):
    _invitation, token = survey_link
    survey_answer(token=token, answers=ALL_FIVES)

    with pytest.raises(ConflictError) as refused:
        survey_answer(token=token, answers={**ALL_FIVES, "overall": 1})

    assert refused.value.code == "survey_already_answered"
    assert SurveyResponse.objects.count() == 1 and SurveyResponse.objects.get().overall == 5


def test_a_link_stops_working_when_it_expires(survey_link, settings, time_machine):
    invitation, token = survey_link
    time_machine.move_to(invitation.expires_at + timedelta(seconds=1), tick=False)

    with pytest.raises(ConflictError) as refused:
        survey_answer(token=token, answers=ALL_FIVES)

    assert refused.value.code == "survey_link_expired"
    assert not SurveyResponse.objects.exists()


def test_a_link_still_works_just_before_it_expires(survey_link, time_machine):
    invitation, token = survey_link
    time_machine.move_to(invitation.expires_at - timedelta(seconds=1), tick=False)

    assert survey_answer(token=token, answers=ALL_FIVES).overall == 5


@pytest.mark.parametrize(
    "token",
    ["A" * 32, "short", "", "x" * 33, "../../etc/passwd", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!", None, 12345],
)
def test_a_forged_or_malformed_link_is_not_found(survey_link, token):
    with pytest.raises(NotFoundError) as refused:
        survey_answer(token=token, answers=ALL_FIVES)

    assert refused.value.code == "survey_link_invalid"
    assert not SurveyResponse.objects.exists()


def test_guessing_links_from_one_connection_is_stopped(survey_link, settings):
    settings.FEEDBACK_BAD_LINKS_PER_ADDRESS = 3
    _invitation, token = survey_link
    for guess in range(3):
        with pytest.raises(NotFoundError):
            survey_answer(token=f"{guess:08d}" + "x" * 24, answers=ALL_FIVES, ip="10.0.0.9")

    with pytest.raises(RateLimitedError):
        survey_answer(token="9" * 32, answers=ALL_FIVES, ip="10.0.0.9")
    # a real link opens from that same connection: its neighbours are not punished
    assert survey_answer(token=token, answers=ALL_FIVES, ip="10.0.0.9").overall == 5


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**ALL_FIVES, "overall": 6}, "overall"),
        ({**ALL_FIVES, "overall": 0}, "overall"),
        ({**ALL_FIVES, "courtesy": -1}, "courtesy"),
        ({**ALL_FIVES, "clarity": "5.5"}, "clarity"),
        ({**ALL_FIVES, "fairness": True}, "fairness"),
        ({**ALL_FIVES, "overall": None}, "overall"),
        ({k: v for k, v in ALL_FIVES.items() if k != "overall"}, "overall"),
        ({**ALL_FIVES, "bribe": 5}, "bribe"),
    ],
)
def test_answers_out_of_range_or_missing_are_refused_with_the_field(survey_link, answers, field):
    invitation, token = survey_link

    with pytest.raises(DomainError) as refused:
        survey_answer(token=token, answers=answers)

    assert refused.value.code == "invalid_answers" and field in refused.value.fields
    invitation.refresh_from_db()
    assert invitation.used_at is None and not SurveyResponse.objects.exists()


def test_answers_that_are_not_a_mapping_are_refused(survey_link):
    _invitation, token = survey_link

    with pytest.raises(DomainError):
        survey_answer(token=token, answers=[5, 5, 5])


def test_a_comment_longer_than_the_limit_is_refused(survey_link):
    _invitation, token = survey_link

    with pytest.raises(DomainError) as refused:
        survey_answer(token=token, answers=ALL_FIVES, comment="x" * 1001)

    assert refused.value.code == "comment_too_long"
    assert not SurveyResponse.objects.exists()


def test_optional_items_may_be_left_out_as_not_applicable(survey_link):
    _invitation, token = survey_link

    response = survey_answer(token=token, answers={"overall": 4, "access": "na", "courtesy": "3"})

    assert (response.overall, response.access, response.courtesy, response.fairness) == (4, None, 3, None)


def test_a_flood_of_answers_from_one_phone_is_refused(personas, service, settings):
    settings.FEEDBACK_ANSWERS_PER_PHONE_PER_DAY = 2
    settings.FEEDBACK_INVITATION_COOLDOWN_DAYS = 0
    links = [
        invite(office, personas.citizen, service)[1] for office in (personas.office_a, personas.office_b)
    ]
    for token in links:
        survey_answer(token=token, answers=ALL_FIVES)
    _inv, third = invite(personas.office_a, personas.citizen, service)

    with pytest.raises(RateLimitedError):
        survey_answer(token=third, answers=ALL_FIVES)

    assert SurveyResponse.objects.count() == 2
    assert SurveyInvitation.objects.filter(used_at__isnull=True).count() == 1


def test_a_flood_of_answers_from_one_connection_is_refused(personas, service, settings):
    settings.FEEDBACK_ANSWERS_PER_IP_PER_HOUR = 1
    _a, first = invite(personas.office_a, personas.citizen, service)
    _b, second = invite(personas.office_a, personas.other_citizen, service)
    survey_answer(token=first, answers=ALL_FIVES, ip="192.0.2.1")

    with pytest.raises(RateLimitedError):
        survey_answer(token=second, answers=ALL_FIVES, ip="192.0.2.1")

    assert survey_answer(token=second, answers=ALL_FIVES, ip="192.0.2.2").overall == 5


def test_a_recipient_who_joined_the_office_staff_cannot_answer_its_survey(personas, survey_link):
    _invitation, token = survey_link
    give_role(personas.citizen, Role.CLERK, office=personas.office_a)

    with pytest.raises(PermissionDeniedError) as refused:
        survey_answer(token=token, answers=ALL_FIVES)

    assert refused.value.code == "own_office_survey"
    assert not SurveyResponse.objects.exists()


def test_a_signed_in_staff_member_cannot_answer_their_own_office_survey(personas, survey_link):
    _invitation, token = survey_link

    with pytest.raises(PermissionDeniedError):
        survey_answer(token=token, answers=ALL_FIVES, user=personas.manager_a)

    assert survey_answer(token=token, answers=ALL_FIVES, user=personas.clerk_b).overall == 5


def test_a_link_whose_phone_became_a_staff_phone_is_refused(personas, service):
    client = CitizenFactory(mobile="+989123334455")
    _invitation, token = invite(personas.office_a, client, service)
    personas.clerk_a.mobile = client.mobile
    personas.clerk_a.save(update_fields=["mobile"])

    with pytest.raises(PermissionDeniedError):
        survey_answer(token=token, answers=ALL_FIVES)


def test_responses_cannot_be_edited_or_deleted(survey_link):
    _invitation, token = survey_link
    response = survey_answer(token=token, answers=ALL_FIVES)

    response.overall = 1
    with pytest.raises(ValueError):
        response.save()
    with pytest.raises(ValueError):
        response.delete()
    assert SurveyResponse.objects.get().overall == 5
