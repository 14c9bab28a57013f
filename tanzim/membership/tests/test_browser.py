"""From the exam to an open office, in Persian, in Debian's Chromium (the issue's "done when").

The Kanoon imports a CSV of applicants; one applicant uploads documents on a phone, takes the last
place in a county while another tries the same place (one wins), passes the premises inspection
and the training test, and the new office appears in the directory with bookable slots.

Steps that are not this journey's subject (the province's approval of the documents, equipment,
the guarantee) go through the services; the others through the pages.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tanzim.membership.choices import PREMISES_DOCUMENTS, Step
from tanzim.membership.models import Application, Place
from tanzim.membership.services import step_approve, step_submit
from tanzim.testing.axe import axe_violations, blocking, describe
from tanzim.testing.browser import DESKTOP, PHONE, no_sideways_scroll
from tanzim.testing.files import pdf_bytes
from tanzim.testing.membership import exam_csv, give_documents, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KINDS = ("identity", "degree", "clearance", "no_conflict")


def test_from_the_exam_to_an_open_office_with_bookable_slots(new_page, personas):
    kanoon = new_page(personas.kanoon_admin, DESKTOP)
    # --- the Kanoon imports the exam results (Persian digits in the year)
    kanoon.goto("/membership/import/")
    kanoon.fill("#id_exam_year", "۱۴۰۴")
    kanoon.set_input_files(
        "#id_file",
        files=[{"name": "exam.csv", "mimeType": "text/csv", "buffer": exam_csv(2, province="THR")}],
    )
    kanoon.click("#import")
    expect(kanoon).to_have_url(re.compile(r"/membership/pipeline/$"))
    expect(kanoon.locator("#summary")).to_contain_text("۲")
    first, second = Application.objects.order_by("exam_rank")
    last = place("THR-03", seats=1)

    # --- the first applicant uploads the documents on a phone and hands them in
    applicant = new_page(first.user, PHONE)
    applicant.goto("/membership/")
    for kind in KINDS:
        applicant.select_option("#id_kind", kind)
        applicant.set_input_files(
            "#id_file", files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
        )
        applicant.click("#upload")
        expect(applicant.locator(f'#documents [data-kind="{kind}"]')).to_have_count(1)
    no_sideways_scroll(applicant)
    found = blocking(axe_violations(applicant))
    assert not found, describe(found)
    applicant.click("#submit-step")
    expect(applicant.locator("#submitted")).to_be_visible()

    # --- the province approves both applicants' documents
    give_documents(second)
    step_submit(application=second, actor=second.user)
    for application in (first, second):
        step_approve(application=application, actor=personas.province_admin_a)

    # --- both open the list of places; the first takes the last place, the second is told it is gone
    rival = new_page(second.user, PHONE)
    rival.goto("/membership/")
    applicant.goto("/membership/")
    applicant.click('button[data-place="THR-03"]')
    expect(applicant.locator("#current-step")).to_have_attribute("data-status", Step.PREMISES)
    rival.click('button[data-place="THR-03"]')
    expect(rival.locator(".alert-danger, .alert-error, [role=alert]").first).to_contain_text(
        "جایی باقی نمانده"
    )
    expect(rival.locator("#current-step")).to_have_attribute("data-status", Step.PLACE)
    last.refresh_from_db()
    assert (last.taken, last.seats) == (1, 1)
    assert Place.objects.get(pk=last.pk).applicants.get() == first

    # --- the premises: address and photos on the phone, then the inspector's checklist
    give_documents(first, PREMISES_DOCUMENTS)
    applicant.goto("/membership/")
    applicant.fill("#id_premises_address", "تهران، خیابان آزادی، پلاک ۱۲")
    applicant.click("#submit-step")
    expect(applicant.locator("#submitted")).to_be_visible()
    inspector = new_page(personas.inspector, PHONE)
    inspector.goto(f"/membership/applicants/{first.pk}/")
    for radio in inspector.locator('input[type=radio][value="compliant"]').all():
        radio.check()
    inspector.click("#inspect")
    expect(inspector.locator("#current-step")).to_have_attribute("data-status", Step.EQUIPMENT)
    no_sideways_scroll(inspector)

    # --- equipment is declared and approved; the Kanoon records the training test
    step_submit(application=first, actor=first.user, data={"computers": 2, "internet_mbps": 30})
    step_approve(application=first, actor=personas.province_admin_a)
    kanoon.goto(f"/membership/applicants/{first.pk}/")
    kanoon.fill("#id_hours", "۴۵")
    kanoon.fill("#id_score", "۸۲")
    kanoon.click("#record-training")
    expect(kanoon.locator("#current-step")).to_have_attribute("data-status", Step.GUARANTEE)
    step_submit(
        application=first,
        actor=first.user,
        data={"guarantee_reference": "BG-77", "guarantee_amount": 500_000_000},
    )
    step_approve(application=first, actor=personas.kanoon_admin)

    # --- the licence opens the office
    kanoon.goto(f"/membership/applicants/{first.pk}/")
    kanoon.click("#issue-licence")
    expect(kanoon.locator("#current-step")).to_have_attribute("data-status", Step.OPENED)
    first.refresh_from_db()
    office = first.office
    assert office is not None

    # --- anyone finds it in the directory, with times to book
    visitor = new_page(None, PHONE)
    visitor.goto(f"/offices/?q={office.code}")
    expect(visitor.locator("main")).to_contain_text(office.name_fa)
    visitor.goto(f"/appointments/office/{office.code}/?service=case_followup")
    expect(visitor.locator(".slot-button").first).to_be_visible()
