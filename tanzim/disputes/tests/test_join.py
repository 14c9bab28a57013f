"""Bringing the respondent in: the join code (random, single-purpose, hashed, expiring), the
one-time code to the invited mobile, and the account the respondent gets or already has."""

from __future__ import annotations

import pytest

from tanzim.accounts.models import User
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError, RateLimitedError
from tanzim.disputes import codes, services
from tanzim.disputes.choices import DisputeStatus
from tanzim.disputes.models import JoinCode
from tanzim.notify.models import Message
from tanzim.testing.disputes import RESPONDENT_MOBILE, last_code, last_otp, open_dispute, respondent_data
from tanzim.testing.factories import CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    invitation = services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    return invitation


def respondent_of(invitation):
    return invitation.dispute.parties.get(role="respondent")


def test_the_invitation_texts_a_join_code_that_is_stored_only_as_a_hash(invited):
    respondent = respondent_of(invited)
    message = Message.objects.get(template="disputes.invitation")
    assert message.to == RESPONDENT_MOBILE == respondent.mobile
    assert codes.format_join_code(invited.code) in message.body
    stored = JoinCode.objects.get(party=respondent)
    assert stored.code_hash == codes.join_code_hash(invited.code) and invited.code not in stored.code_hash
    assert invited.dispute.status == DisputeStatus.INVITED and invited.dispute.invite_attempts == 1


def test_the_respondent_joins_with_the_code_and_an_sms_code_and_gets_an_account(invited):
    respondent = respondent_of(invited)
    ticket = services.join_start(
        code=last_code(RESPONDENT_MOBILE), national_code=respondent.national_code, ip="1.2.3.4"
    )
    assert ticket.masked_mobile.endswith("1122") and "***" in ticket.masked_mobile
    result = services.join_verify(
        join_code_id=ticket.join_code_id,
        national_code=respondent.national_code,
        otp=last_otp(RESPONDENT_MOBILE),
    )
    respondent.refresh_from_db()
    assert result.sign_in and result.user.national_code == respondent.national_code
    assert result.user.mobile == RESPONDENT_MOBILE and result.user.is_active
    assert respondent.user == result.user and respondent.joined_at is not None
    assert JoinCode.objects.get(pk=ticket.join_code_id).used_at is not None


def test_the_code_typed_with_persian_digits_and_spaces_works(invited):
    respondent = respondent_of(invited)
    persian = codes.format_join_code(invited.code).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    ticket = services.join_start(code=f" {persian} ", national_code=respondent.national_code, ip="1.2.3.4")
    assert ticket.dispute_id == invited.dispute.pk


@pytest.mark.parametrize("bad", ["wrong code", "wrong national code", "claimant's national code", "garbage"])
def test_a_wrong_code_or_national_code_gets_one_answer(personas, invited, bad):
    respondent = respondent_of(invited)
    code, national_code = invited.code, respondent.national_code
    if bad == "wrong code":
        code = "111122223333"
    elif bad == "wrong national code":
        national_code = CitizenFactory().national_code
    elif bad == "claimant's national code":
        national_code = personas.citizen.national_code
    else:
        code, national_code = "x" * 50, "abc"
    with pytest.raises(DomainError) as refused:
        services.join_start(code=code, national_code=national_code, ip="1.2.3.4")
    assert refused.value.code == "join_invalid"
    assert not Message.objects.filter(template="disputes.join_otp").exists()


def test_guessing_codes_is_locked_out_per_address(invited, settings):
    respondent = respondent_of(invited)
    for _n in range(settings.LOGIN_MAX_FAILURES * 4):
        with pytest.raises(DomainError):
            services.join_start(code="000000000000", national_code=respondent.national_code, ip="6.6.6.6")
    with pytest.raises(RateLimitedError):
        services.join_start(code=invited.code, national_code=respondent.national_code, ip="6.6.6.6")
    assert services.join_start(code=invited.code, national_code=respondent.national_code, ip="7.7.7.7")


def test_a_wrong_sms_code_does_not_join(invited):
    respondent = respondent_of(invited)
    ticket = services.join_start(code=invited.code, national_code=respondent.national_code, ip="1.2.3.4")
    with pytest.raises(DomainError) as refused:
        services.join_verify(
            join_code_id=ticket.join_code_id, national_code=respondent.national_code, otp="000000"
        )
    assert refused.value.code == "invalid_code"
    respondent.refresh_from_db()
    assert (
        respondent.user is None and not User.objects.filter(national_code=respondent.national_code).exists()
    )


def test_a_join_code_works_once(invited):
    respondent = respondent_of(invited)
    ticket = services.join_start(code=invited.code, national_code=respondent.national_code, ip="1.2.3.4")
    services.join_verify(
        join_code_id=ticket.join_code_id,
        national_code=respondent.national_code,
        otp=last_otp(RESPONDENT_MOBILE),
    )
    with pytest.raises(DomainError):
        services.join_start(code=invited.code, national_code=respondent.national_code, ip="1.2.3.4")


