"""The referral journey in Persian, in Debian's Chromium: a clerk refers a dispute to the council
from the dispute's page (the form pre-filled) and sends it with its checklist; the council's staff,
on a phone, acknowledge it in the partner portal and upload the outcome; the dispute's page shows it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tanzim.partners.choices import PartnerKind, ReferralStatus
from tanzim.partners.models import Referral
from tanzim.testing.axe import axe_violations
from tanzim.testing.browser import PHONE, no_sideways_scroll
from tanzim.testing.disputes import open_dispute
from tanzim.testing.files import pdf_bytes
from tanzim.testing.partners import make_member, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_refers_a_dispute_the_portal_acknowledges_and_uploads_the_outcome_the_dispute_shows_it(
    personas, new_page, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    council = make_partner(PartnerKind.COUNCIL)
    member = make_member(council.partner)
    dispute = open_dispute(personas)
    document = tmp_path / "claim.pdf"
    document.write_bytes(pdf_bytes())

    clerk = new_page(personas.clerk_a)
    # From the dispute's page: the form opens with the council and its nearest branch chosen.
    clerk.goto(f"/disputes/{dispute.pk}/")
    expect(clerk.locator("html")).to_have_attribute("dir", "rtl")
    clerk.locator("#refer-partner").click()
    expect(clerk.locator("#id_kind")).to_have_value(str(council.pk))
    expect(clerk.locator("#id_branch")).to_have_value(str(council.partner.branches.get().pk))
    clerk.locator("#refer-form button[type=submit]").click()
    expect(clerk.locator("#checklist")).to_be_visible()
    line = council.checklist.get(code="claim")
    clerk.set_input_files(f"#file-{line.pk}", str(document))
    clerk.locator("[data-line='claim'] button[type=submit]").click()
    clerk.locator("#send").click()
    expect(clerk.locator("[data-status]").first).to_have_attribute("data-status", "sent")
    referral = Referral.objects.get(dispute=dispute)

    portal = new_page(member, PHONE)
    portal.goto("/partners/desk/")
    portal.locator(f"[data-reference='{referral.reference}']").click()
    # The referral's page has loaded (checked before measuring it: the click only starts the visit).
    expect(portal.locator("#acknowledge")).to_be_visible()
    no_sideways_scroll(portal)
    assert axe_violations(portal) == []
    portal.fill("#id_partner_reference", "۱۴۰۵-۷۷")
    portal.locator("#acknowledge").click()
    expect(portal.locator("#partner-reference")).to_contain_text("۱۴۰۵-۷۷")
    portal.select_option("#id_outcome_code", "settled")
    portal.fill("#id_note", "سازش در جلسه نخست")
    portal.set_input_files("#id_file", str(document))
    portal.locator("#record-outcome").click()
    expect(portal.locator("#outcome-label")).to_be_visible()
    no_sideways_scroll(portal)
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.OUTCOME

    clerk.goto(f"/disputes/{dispute.pk}/")
    timeline = clerk.locator("#timeline")
    expect(timeline).to_contain_text("سازمان همکار نتیجه را فرستاد.")
    expect(timeline).to_contain_text("نزد سازمان همکار سازش شد")
