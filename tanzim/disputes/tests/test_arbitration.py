"""Arbitration: the agreement, the panel (one, or each side names one and the two agree a third),
eligibility declarations (arts. 466, 469), the term, the award and what follows it."""

from __future__ import annotations

from datetime import date

import pytest

from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.disputes import services
from tanzim.disputes.choices import ArbitrationStatus, ArbitratorStatus, ComplianceStatus, DisputeStatus
from tanzim.disputes.models import Arbitrator, DisputeEvent, Referral
from tanzim.testing.disputes import at, join_as_respondent, open_dispute
from tanzim.testing.factories import next_national_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    respondent = join_as_respondent(dispute).user
    return services.dispute_respond(dispute=dispute, actor=respondent, accept=False)


def start(personas, dispute, panel_size=1, **extra):
    return services.arbitration_start(
        dispute=dispute,
        actor=personas.clerk_a,
        agreement_kind="agreed_now",
        agreement_date=at(0).date(),
        agreement_text="توافق به داوری",
        panel_size=panel_size,
        **extra,
    )


def person(name="حسن داوری", **extra):
    return {"name": name, "national_code": next_national_code(), "mobile": "09121112233", **extra}


def seat(personas, arbitration, seat_name, *, grounds=(), birth=date(1970, 1, 1), note="", **extra):
    """Propose a person for a seat and record their declaration."""
    arbitrator = services.arbitrator_propose(
        arbitration=arbitration, actor=personas.clerk_a, seat=seat_name, **person(**extra)
    )
    return services.arbitrator_declare(
        arbitrator=arbitrator, actor=personas.clerk_a, grounds=list(grounds), birth_date=birth, note=note
    )


def test_an_arbitrator_who_declares_kinship_is_blocked_until_both_parties_agree(personas, failed):
    arbitration = start(personas, failed)
    arbitrator = seat(personas, arbitration, "sole", grounds=["kinship"], note="پسرعموی خواهان")
    assert arbitrator.status == ArbitratorStatus.PROPOSED and arbitrator.grounds == ["kinship"]
    with pytest.raises(DomainError) as refused:
        services.arbitrator_accept(arbitrator=arbitrator, actor=personas.clerk_a)
    assert refused.value.code == "arbitrator_not_eligible"
    services.arbitrator_waive(arbitrator=arbitrator, party="claimant", actor=personas.citizen)
    with pytest.raises(DomainError):
        services.arbitrator_accept(arbitrator=arbitrator, actor=personas.clerk_a)
    respondent = failed.parties.get(role="respondent").user
    services.arbitrator_waive(arbitrator=arbitrator, party="respondent", actor=respondent)
    accepted = services.arbitrator_accept(arbitrator=arbitrator, actor=personas.clerk_a)
    assert accepted.status == ArbitratorStatus.ACCEPTED
    arbitration.refresh_from_db()
    assert arbitration.status == ArbitrationStatus.ACTIVE
    # The declaration and both waivers stay in the history.
    kinds = list(
        DisputeEvent.objects.filter(subject="arbitrator", subject_id=arbitrator.pk).values_list(
            "to_status", flat=True
        )
    )
    assert kinds == ["proposed", "declared", "waived_by_claimant", "waived_by_respondent", "accepted"]


def test_a_ground_of_article_466_disqualifies_and_cannot_be_waived(personas, failed):
    arbitration = start(personas, failed)
    arbitrator = seat(personas, arbitration, "sole", grounds=["barred"])
    assert arbitrator.status == ArbitratorStatus.DISQUALIFIED
    with pytest.raises(ConflictError):
        services.arbitrator_waive(arbitrator=arbitrator, party="claimant", actor=personas.citizen)
    with pytest.raises(DomainError) as refused:
        services.arbitrator_accept(arbitrator=arbitrator, actor=personas.clerk_a)
    assert refused.value.code == "arbitrator_disqualified"
    # The seat is free again for someone else; the disqualified declaration is kept.
    replacement = seat(personas, arbitration, "sole")
    assert services.arbitrator_accept(arbitrator=replacement, actor=personas.clerk_a).status == "accepted"
    assert Arbitrator.objects.filter(arbitration=arbitration).count() == 2


def test_an_arbitrator_under_twenty_five_needs_both_parties_consent(personas, failed):
    arbitration = start(personas, failed)
    young = seat(personas, arbitration, "sole", birth=date(2003, 1, 1))
    assert young.grounds == ["under_age"]
    with pytest.raises(DomainError):
        services.arbitrator_accept(arbitrator=young, actor=personas.clerk_a)