def test_a_new_invitation_makes_the_old_code_stop_working(personas, invited):
    respondent = respondent_of(invited)
    again = services.dispute_invite(dispute=invited.dispute, actor=personas.clerk_a)
    assert again.attempt == 2 and again.code != invited.code
    with pytest.raises(DomainError):
        services.join_start(code=invited.code, national_code=respondent.national_code, ip="1.2.3.4")
    assert services.join_start(code=again.code, national_code=respondent.national_code, ip="1.2.3.4")


def test_changing_the_respondents_mobile_revokes_the_code_sent_to_the_old_one(personas, invited):
    respondent = respondent_of(invited)
    services.party_update(party=respondent, actor=personas.clerk_a, mobile="09350009999")
    with pytest.raises(DomainError):
        services.join_start(code=invited.code, national_code=respondent.national_code, ip="1.2.3.4")


def test_a_respondent_whose_account_has_the_invited_mobile_signs_in_to_it(personas, clock):
    existing = CitizenFactory(mobile=RESPONDENT_MOBILE)
    dispute = services.dispute_triage(
        dispute=open_dispute(personas, respondent=respondent_data(national_code=existing.national_code)),
        actor=personas.clerk_a,
    )
    invitation = services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    ticket = services.join_start(code=invitation.code, national_code=existing.national_code, ip="1.2.3.4")
    result = services.join_verify(
        join_code_id=ticket.join_code_id,
        national_code=existing.national_code,
        otp=last_otp(RESPONDENT_MOBILE),
    )
    assert result.user == existing and result.sign_in


def test_an_account_with_another_mobile_must_sign_in_first(personas, clock):
    existing = CitizenFactory(mobile="+989121230000")
    dispute = services.dispute_triage(
        dispute=open_dispute(personas, respondent=respondent_data(national_code=existing.national_code)),
        actor=personas.clerk_a,
    )
    invitation = services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    ticket = services.join_start(code=invitation.code, national_code=existing.national_code, ip="1.2.3.4")
    with pytest.raises(DomainError) as refused:
        services.join_verify(
            join_code_id=ticket.join_code_id,
            national_code=existing.national_code,
            otp=last_otp(RESPONDENT_MOBILE),
        )
    assert refused.value.code == "sign_in_first"
    assert not dispute.parties.get(role="respondent").user
    # Signed in to their own account, the same person joins.
    ticket = services.join_start(code=invitation.code, national_code=existing.national_code, ip="1.2.3.4")
    result = services.join_verify(
        join_code_id=ticket.join_code_id,
        national_code=existing.national_code,
        otp=last_otp(RESPONDENT_MOBILE),
        user=existing,
    )
    assert result.user == existing and not result.sign_in


def test_a_signed_in_user_cannot_join_someone_elses_invitation(invited):
    respondent = respondent_of(invited)
    ticket = services.join_start(code=invited.code, national_code=respondent.national_code, ip="1.2.3.4")
    with pytest.raises(PermissionDeniedError):
        services.join_verify(
            join_code_id=ticket.join_code_id,
            national_code=respondent.national_code,
            otp=last_otp(RESPONDENT_MOBILE),
            user=CitizenFactory(),
        )


def test_the_respondent_can_not_be_invited_without_a_mobile(personas, clock):
    dispute = services.dispute_triage(
        dispute=open_dispute(personas, respondent=respondent_data(mobile="")), actor=personas.clerk_a
    )
    with pytest.raises(DomainError) as refused:
        services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    assert refused.value.code == "respondent_mobile_missing"


def test_invitations_stop_at_the_configured_number_of_tries(personas, invited, settings):
    services.dispute_invite(dispute=invited.dispute, actor=personas.clerk_a)
    services.dispute_invite(dispute=invited.dispute, actor=personas.clerk_a)
    with pytest.raises(ConflictError) as refused:
        services.dispute_invite(dispute=invited.dispute, actor=personas.clerk_a)
    assert refused.value.code == "too_many_invitations"


def test_only_the_respondent_or_the_office_answers_the_invitation(personas, invited):
    with pytest.raises(PermissionDeniedError):
        services.dispute_respond(dispute=invited.dispute, actor=personas.citizen, accept=True)
    with pytest.raises(Exception) as stranger:
        services.dispute_respond(dispute=invited.dispute, actor=CitizenFactory(), accept=True)
    assert getattr(stranger.value, "status", None) == 404
    dispute = services.dispute_respond(dispute=invited.dispute, actor=personas.clerk_a, accept=True)
    assert dispute.status == DisputeStatus.MEDIATION
    assert dispute.events.filter(to_status="mediation").get().on_behalf_of is None  # no account yet


def test_the_respondent_proposes_times_for_a_session(personas, invited, clock):
    from tanzim.testing.disputes import at, join_as_respondent

    user = join_as_respondent(invited.dispute).user
    proposal = services.proposal_create(
        dispute=invited.dispute, actor=user, times=[at(3, 10), at(4, 14)], note="عصرها"
    )
    assert len(proposal.times) == 2 and proposal.party.role == "respondent"
    with pytest.raises(DomainError):
        services.proposal_create(dispute=invited.dispute, actor=user, times=[at(-1, 10)])
    with pytest.raises(DomainError):
        services.proposal_create(dispute=invited.dispute, actor=user, times=[])
    with pytest.raises(PermissionDeniedError):
        services.proposal_create(dispute=invited.dispute, actor=personas.clerk_a, times=[at(3, 10)])
