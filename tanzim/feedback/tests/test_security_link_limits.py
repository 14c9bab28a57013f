"""Survey-link guessing is limited without shutting out a whole shared address (issue 13, defect 6).

Twenty bad links used to block every survey link from that address for an hour (a whole office
network, a mobile carrier's NAT). Now failures are counted in a short window per client address
and per the link's first characters, and a real link always opens.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tanzim.common.errors import NotFoundError, RateLimitedError
from tanzim.feedback.services import survey_answer
from tanzim.testing.feedback import ALL_FIVES

pytestmark = pytest.mark.django_db


def guess(n: int) -> str:
    """A well-formed link that does not exist; each one's first eight characters differ."""
    return f"{n:08d}" + "z" * 24


def test_a_real_link_opens_from_an_address_that_used_up_its_failures(survey_link, settings):
    _invitation, token = survey_link
    for n in range(settings.FEEDBACK_BAD_LINKS_PER_ADDRESS):
        with pytest.raises(NotFoundError):
            survey_answer(token=guess(n), answers=ALL_FIVES, ip="100.64.0.1")
    with pytest.raises(RateLimitedError):
        survey_answer(token=guess(999), answers=ALL_FIVES, ip="100.64.0.1")

    response = survey_answer(token=token, answers=ALL_FIVES, ip="100.64.0.1")

    assert response.overall == 5


def test_guessing_links_that_share_their_first_characters_is_stopped_across_addresses(survey_link, settings):
    _invitation, token = survey_link
    prefix = token[:8]
    wrong = [prefix + ("A" if token[8] != "A" else "B") + f"{n:023d}" for n in range(20)]
    for n in range(settings.FEEDBACK_BAD_LINKS_PER_TOKEN_PREFIX):
        with pytest.raises(NotFoundError):
            survey_answer(token=wrong[n], answers=ALL_FIVES, ip=f"198.51.100.{n}")

    with pytest.raises(RateLimitedError):
        survey_answer(token=wrong[19], answers=ALL_FIVES, ip="203.0.113.200")
    with pytest.raises(NotFoundError):  # other first characters from that address: only a bad link
        survey_answer(token=guess(7), answers=ALL_FIVES, ip="203.0.113.200")


def test_an_address_refused_for_guessing_is_refused_for_minutes_not_an_hour(survey_link, settings):
    for n in range(settings.FEEDBACK_BAD_LINKS_PER_ADDRESS):
        with pytest.raises(NotFoundError):
            survey_answer(token=guess(n), answers=ALL_FIVES, ip="100.64.0.1")
    with pytest.raises(RateLimitedError) as refused:
        survey_answer(token=guess(500), answers=ALL_FIVES, ip="100.64.0.1")
    assert refused.value.retry_after == settings.FEEDBACK_BAD_LINKS_WINDOW_SECONDS < 3600

    later = timezone.now() + timedelta(seconds=settings.FEEDBACK_BAD_LINKS_WINDOW_SECONDS + 1)
    with time_machine.travel(later, tick=False), pytest.raises(NotFoundError):
        survey_answer(token=guess(501), answers=ALL_FIVES, ip="100.64.0.1")


def test_the_survey_page_behind_the_proxy_counts_the_real_client(client, survey_link, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.FEEDBACK_BAD_LINKS_PER_ADDRESS = 2
    _invitation, token = survey_link

    def page(token: str, address: str):
        return client.get(f"/feedback/s/{token}/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)

    for n in range(3):
        page(guess(n), "198.51.100.9")

    guesser = page(guess(9), "198.51.100.9")
    neighbour = page(guess(10), "192.0.2.44")
    owner = page(token, "198.51.100.9")

    assert (guesser.status_code, neighbour.status_code, owner.status_code) == (429, 404, 200)
