"""Guessing dispute join codes (issue 13, defect 12).

The join code is twelve digits sent by SMS to the respondent. Failed tries are counted in a short
window per client address and per the code's first six digits; only failures count, so the
respondent who types the right code and national code is never refused for anybody's success,
and a refusal lasts minutes, not an hour.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from tanzim.common.errors import DomainError, RateLimitedError
from tanzim.disputes import codes, services
from tanzim.notify.models import Message
from tanzim.testing.disputes import open_dispute

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    return services.dispute_invite(dispute=dispute, actor=personas.clerk_a)


def national_code_of(invitation) -> str:
    return invitation.dispute.parties.get(role="respondent").national_code


def other_code(code: str, n: int) -> str:
    """A wrong code with the same first six digits as ``code``."""
    suffix = f"{(int(code[6:]) + 1 + n) % 1_000_000:06d}"
    return code[:6] + suffix


def wrong_code(n: int) -> str:
    """Wrong codes whose first six digits all differ (a random guesser's)."""
    return f"{n:06d}" + "999999"


def test_an_address_guessing_codes_is_refused_after_its_failures_for_the_short_window_only(
    invited, settings, clock
):
    nc = national_code_of(invited)
    for n in range(settings.DISPUTES_JOIN_FAILURES_PER_ADDRESS):
        with pytest.raises(DomainError) as refused:
            services.join_start(code=wrong_code(n), national_code=nc, ip="6.6.6.6")
        assert refused.value.code == "join_invalid"

    with pytest.raises(RateLimitedError) as stopped:
        services.join_start(code=wrong_code(99), national_code=nc, ip="6.6.6.6")
    assert stopped.value.retry_after == settings.DISPUTES_JOIN_GUESS_WINDOW_SECONDS

    clock.shift(timedelta(seconds=settings.DISPUTES_JOIN_GUESS_WINDOW_SECONDS + 1))
    with pytest.raises(DomainError) as again:
        services.join_start(code=wrong_code(99), national_code=nc, ip="6.6.6.6")
    assert again.value.code == "join_invalid"


def test_guessing_the_rest_of_a_code_from_many_addresses_is_stopped_by_its_first_digits(invited, settings):
    """Someone who read the first half of the SMS cannot spread the other half over a botnet."""
    nc = national_code_of(invited)
    for n in range(settings.DISPUTES_JOIN_FAILURES_PER_CODE_PREFIX):
        with pytest.raises(DomainError) as refused:
            services.join_start(code=other_code(invited.code, n), national_code=nc, ip=f"10.9.0.{n}")
        assert refused.value.code == "join_invalid"

    with pytest.raises(RateLimitedError):
        services.join_start(code=other_code(invited.code, 50), national_code=nc, ip="10.9.1.1")
    # the same fresh address with a code of other first digits is only a wrong code
    with pytest.raises(DomainError) as elsewhere:
        services.join_start(code=wrong_code(1), national_code=nc, ip="10.9.1.1")
    assert elsewhere.value.code == "join_invalid"


def test_the_respondent_with_the_right_code_passes_while_a_guesser_elsewhere_is_stopped(invited, settings):
    nc = national_code_of(invited)
    for n in range(settings.DISPUTES_JOIN_FAILURES_PER_ADDRESS + 5):
        with pytest.raises(DomainError):
            services.join_start(code=wrong_code(n), national_code=nc, ip="6.6.6.6")

    ticket = services.join_start(code=invited.code, national_code=nc, ip="5.5.5.5")

    assert ticket.dispute_id == invited.dispute.pk
    assert Message.objects.filter(template="disputes.join_otp").count() == 1


def test_the_respondents_own_typos_within_the_limit_do_not_lock_them_out(invited, settings):
    nc = national_code_of(invited)
    mistyped = other_code(invited.code, 0)
    for _n in range(settings.DISPUTES_JOIN_FAILURES_PER_ADDRESS - 1):
        with pytest.raises(DomainError):
            services.join_start(code=mistyped, national_code=nc, ip="5.5.5.5")

    assert services.join_start(code=codes.format_join_code(invited.code), national_code=nc, ip="5.5.5.5")


def test_successful_joins_from_one_shared_address_are_never_counted(personas, clock, settings):
    """An office's wifi: respondent after respondent joins from the same address."""
    settings.DISPUTES_JOIN_FAILURES_PER_ADDRESS = 2
    for _n in range(4):
        dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
        invitation = services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
        ticket = services.join_start(
            code=invitation.code, national_code=national_code_of(invitation), ip="172.16.0.1"
        )
        assert ticket.dispute_id == dispute.pk


def test_the_join_api_answers_429_to_a_guesser_and_200_to_the_respondent(invited, settings):
    nc = national_code_of(invited)
    attacker = APIClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="6.6.6.6")
    statuses = [
        attacker.post("/api/v1/disputes/join/", {"code": wrong_code(n), "national_code": nc}).status_code
        for n in range(settings.DISPUTES_JOIN_FAILURES_PER_ADDRESS + 1)
    ]
    respondent = APIClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="5.5.5.5")
    answer = respondent.post("/api/v1/disputes/join/", {"code": invited.code, "national_code": nc})

    assert statuses[:-1] == [400] * settings.DISPUTES_JOIN_FAILURES_PER_ADDRESS
    assert statuses[-1] == 429
    assert answer.status_code == 200, answer.content
    assert answer.json()["ticket"] > 0
