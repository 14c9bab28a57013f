"""Issue 16's two journeys in Debian's Chromium, at phone size, in Persian.

1. A citizen with a bounced cheque runs the diagnosis without an account, is told the deadline,
   drafts the complaint, changes an answer on the review screen, signs in, and gets the PDF and a
   case draft with every field filled.
2. A citizen books a video consultation and pays, the consultant answers and closes it, the
   outcome shows on both sides; a written question left unanswered is refunded by the task.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tanzim.cases.choices import PartyRole
from tanzim.cases.models import Case
from tanzim.common.jalali import to_jalali_date
from tanzim.consult.choices import ConsultationStatus
from tanzim.consult.models import Consultation, DraftRun
from tanzim.consult.services import consultations as services
from tanzim.consult.tasks import refund_overdue_consultations
from tanzim.testing.browser import PHONE, expect_persian_page, no_sideways_scroll, persian, session_cookie
from tanzim.testing.consult import cheque_pages, licensed_consultant, pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def jalali(days_ago: int) -> str:
    day = to_jalali_date(timezone.localdate() - timedelta(days=days_ago))
    return persian(f"{day.year}/{day.month:02d}/{day.day:02d}")


def test_a_bounced_cheque_from_diagnosis_to_a_case_draft(new_page, personas, live_server):
    page = new_page(None, PHONE)
    page.goto(reverse("consult:diagnosis", args=["bounced-cheque"]))
    expect_persian_page(page)
    page.locator("#option-cheque").click()
    page.fill("#id_date", jalali(40))
    page.locator("#answer-date").click()
    page.locator("#option-yes").click()
    page.fill("#id_date", jalali(10))
    page.locator("#answer-date").click()
    page.locator("#option-small").click()
    no_sideways_scroll(page)
    page.locator("#option-complaint").click()
    expect(page.locator("#deadline-date")).to_be_visible()
    expect(page.locator("#cheapest")).to_be_visible()
    no_sideways_scroll(page)
    page.locator("#start-next").click()
    expect(page.locator("#carried")).to_be_visible()  # the two dates came along
    page.locator("#interview-begin").click()

    pages = cheque_pages(complainant_code="0013542419")
    for index, answers in enumerate(pages):
        for key, value in answers.items():
            if key == "originals":
                page.locator(f"#id_{key}_{value}").check()
            elif key in ("cheque_date", "certificate_date"):
                continue  # carried over from the diagnosis
            elif value:
                page.fill(f"#id_{key}", value)
        if index == 2:
            expect(page.locator("#id_cheque_amount-words")).to_contain_text("دویست و پنجاه میلیون")
        no_sideways_scroll(page)
        page.locator("#draft-next").click()

    expect(page.locator("#answer-cheque_amount")).to_contain_text("دویست و پنجاه میلیون")
    page.locator("#edit-2").click()  # change the amount on the review screen
    page.fill("#id_cheque_amount", "۳۰۰٬۰۰۰٬۰۰۰")
    page.locator("#draft-next").click()
    expect(page.locator("#answer-cheque_amount")).to_contain_text("سیصد میلیون")
    no_sideways_scroll(page)
    page.locator("#draft-finish").click()
    expect(page).to_have_url(re.compile(r"login|otp"))

    # signs in (the sign-in pages are tested elsewhere), and comes back to the draft
    page.context.add_cookies([session_cookie(personas.citizen, live_server.url)])
    token = DraftRun.objects.get().token
    page.goto(reverse("consult:draft-finish", args=[token]))
    page.select_option("#id_office", str(personas.office_a.pk))
    page.locator("#finish-confirm").click()
    expect(page.locator("#download-pdf")).to_be_visible()
    pdf = page.request.get(page.locator("#download-pdf").get_attribute("href") or "")
    assert pdf.body().startswith(b"%PDF-")

    case = Case.objects.get(applicant=personas.citizen)
    assert case.claim_amount == 300_000_000 and case.title and case.claim_text
    assert {p.role for p in case.parties.all()} == {PartyRole.CLAIMANT, PartyRole.RESPONDENT}
    for party in case.parties.all():
        assert party.name and party.national_code and party.address
    assert case.documents.count() == 1
    page.locator("#open-case").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/"))


def test_a_video_consultation_booked_paid_answered_and_a_late_written_one_refunded(new_page, personas):
    consultant = licensed_consultant(personas)
    citizen = new_page(personas.citizen, PHONE)
    citizen.goto(reverse("consult:book") + f"?consultant={consultant.pk}")
    expect_persian_page(citizen)
    expect(citizen.locator("#not-representation")).to_be_visible()
    citizen.locator("#mode-video").check()
    citizen.select_option("#id_starts_at", index=1)
    citizen.fill("#id_question", "چک برگشتی دارم؛ از کجا شروع کنم؟")
    no_sideways_scroll(citizen)
    citizen.locator("#book-submit").click()
    citizen.locator("#consultation-pay").click()
    expect(citizen).to_have_url(re.compile(r"/finance/gateway/"))
    citizen.locator("#gateway-pay").click()
    expect(citizen.locator("#consultation-status")).to_contain_text("رزرو")
    reference = Consultation.objects.get().reference

    desk = new_page(personas.consultant_a, PHONE)
    desk.goto(reverse("consult:desk"))
    desk.locator(f"#docket a:has-text('{reference}')").click()
    desk.fill("#id_advice", "ظرف شش ماه از گواهی عدم پرداخت شکایت کنید.")
    desk.locator("#answer-submit").click()
    desk.select_option("#id_outcome", "started_request")
    desk.locator("#close-submit").click()
    expect(desk.locator("#consultation-outcome")).to_be_visible()
    no_sideways_scroll(desk)

    citizen.reload()
    expect(citizen.locator("#advice")).to_contain_text("شش ماه")
    expect(citizen.locator("#consultation-outcome")).to_be_visible()

    written = services.consultation_book(
        citizen=personas.citizen, consultant=consultant, mode="written", question="مهلت شکایت چک چقدر است؟"
    )
    pay(written, personas.citizen)
    with time_machine.travel(timezone.now() + timedelta(hours=49), tick=False):
        assert refund_overdue_consultations() == 1
    citizen.goto(reverse("consult:consultation", args=[written.reference]))
    expect(citizen.locator("#consultation-status")).to_contain_text("بازپرداخت")
    written.refresh_from_db()
    assert written.status == ConsultationStatus.REFUNDED
