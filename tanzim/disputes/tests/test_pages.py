"""The dispute pages: the office board and intake, the respondent's join without an account, the
settlement editor and signing, the PDF, the docket, the overview and the public figures."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from tanzim.audit.models import ConfidentialRead
from tanzim.disputes import services
from tanzim.disputes.choices import DisputeStatus
from tanzim.disputes.models import Dispute
from tanzim.testing.disputes import RESPONDENT_MOBILE, last_code, last_otp, open_dispute, to_mediation
from tanzim.testing.factories import next_national_code

pytestmark = pytest.mark.django_db


def detail(dispute) -> str:
    return reverse("disputes:detail", kwargs={"pk": dispute.pk})


def test_the_board_lists_the_offices_disputes_for_its_staff_only(personas, clock, client):
    dispute = to_mediation(personas)
    client.force_login(personas.clerk_a)
    page = client.get(reverse("disputes:board"))
    assert page.status_code == 200 and f'data-dispute="{dispute.pk}"' in page.text
    client.force_login(personas.citizen)
    assert client.get(reverse("disputes:board")).status_code == 403
    client.logout()
    assert client.get(reverse("disputes:board")).status_code == 302


def test_the_board_costs_the_same_queries_for_ten_or_thirty_disputes(
    personas, clock, client, django_assert_max_num_queries
):
    for _n in range(10):
        open_dispute(personas)
    client.force_login(personas.clerk_a)
    with django_assert_max_num_queries(25) as ten:
        client.get(reverse("disputes:board"))
    for _n in range(20):
        open_dispute(personas)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        client.get(reverse("disputes:board"))


def test_a_clerk_opens_a_dispute_from_the_form_and_it_is_triaged(personas, clock, client):
    client.force_login(personas.clerk_a)
    response = client.post(
        reverse("disputes:new"),
        {
            "category": "mahriyeh",
            "claim_amount": "۴۰۰٬۰۰۰٬۰۰۰",
            "summary": "مهریه",
            "claimant_national_code": personas.citizen.national_code,
            "claimant_mobile": personas.citizen.mobile,
            "claimant_name": "آلیس احمدی",
            "respondent_name": "بهرام بهرامی",
            "respondent_mobile": "09350001122",
            "respondent_national_code": next_national_code(),
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(dispute)
    assert dispute.status == DisputeStatus.TRIAGED and dispute.claim_amount == 400_000_000


def test_the_intake_form_shows_what_is_wrong(personas, clock, client):
    client.force_login(personas.clerk_a)
    response = client.post(reverse("disputes:new"), {"category": "mahriyeh", "claimant_mobile": "123"})
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert "is-invalid" in response.text


def test_the_respondent_joins_with_the_code_without_an_account_and_accepts(personas, clock, client, settings):
    settings.SHOW_OUTBOX_IN_UI = True  # as in the embedded demo
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    respondent = dispute.parties.get(role="respondent")
    step1 = client.post(
        reverse("disputes:join"),
        {"code": last_code(RESPONDENT_MOBILE), "national_code": respondent.national_code},
    )
    assert step1.status_code == 302 and step1["Location"] == reverse("disputes:join-verify")
    otp_page = client.get(reverse("disputes:join-verify"))
    assert "demo-inbox" in otp_page.text  # the embedded demo shows the SMS
    step2 = client.post(reverse("disputes:join-verify"), {"otp": last_otp(RESPONDENT_MOBILE)})
    assert step2.status_code == 302 and step2["Location"] == detail(dispute)
    page = client.get(detail(dispute))
    assert 'id="accept"' in page.text
    client.post(
        reverse("disputes:act", kwargs={"pk": dispute.pk, "action": "accept"}), {"expected_status": "invited"}
    )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.MEDIATION


def test_a_wrong_join_code_is_shown_on_the_form(personas, clock, client):
    response = client.post(
        reverse("disputes:join"), {"code": "1111-2222-3333", "national_code": "0012345679"}
    )
    assert response.status_code == 200 and "alert-danger" in response.text


def test_the_settlement_editor_keeps_the_rows_and_shows_each_error(personas, clock, client):
    dispute = to_mediation(personas)
    client.force_login(personas.mediator_a)
    url = reverse("disputes:settlement", kwargs={"pk": dispute.pk})
    rows = {
        "rows": "3",
        "terms": "سازش",
        "o0-obligor": "respondent",
        "o0-kind": "payment",
        "o0-description": "قسط اول",
        "o0-amount": "",
        "o0-due_date": "1405/10/20",
        "o1-obligor": "respondent",
        "o1-kind": "payment",
        "o1-description": "قسط دوم",
        "o1-amount": "200000000",
        "o1-due_date": "",
    }
    response = client.post(url, rows)
    assert response.status_code == 200 and 'id="settlement-errors"' in response.text
    assert "قسط اول" in response.text and not dispute.settlements.exists()
    rows.update({"o0-amount": "۱۰۰٬۰۰۰٬۰۰۰", "o1-due_date": "۱۴۰۵/۱۱/۲۰", "then": "open"})
    response = client.post(url, rows)
    assert response.status_code == 302
    settlement = dispute.settlements.get()
    assert settlement.status == "signing" and settlement.total_amount == 300_000_000


def test_a_party_signs_on_the_page_and_downloads_the_pdf(personas, clock, client, after_commit):
    dispute = to_mediation(personas)
    respondent = dispute.parties.get(role="respondent")
    settlement = services.settlement_draft(
        dispute=dispute,
        actor=personas.mediator_a,
        terms="",
        obligations=[
            {
                "obligor": "respondent",
                "kind": "act",
                "description": "تحویل",
                "due_date": dispute.window_ends_on,
            }
        ],
    )
    services.settlement_open(settlement=settlement, actor=personas.mediator_a)
    for user, party in ((personas.citizen, "claimant"), (respondent.user, "respondent")):
        client.force_login(user)
        client.post(reverse("disputes:settlement-code", kwargs={"pk": dispute.pk}), {"party": party})
        mobile = dispute.parties.get(role=party).mobile
        client.post(
            reverse("disputes:settlement-sign", kwargs={"pk": dispute.pk}),
            {"party": party, "code": last_otp(mobile)},
        )
    after_commit()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.SETTLED
    pdf = client.get(reverse("disputes:settlement-pdf", kwargs={"pk": dispute.pk}), follow=True)
    assert pdf.redirect_chain[0][0].startswith("/files/")  # the signed report is a stored file
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    read = ConfidentialRead.objects.get(object_type="disputes.settlement")
    assert read.purpose == "settlement" and read.office_id == dispute.office_id
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    client.force_login(personas.other_citizen)
    assert client.get(reverse("disputes:settlement-pdf", kwargs={"pk": dispute.pk})).status_code == 404


def test_a_clerk_of_another_office_gets_a_404(personas, clock, client):
    dispute = open_dispute(personas)
    client.force_login(personas.clerk_b)
    assert client.get(detail(dispute)).status_code == 404
    client.force_login(personas.clerk_a)
    assert client.get(detail(dispute)).status_code == 200


def test_an_action_refused_by_the_service_comes_back_as_a_message(personas, clock, client):
    dispute = open_dispute(personas, category="cheque", claim_amount=None)
    client.force_login(personas.clerk_a)
    response = client.post(
        reverse("disputes:act", kwargs={"pk": dispute.pk, "action": "triage"}), follow=True
    )
    assert response.status_code == 200 and "alert-danger" in response.text
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.INTAKE


def test_the_referral_file_downloads_for_the_office_only(personas, clock, client):
    dispute = services.dispute_triage(
        dispute=open_dispute(personas, category="other", claim_amount=None), actor=personas.clerk_a
    )
    referral = dispute.referrals.get()
    url = reverse("disputes:referral-file", kwargs={"pk": dispute.pk, "referral_id": referral.pk})
    client.force_login(personas.clerk_a)
    response = client.get(url)
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert {"summary.pdf", "file.json"} <= set(names)
    client.force_login(personas.citizen)  # the claimant: the office's file for the court is not theirs
    assert client.get(url).status_code == 404
    client.force_login(personas.clerk_b)
    assert client.get(url).status_code == 404


def test_the_mediator_sees_the_docket(personas, clock, client):
    dispute = to_mediation(personas)
    client.force_login(personas.mediator_a)
    assert detail(dispute) in client.get(reverse("disputes:docket")).text


def test_the_kanoon_overview_and_the_public_figures(personas, clock, client):
    to_mediation(personas)
    client.force_login(personas.kanoon_admin)
    assert client.get(reverse("disputes:overview"), {"year": 1405}).status_code == 200
    client.force_login(personas.citizen)
    assert client.get(reverse("disputes:overview")).status_code == 403
    assert client.get(reverse("disputes:mine")).status_code == 200
    client.logout()
    page = client.get(reverse("disputes:figures"), {"year": "1405", "month": "9"})
    assert page.status_code == 200 and 'id="nation-rate"' in page.text


def test_the_detail_page_works_left_to_right_in_english(personas, clock, client):
    dispute = to_mediation(personas)
    client.force_login(personas.clerk_a)
    client.cookies["django_language"] = "en"
    page = client.get(detail(dispute), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'dir="ltr"' in page.text and "Dispute" in page.text
    client.cookies["django_language"] = "fa"
    assert 'dir="rtl"' in client.get(detail(dispute), HTTP_ACCEPT_LANGUAGE="fa").text


def test_a_landing_sends_each_role_to_its_page(personas, client):
    expected = {
        "clerk_a": "disputes:board",
        "mediator_a": "disputes:docket",
        "kanoon_admin": "disputes:overview",
        "citizen": "disputes:mine",
    }
    for persona, name in expected.items():
        client.force_login(getattr(personas, persona))
        assert client.get(reverse("disputes:index"))["Location"] == reverse(name)


def test_the_times_a_party_proposed_show_in_jalali_on_the_mediators_page(personas, clock, client):
    from tanzim.testing.disputes import at

    dispute = to_mediation(personas)
    respondent = dispute.parties.get(role="respondent").user
    services.proposal_create(dispute=dispute, actor=respondent, times=[at(2, 10)], note="صبح")
    client.force_login(personas.mediator_a)
    page = client.get(detail(dispute))
    assert "۱۴۰۵/۰۹/۱۶ ۱۰:۰۰" in page.text


def test_the_board_finds_a_dispute_by_reference_or_a_partys_national_code(personas, clock, client):
    dispute = open_dispute(personas)
    other = open_dispute(personas)
    client.force_login(personas.clerk_a)
    by_reference = client.get(reverse("disputes:board"), {"q": dispute.reference_display})
    assert (
        f'data-dispute="{dispute.pk}"' in by_reference.text
        and f'data-dispute="{other.pk}"' not in by_reference.text
    )
    respondent_code = other.parties.get(role="respondent").national_code
    by_code = client.get(reverse("disputes:board"), {"q": respondent_code})
    assert f'data-dispute="{other.pk}"' in by_code.text and f'data-dispute="{dispute.pk}"' not in by_code.text
    client.force_login(personas.clerk_b)
    assert (
        f'data-dispute="{dispute.pk}"'
        not in client.get(reverse("disputes:board"), {"q": dispute.reference}).text
    )


def test_an_incomplete_session_form_is_refused_on_the_page_and_books_nothing(personas, clock, client):
    from tanzim.disputes.models import Session

    dispute = to_mediation(personas)
    client.force_login(personas.clerk_a)
    response = client.post(reverse("disputes:session-new", kwargs={"pk": dispute.pk}), {"minutes": "60"})
    # The page is shown again with the form open and its errors (no redirect dropping the input).
    assert response.status_code == 200 and "<details open>" in response.text
    assert "alert-danger" in response.text
    assert not Session.objects.filter(dispute=dispute).exists()
