"""Issue 15 (5): a video session is shown as a link in words, never as a raw address that the
right-to-left page turns into "(...//:https)"; a past one without a link says so."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tanzim.disputes import services
from tanzim.testing.disputes import at, to_mediation

pytestmark = pytest.mark.django_db


def _sessions(user, dispute) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="fa")
    client.force_login(user)
    page = client.get(reverse("disputes:detail", kwargs={"pk": dispute.pk})).content.decode()
    return page[page.index('id="sessions"') :][:6000]


def test_a_video_session_is_a_link_in_words_and_one_without_a_link_says_so(personas, clock):
    dispute = to_mediation(personas)
    services.session_record_past(
        dispute=dispute,
        actor=personas.mediator_a,
        starts_at=at(0, hour=7),
        mode="video",
        minutes=30,
        status="held",
        result="continued",
    )
    link = "https://meet.example.org/room-42"
    services.session_schedule(
        dispute=dispute, actor=personas.mediator_a, starts_at=at(3, hour=10), mode="video", location=link
    )
    html = _sessions(personas.citizen, dispute)
    text = re.sub(r"<[^>]+>", " ", html)
    assert f'href="{link}"' in html
    assert "باز کردن پیوند ارتباط تصویری" in text  # the future session: a link in words
    assert "بدون پیوند" in text  # the past one had none
    assert link not in text and "//:https" not in text and "https://" not in text
