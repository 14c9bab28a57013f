"""Issue 15's dispute journey: a session entered after it took place (bounded), a settlement that
keeps the session it was reached in as held, the fee shown before signing and payable again after
an attempt expired, no survey for a dispute referred to court, and forms that stay open with what
was typed after an error."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.disputes import services
from tanzim.disputes.choices import DisputeStatus, SessionResult, SessionStatus
from tanzim.disputes.models import Session
from tanzim.feedback.choices import InvitationSource
from tanzim.feedback.models import SurveyInvitation
from tanzim.finance.choices import PaymentStatus
from tanzim.finance.models import Payment
from tanzim.notify.models import Message
from tanzim.testing.disputes import at, open_dispute, settle, sign_all, to_mediation, two_instalments

pytestmark = pytest.mark.django_db


def past(dispute, personas, *, starts_at, **extra):
    return services.session_record_past(
        dispute=dispute,
        actor=extra.pop("actor", personas.mediator_a),
        starts_at=starts_at,
        mode="in_person",
        **{"minutes": 60, "status": "held", "result": "agreement", **extra},
    )


# --- a session that already took place ------------------------------------------------------------


def test_a_mediator_enters_a_session_held_earlier_today_with_its_outcome(personas, clock):
    dispute = to_mediation(personas)
    texts = Message.objects.count()
    session = past(dispute, personas, starts_at=at(0, hour=7), notes="دو طرف توافق کردند")
    assert session.status == SessionStatus.HELD and session.result == SessionResult.AGREEMENT
    assert session.claimant_attended and session.respondent_attended and session.recorded_at
    assert Message.objects.count() == texts  # nobody is told about a meeting that is over


def test_a_past_session_is_bounded(personas, clock, settings):
    dispute = to_mediation(personas)  # mediation began today
    with pytest.raises(DomainError) as not_over:
        past(dispute, personas, starts_at=at(0, hour=8, minute=30))  # ends at 09:30, after now (09:00)
    assert not_over.value.code == "session_not_over"
    with pytest.raises(DomainError) as before:
        past(dispute, personas, starts_at=at(-1, hour=10))
    assert before.value.code == "before_window" and "starts_at" in before.value.fields
    dispute.window_started_on = dispute.window_started_on - timedelta(days=60)
    dispute.save(update_fields=["window_started_on"])
    settings.DISPUTES_PAST_SESSION_DAYS = 14
    with pytest.raises(DomainError) as too_old:
        past(dispute, personas, starts_at=at(-15, hour=10))
    assert too_old.value.code == "session_too_old"
    assert past(dispute, personas, starts_at=at(-14, hour=10)).status == SessionStatus.HELD
    with pytest.raises(DomainError):
        past(dispute, personas, starts_at=at(-2, hour=10), status="cancelled")
    assert not Session.objects.filter(dispute=dispute, status=SessionStatus.SCHEDULED).exists()


def test_only_the_office_side_enters_a_past_session(personas, clock):
    dispute = to_mediation(personas)
    with pytest.raises(PermissionDeniedError):
        past(dispute, personas, starts_at=at(0, hour=7), actor=personas.citizen)
    assert not Session.objects.filter(dispute=dispute).exists()


def test_two_failed_past_sessions_end_a_civil_attempt(personas, clock):
    dispute = to_mediation(personas)
    past(dispute, personas, starts_at=at(0, hour=6), result="no_agreement")
    past(dispute, personas, starts_at=at(0, hour=7, minute=30), minutes=30, result="no_agreement")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.FAILED


# --- settling keeps the session it was reached in ---------------------------------------------------


def test_settling_marks_the_session_that_took_place_as_held_and_cancels_a_future_one(
    personas, clock, after_commit
):
    dispute = to_mediation(personas)
    met = services.session_schedule(dispute=dispute, actor=personas.mediator_a, starts_at=at(3, hour=10))
    later = services.session_schedule(dispute=dispute, actor=personas.mediator_a, starts_at=at(10, hour=10))
    clock.move_to(at(3, hour=11))
    dispute = settle(personas, dispute)
    assert dispute.status == DisputeStatus.SETTLED
    met.refresh_from_db()
    later.refresh_from_db()
    assert met.status == SessionStatus.HELD and met.result == SessionResult.AGREEMENT
    assert later.status == SessionStatus.CANCELLED
    from tanzim.disputes.documents import settlement_context

    sessions = settlement_context(dispute.settlements.get())["sessions"]
    assert [s.status for s in sessions] == [SessionStatus.HELD, SessionStatus.CANCELLED]


# --- the fee: before signing, and payable --------------------------------------------------------


def test_the_fee_is_shown_before_signing_and_paid_again_after_an_attempt_expired(personas, clock, client):
    dispute = to_mediation(personas)
    respondent = dispute.parties.get(role="respondent").user
    settlement = services.settlement_draft(
        dispute=dispute,
        actor=personas.mediator_a,
        terms="",
        obligations=two_instalments(date(2027, 1, 5), date(2027, 2, 4)),
    )
    settlement = services.settlement_open(settlement=settlement, actor=personas.mediator_a)
    client.force_login(personas.citizen)
    page = client.get(reverse("disputes:detail", kwargs={"pk": dispute.pk})).text
    assert 'id="resolution-fee-quote"' in page and 'data-amount="1500000"' in page
    assert 'id="pay-fee"' not in page
    with pytest.raises(Exception) as early:
        services.resolution_fee_pay(dispute=dispute, actor=personas.citizen)
    assert getattr(early.value, "code", "") == "fee_not_due"
    sign_all(dispute, settlement, personas, respondent)
    first = Payment.objects.get(reference_type="disputes.dispute", reference_id=str(dispute.pk))
    page = client.get(reverse("disputes:detail", kwargs={"pk": dispute.pk})).text
    assert 'id="pay-fee"' in page and 'id="resolution-fee-quote"' not in page
    clock.move_to(at(1))  # the first attempt expired overnight
    again = services.resolution_fee_pay(dispute=dispute, actor=personas.citizen)
    first.refresh_from_db()
    assert first.status == PaymentStatus.EXPIRED and again.pk != first.pk
    assert again.status == PaymentStatus.PENDING and again.amount == first.amount == 1_500_000
    response = client.post(reverse("disputes:fee-pay", kwargs={"pk": dispute.pk}))
    assert response.status_code == 302 and "/gateway/" in response["Location"]
    with pytest.raises(PermissionDeniedError):
        services.resolution_fee_pay(dispute=dispute, actor=respondent)


# --- surveys ---------------------------------------------------------------------------------------


def test_a_dispute_referred_to_court_is_not_surveyed(personas, clock, after_commit):
    dispute = services.dispute_triage(
        dispute=open_dispute(personas, category="other", claim_amount=None), actor=personas.clerk_a
    )
    after_commit()
    assert dispute.status == DisputeStatus.REFERRED
    assert not SurveyInvitation.objects.filter(source=InvitationSource.DISPUTE).exists()
    assert not Message.objects.filter(template="feedback.survey_invitation").exists()


def test_a_settled_dispute_surveys_both_parties_who_took_part(personas, clock, after_commit):
    dispute = settle(personas, to_mediation(personas))
    after_commit()
    invited = SurveyInvitation.objects.filter(source=InvitationSource.DISPUTE, source_id=dispute.pk)
    assert invited.count() == 2


def test_a_respondent_who_never_joined_is_not_surveyed(personas, clock, after_commit):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    dispute = services.dispute_fail(dispute=dispute, actor=personas.clerk_a, reason="not_contactable")
    services.dispute_close(dispute=dispute, actor=personas.clerk_a)
    after_commit()
    texted = set(Message.objects.filter(template="feedback.survey_invitation").values_list("to", flat=True))
    assert texted == {personas.citizen.mobile}


# --- forms stay open with what was typed -------------------------------------------------------


def test_a_refused_session_form_stays_open_with_what_was_typed(personas, clock, client):
    dispute = to_mediation(personas)
    client.force_login(personas.mediator_a)
    response = client.post(
        reverse("disputes:session-new", kwargs={"pk": dispute.pk}),
        {"day": "1405/09/14", "start": "07:00", "minutes": "60", "mode": "video", "location": "zoom"},
    )
    assert response.status_code == 200
    page = response.text
    assert "<details open><summary>" in page and 'value="zoom"' in page
    assert "error-summary" in page and not Session.objects.filter(dispute=dispute).exists()
    past_response = client.post(
        reverse("disputes:session-new", kwargs={"pk": dispute.pk}),
        {
            "past": "1",
            "past-day": "1405/09/14",
            "past-start": "07:00",
            "past-minutes": "60",
            "past-mode": "in_person",
            "past-status": "held",
            "past-result": "",
        },
    )
    assert past_response.status_code == 200
    assert 'id="past-session" open' in past_response.text
    assert not Session.objects.filter(dispute=dispute).exists()


# --- the respondent's invitation -------------------------------------------------------------------


def test_the_join_link_carries_the_code_and_the_invitation_reaches_the_respondents_inbox(
    personas, clock, client
):
    import re

    from tanzim.notify.selectors import message_list_for
    from tanzim.testing.disputes import join_as_respondent

    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    invitation = services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    sms = Message.objects.get(template="disputes.invitation")
    link = re.search(r"https?://\S+", sms.body).group(0)
    code = "-".join(invitation.code[i : i + 4] for i in range(0, 12, 4))
    assert link.endswith(f"/disputes/join/?code={code}")
    page = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert f'value="{code}"' in page.text
    joined = join_as_respondent(dispute)
    assert sms.pk in [m.pk for m in message_list_for(user=joined.user, limit=50)]
