"""Issue 15's words: the Persian catalogue is complete (no empty or fuzzy entry), the settlement
report has one name, "joined" is not "زمان پیوستن", and a file input speaks the page's language
(not the browser's "Choose File"), at 390 px and on a desktop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from tanzim.catalog.models import Service
from tanzim.testing.browser import DESKTOP, PHONE
from tanzim.testing.cases import make_draft

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fa" / "LC_MESSAGES" / "django.po"
# The newer apps keep their own catalogues (tanzim/<app>/locale/, CONTRIBUTING.md "Style").
APP_CATALOGUES = sorted((Path(settings.BASE_DIR) / "tanzim").glob("*/locale/fa/LC_MESSAGES/django.po"))


def _entries(catalogue: Path = CATALOGUE) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry, continuation lines joined (plural forms: the first)."""
    entries, text = [], catalogue.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        ids = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        strs = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if not ids or not strs:
            continue
        join = lambda part: "".join(re.findall(r'"(.*)"', part))  # noqa: E731
        entries.append((join(ids.group(1)), join(strs.group(1)), "#, fuzzy" in block))
    return entries


def test_every_persian_entry_is_translated_and_none_is_fuzzy():
    entries = [e for e in _entries() if e[0]]  # the header has an empty msgid
    assert len(entries) > 1000
    assert [msgid for msgid, msgstr, _ in entries if not msgstr] == []
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []


@pytest.mark.parametrize("catalogue", APP_CATALOGUES, ids=lambda path: path.parts[-5])
def test_every_app_catalogue_is_translated_and_none_is_fuzzy(catalogue):
    entries = [e for e in _entries(catalogue) if e[0]]
    assert entries
    assert [msgid for msgid, msgstr, _ in entries if not msgstr] == []
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []


def test_the_settlement_report_has_one_name_and_joined_is_not_a_time():
    strs = {msgid: msgstr for msgid, msgstr, _ in _entries()}
    assert not [s for s in strs.values() if "سازش‌نامه" in s or "سازشنامه" in s or "سازش نامه" in s]
    assert "گزارش اصلاحی" in strs["Settlement report"]
    assert strs["joined"] == "پیوسته است"
    assert not [s for s in strs.values() if "زمان پیوستن" in s]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_file_input_speaks_the_pages_language(new_page, personas, device):
    draft = make_draft(personas, Service.objects.get(code="civil_petition"))
    page = new_page(personas.citizen, device)
    page.goto(reverse("cases:draft", args=[draft.pk]))
    picker = page.locator(".file-picker").first
    expect(picker.locator("label")).to_have_text("انتخاب فایل")
    expect(picker.locator(".file-picker-name")).to_have_text("فایلی انتخاب نشده است")
    assert "Choose" not in picker.inner_text()
    picker.locator("input[type=file]").set_input_files(
        files=[{"name": "سند.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n"}]
    )
    expect(picker.locator(".file-picker-name")).to_have_text("سند.pdf")
