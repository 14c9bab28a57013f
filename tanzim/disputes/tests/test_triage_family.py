"""Family claims go to settlement first whatever the amount; the triage is shown before it is
committed, reads in the page's language, and a clerk can correct it with a reason (audited)."""

from __future__ import annotations

import pytest
from django.utils import translation

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.disputes import services
from tanzim.disputes.choices import DisputeStatus, ReferralTarget, ResolutionPath
from tanzim.disputes.models import Dispute, Referral
from tanzim.testing.disputes import open_dispute

pytestmark = pytest.mark.django_db

LARGE = 5_000_000_000  # five times the peace court's ceiling: most dowry claims are this large


@pytest.mark.parametrize("category", ["mahriyeh", "nafaqeh", "jahiziyeh"])
def test_a_family_claim_over_the_ceiling_goes_to_mediation_first(personas, clock, category):
    dispute = services.dispute_triage(
        dispute=open_dispute(personas, category=category, claim_amount=LARGE), actor=personas.clerk_a
    )
    assert dispute.status == DisputeStatus.TRIAGED and dispute.eligible is True
    assert dispute.path == ResolutionPath.MEDIATION
    # If settlement fails, the file goes to the (family) court: the peace court cannot decide it.
    assert dispute.referral_target == ReferralTarget.COURT
    assert not dispute.halves_court_fee
    assert "۱٬۰۰۰٬۰۰۰٬۰۰۰" in dispute.triage_note or "1,000,000,000" in dispute.triage_note
    assert (
        "ceiling" in dispute.triage_note_en
        and "settlement is still attempted first" in dispute.triage_note_en
    )
    assert not Referral.objects.filter(dispute=dispute).exists()


def test_a_family_claim_under_the_ceiling_goes_to_the_peace_court_if_settlement_fails(personas, clock):
    dispute = services.dispute_triage(
        dispute=open_dispute(personas, claim_amount=400_000_000), actor=personas.clerk_a
    )
    assert dispute.path == ResolutionPath.MEDIATION and dispute.referral_target == ReferralTarget.PEACE_COURT
    assert dispute.halves_court_fee


def test_a_money_claim_over_the_ceiling_still_goes_to_court(personas, clock):
    decision = services.triage_preview(category="money_claim", claim_amount=LARGE)
    assert not decision.eligible and decision.path == ResolutionPath.COURT and decision.above_ceiling


def test_the_preview_writes_nothing_and_gives_the_reason_in_the_active_language(personas, clock):
    with translation.override("en"):
        english = services.triage_preview(category="mahriyeh", claim_amount=LARGE)
    with translation.override("fa"):
        persian = services.triage_preview(category="mahriyeh", claim_amount=LARGE)
    assert english.path == persian.path == ResolutionPath.MEDIATION
    assert "ceiling" in english.note and "سقف" in persian.note
    assert not Dispute.objects.exists()
    with pytest.raises(DomainError) as refused:
        services.triage_preview(category="mahriyeh", claim_amount=None)
    assert "claim_amount" in refused.value.fields
    criminal = services.triage_preview(category="criminal", claim_amount=None, offence_grade=3)
    assert criminal.path == ResolutionPath.COURT and criminal.referral_target == ReferralTarget.PROSECUTOR


def test_an_english_page_reads_the_english_reason(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    with translation.override("en"):
        assert dispute.triage_reason == dispute.triage_note_en and "Dowry" in dispute.triage_reason
    with translation.override("fa"):
        assert dispute.triage_reason == dispute.triage_note and "مهریه" in dispute.triage_reason


def test_a_clerk_corrects_a_triage_with_a_reason_and_it_is_audited(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    corrected = services.dispute_triage_correct(
        dispute=dispute, actor=personas.clerk_a, path="arbitration", reason="دو طرف داوری را برگزیدند"
    )
    assert corrected.status == DisputeStatus.TRIAGED and corrected.path == ResolutionPath.ARBITRATION
    assert "دو طرف داوری را برگزیدند" in corrected.triage_note
    assert "دو طرف داوری را برگزیدند" in corrected.triage_note_en
    event = AuditEvent.objects.filter(action="disputes.dispute.triage_corrected").get()
    assert event.actor == personas.clerk_a
    assert event.data["old_path"] == "mediation" and event.data["new_path"] == "arbitration"
    assert corrected.events.filter(reason__contains="دو طرف داوری").exists()


def test_a_correction_to_court_refers_the_dispute_with_its_file(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    corrected = services.dispute_triage_correct(
        dispute=dispute, actor=personas.manager_a, path="court", reason="دعوای طلاق هم در جریان است"
    )
    assert corrected.status == DisputeStatus.REFERRED and corrected.eligible is False
    assert Referral.objects.get(dispute=dispute).target == ReferralTarget.COURT


def test_a_correction_needs_a_reason_a_real_path_and_the_law(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    with pytest.raises(DomainError) as no_reason:
        services.dispute_triage_correct(
            dispute=dispute, actor=personas.clerk_a, path="arbitration", reason=" "
        )
    assert "reason" in no_reason.value.fields
    with pytest.raises(DomainError) as bad_path:
        services.dispute_triage_correct(dispute=dispute, actor=personas.clerk_a, path="prison", reason="x")
    assert "path" in bad_path.value.fields
    with pytest.raises(DomainError) as same:
        services.dispute_triage_correct(dispute=dispute, actor=personas.clerk_a, path="mediation", reason="x")
    assert same.value.code == "same_path"
    with pytest.raises(DomainError) as not_criminal:
        services.dispute_triage_correct(
            dispute=dispute, actor=personas.clerk_a, path="criminal_mediation", reason="x"
        )
    assert not_criminal.value.code == "path_not_allowed"
    criminal = services.dispute_triage(
        dispute=open_dispute(personas, category="criminal", claim_amount=None), actor=personas.clerk_a
    )
    with pytest.raises(DomainError) as arbitration:
        services.dispute_triage_correct(
            dispute=criminal, actor=personas.clerk_a, path="arbitration", reason="x"
        )
    assert arbitration.value.code == "path_not_allowed"


def test_who_may_correct_a_triage(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    for persona, refusal in (
        (personas.clerk_b, NotFoundError),
        (personas.citizen, PermissionDeniedError),
        (personas.mediator_a, NotFoundError),  # not (yet) this dispute's mediator: not in scope
        (personas.kanoon_admin, PermissionDeniedError),
    ):
        with pytest.raises(refusal):
            services.dispute_triage_correct(dispute=dispute, actor=persona, path="arbitration", reason="x")
    dispute.refresh_from_db()
    assert dispute.path == ResolutionPath.MEDIATION
    assert (
        services.dispute_triage_correct(
            dispute=dispute, actor=personas.manager_a, path="arbitration", reason="x"
        ).path
        == ResolutionPath.ARBITRATION
    )


def test_a_triage_cannot_be_corrected_once_the_respondent_is_invited(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    with pytest.raises(ConflictError) as refused:
        services.dispute_triage_correct(
            dispute=dispute, actor=personas.clerk_a, path="arbitration", reason="x"
        )
    assert refused.value.code == "triage_not_correctable"
    with pytest.raises(ConflictError):
        services.dispute_triage_correct(
            dispute=dispute, actor=personas.clerk_a, path="arbitration", reason="x", expected_status="triaged"
        )
