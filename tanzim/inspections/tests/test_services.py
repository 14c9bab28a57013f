"""Inspections: scoring, planning (periodic, risk-based, complaint-triggered), performing, findings,
corrective actions with follow-up, referrals, and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.feedback import periods
from tanzim.feedback.choices import ComplaintAction
from tanzim.feedback.services import complaint_file, complaint_transition
from tanzim.inspections import selectors, services
from tanzim.inspections.choices import ActionStatus, InspectionKind, InspectionStatus, ItemResult, Severity
from tanzim.inspections.models import ChecklistItem, Finding, Inspection
from tanzim.notify.models import Message
from tanzim.testing.factories import OfficeFactory
from tanzim.testing.files import photo
from tanzim.testing.inspections import fill
from tanzim.testing.ranking import answer

# --- scoring --------------------------------------------------------------------------------------


class _Item:
    def __init__(self, pk, weight, critical=False):
        self.pk, self.weight, self.critical = pk, weight, critical


@given(
    st.lists(
        st.tuples(st.integers(1, 10), st.booleans(), st.sampled_from(ItemResult.values)),
        min_size=1,
        max_size=30,
    )
)
def test_a_score_is_between_0_and_100_and_capped_by_a_failed_critical_item(rows):
    items = [_Item(n, w, c) for n, (w, c, _r) in enumerate(rows)]
    results = {n: r for n, (_w, _c, r) in enumerate(rows)}

    score, critical = services.score_answers(items, results)

    applicable = [r for r in results.values() if r != ItemResult.NOT_APPLICABLE]
    if not applicable:
        assert score is None
    else:
        assert 0 <= score <= 100
        if critical:
            assert score <= 50
        if all(r == ItemResult.COMPLIANT for r in applicable):
            assert score == 100 and critical == 0


def test_the_score_weighs_items_and_leaves_out_those_that_do_not_apply():
    items = [_Item(1, 3), _Item(2, 1), _Item(3, 6)]

    score, critical = services.score_answers(
        items, {1: ItemResult.COMPLIANT, 2: ItemResult.PARTIAL, 3: ItemResult.NOT_APPLICABLE}
    )

    assert (score, critical) == (round(100 * 3.5 / 4, 1), 0)


# --- planning -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_office_has_at_most_one_open_inspection(personas, planned):
    with pytest.raises(ConflictError) as refused:
        services.inspection_schedule(
            actor=personas.kanoon_admin, office=personas.office_a, kind=InspectionKind.RISK_BASED
        )

    assert refused.value.code == "inspection_already_open"


@pytest.mark.django_db
def test_planning_is_for_the_kanoon_side_covering_the_office(personas, checklist):
    with pytest.raises(PermissionDeniedError):
        services.inspection_schedule(
            actor=personas.manager_a, office=personas.office_a, kind=InspectionKind.PERIODIC
        )
    with pytest.raises(NotFoundError):
        services.inspection_schedule(
            actor=personas.province_admin_a, office=personas.office_b, kind=InspectionKind.PERIODIC
        )
    assert (
        services.inspection_schedule(
            actor=personas.province_admin_a, office=personas.office_a, kind=InspectionKind.PERIODIC
        ).status
        == InspectionStatus.PLANNED
    )


@pytest.mark.django_db
def test_an_inspector_assigned_must_cover_the_office(personas, checklist):
    with pytest.raises(DomainError) as refused:
        services.inspection_schedule(
            actor=personas.kanoon_admin,
            office=personas.office_a,
            kind=InspectionKind.PERIODIC,
            inspector=personas.clerk_a,
        )

    assert "inspector" in refused.value.fields


@pytest.mark.django_db
def test_a_date_in_the_past_is_refused(personas, checklist):
    with pytest.raises(DomainError):
        services.inspection_schedule(
            actor=personas.kanoon_admin,
            office=personas.office_a,
            kind=InspectionKind.PERIODIC,
            scheduled_for=timezone.localdate() - timedelta(days=1),
        )


@pytest.mark.django_db
def test_a_risk_based_plan_takes_the_riskiest_offices_first(personas, checklist):
    tehran = personas.office_a.province
    quiet = OfficeFactory(city=personas.office_a.city, code="A0002")
    for n in range(3):
        complaint_file(
            complainant=personas.citizen,
            office=personas.office_a,
            category="conduct",
            description=f"شکایت شماره {n} درباره رفتار نامناسب کارکنان دفتر",
        )
    Inspection.objects.create(
        office=quiet,
        checklist=checklist,
        kind=InspectionKind.PERIODIC,
        status=InspectionStatus.COMPLETED,
        score=95,
        completed_at=timezone.now() - timedelta(days=10),
    )

    risks = selectors.office_risks(user=personas.province_admin_a, province=tehran)
    plan = services.inspection_plan_create(
        actor=personas.province_admin_a, kind=InspectionKind.RISK_BASED, province=tehran, count=1
    )

    assert risks[0].office == personas.office_a and risks[0].complaints == 3
    assert any("complaint" in r for r in risks[0].reasons) or risks[0].reasons
    [inspection] = plan.inspections.all()
    assert inspection.office == personas.office_a and inspection.kind == InspectionKind.RISK_BASED
    assert inspection.priority == risks[0].score and inspection.reasons == risks[0].reasons


@pytest.mark.django_db
def test_a_risk_based_plan_needs_a_province_in_scope(personas, checklist):
    with pytest.raises(DomainError):
        services.inspection_plan_create(actor=personas.kanoon_admin, kind=InspectionKind.RISK_BASED, count=5)
    with pytest.raises(NotFoundError):
        services.inspection_plan_create(
            actor=personas.province_admin_a,
            kind=InspectionKind.PERIODIC,
            province=personas.office_b.province,
            count=5,
        )
    with pytest.raises(PermissionDeniedError):
        services.inspection_plan_create(actor=personas.manager_a, kind=InspectionKind.PERIODIC, count=5)


@pytest.mark.django_db
def test_a_periodic_plan_takes_offices_never_or_longest_ago_inspected_and_skips_open_ones(
    personas, checklist, settings
):
    settings.INSPECTIONS_PERIODIC_MONTHS = 12
    recent = OfficeFactory(city=personas.office_a.city, code="A0003")
    Inspection.objects.create(
        office=recent,
        checklist=checklist,
        kind=InspectionKind.PERIODIC,
        status=InspectionStatus.COMPLETED,
        score=90,
        completed_at=timezone.now() - timedelta(days=30),
    )

    plan = services.inspection_plan_create(
        actor=personas.province_admin_a,
        kind=InspectionKind.PERIODIC,
        province=personas.office_a.province,
        count=50,
    )

    offices = set(plan.inspections.values_list("office__code", flat=True))
    assert "A0001" in offices and "A0003" not in offices
    with pytest.raises(ConflictError):
        services.inspection_plan_create(
            actor=personas.province_admin_a,
            kind=InspectionKind.PERIODIC,
            province=personas.office_a.province,
            count=50,
        )


@pytest.mark.django_db
def test_repeated_complaints_trigger_an_inspection_and_more_raise_its_priority(personas, checklist, settings):
    settings.INSPECTIONS_COMPLAINT_TRIGGER_COUNT = 2
    complaints = [
        complaint_file(
            complainant=personas.citizen,
            office=personas.office_a,
            category="delay",
            description=f"تأخیر طولانی در رسیدگی شماره {n}",
        )
        for n in range(3)
    ]

    assert services.inspection_trigger_for_complaint(complaint_id=complaints[0].pk) is None
    triggered = services.inspection_trigger_for_complaint(complaint_id=complaints[1].pk)
    raised = services.inspection_trigger_for_complaint(complaint_id=complaints[2].pk)

    assert triggered.kind == InspectionKind.COMPLAINT and triggered.created_by is None
    assert raised.pk == triggered.pk and raised.priority > 50
    assert set(raised.complaint_refs) == {complaints[1].reference, complaints[2].reference}
    assert Inspection.objects.count() == 1


@pytest.mark.django_db
def test_one_upheld_serious_complaint_triggers_an_inspection(personas, checklist):
    complaint = complaint_file(
        complainant=personas.citizen,
        office=personas.office_b,
        category="corruption",
        description="برای انجام کار از من پول اضافه خواستند.",
    )
    complaint_transition(complaint=complaint, actor=personas.kanoon_admin, action=ComplaintAction.ACKNOWLEDGE)
    complaint_transition(complaint=complaint, actor=personas.kanoon_admin, action=ComplaintAction.INVESTIGATE)
    complaint_transition(
        complaint=complaint,
        actor=personas.kanoon_admin,
        action=ComplaintAction.UPHOLD,
        note="Confirmed by two witnesses.",
    )

    inspection = services.inspection_trigger_for_complaint(complaint_id=complaint.pk, outcome="upheld")

    assert inspection.office == personas.office_b and complaint.reference in inspection.complaint_refs


@pytest.mark.django_db(transaction=True)
def test_the_complaint_signals_reach_the_inspections_after_commit(personas, settings):
    settings.INSPECTIONS_COMPLAINT_TRIGGER_COUNT = 1

    complaint_file(
        complainant=personas.citizen,
        office=personas.office_a,
        category="delay",
        description="درخواست من یک ماه است معطل مانده است.",
    )

    assert Inspection.objects.filter(office=personas.office_a, kind=InspectionKind.COMPLAINT).exists()


# --- performing -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_an_inspector_covering_the_office_starts_it(personas, planned):
    with pytest.raises(NotFoundError):
        services.inspection_transition(inspection=planned, actor=personas.manager_a, action="start")
    with pytest.raises(PermissionDeniedError):
        services.inspection_transition(inspection=planned, actor=personas.province_admin_a, action="start")

    started = services.inspection_transition(inspection=planned, actor=personas.inspector, action="start")
    assert started.status == InspectionStatus.IN_PROGRESS and started.inspector == personas.inspector


@pytest.mark.django_db
def test_items_are_answered_only_while_in_progress(personas, planned):
    item = planned.checklist.items.first()

    with pytest.raises(ConflictError):
        services.inspection_answer(
            inspection=planned, actor=personas.inspector, item_id=item.pk, result=ItemResult.COMPLIANT
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("item_id", "result", "field"),
    [(999999, "compliant", "item"), (None, "great", "result"), (None, "", "result")],
)
def test_a_bad_answer_is_refused_with_the_field(personas, started, item_id, result, field):
    item_id = item_id or started.checklist.items.first().pk

    with pytest.raises(DomainError) as refused:
        services.inspection_answer(
            inspection=started, actor=personas.inspector, item_id=item_id, result=result
        )

    assert field in refused.value.fields


@pytest.mark.django_db
def test_completing_needs_every_item_evidence_where_required_and_a_note_on_failures(personas, started):
    fill(started, personas.inspector, evidence=False)

    with pytest.raises(DomainError) as refused:
        services.inspection_transition(inspection=started, actor=personas.inspector, action="complete")

    evidence_items = set(
        ChecklistItem.objects.filter(checklist=started.checklist, evidence_required=True).values_list(
            "pk", flat=True
        )
    )
    assert refused.value.code == "inspection_incomplete"
    assert {int(k.split("_")[1]) for k in refused.value.fields} == evidence_items
    started.refresh_from_db()
    assert started.status == InspectionStatus.IN_PROGRESS


@pytest.mark.django_db
def test_a_fake_evidence_file_is_refused(personas, started):
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = started.checklist.items.get(position=1)
    with pytest.raises(DomainError) as refused:
        services.inspection_evidence_add(
            inspection=started,
            actor=personas.inspector,
            item_id=item.pk,
            upload=SimpleUploadedFile("x.jpg", b"\xff\xd8\xffnot", content_type="image/jpeg"),
        )
    assert refused.value.code == "bad_file"


@pytest.mark.django_db
def test_completion_scores_the_checklist_draws_up_findings_and_tells_the_manager(personas, completed):
    assert completed.status == InspectionStatus.COMPLETED
    assert (
        completed.critical_failures == 1 and completed.score == 50.0
    )  # 83.3 capped by the failed critical item
    severities = sorted(
        Finding.objects.filter(inspection=completed).values_list("item__position", "severity")
    )
    assert severities == [(2, Severity.CRITICAL), (7, Severity.MINOR)]
    sms = Message.objects.get(template="inspections.completed")
    assert sms.recipient == personas.manager_a and "50" in sms.body


@pytest.mark.django_db
def test_a_stale_completion_is_a_conflict(personas, completed):
    with pytest.raises(ConflictError):
        services.inspection_transition(inspection=completed, actor=personas.inspector, action="complete")
    with pytest.raises(ConflictError):
        services.inspection_transition(
            inspection=completed,
            actor=personas.kanoon_admin,
            action="cancel",
            note="too late",
            expected_status="in_progress",
        )


@pytest.mark.django_db
def test_cancelling_needs_a_reason_and_frees_the_office_for_a_new_inspection(personas, planned):
    with pytest.raises(DomainError):
        services.inspection_transition(inspection=planned, actor=personas.kanoon_admin, action="cancel")

    services.inspection_transition(
        inspection=planned,
        actor=personas.kanoon_admin,
        action="cancel",
        note="The office moved.",
    )

    assert services.inspection_schedule(
        actor=personas.kanoon_admin, office=personas.office_a, kind=InspectionKind.FOLLOW_UP
    )


@pytest.mark.django_db
def test_the_office_never_sees_a_planned_inspection(personas, planned):
    with pytest.raises(NotFoundError):
        selectors.inspection_get_for(user=personas.manager_a, pk=planned.pk)
    assert selectors.inspection_get_for(user=personas.inspector, pk=planned.pk) == planned


@pytest.mark.django_db
def test_the_office_manager_sees_the_completed_inspection_of_their_office_only(personas, completed):
    assert selectors.inspection_get_for(user=personas.manager_a, pk=completed.pk) == completed
    assert selectors.inspection_viewer(personas.manager_a, completed) == "office"
    with pytest.raises(NotFoundError):
        selectors.inspection_get_for(user=personas.clerk_b, pk=completed.pk)


# --- corrective actions and referrals -------------------------------------------------------------


@pytest.mark.django_db
def test_a_corrective_action_is_reported_by_the_manager_and_verified_by_the_inspector(personas, completed):
    finding = completed.findings.get(severity=Severity.CRITICAL)
    action = services.corrective_action_add(
        finding=finding, actor=personas.inspector, description="نصب تابلوی تعرفه و صدور رسید"
    )

    with pytest.raises(PermissionDeniedError):
        services.corrective_action_transition(
            action=action, actor=personas.inspector, move="submit", note="done"
        )
    with pytest.raises(NotFoundError):
        services.corrective_action_transition(
            action=action, actor=personas.clerk_b, move="submit", note="done"
        )
    with pytest.raises(DomainError):
        services.corrective_action_transition(action=action, actor=personas.manager_a, move="submit", note="")
    submitted = services.corrective_action_transition(
        action=action,
        actor=personas.manager_a,
        move="submit",
        note="تابلو نصب شد.",
        upload=photo(),
    )
    assert submitted.status == ActionStatus.SUBMITTED and submitted.evidence
    with pytest.raises(PermissionDeniedError):
        services.corrective_action_transition(
            action=action, actor=personas.manager_a, move="verify", note="ok ok"
        )
    reopened = services.corrective_action_transition(
        action=action, actor=personas.inspector, move="reopen", note="رسیدها هنوز صادر نمی‌شود."
    )
    assert reopened.status == ActionStatus.OPEN
    services.corrective_action_transition(
        action=action, actor=personas.manager_a, move="submit", note="رسید صادر می‌شود."
    )
    verified = services.corrective_action_transition(
        action=action, actor=personas.inspector, move="verify", expected_status="submitted"
    )
    assert verified.status == ActionStatus.VERIFIED
    assert [e.to_status for e in verified.events.order_by("pk")] == [
        "open",
        "submitted",
        "open",
        "submitted",
        "verified",
    ]


@pytest.mark.django_db
def test_a_due_date_in_the_past_is_refused(personas, completed):
    finding = completed.findings.first()

    with pytest.raises(DomainError):
        services.corrective_action_add(
            finding=finding,
            actor=personas.inspector,
            description="کاری بکنید",
            due_date=timezone.localdate() - timedelta(days=1),
        )


@pytest.mark.django_db
def test_overdue_actions_are_reminded_once(personas, completed, time_machine):
    finding = completed.findings.first()
    services.corrective_action_add(
        finding=finding,
        actor=personas.inspector,
        description="اصلاح روند",
        due_date=timezone.localdate() + timedelta(days=2),
    )
    time_machine.move_to(timezone.now() + timedelta(days=5), tick=False)

    assert services.corrective_actions_remind_overdue() == 1
    assert services.corrective_actions_remind_overdue() == 0
    assert Message.objects.filter(template="inspections.action_overdue").count() == 1
    assert selectors.corrective_action_list_for(user=personas.manager_a, overdue=True).count() == 1


@pytest.mark.django_db
def test_serious_violations_are_referred_to_the_board_and_its_decision_recorded(personas, completed):
    critical = completed.findings.get(severity=Severity.CRITICAL)
    minor = completed.findings.get(severity=Severity.MINOR)

    with pytest.raises(DomainError):
        services.referral_create(
            inspection=completed,
            actor=personas.inspector,
            summary="Overcharging without receipts.",
            finding_ids=[minor.pk],
        )
    with pytest.raises(PermissionDeniedError):
        services.referral_create(
            inspection=completed,
            actor=personas.manager_a,
            summary="Overcharging without receipts.",
            finding_ids=[critical.pk],
        )
    referral = services.referral_create(
        inspection=completed,
        actor=personas.inspector,
        summary="Overcharging without receipts.",
        finding_ids=[critical.pk],
    )
    with pytest.raises(ConflictError):
        services.referral_create(
            inspection=completed,
            actor=personas.inspector,
            summary="Again and again.",
            finding_ids=[critical.pk],
        )

    decided = services.referral_record_decision(
        referral=referral,
        actor=personas.kanoon_admin,
        board_reference="VB-1405-77",
        board_decision="Written warning.",
    )
    assert decided.status == "decided" and list(decided.findings.all()) == [critical]


@pytest.mark.django_db
def test_a_referral_waits_for_a_completed_inspection(personas, started):
    with pytest.raises(ConflictError):
        services.referral_create(
            inspection=started, actor=personas.inspector, summary="Too early to tell.", finding_ids=[1]
        )


# --- the ranking's read ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_latest_completed_score_of_each_office_is_read_for_ranking(personas, checklist):
    now = timezone.now()
    for days, score in ((200, 60.0), (20, 88.5)):
        Inspection.objects.create(
            office=personas.office_a,
            checklist=checklist,
            kind=InspectionKind.PERIODIC,
            status=InspectionStatus.COMPLETED,
            score=score,
            completed_at=now - timedelta(days=days),
        )

    latest = selectors.latest_inspection_scores()
    earlier = selectors.latest_inspection_scores(as_of=now - timedelta(days=100))

    assert latest[personas.office_a.pk].score == 88.5 and personas.office_b.pk not in latest
    assert earlier[personas.office_a.pk].score == 60.0


# --- checklists -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_checklist_version_is_a_draft_until_published_and_retires_the_old_one(personas, checklist):
    draft = services.checklist_new_version(checklist=checklist, actor=personas.kanoon_admin)
    assert draft.version == checklist.version + 1 and draft.items.count() == checklist.items.count()
    with pytest.raises(PermissionDeniedError):
        services.checklist_publish(checklist=draft, actor=personas.inspector)

    services.checklist_publish(checklist=draft, actor=personas.kanoon_admin)

    checklist.refresh_from_db()
    assert checklist.status == "retired" and services.checklist_current() == draft
    with pytest.raises(ConflictError):
        services.checklist_publish(checklist=draft, actor=personas.kanoon_admin)


@pytest.mark.django_db
@pytest.mark.parametrize(("answers", "shown"), [(3, False), (5, True)])
def test_the_risk_table_shows_no_satisfaction_score_from_fewer_than_five_answers(personas, answers, shown):
    """Every survey figure is masked below five answers, for the Kanoon's oversight too (docs/privacy.md)."""
    answer(personas.office_a, overall=1, n=answers, period=periods.period_of(timezone.now()))

    with translation.override("en"):
        risks = selectors.office_risks(user=personas.kanoon_admin, province=personas.office_a.province)
    [risk] = [r for r in risks if r.office == personas.office_a]

    assert (risk.shrunk_satisfaction is not None) is shown
    assert any("satisfaction" in reason for reason in risk.reasons) is shown