def test_a_declaration_needs_a_birth_date_and_known_grounds(personas, failed):
    arbitration = start(personas, failed)
    arbitrator = services.arbitrator_propose(
        arbitration=arbitration, actor=personas.clerk_a, seat="sole", **person()
    )
    with pytest.raises(DomainError) as no_birth:
        services.arbitrator_declare(arbitrator=arbitrator, actor=personas.clerk_a, grounds=[])
    assert "birth_date" in no_birth.value.fields
    with pytest.raises(DomainError):
        services.arbitrator_declare(
            arbitrator=arbitrator, actor=personas.clerk_a, grounds=["friendship"], birth_date=date(1970, 1, 1)
        )
    with pytest.raises(DomainError):
        services.arbitrator_accept(arbitrator=arbitrator, actor=personas.clerk_a)


def test_a_party_cannot_be_their_own_arbitrator(personas, failed):
    arbitration = start(personas, failed)
    with pytest.raises(DomainError) as refused:
        services.arbitrator_propose(
            arbitration=arbitration,
            actor=personas.clerk_a,
            seat="sole",
            name="آلیس",
            national_code=personas.citizen.national_code,
        )
    assert refused.value.code == "party_as_arbitrator"


def test_art_464_unfixed_panel_is_three_each_side_names_one_and_the_two_agree_a_third(
    personas, failed, clock
):
    arbitration = start(personas, failed, panel_size=None)
    assert arbitration.panel_size == 3 and not arbitration.panel_size_fixed
    with pytest.raises(DomainError):
        seat(personas, arbitration, "sole")
    claimant_side = seat(personas, arbitration, "claimant", name="داور خواهان")
    with pytest.raises(ConflictError) as early:
        services.arbitrator_propose(
            arbitration=arbitration, actor=personas.clerk_a, seat="presiding", **person()
        )
    assert early.value.code == "presiding_too_early"
    respondent_side = seat(personas, arbitration, "respondent", name="داور خوانده")
    services.arbitrator_accept(arbitrator=claimant_side, actor=personas.clerk_a)
    clock.move_to(at(2))
    services.arbitrator_accept(arbitrator=respondent_side, actor=personas.clerk_a)
    arbitration.refresh_from_db()
    assert arbitration.status == ArbitrationStatus.FORMING
    third = seat(personas, arbitration, "presiding", name="سرداور")
    clock.move_to(at(5))
    services.arbitrator_accept(arbitrator=third, actor=personas.clerk_a)
    arbitration.refresh_from_db()
    # The term runs from the notification of the last of them (art. 484).
    assert arbitration.status == ArbitrationStatus.ACTIVE and arbitration.all_notified_on == at(5).date()
    with pytest.raises(ConflictError):
        services.arbitrator_propose(
            arbitration=arbitration, actor=personas.clerk_a, seat="presiding", **person()
        )


def test_an_agreed_term_replaces_the_three_months(personas, failed, clock):
    arbitration = start(personas, failed, agreed_term_days=30)
    services.arbitrator_accept(arbitrator=seat(personas, arbitration, "sole"), actor=personas.clerk_a)
    arbitration.refresh_from_db()
    assert arbitration.term_ends_on == date(2027, 1, 4)  # 5 Dec + 30 days, a Monday


def test_an_extension_needs_both_parties_agreement(personas, failed):
    arbitration = start(personas, failed)
    services.arbitrator_accept(arbitrator=seat(personas, arbitration, "sole"), actor=personas.clerk_a)
    with pytest.raises(DomainError) as refused:
        services.arbitration_extend(
            arbitration=arbitration, actor=personas.clerk_a, days=30, agreed_by_both=False
        )
    assert refused.value.code == "extension_needs_agreement"


def test_an_award_needs_reasons_and_a_running_term(personas, failed):
    arbitration = start(personas, failed)
    with pytest.raises(ConflictError):
        services.award_record(
            arbitration=arbitration, actor=personas.clerk_a, reasoning="دلیل", decision="رأی"
        )
    services.arbitrator_accept(arbitrator=seat(personas, arbitration, "sole"), actor=personas.clerk_a)
    with pytest.raises(DomainError) as refused:
        services.award_record(arbitration=arbitration, actor=personas.clerk_a, reasoning="  ", decision="رأی")
    assert "reasoning" in refused.value.fields
    with pytest.raises(DomainError):
        services.award_record(
            arbitration=arbitration,
            actor=personas.clerk_a,
            reasoning="دلیل",
            decision="رأی",
            decided_on=at(3).date(),
        )


