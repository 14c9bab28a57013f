"""The award's deadlines in Persian, in Debian's Chromium, on a phone (390 px) and a desktop: each
party sees their own dates from their own notice (or "awaiting notice"), the term says it does not
move over holidays, and a criminal dispute shows arbitration disabled with the reason.

The browser fixtures are the shared ones (``tanzim/testing/browser.py``).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.disputes import services
from tanzim.disputes.models import Dispute
from tanzim.testing.disputes import join_as_respondent, open_dispute
from tanzim.testing.factories import next_national_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [390, 1280]


def failed_dispute(personas) -> Dispute:
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    respondent = join_as_respondent(dispute).user
    return services.dispute_respond(dispute=dispute, actor=respondent, accept=False)


def awarded_with_one_notice(personas):
    dispute = failed_dispute(personas)
    today = tehran_date(timezone.now())
    arbitration = services.arbitration_start(
        dispute=dispute,
        actor=personas.clerk_a,
        agreement_kind="agreed_now",
        agreement_date=today,
        agreement_text="توافق به داوری",
        panel_size=1,
    )
    arbitrator = services.arbitrator_propose(
        arbitration=arbitration,
        actor=personas.clerk_a,
        seat="sole",
        name="حسن داوری",
        national_code=next_national_code(),
        mobile="09121112233",
    )
    services.arbitrator_declare(
        arbitrator=arbitrator, actor=personas.clerk_a, grounds=[], birth_date=date(1970, 1, 1)
    )
    services.arbitrator_accept(arbitrator=arbitrator, actor=personas.clerk_a)
    award = services.award_record(
        arbitration=arbitration,
        actor=personas.clerk_a,
        reasoning="دلایل",
        decision="رأی",
        in_favour_of="claimant",
    )
    notice = services.award_notice_record(
        award=award, party="respondent", actor=personas.clerk_a, notified_on=today, method="at_office"
    )
    return dispute, notice


@pytest.mark.parametrize("width", WIDTHS)
def test_each_party_sees_their_own_award_deadline_or_awaiting_notice(personas, new_page, width):
    dispute, notice = awarded_with_one_notice(personas)
    url = f"/disputes/{dispute.pk}/"
    respondent = new_page(dispute.parties.get(role="respondent").user)
    respondent.set_viewport_size({"width": width, "height": 900})
    respondent.goto(url)
    mine = respondent.locator("#my-deadlines")
    expect(mine).to_be_visible()
    expect(mine.locator(".compliance-due")).to_contain_text(format_jalali(notice.compliance_due, long=True))
    expect(mine.locator(".annulment-due")).to_contain_text(format_jalali(notice.annulment_due, long=True))
    expect(respondent.locator('[data-party="claimant"]')).to_have_count(0)
    expect(respondent.locator("#term-no-roll")).to_contain_text("روز کاری بعد منتقل نمی‌شود")

    claimant = new_page(personas.citizen)
    claimant.set_viewport_size({"width": width, "height": 900})
    claimant.goto(url)
    expect(claimant.locator("#my-deadlines .awaiting-notice")).to_contain_text("در انتظار ابلاغ")
    assert claimant.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_criminal_dispute_shows_arbitration_disabled_with_the_reason(personas, new_page, width):
    dispute = failed_dispute(personas)
    Dispute.objects.filter(pk=dispute.pk).update(category="criminal", path="criminal_mediation")
    clerk = new_page(personas.clerk_a)
    clerk.set_viewport_size({"width": width, "height": 900})
    clerk.goto(f"/disputes/{dispute.pk}/")
    expect(clerk.locator("#arbitration button[disabled]")).to_be_visible()
    expect(clerk.locator("#no-arbitration")).to_contain_text("امور کیفری قابل ارجاع به داوری نیست")
    expect(clerk.locator(f'form[action="/disputes/{dispute.pk}/arbitration/"]')).to_have_count(0)
