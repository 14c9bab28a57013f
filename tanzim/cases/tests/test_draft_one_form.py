"""The draft page is one form (issue 15, 2 and 10): an upload, a party or a refused file never drops
the typed petition text and amount, errors sit next to their field and in a focused summary, and
the Persian digits the citizen typed are stored as typed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tanzim.catalog.models import Service
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll
from tanzim.testing.cases import make_draft

TYPED = "مطالبه ۱۲۰٬۰۰۰٬۰۰۰ ریال بابت چک شماره ۴۵۶۷۸۹\nسطر دوم"


def _draft(personas):
    return make_draft(personas, Service.objects.get(code="civil_petition"), channel="remote")


def _details(**extra):
    return {
        "title": "مطالبه وجه",
        "claim_text": TYPED,
        "claim_amount": "۱۲۰٬۰۰۰٬۰۰۰",
        "proceeding": "",
        **extra,
    }


@pytest.mark.django_db
def test_a_refused_upload_keeps_and_saves_what_was_typed(client, personas):
    case = _draft(personas)
    client.force_login(personas.citizen)
    bad = __import__("io").BytesIO(b"not a pdf at all")
    bad.name = "letter.pdf"

    response = client.post(
        reverse("cases:document-add", args=[case.pk]), {**_details(), "doc-title": "چک", "doc-file": bad}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert TYPED.split("\n")[0] in page  # the text is on the page again
    assert 'id="doc-error-summary"' in page and 'href="#id_doc-file"' in page
    case.refresh_from_db()
    assert case.claim_text == TYPED  # and saved, with the Persian digits as typed
    assert case.claim_amount == 120_000_000


@pytest.mark.django_db
def test_adding_a_party_saves_the_typed_details_too(client, personas):
    case = _draft(personas)
    client.force_login(personas.citizen)

    response = client.post(
        reverse("cases:party-add", args=[case.pk]),
        {
            **_details(),
            "party-role": "other",
            "party-kind": "natural",
            "party-name": "وکیل",
            "party-national_code": "1234567891",
        },
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.claim_text == TYPED and case.parties.filter(name="وکیل").exists()


@pytest.mark.django_db
def test_invalid_details_are_not_dropped_when_another_button_is_pressed(client, personas):
    case = _draft(personas)
    client.force_login(personas.citizen)

    response = client.post(
        reverse("cases:party-add", args=[case.pk]),
        {
            **_details(title="", claim_amount="abc"),
            "party-role": "other",
            "party-kind": "natural",
            "party-name": "وکیل",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="form-error-summary"' in page and 'href="#id_claim_amount"' in page
    assert "abc" in page and "۴۵۶۷۸۹" in page


@pytest.mark.django_db
def test_every_button_of_the_draft_belongs_to_the_one_form(client, personas):
    case = _draft(personas)
    client.force_login(personas.citizen)

    page = client.get(reverse("cases:draft", args=[case.pk])).content.decode()

    assert page.count("<form ") - page.count('action="/i18n/') - page.count('action="/logout') == 1
    for button in ("add-party-button", "upload", "submit"):
        assert 'form="draft-form" formaction=' in page.split(f'id="{button}"')[0].rsplit("<button", 1)[1]
    assert (
        'form="draft-form"'
        in page.split('id="id_doc-file"')[0].rsplit("<input", 1)[1]
        + page.split('id="id_doc-file"')[1].split(">")[0]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_upload_error_mid_way_loses_nothing_and_the_summary_takes_the_focus(
    new_page, personas, device, tmp_path
):
    case = _draft(personas)
    page = new_page(personas.citizen, device)
    page.goto(reverse("cases:draft", args=[case.pk]))
    expect_persian_page(page)
    page.fill("#id_claim_text", TYPED)
    page.fill("#id_claim_amount", "۱۲۰۰۰۰۰۰۰")
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"this is not a PDF")
    page.locator("#id_doc-file").set_input_files(str(bad))
    page.locator("#upload").click()

    summary = page.locator("#doc-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.locator("#id_claim_text")).to_have_value(TYPED)
    expect(page.locator("#id_claim_amount")).to_have_value("۱۲۰٬۰۰۰٬۰۰۰")
    no_sideways_scroll(page)
    case.refresh_from_db()
    assert case.claim_text == TYPED