def test_only_an_appointed_arbitrator_or_the_office_records_the_award(personas, failed):
    arbitration = start(personas, failed)
    arbitrator = services.arbitrator_propose(
        arbitration=arbitration, actor=personas.clerk_a, seat="sole", user=personas.arbitrator_a
    )
    services.arbitrator_declare(
        arbitrator=arbitrator, actor=personas.arbitrator_a, birth_date=date(1970, 1, 1)
    )
    services.arbitrator_accept(arbitrator=arbitrator, actor=personas.arbitrator_a)
    with pytest.raises(PermissionDeniedError):
        services.award_record(arbitration=arbitration, actor=personas.citizen, reasoning="د", decision="ر")
    with pytest.raises(NotFoundError):
        services.award_record(arbitration=arbitration, actor=personas.clerk_b, reasoning="د", decision="ر")
    with pytest.raises(NotFoundError):
        services.award_record(arbitration=arbitration, actor=personas.mediator_a, reasoning="د", decision="ر")
    award = services.award_record(
        arbitration=arbitration, actor=personas.arbitrator_a, reasoning="د", decision="ر"
    )
    assert award.recorded_by == personas.arbitrator_a


def test_enforcement_is_packed_only_after_the_compliance_period(personas, failed, clock):
    arbitration = start(personas, failed)
    services.arbitrator_accept(arbitrator=seat(personas, arbitration, "sole"), actor=personas.clerk_a)
    award = services.award_record(
        arbitration=arbitration,
        actor=personas.clerk_a,
        reasoning="دلایل",
        decision="پرداخت",
        amount=400_000_000,
        in_favour_of="claimant",
    )
    with pytest.raises(ConflictError) as unnotified:
        services.award_request_enforcement(award=award, actor=personas.citizen)
    assert unnotified.value.code == "awaiting_notice"
    services.award_notice_record(
        award=award, party="respondent", actor=personas.clerk_a, notified_on=at(0).date(), method="at_office"
    )
    with pytest.raises(ConflictError) as early:
        services.award_request_enforcement(award=award, actor=personas.citizen)
    assert early.value.code == "compliance_period_running"
    respondent = failed.parties.get(role="respondent").user
    clock.move_to(at(0).replace(year=2026, month=12, day=27, hour=9))
    with pytest.raises(PermissionDeniedError):  # the losing party cannot ask for enforcement
        services.award_request_enforcement(award=award, actor=respondent)
    referral = services.award_request_enforcement(award=award, actor=personas.citizen)
    award.refresh_from_db()
    failed.refresh_from_db()
    assert award.compliance == ComplianceStatus.ENFORCEMENT
    assert referral.purpose == "enforcement" and referral.reason == "award_not_complied"
    assert referral.bundle["arbitrations"][0]["award"]["amount"] == 400_000_000
    assert failed.status == DisputeStatus.AWARDED
    with pytest.raises(ConflictError):
        services.award_mark_complied(award=award, actor=personas.clerk_a)
    assert Referral.objects.filter(dispute=failed).count() == 1


def test_the_winning_party_confirms_compliance(personas, failed):
    arbitration = start(personas, failed)
    services.arbitrator_accept(arbitrator=seat(personas, arbitration, "sole"), actor=personas.clerk_a)
    award = services.award_record(
        arbitration=arbitration, actor=personas.clerk_a, reasoning="د", decision="ر", in_favour_of="claimant"
    )
    award = services.award_mark_complied(award=award, actor=personas.citizen)
    failed.refresh_from_db()
    assert award.compliance == ComplianceStatus.COMPLIED and failed.due_at is None


def test_arbitration_needs_an_office_licensed_for_it(personas, failed):
    personas.office_a.licences.filter(kind="arbitration").delete()
    with pytest.raises(DomainError) as refused:
        start(personas, failed)
    assert refused.value.code == "office_not_licensed"


def test_arbitration_cannot_start_during_mediation(personas, clock):
    from tanzim.testing.disputes import to_mediation

    dispute = to_mediation(personas)
    with pytest.raises(ConflictError):
        start(personas, dispute)
