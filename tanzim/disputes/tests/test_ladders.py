"""Full ladders, as the issue asks: settled at the first session; failed twice → arbitration →
award; declined by the respondent → referral; criminal mediation with one extension; and the
short ladders (out of scope, not contactable, withdrawn, idle failure closed)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tanzim.audit.models import AuditEvent
from tanzim.audit.services import audit_verify
from tanzim.common.errors import ConflictError, DomainError
from tanzim.disputes import services
from tanzim.disputes.choices import (
    ALLOWED,
    FINAL,
    ArbitrationStatus,
    ComplianceStatus,
    DisputeStatus,
    FailureReason,
    ReferralReason,
    ReferralStatus,
    ReferralTarget,
    ResolutionPath,
    RespondentResponse,
    SettlementStatus,
)
from tanzim.disputes.models import Dispute, DisputeEvent, Referral
from tanzim.disputes.signals import dispute_concluded
from tanzim.finance.models import Payment, ResolvedDispute
from tanzim.notify.models import Message
from tanzim.testing.disputes import (
    at,
    join_as_respondent,
    open_dispute,
    respondent_data,
    sign_all,
    time_facts,
    to_mediation,
    two_instalments,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def concluded(after_commit):
    """Every ``dispute_concluded`` signal sent after commit, as (dispute id, outcome).

    Comparing the list first runs the after-commit callbacks registered so far.
    """
    seen: list[tuple[int, str]] = []

    def receiver(sender, dispute, outcome, **kwargs):
        seen.append((dispute.pk, outcome))

    class Seen(list):
        def __eq__(self, other):
            after_commit()
            return seen == other

        __hash__ = None

    dispute_concluded.connect(receiver, weak=False)
    yield Seen()
    dispute_concluded.disconnect(receiver)


def stages(dispute: Dispute) -> list[str]:
    """The stages a dispute went through, from its event rows (notes such as an assignment skipped)."""
    events = DisputeEvent.objects.filter(dispute=dispute, subject="dispute").order_by("created_at", "pk")
    return [e.to_status for e in events if e.from_status and e.from_status != e.to_status]


def test_the_transition_table_has_no_exit_from_final_stages():
    for final in (DisputeStatus.SETTLED, DisputeStatus.AWARDED, DisputeStatus.REFERRED, DisputeStatus.CLOSED):
        assert ALLOWED[final] == frozenset()
    assert set(ALLOWED) == set(DisputeStatus.values)


def test_a_mahriyeh_dispute_is_settled_at_the_first_session(personas, clock, concluded, after_commit):
    dispute = to_mediation(personas)
    respondent = dispute.parties.get(role="respondent").user
    assert dispute.mediator == personas.mediator_a
    session = services.session_schedule(dispute=dispute, actor=personas.mediator_a, starts_at=at(1, 10))
    clock.move_to(at(1, 11, 30))
    services.session_record(session=session, actor=personas.mediator_a, status="held", result="agreement")
    settlement = services.settlement_draft(
        dispute=dispute,
        actor=personas.mediator_a,
        terms="زوج مهریه را در دو قسط می‌پردازد.",
        obligations=two_instalments(date(2027, 1, 5), date(2027, 2, 4)),
    )
    settlement = services.settlement_open(settlement=settlement, actor=personas.mediator_a)
    first, last = sign_all(dispute, settlement, personas, respondent)
    after_commit()  # the signed PDF is made after commit
    dispute.refresh_from_db()
    settlement.refresh_from_db()
    assert dispute.status == DisputeStatus.SETTLED and dispute.concluded_at is not None
    assert not first.completed and last.completed
    assert (
        settlement.status == SettlementStatus.SIGNED and settlement.pdf and len(settlement.pdf_sha256) == 64
    )
    assert stages(dispute) == ["triaged", "invited", "mediation", "settled"]
    assert concluded == [(dispute.pk, "settled")]
    fee = Payment.objects.get(reference_type="disputes.dispute", reference_id=str(dispute.pk))
    assert fee.payer == personas.citizen and fee.office == personas.office_a
    assert fee.office_fee == 1_500_000 and fee.service_code == "dispute_resolution"
    assert ResolvedDispute.objects.filter(reference=dispute.reference, office=personas.office_a).exists()
    settled_sms = Message.objects.filter(template="disputes.settled").values_list("to", flat=True)
    assert set(settled_sms) == {personas.citizen.mobile, dispute.parties.get(role="respondent").mobile}
    assert audit_verify().ok


def test_two_failed_sessions_lead_to_arbitration_and_an_award(personas, clock, concluded):
    dispute = to_mediation(personas)
    first = services.session_schedule(dispute=dispute, actor=personas.mediator_a, starts_at=at(1, 10))
    clock.move_to(at(1, 12))
    services.session_record(session=first, actor=personas.mediator_a, status="held", result="no_agreement")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.MEDIATION  # one failed session does not close the attempt
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
    assert dispute.status == DisputeStatus.FAILED and dispute.failure_reason == FailureReason.NO_SHOW

    arbitration = services.arbitration_start(
        dispute=dispute,
        actor=personas.clerk_a,
        agreement_kind="agreed_now",
        agreement_date=at(8).date(),
        agreement_text="طرفین توافق کردند اختلاف را به داوری بسپارند.",
        panel_size=1,
    )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.ARBITRATION and dispute.path == ResolutionPath.ARBITRATION
    seat = services.arbitrator_propose(
        arbitration=arbitration, actor=personas.clerk_a, seat="sole", user=personas.arbitrator_a
    )
    services.arbitrator_declare(
        arbitrator=seat, actor=personas.arbitrator_a, grounds=[], birth_date=date(1978, 3, 1)
    )
    services.arbitrator_accept(arbitrator=seat, actor=personas.arbitrator_a)
    arbitration.refresh_from_db()
    assert arbitration.status == ArbitrationStatus.ACTIVE
    assert arbitration.all_notified_on == at(8).date()
    assert arbitration.term_ends_on == date(2027, 3, 13)  # 13 Dec + 90 days, a Saturday and a working day

    hearing = services.session_schedule(dispute=dispute, actor=personas.arbitrator_a, starts_at=at(15, 9))
    assert hearing.kind == "arbitration" and hearing.convener == personas.arbitrator_a
    clock.move_to(at(30, 10))
    award = services.award_record(
        arbitration=arbitration,
        actor=personas.arbitrator_a,
        reasoning="سند ازدواج و اقرار خوانده در جلسه.",
        decision="خوانده ملزم به پرداخت چهارصد میلیون ریال است.",
        amount=400_000_000,
        in_favour_of="claimant",
    )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.AWARDED
    assert award.compliance == ComplianceStatus.PENDING
    assert award.compliance_due is None and dispute.due_at is None  # nothing runs before the notice
    services.award_notice_record(
        award=award, party="respondent", actor=personas.clerk_a, notified_on=at(30).date(), method="at_office"
    )
    award.refresh_from_db()
    dispute.refresh_from_db()
    assert award.compliance_due == date(2027, 1, 25)  # notice 4 Jan + 20 days, free period (art. 445): 25 Jan
    assert dispute.due_at.date() == award.compliance_due
    assert stages(dispute) == ["triaged", "invited", "mediation", "failed", "arbitration", "awarded"]
    assert concluded == [(dispute.pk, "awarded")]


def test_a_respondent_who_declines_is_referred_with_the_file_packed(personas, clock, concluded):
    dispute = open_dispute(personas, category="money_claim", claim_amount=250_000_000)
    dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    respondent = join_as_respondent(dispute).user
    dispute = services.dispute_respond(
        dispute=dispute, actor=respondent, accept=False, note="به دادگاه می‌روم"
    )
    assert dispute.status == DisputeStatus.FAILED
    assert dispute.failure_reason == FailureReason.RESPONDENT_DECLINED
    assert dispute.respondent_response == RespondentResponse.DECLINED

    referral = services.referral_create(dispute=dispute, actor=personas.clerk_a)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.REFERRED
    assert (
        referral.target == ReferralTarget.PEACE_COURT
        and referral.reason == ReferralReason.RESPONDENT_DECLINED
    )
    bundle = referral.bundle
    assert {p["role"] for p in bundle["parties"]} == {"claimant", "respondent"}
    assert bundle["claim_amount"] == 250_000_000
    assert [h["to"] for h in bundle["history"] if h["subject"] == "dispute"][-1] == "failed"
    referral = services.referral_record_tracking(
        referral=referral, actor=personas.clerk_a, tracking_reference="۱۴۰۵-۱۲۳۴۵۶"
    )
    assert referral.status == ReferralStatus.SENT and referral.tracking_reference == "1405-123456"
    assert concluded == [(dispute.pk, "referred")]


def test_criminal_mediation_runs_its_own_window_and_is_extended_once(personas, clock):
    dispute = to_mediation(personas, category="criminal", claim_amount=None)
    assert dispute.path == ResolutionPath.CRIMINAL_MEDIATION and dispute.criminal_track == "mediation"
    # Art. 82: three months of mediation from 5 Dec 2026 end on Friday 5 Mar 2027 → Saturday.
    assert dispute.window_ends_on == date(2027, 3, 6)
    dispute = services.window_extend(
        dispute=dispute, actor=personas.mediator_a, reason="طرفین به سازش نزدیک‌اند"
    )
    # Three more months end on Saturday 5 June 2027, 15 Khordad 1406: a holiday → Sunday.
    assert dispute.window_extensions == 1 and dispute.window_ends_on == date(2027, 6, 6)
    with pytest.raises(ConflictError) as refused:
        services.window_extend(dispute=dispute, actor=personas.mediator_a, reason="باز هم")
    assert refused.value.code == "no_more_extensions"
    dispute.refresh_from_db()
    assert dispute.window_ends_on == date(2027, 6, 6)

    clock.move_to(at(0).replace(year=2027, month=6, day=6, hour=23, minute=0))
    assert services.deadlines_sweep() == {}
    clock.move_to(at(0).replace(year=2027, month=6, day=7, hour=0, minute=30))
    assert services.deadlines_sweep() == {"failed": 1}
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.FAILED and dispute.failure_reason == FailureReason.WINDOW_EXPIRED
    referral = services.referral_create(dispute=dispute, actor=personas.clerk_a)
    assert referral.target == ReferralTarget.PROSECUTOR


def test_the_waiver_track_of_criminal_mediation_is_two_months(personas, clock):
    dispute = to_mediation(personas, category="criminal", claim_amount=None)
    dispute = services.criminal_track_set(dispute=dispute, actor=personas.mediator_a, track="waiver")
    assert dispute.window_ends_on == date(2027, 2, 3)  # 60 days: a Wednesday, a working day
    assert dispute.due_at.date() == date(2027, 2, 3)


def test_an_out_of_scope_dispute_goes_straight_to_court_with_a_reason(personas, clock, concluded):
    dispute = open_dispute(personas, category="other", claim_amount=None)
    dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    assert dispute.status == DisputeStatus.REFERRED and dispute.eligible is False
    referral = Referral.objects.get(dispute=dispute)
    assert referral.reason == ReferralReason.OUT_OF_SCOPE and referral.target == ReferralTarget.COURT
    assert dispute.triage_note
    assert concluded == [(dispute.pk, "referred")]


def test_a_money_claim_above_the_peace_court_ceiling_goes_to_court(personas, clock, settings):
    # A family claim above the ceiling goes to settlement first: test_triage_family.py.
    settings.DISPUTES_PEACE_COURT_CEILING = 300_000_000
    dispute = open_dispute(personas, category="money_claim", claim_amount=300_000_001)
    dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    assert dispute.status == DisputeStatus.REFERRED and dispute.eligible is False
    assert dispute.referral_target == ReferralTarget.COURT and dispute.triage_note
    at_ceiling = services.dispute_triage(
        dispute=open_dispute(personas, category="money_claim", claim_amount=300_000_000),
        actor=personas.clerk_a,
    )
    assert at_ceiling.status == DisputeStatus.TRIAGED


def test_a_respondent_who_never_answers_becomes_not_contactable_after_the_last_reminder(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    counts = []
    for _try in range(3):
        dispute.refresh_from_db()
        clock.move_to(dispute.due_at + timedelta(minutes=1))
        counts.append(services.deadlines_sweep())
    assert counts == [{"reminded": 1}, {"reminded": 1}, {"not_contactable": 1}]
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.FAILED and dispute.failure_reason == FailureReason.NOT_CONTACTABLE
    assert dispute.respondent_response == RespondentResponse.NOT_CONTACTABLE
    assert dispute.invite_attempts == 3
    assert Message.objects.filter(template__startswith="disputes.invitation").count() == 3
    assert not dispute.parties.get(role="respondent").join_codes.filter(
        revoked_at__isnull=True, used_at__isnull=True
    )


def test_the_sweep_is_safe_to_run_twice(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    clock.move_to(at(4, 9))
    assert services.deadlines_sweep() == {"reminded": 1}
    assert services.deadlines_sweep() == {}
    dispute.refresh_from_db()
    assert dispute.invite_attempts == 2


def test_a_claimant_withdraws_during_mediation_and_the_open_draft_is_voided(personas, clock, concluded):
    dispute = to_mediation(personas)
    settlement = services.settlement_draft(
        dispute=dispute,
        actor=personas.mediator_a,
        terms="",
        obligations=two_instalments(date(2027, 1, 5), date(2027, 2, 4)),
    )
    dispute = services.dispute_withdraw(dispute=dispute, actor=personas.citizen, note="توافق کردیم")
    settlement.refresh_from_db()
    assert (
        dispute.status == DisputeStatus.WITHDRAWN and dispute.failure_reason == FailureReason.PARTY_WITHDREW
    )
    assert settlement.status == SettlementStatus.VOIDED
    assert concluded == [(dispute.pk, "withdrawn")]


def test_a_failed_dispute_with_no_next_step_is_closed_after_the_idle_period(personas, clock, concluded):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    respondent = join_as_respondent(dispute).user
    services.dispute_respond(dispute=dispute, actor=respondent, accept=False)
    clock.move_to(at(30, 23))
    assert services.deadlines_sweep() == {}
    clock.move_to(at(31, 1))
    assert services.deadlines_sweep() == {"closed": 1}
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.CLOSED
    assert concluded == [(dispute.pk, "failed")]


def test_every_transition_writes_an_event_and_an_audit_event(personas, clock):
    dispute = to_mediation(personas)
    moves = DisputeEvent.objects.filter(dispute=dispute, subject="dispute").exclude(to_status="intake")
    audited = AuditEvent.objects.filter(object_type="disputes.dispute", object_id=str(dispute.pk))
    for event in moves:
        assert audited.filter(action=f"disputes.dispute.{event.to_status}").exists()
    assert moves.count() == 3


def test_every_disputes_workflow_is_declared_on_the_engine_with_its_audit_name():
    from tanzim.audit.workflow import REGISTRY
    from tanzim.disputes import workflows

    names = {name for name in REGISTRY if name.startswith("disputes.")}
    assert names == {f"disputes.{subject!s}" for subject in workflows.SUBJECTS}
    assert workflows.AWARD.field == "compliance" and workflows.DISPUTE.final == FINAL


def test_a_sub_workflow_move_writes_its_event_row_and_its_audit_event(personas, clock):
    dispute = to_mediation(personas)
    session = services.session_schedule(dispute=dispute, actor=personas.mediator_a, starts_at=at(1, 10))
    services.session_record(session=session, actor=personas.mediator_a, status="cancelled")
    event = DisputeEvent.objects.get(subject="session", subject_id=session.pk, to_status="cancelled")
    assert event.dispute_id == dispute.pk and event.office_id == dispute.office_id
    assert event.from_status == "scheduled" and event.actor == personas.mediator_a
    audited = AuditEvent.objects.get(action="disputes.session.cancelled", object_id=str(session.pk))
    assert audited.office_id == dispute.office_id and audited.data["dispute"] == dispute.pk


def test_a_stale_move_is_refused_with_a_conflict_and_changes_nothing(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    with pytest.raises(ConflictError):
        services.dispute_transition(
            dispute=dispute,
            to=DisputeStatus.REFERRED,
            actor=personas.clerk_a,
            expected_status=DisputeStatus.TRIAGED,
        )
    with pytest.raises(ConflictError) as refused:
        services.referral_create(
            dispute=dispute, actor=personas.clerk_a, expected_status=DisputeStatus.TRIAGED
        )
    assert refused.value.code == "stale_status"
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.INVITED
    assert not Referral.objects.filter(dispute=dispute).exists()


def test_a_dispute_opened_from_a_case_brings_its_parties_amount_and_documents(personas, clock):
    from tanzim.cases import services as cases
    from tanzim.catalog.models import Service
    from tanzim.testing.cases import make_draft
    from tanzim.testing.files import pdf_bytes, upload

    case = make_draft(personas, Service.objects.get(code="civil_petition"))
    cases.case_update(case=case, actor=personas.citizen, claim_amount=90_000_000)
    cases.document_add(
        case=case, actor=personas.citizen, upload=upload("cheque.pdf", pdf_bytes(2)), title="چک"
    )
    cases.case_confirm_originals(case=case, actor=personas.citizen)
    cases.case_submit(case=case, actor=personas.citizen)
    case.refresh_from_db()
    dispute = services.dispute_open_from_case(
        case=case,
        actor=personas.clerk_a,
        category="cheque",
        respondent_mobile="09350001199",
        **time_facts("cheque"),
    )
    assert dispute.origin == "case" and dispute.case == case and dispute.claim_amount == 90_000_000
    assert dispute.parties.get(role="claimant").user == personas.citizen
    assert dispute.parties.get(role="respondent").mobile == "+989350001199"
    assert dispute.documents.get().title == "چک"
    with pytest.raises(ConflictError):
        services.dispute_open_from_case(
            case=case, actor=personas.clerk_a, category="cheque", **time_facts("cheque")
        )


def test_opening_a_dispute_twice_with_the_same_key_returns_the_same_dispute(personas, clock):
    respondent = respondent_data()
    first = open_dispute(personas, idempotency_key="intake-0001", respondent=respondent)
    again = open_dispute(personas, idempotency_key="intake-0001", respondent=dict(respondent))
    assert first.pk == again.pk and Dispute.objects.count() == 1
    with pytest.raises(ConflictError):
        open_dispute(personas, idempotency_key="intake-0001", claim_amount=5, respondent=dict(respondent))


def test_no_session_can_be_set_after_the_mediation_window_closes(personas, clock):
    dispute = to_mediation(personas)
    with pytest.raises(DomainError) as late:
        services.session_schedule(
            dispute=dispute, actor=personas.mediator_a, starts_at=at(0).replace(year=2027, month=3, day=13)
        )
    assert late.value.code == "after_deadline"
    assert dispute.window_ends_on == date(2027, 3, 6)  # 90 days end on a Friday: the Saturday after
