"""Triage rules are data the Kanoon edits: category → eligible, path, ceiling, where it goes."""

from __future__ import annotations

import pytest

from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.disputes import services
from tanzim.disputes.choices import DisputeCategory, DisputeStatus, ReferralTarget, ResolutionPath
from tanzim.disputes.models import TriageRule
from tanzim.testing.disputes import open_dispute

pytestmark = pytest.mark.django_db


def test_every_category_has_a_default_rule_loaded_by_the_data_migration(db):
    assert set(TriageRule.objects.values_list("category", flat=True)) == set(DisputeCategory.values)
    family = TriageRule.objects.get(category="mahriyeh")
    assert family.eligible and family.path == ResolutionPath.MEDIATION and family.use_peace_court_ceiling
    assert TriageRule.objects.get(category="criminal").path == ResolutionPath.CRIMINAL_MEDIATION
    assert not TriageRule.objects.get(category="other").eligible


def test_the_peace_court_ceiling_is_a_setting(db, settings):
    rule = TriageRule.objects.get(category="money_claim")
    assert rule.ceiling == 1_000_000_000
    settings.DISPUTES_PEACE_COURT_CEILING = 1_500_000_000
    assert rule.ceiling == 1_500_000_000
    rule.custom_ceiling = 10
    assert rule.ceiling == 10


def test_an_edited_rule_changes_the_next_triage(db):
    TriageRule.objects.filter(category="lease").update(
        eligible=False, path="court", referral_target="council"
    )
    decision = services.triage_decide(category="lease", claim_amount=None)
    assert not decision.eligible and decision.referral_target == ReferralTarget.COUNCIL


def test_a_category_without_a_rule_goes_to_court(db):
    TriageRule.objects.filter(category="neighbours").delete()
    decision = services.triage_decide(category="neighbours", claim_amount=None)
    assert not decision.eligible and decision.path == ResolutionPath.COURT


def test_a_money_claim_without_an_amount_stays_at_intake(personas, clock):
    dispute = open_dispute(personas, category="cheque", claim_amount=None)
    with pytest.raises(DomainError) as refused:
        services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    assert "claim_amount" in refused.value.fields
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.INTAKE
    dispute = services.dispute_update(dispute=dispute, actor=personas.clerk_a, claim_amount=50_000_000)
    assert services.dispute_triage(dispute=dispute, actor=personas.clerk_a).status == DisputeStatus.TRIAGED


def test_triage_freezes_the_rule_so_a_later_change_does_not_rewrite_history(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    TriageRule.objects.filter(category="mahriyeh").update(halves_court_fee=False, path="arbitration")
    dispute.refresh_from_db()
    assert dispute.halves_court_fee and dispute.path == ResolutionPath.MEDIATION


def test_only_the_offices_clerks_triage(personas, clock):
    dispute = open_dispute(personas)
    with pytest.raises(NotFoundError):
        services.dispute_triage(dispute=dispute, actor=personas.clerk_b)
    with pytest.raises(PermissionDeniedError):
        services.dispute_triage(dispute=dispute, actor=personas.citizen)
    with pytest.raises(PermissionDeniedError):
        services.dispute_triage(dispute=dispute, actor=personas.kanoon_admin)
    services.dispute_triage(dispute=dispute, actor=personas.manager_a)
    with pytest.raises(ConflictError):
        services.dispute_triage(dispute=dispute, actor=personas.clerk_a)


def test_intake_refuses_bad_input_with_its_field(personas, clock):
    cases = [
        ({"category": "divorce"}, "category"),
        ({"claim_amount": -1}, "claim_amount"),
        ({"respondent": {"name": "", "mobile": "09350001122"}}, "respondent.name"),
        ({"respondent": {"name": "ب", "mobile": "02166000000"}}, "respondent.mobile"),
        ({"respondent": {"name": "ب", "national_code": "1111111111"}}, "respondent.national_code"),
    ]
    for change, field in cases:
        with pytest.raises(DomainError) as refused:
            open_dispute(personas, **{"category": "mahriyeh", **change})
        assert field in refused.value.fields, change
    with pytest.raises(DomainError) as same:
        open_dispute(personas, respondent={"name": "خود", "national_code": personas.citizen.national_code})
    assert same.value.code == "same_party"


def test_a_clerk_of_another_office_or_a_citizen_cannot_open_a_dispute_here(personas, clock):
    with pytest.raises(PermissionDeniedError):
        open_dispute(personas, actor=personas.clerk_b)
    with pytest.raises(PermissionDeniedError):
        open_dispute(personas, actor=personas.citizen)
    with pytest.raises(PermissionDeniedError):
        open_dispute(personas, actor=personas.mediator_a)


def test_an_office_without_a_mediation_licence_takes_no_disputes(personas, clock):
    personas.office_a.licences.filter(kind="mediation").delete()
    with pytest.raises(DomainError) as refused:
        open_dispute(personas)
    assert refused.value.code == "office_not_licensed"


def test_a_clerk_registers_a_walk_in_claimant_with_an_account(personas, clock):
    from tanzim.testing.factories import next_national_code

    code = next_national_code()
    dispute = services.dispute_open(
        actor=personas.clerk_a,
        office=personas.office_a,
        category="nafaqeh",
        claim_amount=30_000_000,
        claimant={"name": "زهرا کریمی", "national_code": code, "mobile": "۰۹۱۲۷۷۷۶۶۵۵"},
        respondent={"name": "رضا کریمی", "mobile": "09350001122"},
    )
    claimant = dispute.parties.get(role="claimant")
    assert claimant.user.national_code == code and claimant.mobile == "+989127776655"
    event = dispute.events.get(to_status="intake")
    assert event.actor == personas.clerk_a and event.on_behalf_of == claimant.user
