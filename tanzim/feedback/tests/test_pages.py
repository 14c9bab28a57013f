"""Pages: the survey from the SMS link (Persian, phone-first), complaints, and anonymous results."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanzim.feedback.models import Complaint, SurveyResponse
from tanzim.feedback.services import survey_answer, survey_results_publish
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.feedback import ALL_FIVES, invite
from tanzim.testing.files import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def survey_post(**answers):
    data = {**{k: str(v) for k, v in ALL_FIVES.items()}, "comment": ""}
    data.update(answers)
    return data


def test_the_survey_page_is_persian_needs_no_login_and_shows_six_questions(client, survey_link):
    _invitation, token = survey_link

    response = client.get(reverse("feedback:survey", args=[token]))

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="fa" dir="rtl">' in page and 'name="viewport"' in page
    assert page.count('class="survey-item') == 6 and "دفتر الف" in page
    assert "آلیس" not in page and "+98912" not in page


def test_answering_on_the_page_records_the_response_and_thanks_the_citizen(client, survey_link):
    _invitation, token = survey_link

    response = client.post(reverse("feedback:survey", args=[token]), survey_post(access="na", comment="عالی"))

    assert response.status_code == 200 and 'data-state="thanks"' in html(response)
    assert SurveyResponse.objects.get().comment == "عالی"
    again = client.get(reverse("feedback:survey", args=[token]))
    assert 'data-state="answered"' in html(again)


def test_a_missing_answer_keeps_what_was_typed_and_shows_the_error(client, survey_link):
    _invitation, token = survey_link
    data = survey_post(comment="نظر من")
    del data["overall"]

    response = client.post(reverse("feedback:survey", args=[token]), data)

    assert response.status_code == 400 and "نظر من" in html(response)
    assert 'id="courtesy-5" value="5" checked' in html(response)
    assert not SurveyResponse.objects.exists()


def test_an_answer_out_of_range_on_the_page_is_refused(client, survey_link):
    _invitation, token = survey_link

    response = client.post(reverse("feedback:survey", args=[token]), survey_post(overall="7"))

    assert response.status_code == 400 and not SurveyResponse.objects.exists()


def test_a_forged_link_shows_a_clear_page_with_404(client, db):
    response = client.get(reverse("feedback:survey", args=["Q" * 32]))

    assert response.status_code == 404 and 'data-state="invalid"' in html(response)


def test_an_expired_link_says_so(client, survey_link, time_machine):
    invitation, token = survey_link
    time_machine.move_to(invitation.expires_at, tick=False)

    response = client.get(reverse("feedback:survey", args=[token]))

    assert 'data-state="expired"' in html(response)


def test_a_signed_in_staff_member_is_refused_on_the_page(client, personas, survey_link):
    _invitation, token = survey_link
    client.force_login(personas.clerk_a)

    response = client.post(reverse("feedback:survey", args=[token]), survey_post())

    assert response.status_code == 403 and not SurveyResponse.objects.exists()


def test_the_survey_page_works_in_english(client, survey_link):
    _invitation, token = survey_link
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = client.get(reverse("feedback:survey", args=[token]))

    assert '<html lang="en" dir="ltr">' in html(response) and "Office A" in html(response)


def test_the_office_results_page_shows_figures_and_comments_but_nobody_who_answered(
    client, personas, service, settings
):
    people = [CitizenFactory() for _ in range(5)]
    for person in people:
        _inv, token = invite(personas.office_a, person, service)
        survey_answer(token=token, answers=ALL_FIVES, comment="صف کوتاه بود")
    survey_results_publish()
    client.force_login(personas.manager_a)

    response = client.get(reverse("feedback:results"), follow=True)

    page = html(response)
    assert response.status_code == 200 and "صف کوتاه بود" in page and 'id="overall-mean">۵٫۰۰' in page
    for person in people:
        assert person.mobile not in page and person.national_code not in page and person.username not in page


def test_a_clerk_cannot_open_the_results(client, personas):
    client.force_login(personas.clerk_a)

    assert client.get(reverse("feedback:office-results", args=["A0001"])).status_code == 404
    assert client.get(reverse("feedback:results")).status_code == 403


def test_the_kanoon_results_table_lists_offices(client, personas):
    client.force_login(personas.kanoon_admin)

    response = client.get(reverse("feedback:results"), {"province": personas.office_a.province.code})

    assert response.status_code == 200 and 'data-office="A0001"' in html(response)


def test_a_citizen_files_a_complaint_on_the_page_and_follows_it(client, personas):
    client.force_login(personas.citizen)
    data = {
        "office": "",
        "office_code": "a0001",
        "category": "overcharging",
        "description": "برای ثبت دادخواست دو برابر تعرفه از من پول گرفتند.",
        "key": "k" * 32,
        "attachments": [upload("receipt.pdf", pdf_bytes())],
    }

    response = client.post(reverse("feedback:complaint-new"), data)

    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "feedback:complaint", args=[complaint.reference]
    )
    detail = client.get(response["Location"])
    assert complaint.reference in html(detail) and 'id="attachments"' in html(detail)
    data["attachments"] = [upload("receipt.pdf", pdf_bytes())]
    assert (
        client.post(reverse("feedback:complaint-new"), data).status_code == 302
    )  # a double click files once
    assert Complaint.objects.count() == 1


def test_a_complaint_form_with_a_fake_file_keeps_the_text_and_says_why(client, personas):
    client.force_login(personas.citizen)
    data = {
        "office_code": "A0001",
        "category": "conduct",
        "description": "کارمند دفتر با صدای بلند به من توهین کرد.",
        "attachments": [upload("x.pdf", b"garbage")],
    }

    response = client.post(reverse("feedback:complaint-new"), data)

    assert response.status_code == 400 and "توهین" in html(response) and not Complaint.objects.exists()


def test_a_handler_decides_on_the_page_and_the_office_manager_sees_the_outcome_without_the_complainant(
    client, personas
):
    from tanzim.feedback.services import complaint_file

    complaint = complaint_file(
        complainant=personas.citizen,
        office=personas.office_a,
        category="delay",
        description="دو هفته است که درخواست من در دفتر مانده است.",
    )
    client.force_login(personas.province_admin_a)
    url = reverse("feedback:complaint-act", args=[complaint.reference])
    client.post(url, {"action": "acknowledge", "expected_status": "received", "note": ""})
    client.post(url, {"action": "investigate", "expected_status": "acknowledged", "note": ""})
    stale = client.post(url, {"action": "investigate", "expected_status": "acknowledged", "note": ""})
    assert stale.status_code == 302
    client.post(
        url,
        {
            "action": "partly_uphold",
            "expected_status": "investigating",
            "note": "The delay was partly caused by the court.",
        },
    )
    complaint.refresh_from_db()
    assert complaint.status == "partly_upheld"

    client.force_login(personas.manager_a)
    page = html(client.get(reverse("feedback:complaint", args=[complaint.reference])))
    assert (
        "The delay was partly caused by the court." in page
        and "آلیس" not in page
        and personas.citizen.mobile not in page
    )
