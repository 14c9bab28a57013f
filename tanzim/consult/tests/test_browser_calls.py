"""In Debian's Chromium, at phone size, in Persian:

1. a citizen books a video consultation and finds it in their appointments with its Jalali time;
   the office's clerk finds it in the day list;
2. "Read aloud" on a diagnosis question: shown and speaking the question in Persian where the
   browser has ``speechSynthesis`` (a recording stub injected by Playwright's init script, since
   headless Chromium may have no voices), hidden where the browser has none.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tanzim.common.jalali import to_jalali_date
from tanzim.consult.models import Consultation
from tanzim.testing.browser import PHONE, expect_persian_page, no_sideways_scroll, persian
from tanzim.testing.consult import licensed_consultant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPEECH_STUB = """
window.__spoken = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; };
Object.defineProperty(window, "speechSynthesis", {
  configurable: true,
  value: {
    cancel: function () {},
    speak: function (u) { window.__spoken.push({text: u.text, lang: u.lang}); },
  },
});
"""
NO_SPEECH = """
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: undefined});
"""


def test_a_video_consultation_shows_in_the_citizens_and_the_offices_appointments(new_page, personas):
    consultant = licensed_consultant(personas)
    citizen = new_page(personas.citizen, PHONE)
    citizen.goto(reverse("consult:book") + f"?consultant={consultant.pk}")
    citizen.locator("#mode-video").check()
    citizen.select_option("#id_starts_at", index=1)
    citizen.fill("#id_question", "چک برگشتی دارم؛ از کجا شروع کنم؟")
    citizen.locator("#book-submit").click()
    consultation = Consultation.objects.select_related("appointment").get()
    appointment = consultation.appointment
    assert appointment is not None and appointment.channel == "video" and appointment.slot_id is None

    citizen.locator("#appointment-link").click()  # from the consultation to the appointment
    expect(citizen.locator("#remote-call")).to_contain_text("تصویری")
    citizen.goto(reverse("scheduling:mine"))
    expect_persian_page(citizen)
    row = citizen.locator("#upcoming a", has_text=consultation.office.name_fa)
    expect(row).to_have_count(1)
    day = to_jalali_date(timezone.localtime(appointment.start).date())
    expect(row).to_contain_text(persian(str(day.year)))
    expect(row).to_contain_text(persian(f"{timezone.localtime(appointment.start):%H:%M}"))
    expect(row).not_to_contain_text(str(appointment.start.year))  # no Gregorian year
    no_sideways_scroll(citizen)

    clerk = new_page(personas.clerk_a, PHONE)
    local_day = timezone.localtime(appointment.start).date()
    clerk.goto(
        reverse("scheduling:office-day", args=[personas.office_a.code]) + f"?date={local_day.isoformat()}"
    )
    call = clerk.locator(f"#day-calls [data-reference='{appointment.reference}']")
    expect(call).to_be_visible()
    expect(call).to_contain_text(personas.citizen.display_name)
    no_sideways_scroll(clerk)


def test_read_aloud_speaks_the_question_where_supported_and_hides_where_not(new_page, personas):
    url = reverse("consult:diagnosis", args=["bounced-cheque"])
    speaking = new_page(None, PHONE)
    speaking.add_init_script(SPEECH_STUB)
    speaking.goto(url)
    button = speaking.locator("[data-speak='question-block']")
    expect(button).to_be_visible()
    button.click()
    spoken = speaking.evaluate("window.__spoken")
    question = speaking.locator("#question-block").inner_text()
    assert spoken == [{"text": question, "lang": "fa-IR"}] and question.strip()

    silent = new_page(None, PHONE)
    silent.add_init_script(NO_SPEECH)
    silent.goto(url)
    expect(silent.locator("#question-block")).to_be_attached()
    expect(silent.locator("[data-speak='question-block']")).to_be_hidden()
