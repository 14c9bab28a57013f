"""A dispute's history in sentences (issue 15, Also: "history shows state names, not sentences")."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tanzim.disputes import history
from tanzim.disputes.choices import EVENT_WORDS, SUBJECT_CHOICES, DisputeStatus, EventSubject
from tanzim.testing.disputes import to_mediation

pytestmark = pytest.mark.django_db


def _timeline(user, dispute, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    page = client.get(reverse("disputes:detail", kwargs={"pk": dispute.pk})).content.decode()
    section = page[page.index('id="timeline"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section[: section.index("</section>")]))


def test_every_stage_of_every_workflow_has_a_sentence():
    missing = [
        (subject, code)
        for subject, choices in SUBJECT_CHOICES.items()
        for code in choices.values
        if (subject, code) not in history.SENTENCES
    ]
    missing += [code for code in EVENT_WORDS if not any(key[1] == code for key in history.SENTENCES)]
    assert missing == []


def test_every_sentence_is_translated_to_persian():
    with translation.override("fa"):
        untranslated = [str(s) for s in history.SENTENCES.values() if re.search(r"[A-Za-z]", str(s))]
    assert untranslated == []


def test_the_history_reads_as_sentences_in_persian_and_english(personas, clock):
    dispute = to_mediation(personas)
    assert dispute.status == DisputeStatus.MEDIATION
    citizen_fa = _timeline(personas.citizen, dispute, "fa")
    assert "اختلاف ثبت شد." in citizen_fa
    assert "خوانده به اختلاف پیوست." in citizen_fa
    assert "میانجی‌گری آغاز شد." in citizen_fa
    # no state names of the ladder ("ارزیابی اولیه‌شده", "در میانجی‌گری") and no arrows between them
    with translation.override("fa"):
        labels = [str(DisputeStatus(code).label) for code in (DisputeStatus.TRIAGED, DisputeStatus.MEDIATION)]
    assert not any(label in citizen_fa for label in labels)
    assert "→" not in citizen_fa
    # the citizen does not see who at the office did it; the office does
    assert personas.clerk_a.display_name not in citizen_fa
    clerk_fa = _timeline(personas.clerk_a, dispute, "fa")
    assert f"توسط {personas.clerk_a.display_name}" in clerk_fa
    english = _timeline(personas.citizen, dispute, "en")
    assert "The dispute was opened." in english and "The respondent joined the dispute." in english
    # the triage note in the reader's language, whichever language triaged
    assert dispute.triage_note_en in english and dispute.triage_note not in english


def test_a_note_on_the_same_stage_is_a_sentence_of_its_own():
    class Row:
        subject, from_status, to_status, reason = EventSubject.DISPUTE, "mediation", "mediation", ""

    with translation.override("en"):
        assert history.event_sentence(Row()) == "The office recorded a change to the dispute."
