"""The main pages are valid HTML: the Nu Html Checker (vnu.jar, the W3C's checker) finds no error.
The main pages are those the accessibility test checks (tanzim/testing/pages.py), and the
inspector's checklist.

Each page is rendered by the test client, in Persian (right to left) and in English, written to a
folder and checked by one run of the checker (one JVM for every page). Java is a declared
dependency (scripts/system-deps.sh), and the pinned jar is fetched once into var/vendor/
(tanzim/testing/vnu.py), so the test always runs.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tanzim.catalog.models import Service
from tanzim.inspections import services as inspections
from tanzim.inspections.choices import InspectionKind
from tanzim.testing import vnu
from tanzim.testing.browser import DESKTOP, PHONE, no_sideways_scroll, open_context
from tanzim.testing.feedback import invite
from tanzim.testing.pages import MainPage, main_pages

LANGUAGES = ("fa", "en")


def _checklist(personas) -> MainPage:
    """The inspector's checklist of an inspection in progress (radio buttons for each item)."""
    planned = inspections.inspection_schedule(
        actor=personas.inspector, office=personas.office_a, kind=InspectionKind.PERIODIC
    )
    started = inspections.inspection_transition(inspection=planned, actor=personas.inspector, action="start")
    path = reverse("inspections:perform", args=[started.pk])
    return MainPage("inspection checklist", path, personas.inspector)


def _file_name(name: str, language: str) -> str:
    return f"{re.sub(r'[^a-z0-9]+', '-', name)}.{language}.html"


def _report(messages: list[vnu.Message], pages: dict[str, str]) -> str:
    return "\n".join(
        f"{pages.get(m.file, m.file)}, line {m.line}: {m.message}\n    {m.extract.strip()[:160]}"
        for m in messages
    )


@pytest.mark.django_db
def test_the_main_pages_have_no_html_error_in_the_nu_checker(personas, tmp_path):
    pages: dict[str, str] = {}  # file name -> "page (language)"
    for page in [*main_pages(personas), _checklist(personas)]:
        for language in LANGUAGES:
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            if page.user is not None:
                client.force_login(page.user)
            response = client.get(page.path)
            assert response.status_code == 200, (page.name, page.path, response.status_code)
            assert response["Content-Type"].startswith("text/html"), page.name
            html = response.content.decode()
            assert f'lang="{language}"' in html, (page.name, language)
            file_name = _file_name(page.name, language)
            (tmp_path / file_name).write_text(html, encoding="utf-8")
            pages[file_name] = f"{page.name} ({language})"

    started = time.monotonic()
    errors = vnu.check([tmp_path / name for name in pages])
    print(f"vnu checked {len(pages)} pages in {time.monotonic() - started:.1f} s")
    for page_name, count in sorted(Counter(pages.get(e.file, e.file) for e in errors).items()):
        print(f"  {page_name}: {count} errors")
    assert not errors, f"{len(errors)} HTML errors:\n{_report(errors, pages)}"


def test_the_checker_reports_autocomplete_on_a_radio_button_with_its_page_and_line(tmp_path):
    """The harness can fail: the error the issue found on the survey (autocomplete on radios)."""
    page = tmp_path / "survey.fa.html"
    page.write_text(
        '<!DOCTYPE html>\n<html lang="fa" dir="rtl">\n'
        '<head><meta charset="utf-8"><title>نظرسنجی</title></head>\n'
        '<body><main>\n<input type="radio" name="q" value="1" autocomplete="off" aria-label="یک">\n'
        "</main></body></html>\n",
        encoding="utf-8",
    )
    errors = vnu.check([page])
    assert [(e.file, e.line) for e in errors] == [("survey.fa.html", 5)]
    assert "autocomplete" in errors[0].message
    assert "survey (fa), line 5:" in _report(errors, {"survey.fa.html": "survey (fa)"})


def test_a_jar_that_differs_from_the_pinned_checksum_is_refused(tmp_path):
    jar = Path(tmp_path) / "vnu.jar"
    jar.write_bytes(b"not the checker")
    with pytest.raises(vnu.VnuError, match="SHA-256"):
        vnu.ensure_jar(jar)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", ["390px", "desktop"])
def test_a_tapped_score_on_the_survey_and_the_checklist_shows_as_chosen_without_autocomplete_on_radios(
    browser, live_server, personas, device
):
    """The choice buttons work as before: the form, not each radio button, turns autocomplete off."""
    followup = Service.objects.get(code="case_followup")
    _invitation, token = invite(personas.office_a, personas.other_citizen, followup)
    checklist = _checklist(personas)
    screen = PHONE if device == "390px" else DESKTOP

    citizen = open_context(browser, live_server.url, device=screen)
    page = citizen.new_page()
    page.goto(reverse("feedback:survey", args=[token]))
    page.locator("label[for='courtesy-5']").click()
    expect(page.locator("#courtesy-5")).to_be_checked()
    # The tapped number is filled in, the others are not (once Bootstrap's 0.15 s colour transition
    # has run: read at once on a loaded machine, both were still transparent).
    page.wait_for_function(
        """() => {
            const style = (n) => getComputedStyle(document.querySelector(`label[for='courtesy-${n}']`));
            return style(5).backgroundColor !== style(4).backgroundColor;
        }"""
    )
    expect(page.locator("#survey-form")).to_have_attribute("autocomplete", "off")
    expect(page.locator("input[type=radio][autocomplete]")).to_have_count(0)
    no_sideways_scroll(page)
    citizen.close()

    inspector = open_context(browser, live_server.url, checklist.user, screen)
    page = inspector.new_page()
    page.goto(checklist.path)
    first = page.locator(".check-item input[type=radio][value=compliant]").first
    page.locator(f"label[for='{first.get_attribute('id')}']").click()
    expect(first).to_be_checked()
    expect(page.locator("#checklist-form")).to_have_attribute("autocomplete", "off")
    expect(page.locator("input[type=radio][autocomplete]")).to_have_count(0)
    no_sideways_scroll(page)
    inspector.close()
