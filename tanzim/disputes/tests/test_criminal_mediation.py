"""Criminal mediation follows its own law (issue 12, defect 5).

The councils law's two-failed-sessions rule closes only civil mediation; criminal mediation
(art. 82 Criminal Procedure Code) ends by its window, by agreement or by withdrawal. Art. 82
applies to compoundable offences and to ta'zir offences of grades 6 to 8; any other complaint
goes to the prosecutor at triage. The clock stands at 1405/09/14 (``clock``).
"""

from __future__ import annotations

from datetime import date

import pytest

from tanzim.common.errors import DomainError
from tanzim.disputes import services
from tanzim.disputes.choices import DisputeStatus, FailureReason, ReferralTarget, ResolutionPath
from tanzim.testing.disputes import at, open_dispute, to_mediation

pytestmark = pytest.mark.django_db


def two_failed_sessions(personas, clock, dispute):
    first = services.session_schedule(dispute=dispute, actor=personas.mediator_a, starts_at=at(1, 10))
    clock.move_to(at(1, 12))
    services.session_record(session=first, actor=personas.mediator_a, status="held", result="no_agreement")
    second = services.session_schedule(dispute=dispute, actor=personas.mediator_a, starts_at=at(8, 10))
    clock.move_to(at(8, 12))
    services.session_record(
        session=second,
        actor=personas.mediator_a,
        status="no_show",
        claimant_attended=True,
        respondent_attended=False,
    )
    dispute.refresh_from_db()
    return dispute


def test_councils_law_two_failed_sessions_closes_only_civil_mediation(personas, clock):
    civil = two_failed_sessions(personas, clock, to_mediation(personas))
    assert civil.status == DisputeStatus.FAILED and civil.failure_reason == FailureReason.NO_SHOW


def test_art_82_criminal_mediation_with_two_failed_sessions_stays_open_until_its_window_ends(personas, clock):
    dispute = to_mediation(personas, category="criminal", claim_amount=None)
    assert dispute.path == ResolutionPath.CRIMINAL_MEDIATION
    dispute = two_failed_sessions(personas, clock, dispute)
    assert dispute.status == DisputeStatus.MEDIATION and not dispute.failure_reason
    # Its window: three months from 1405/09/14, the last day 1405/12/15 (6 March 2027).
    assert dispute.window_ends_on == date(2027, 3, 6)
    clock.move_to(at(0).replace(year=2027, month=3, day=6, hour=23))
    assert services.deadlines_sweep() == {}
    clock.move_to(at(0).replace(year=2027, month=3, day=7, hour=9))
    assert services.deadlines_sweep() == {"failed": 1}
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.FAILED and dispute.failure_reason == FailureReason.WINDOW_EXPIRED


def test_art_82_grade_5_offence_is_not_eligible_for_mediation(personas, clock):
    dispute = open_dispute(
        personas, category="criminal", claim_amount=None, offence_compoundable=False, offence_grade=5
    )
    dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    assert dispute.status == DisputeStatus.REFERRED and not dispute.eligible
    assert dispute.referral_target == ReferralTarget.PROSECUTOR
    assert dispute.path == ResolutionPath.COURT and "۶" in dispute.triage_note and "۸" in dispute.triage_note


def test_art_82_grade_6_offence_is_eligible_for_mediation(personas, clock):
    dispute = open_dispute(
        personas, category="criminal", claim_amount=None, offence_compoundable=False, offence_grade=6
    )
    dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    assert dispute.status == DisputeStatus.TRIAGED and dispute.path == ResolutionPath.CRIMINAL_MEDIATION
    assert dispute.filing_deadline is None  # no art. 106 limit for an offence that is not compoundable


def test_art_82_a_compoundable_offence_of_a_graver_grade_is_eligible(personas, clock):
    dispute = open_dispute(personas, category="criminal", claim_amount=None, offence_grade=4)
    assert dispute.offence_compoundable is True
    dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    assert dispute.status == DisputeStatus.TRIAGED and dispute.path == ResolutionPath.CRIMINAL_MEDIATION


def test_a_criminal_complaint_must_say_whether_the_offence_is_compoundable_and_its_grade(personas, clock):
    with pytest.raises(DomainError) as refused:
        open_dispute(personas, category="criminal", claim_amount=None, offence_compoundable=None)
    assert "offence_compoundable" in refused.value.fields
    with pytest.raises(DomainError) as refused:
        open_dispute(
            personas, category="criminal", claim_amount=None, offence_compoundable=False, offence_grade=None
        )
    assert "offence_grade" in refused.value.fields
