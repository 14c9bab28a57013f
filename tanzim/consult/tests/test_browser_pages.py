"""Every consult page in Chromium at phone size (390 px): Persian, no axe violation that blocks,
no sideways scroll; and a desktop journey through the new pages: the Kanoon records a consultant,
a citizen sends a drafted document for review with a file, the office's manager makes the
consultation free, the consultant reviews it and the citizen reads the verdict."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tanzim.consult import services as drafting
from tanzim.consult.models import Consultant, Consultation, DraftRun
from tanzim.consult.selectors import interview_version_for_run
from tanzim.consult.services import consultations as services
from tanzim.testing.axe import axe_violations, blocking, describe
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll
from tanzim.testing.consult import cheque_pages, licensed_consultant, pay
from tanzim.testing.factories import next_national_code
from tanzim.testing.files import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def finished_draft(user) -> DraftRun:
    run = drafting.draft_start(version=interview_version_for_run(slug="cheque-complaint"), user=user)
    for index, data in enumerate(cheque_pages()):
        drafting.draft_save_page(run=run, page=index, data=data)
    DraftRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    run.refresh_from_db()
    return run


def check(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    expect_persian_page(page)
    no_sideways_scroll(page)
    problems = blocking(axe_violations(page))
    assert not problems, f"{path}: {describe(problems)}"


def test_every_consult_page_at_phone_size(new_page, personas):
    consultant = licensed_consultant(personas)
    run = finished_draft(personas.citizen)
    open_run = drafting.draft_start(
        version=interview_version_for_run(slug="formal-notice"), user=personas.citizen
    )
    consultation = services.consultation_book(
        citizen=personas.citizen, consultant=consultant, mode="written", question="چک برگشتی دارم", draft=run
    )
    waiting = services.consultation_book(
        citizen=personas.citizen, consultant=consultant, mode="written", question="سؤال دوم"
    )
    pay(consultation, personas.citizen)
    ref = consultation.reference

    visitor = new_page(None, PHONE)
    for path in (
        reverse("consult:index"),
        reverse("consult:diagnosis", args=["bounced-cheque"]),
        reverse("consult:interview-start", args=["cheque-complaint"]),
    ):
        check(visitor, path)

    citizen = new_page(personas.citizen, PHONE)
    for path in (
        reverse("consult:consultations"),
        reverse("consult:book") + f"?consultant={consultant.pk}",
        reverse("consult:book") + f"?consultant={consultant.pk}&draft={run.token}",
        reverse("consult:consultation", args=[ref]),
        reverse("consult:drafts"),
        reverse("consult:draft-page", args=[open_run.token, 0]),
        reverse("consult:draft-review", args=[open_run.token]),
        reverse("consult:draft-done", args=[run.token]),
    ):
        check(citizen, path)

    desk = new_page(personas.consultant_a, PHONE)
    for path in (
        reverse("consult:desk"),
        reverse("consult:availability"),
        reverse("consult:consultation", args=[ref]),
    ):
        check(desk, path)

    manager = new_page(personas.manager_a, PHONE)
    for path in (reverse("consult:figures"), reverse("consult:consultation", args=[waiting.reference])):
        check(manager, path)

    kanoon = new_page(personas.kanoon_admin, PHONE)
    for path in (
        reverse("consult:trees"),
        reverse("consult:tree-edit", args=["bounced-cheque"]),
        reverse("consult:content-report"),
        reverse("consult:consultants"),
        reverse("consult:interview-list"),
        reverse("consult:interview-edit", args=["cheque-complaint"]),
    ):
        check(kanoon, path)
    kanoon.locator("#interview-preview").click()
    expect(kanoon.locator("#preview")).to_be_visible()
    no_sideways_scroll(kanoon)
    problems = blocking(axe_violations(kanoon))
    assert not problems, describe(problems)


def test_review_of_a_draft_made_free_at_desktop_size(new_page, personas, tmp_path):
    licensed_consultant(personas)
    personas.mediator_a.national_code = next_national_code()
    personas.mediator_a.save(update_fields=["national_code"])

    kanoon = new_page(personas.kanoon_admin, DESKTOP)
    kanoon.goto(reverse("consult:consultants"))
    kanoon.fill("#id_national_code", personas.mediator_a.national_code)
    kanoon.fill("#id_office", "ZZZ")
    kanoon.select_option("#id_basis", "kanoon_approved")
    kanoon.locator("#consultant-submit").click()
    expect(kanoon.locator(".error-summary")).to_be_visible()  # an unknown office, nothing saved
    assert not Consultant.objects.filter(user=personas.mediator_a).exists()
    kanoon.fill("#id_office", personas.office_a.code)
    kanoon.fill("#id_licence_number", "۴۵۶")
    kanoon.locator("#consultant-submit").click()
    expect(kanoon.locator("#consultant-rows")).to_contain_text("456")

    run = finished_draft(personas.citizen)
    consultant = Consultant.objects.get(user=personas.consultant_a)
    citizen = new_page(personas.citizen, DESKTOP)
    citizen.goto(reverse("consult:draft-done", args=[run.token]))
    citizen.locator("#ask-review").click()
    expect(citizen.locator("#review-of")).to_be_visible()
    citizen.select_option("#id_consultant", str(consultant.pk))
    citizen.locator("#consultant-pick").click()
    citizen.locator("#mode-written").check()
    citizen.fill("#id_question", "لطفاً شکوائیه را بررسی کنید.")
    citizen.locator("#book-submit").click()
    expect(citizen.locator("#consultation-pay")).to_be_visible()
    consultation = Consultation.objects.get()
    cheque = tmp_path / "cheque.pdf"
    cheque.write_bytes(pdf_bytes())
    citizen.fill("#id_file_title", "تصویر چک")
    citizen.set_input_files("#id_file", str(cheque))
    citizen.locator("#file-submit").click()
    expect(citizen.locator("#file-list")).to_contain_text("تصویر چک")

    manager = new_page(personas.manager_a, DESKTOP)
    manager.goto(reverse("consult:consultation", args=[consultation.reference]))
    manager.select_option("#id_ground", "relief_committee")
    manager.fill("#id_evidence_number", "۱۲۳۴۵۶۷۸")
    manager.set_input_files("#id_confirmation_document", str(cheque))
    with TestCase.captureOnCommitCallbacks(execute=True):
        manager.locator("#free-submit").click()
        expect(manager.locator("#consultation-status")).to_contain_text("رزرو")
    consultation.refresh_from_db()
    assert consultation.price == 0 and consultation.payment.subsidy > 0

    desk = new_page(personas.consultant_a, DESKTOP)
    desk.goto(reverse("consult:consultation", args=[consultation.reference]))
    expect(desk.locator("#file-list")).to_contain_text("تصویر چک")
    desk.fill("#id_advice", "مبلغ چک را به حروف هم بنویسید.")
    desk.locator("#verdict-changes").check()
    desk.locator("#answer-submit").click()
    expect(desk.locator("#review-verdict")).to_be_visible()

    citizen.reload()
    expect(citizen.locator("#review-verdict")).to_be_visible()
    expect(citizen.locator("#advice")).to_contain_text("به حروف")
    problems = blocking(axe_violations(citizen))
    assert not problems, describe(problems)
