"""In Debian's Chromium: the manager's home shows today's figures; the nation drills down to an office.

Both on a phone (390 px, no sideways scroll) and on a desktop, with axe on each page reached."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tanzim.common.normalize import to_persian_digits
from tanzim.dashboards import rollups
from tanzim.dashboards.tests.test_pages import _fill, make_today
from tanzim.testing.axe import axe_violations, blocking, describe
from tanzim.testing.browser import DESKTOP, PHONE, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _accessible(page) -> None:
    no_sideways_scroll(page)
    found = blocking(axe_violations(page))
    assert not found, describe(found)


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_managers_home_shows_todays_figures(new_page, personas, device):
    expected = make_today(personas.office_a, personas.citizen)
    page = new_page(personas.manager_a, device)
    page.goto("/home/")
    for key, value in expected.items():
        expect(page.locator(f'#today [data-figure="{key}"]')).to_have_text(to_persian_digits(str(value)))
    expect(page.locator("#office-alerts")).to_be_visible()
    expect(page.locator("#month-table tbody tr")).to_have_count(9)
    _accessible(page)


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_national_dashboard_drills_down_to_an_office(new_page, personas, device):
    _fill(personas, 3)
    rollups.rebuild()
    page = new_page(personas.kanoon_admin, device)
    page.goto("/dashboards/?from=1404/12/01&to=1404/12/29&indicator=remote_uptake")
    expect(page.locator("#indicator-table tr[data-code='remote_uptake'] .value")).to_have_text("۱۰۰٫۰٪")
    expect(page.locator("#breakdown-table tbody tr")).to_have_count(2)
    _accessible(page)
    page.locator("#breakdown-table a", has_text=personas.office_a.province.name).click()
    expect(page).to_have_url(re.compile(rf"/dashboards/p/{personas.office_a.province.code}/\?"))
    expect(page.locator("#dashboard-title")).to_have_text(personas.office_a.province.name)
    _accessible(page)
    page.locator("#breakdown-table a", has_text=personas.office_a.name).click()
    expect(page).to_have_url(re.compile(rf"/dashboards/o/{personas.office_a.code}/\?"))
    expect(page.locator("#dashboard-title")).to_contain_text(personas.office_a.name)
    expect(page.locator("#drill a")).to_have_count(2)  # back to the nation, back to the province
    _accessible(page)
