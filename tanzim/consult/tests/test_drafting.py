"""Guided drafting: validation as typed, contradictions between answers, save and resume, the
review, and the finish into a PDF, a DOCX and a case draft with every field filled."""

from __future__ import annotations

import io
import zipfile

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from tanzim.cases.choices import PartyRole
from tanzim.cases.models import Case
from tanzim.common.errors import DomainError
from tanzim.consult import services
from tanzim.consult.models import CitizenProfile, DraftRun
from tanzim.consult.selectors import interview_version_for_run
from tanzim.testing.consult import cheque_pages

pytestmark = pytest.mark.django_db
NOW = "2026-06-01 09:00 +03:30"


@pytest.fixture(autouse=True)
def _english_messages():
    """Service refusals are asserted in English; pages are requested in Persian (the default)."""
    with translation.override("en"):
        yield


def new_run(user=None, facts=None) -> DraftRun:
    return services.draft_start(
        version=interview_version_for_run(slug="cheque-complaint"), user=user, facts=facts
    )


@time_machine.travel(NOW, tick=False)
def test_amounts_typed_with_persian_digits_and_separators_are_read_and_zero_is_refused():
    run = new_run()
    pages = cheque_pages()
    for index in range(2):
        services.draft_save_page(run=run, page=index, data=pages[index])
    run = services.draft_save_page(run=run, page=2, data=pages[2])
    assert run.answers["cheque_amount"] == "250000000"
    for bad, message in (("0", "more than zero"), ("۰", "more than zero"), ("12a", "digits only")):
        with pytest.raises(DomainError) as refused:
            services.draft_save_page(run=run, page=2, data={**pages[2], "cheque_amount": bad})
        assert message in refused.value.fields["cheque_amount"][0]
    run.refresh_from_db()
    assert run.answers["cheque_amount"] == "250000000"  # nothing lost on a refusal


@time_machine.travel(NOW, tick=False)
def test_an_answer_that_contradicts_an_earlier_one_is_refused():
    run = new_run()
    pages = cheque_pages()
    services.draft_save_page(run=run, page=0, data=pages[0])
    same = {**pages[1], "accused_national_code": pages[0]["complainant_national_code"]}
    with pytest.raises(DomainError) as refused:
        services.draft_save_page(run=run, page=1, data=same)
    assert "accused_national_code" in refused.value.fields
    services.draft_save_page(run=run, page=1, data=pages[1])
    backwards = {**pages[2], "certificate_date": "1404/12/01"}
    with pytest.raises(DomainError) as refused:
        services.draft_save_page(run=run, page=2, data=backwards)
    assert "certificate_date" in refused.value.fields


@time_machine.travel(NOW, tick=False)
def test_bad_national_codes_and_dates_are_refused_as_typed():
    run = new_run()
    with pytest.raises(DomainError) as refused:
        services.draft_save_page(
            run=run, page=0, data={**cheque_pages()[0], "complainant_national_code": "1111111111"}
        )
    assert "complainant_national_code" in refused.value.fields
    services.draft_save_page(run=run, page=0, data=cheque_pages()[0])
    services.draft_save_page(run=run, page=1, data=cheque_pages()[1])
    with pytest.raises(DomainError) as refused:
        services.draft_save_page(run=run, page=2, data={**cheque_pages()[2], "cheque_date": "1406/01/01"})
    assert "future" in refused.value.fields["cheque_date"][0]


@time_machine.travel(NOW, tick=False)
def test_the_diagnosis_dates_and_the_profile_fill_the_interview(personas):
    CitizenProfile.objects.create(user=personas.citizen, data={"full_name": "آلیس احمدی", "address": "تهران"})
    run = new_run(user=personas.citizen, facts={"cheque_date": "2026-03-30"})
    assert run.answers == {
        "complainant_name": "آلیس احمدی",
        "complainant_address": "تهران",
        "cheque_date": "2026-03-30",
    }


