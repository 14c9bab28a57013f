"""Pages: the Kanoon's overview and plans, the tablet checklist, corrective actions, the office's results."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanzim.inspections.choices import ActionStatus, InspectionStatus
from tanzim.inspections.models import CorrectiveAction, Inspection, ViolationReferral
from tanzim.inspections.services import corrective_action_add
from tanzim.testing.files import photo

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def test_the_inspector_fills_in_the_checklist_on_one_page_and_completes_it(client, personas, started):
    client.force_login(personas.inspector)
    data = {"expected_status": "in_progress", "action": "complete", "note": "خوب", "complete": "1"}
    files = {}
    for item in started.checklist.items.all():
        data[f"result_{item.pk}"] = "compliant"
        if item.evidence_required:
            files[f"evidence_{item.pk}"] = photo()

    response = client.post(reverse("inspections:perform", args=[started.pk]), {**data, **files})

    assert response.status_code == 302 and response["Location"] == reverse(
        "inspections:detail", args=[started.pk]
    )
    started.refresh_from_db()
    assert started.status == InspectionStatus.COMPLETED and started.score == 100.0
    page = html(client.get(response["Location"]))
    assert 'id="inspection-score">۱۰۰' in page


def test_a_save_without_evidence_keeps_the_answers_and_completing_shows_what_is_missing(
    client, personas, started
):
    client.force_login(personas.inspector)
    data = {f"result_{item.pk}": "compliant" for item in started.checklist.items.all()}

    saved = client.post(reverse("inspections:perform", args=[started.pk]), {**data, "save": "1"})
    completing = client.post(
        reverse("inspections:perform", args=[started.pk]), {**data, "complete": "1", "action": "complete"}
    )

    assert saved.status_code == 302 and started.answers.count() == started.checklist.items.count()
    assert completing.status_code == 400 and "has-error" in html(completing)
    started.refresh_from_db()
    assert started.status == InspectionStatus.IN_PROGRESS


def test_a_fake_evidence_file_on_the_page_is_shown_against_its_item(client, personas, started):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.inspector)
    item = started.checklist.items.get(position=1)

    response = client.post(
        reverse("inspections:perform", args=[started.pk]),
        {
            f"result_{item.pk}": "compliant",
            f"evidence_{item.pk}": SimpleUploadedFile("x.png", b"nope", content_type="image/png"),
            "save": "1",
        },
    )

    assert response.status_code == 400 and f'id="item-{item.pk}"' in html(response)
    assert not started.evidence.exists()


def test_the_perform_page_is_only_for_the_inspector(client, personas, started):
    client.force_login(personas.province_admin_a)
    assert client.get(reverse("inspections:perform", args=[started.pk])).status_code == 403
    client.force_login(personas.manager_a)
    assert client.get(reverse("inspections:perform", args=[started.pk])).status_code == 404
    client.force_login(personas.inspector)
    page = client.get(reverse("inspections:perform", args=[started.pk]))
    assert (
        page.status_code == 200 and html(page).count('class="check-item') == started.checklist.items.count()
    )


def test_the_manager_sees_results_and_reports_a_corrective_action_done(client, personas, completed):
    finding = completed.findings.first()
    action = corrective_action_add(
        finding=finding, actor=personas.inspector, description="تابلوی تعرفه نصب شود"
    )
    client.force_login(personas.manager_a)

    index = client.get(reverse("inspections:index"))
    assert f'data-inspection="{completed.pk}"' in html(index) and "priority" not in html(index)
    reported = client.post(
        reverse("inspections:action-act", args=[action.pk]),
        {"action": "submit", "expected_status": "open", "note": "نصب شد"},
    )
    assert reported.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.SUBMITTED

    client.force_login(personas.inspector)
    client.post(
        reverse("inspections:action-act", args=[action.pk]),
        {"action": "verify", "expected_status": "submitted", "note": ""},
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED


def test_the_office_never_sees_a_planned_inspection_page(client, personas, planned):
    client.force_login(personas.manager_a)

    assert client.get(reverse("inspections:detail", args=[planned.pk])).status_code == 404
    assert f'data-inspection="{planned.pk}"' not in html(client.get(reverse("inspections:index")))


def test_a_clerk_has_no_inspections_page(client, personas):
    client.force_login(personas.clerk_a)

    assert client.get(reverse("inspections:index")).status_code == 403


def test_the_kanoon_plans_from_the_risk_table(client, personas, checklist):
    client.force_login(personas.province_admin_a)
    province = personas.office_a.province.code

    page = client.get(reverse("inspections:plan"), {"province": province})
    created = client.post(
        reverse("inspections:plan"),
        {"province": province, "kind": "periodic", "count": "5", "inspector": "inspector"},
    )

    assert 'data-office="A0001"' in html(page)
    assert created.status_code == 302
    inspection = Inspection.objects.get(office=personas.office_a)
    assert inspection.status == InspectionStatus.PLANNED and inspection.inspector == personas.inspector


def test_a_bad_plan_date_is_refused_with_a_message(client, personas, checklist):
    client.force_login(personas.province_admin_a)

    response = client.post(
        reverse("inspections:plan"),
        {"province": personas.office_a.province.code, "kind": "periodic", "scheduled_for": "1405/13/40"},
        follow=True,
    )

    assert response.status_code == 200 and not Inspection.objects.exists()


def test_findings_actions_and_a_referral_from_the_detail_page(client, personas, completed):
    client.force_login(personas.inspector)
    url = reverse("inspections:detail", args=[completed.pk])
    critical = completed.findings.get(severity="critical")

    client.post(
        reverse("inspections:finding-add", args=[completed.pk]),
        {"severity": "major", "description": "پرونده‌ها بایگانی نشده"},
    )
    client.post(
        reverse("inspections:action-add", args=[critical.pk]),
        {"description": "صدور رسید برای هر پرداخت", "due_date": ""},
    )
    client.post(
        reverse("inspections:refer", args=[completed.pk]),
        {"findings": [critical.pk], "summary": "اخذ وجه بیش از تعرفه"},
    )

    assert completed.findings.count() == 3 and CorrectiveAction.objects.filter(finding=critical).exists()
    assert ViolationReferral.objects.filter(inspection=completed).exists()
    assert 'id="referral"' in html(client.get(url))


def test_the_pages_work_in_english(client, personas, completed):
    client.force_login(personas.manager_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = html(client.get(reverse("inspections:detail", args=[completed.pk])))

    assert '<html lang="en" dir="ltr">' in page and "Standard office inspection checklist" in page
