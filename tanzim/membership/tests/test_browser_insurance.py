"""The insurance page on a phone (390 px): a manager enrols with a dependant and claims with a
document; the Kanoon's review and the loans page's documents stay accessible and fit the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tanzim.membership.models import Claim, InsurancePolicy
from tanzim.testing.axe import axe_violations, blocking, describe
from tanzim.testing.browser import PHONE, no_sideways_scroll
from tanzim.testing.files import pdf_bytes
from tanzim.testing.membership import national_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_enrols_and_claims_on_a_phone_and_the_kanoon_reviews(new_page, personas):
    policy = InsurancePolicy.objects.create(
        code="supp-1404",
        name_fa="بیمه تکمیلی",
        name_en="Supplementary",
        kind="supplementary",
        insurer="بیمه ایران",
        monthly_premium=2_000_000,
        kanoon_share_pct=30,
    )
    manager = new_page(personas.manager_a, PHONE)
    manager.goto("/membership/insurance/")
    no_sideways_scroll(manager)
    found = blocking(axe_violations(manager))
    assert not found, describe(found)
    manager.select_option("#id_policy", str(policy.pk))
    manager.fill("#id_name_1", "مریم احمدی")
    manager.fill("#id_code_1", national_code())
    manager.select_option("#id_relation_1", "spouse")
    manager.click("#enrol")
    expect(manager.locator(".dependants")).to_contain_text("مریم احمدی")
    enrolment = policy.enrolments.get()
    prefix = f"#id_e{enrolment.pk}"
    manager.fill(f"{prefix}-amount", "۳٬۵۰۰٬۰۰۰")
    manager.fill(f"{prefix}-description", "هزینهٔ دارو")
    manager.set_input_files(
        f"{prefix}-documents",
        files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}],
    )
    manager.click(f"#submit-claim-{enrolment.pk}")
    expect(manager.locator("#my-claims")).to_contain_text("هزینهٔ دارو")
    no_sideways_scroll(manager)
    claim = Claim.objects.get()
    assert claim.amount == 3_500_000

    kanoon = new_page(personas.kanoon_admin, PHONE)
    kanoon.goto("/membership/insurance/")
    expect(kanoon.locator(f"#claim-{claim.pk}")).to_be_visible()
    no_sideways_scroll(kanoon)
    found = blocking(axe_violations(kanoon))
    assert not found, describe(found)
    kanoon.fill(f"#refuse-{claim.pk}", "نسخه پیوست نشده است")
    kanoon.locator(f"#claim-{claim.pk} .btn-outline-danger").click()
    expect(kanoon.locator("#review")).not_to_contain_text("هزینهٔ دارو")
    claim.refresh_from_db()
    assert claim.status == "refused"