def _walk(client, token: str) -> None:
    for index, page in enumerate(cheque_pages(complainant_code="0013542419")):
        response = client.post(reverse("consult:draft-page", args=[token, index]), page)
        assert response.status_code == 302, response.content.decode()[:3000]


@time_machine.travel(NOW, tick=False)
def test_a_citizen_drafts_without_an_account_then_signs_in_and_gets_the_case_draft(client, personas):
    start = client.post(reverse("consult:interview-start", args=["cheque-complaint"]))
    token = start.url.split("/")[3]
    _walk(client, token)
    review = client.get(reverse("consult:draft-review", args=[token])).content.decode()
    assert "۲۵۰٬۰۰۰٬۰۰۰" in review and "دویست و پنجاه میلیون" in review
    # the review's "change" opens the page and comes back to the review
    changed = client.post(
        reverse("consult:draft-page", args=[token, 2]),
        {**cheque_pages()[2], "cheque_amount": "300,000,000", "review": "1"},
    )
    assert changed.url == reverse("consult:draft-review", args=[token])
    finish = client.get(reverse("consult:draft-finish", args=[token]))
    assert (finish.status_code == 302 and "login" in finish.url) or "otp" in finish.url
    client.force_login(personas.citizen)
    done = client.post(reverse("consult:draft-finish", args=[token]), {"office": personas.office_a.pk})
    assert done.status_code == 302, done.content.decode()[:2000]
    run = DraftRun.objects.get(token=token)
    case = Case.objects.get(pk=run.case_id)
    assert case.applicant == personas.citizen and case.status == "draft"
    assert case.claim_amount == 300_000_000
    assert "بهرام صادقی" in case.title and "چک شماره" in case.claim_text
    parties = {p.role: p for p in case.parties.all()}
    assert parties[PartyRole.CLAIMANT].national_code == "0013542419"
    assert parties[PartyRole.CLAIMANT].address and parties[PartyRole.CLAIMANT].phone == "+989121234567"
    assert parties[PartyRole.RESPONDENT].name == "بهرام صادقی" and parties[PartyRole.RESPONDENT].address
    assert case.documents.count() == 1 and case.documents.get().content_type == "application/pdf"
    pdf = client.get(reverse("consult:draft-pdf", args=[token]))
    assert pdf.content.startswith(b"%PDF-")
    docx = client.get(reverse("consult:draft-docx", args=[token]))
    package = zipfile.ZipFile(io.BytesIO(docx.content))
    xml = package.read("word/document.xml").decode()
    assert "<w:bidi/>" in xml and "بهرام صادقی" in xml
    assert CitizenProfile.objects.get(user=personas.citizen).data["national_code"] == "0013542419"
    # the next interview starts with the saved answers
    notice = services.draft_start(
        version=interview_version_for_run(slug="formal-notice"), user=personas.citizen
    )
    assert notice.answers["sender_national_code"] == "0013542419"


@time_machine.travel(NOW, tick=False)
def test_a_claimed_draft_is_the_same_404_for_anyone_else(client, personas):
    run = new_run(user=personas.citizen)
    for user in (personas.other_citizen, personas.clerk_a):
        client.force_login(user)
        assert client.get(reverse("consult:draft-review", args=[run.token])).status_code == 404
    assert client.get(reverse("consult:draft-review", args=["not-a-token"])).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_save_and_continue_later_gives_a_resume_link(client):
    token = client.post(reverse("consult:interview-start", args=["cheque-complaint"])).url.split("/")[3]
    saved = client.post(
        reverse("consult:draft-page", args=[token, 0]), {**cheque_pages()[0], "intent": "later"}, follow=True
    )
    assert 'id="resume-link"' in saved.content.decode()
    assert DraftRun.objects.get(token=token).page == 1


def test_the_amount_is_read_back_in_words_as_typed(client):
    words = client.get(reverse("consult:amount-words"), {"value": "۱٬۲۵۰٬۰۰۰"}).content.decode()
    assert "یک میلیون و دویست و پنجاه هزار" in words
    assert "text-danger" in client.get(reverse("consult:amount-words"), {"value": "0"}).content.decode()
