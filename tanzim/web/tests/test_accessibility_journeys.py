"""axe-core on the pages of every citizen journey (issue 15, "Done when"), at 390 px and on a
desktop: the booking review and the cancel confirmation, my appointments, the complaint form and
a complaint, the dispute as its claimant sees it, the join page, the triage preview, and the
error pages (404, 403). No critical or serious violation. The main pages (home, directory,
draft, survey, ranking, desks) are in ``test_accessibility.py``; run with ``-s`` to see all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

import pytest
from django.urls import reverse
from django.utils import timezone

from tanzim.catalog.models import Service
from tanzim.feedback.choices import ComplaintCategory
from tanzim.feedback.services import complaint_file
from tanzim.scheduling.models import Slot
from tanzim.scheduling.services import slots_generate
from tanzim.testing.axe import axe_violations, blocking, by_impact, describe
from tanzim.testing.browser import DESKTOP, PHONE
from tanzim.testing.disputes import fill_new_dispute, open_dispute
from tanzim.testing.factories import next_national_code
from tanzim.testing.pages import walk
from tanzim.testing.scheduling import book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"390px": PHONE, "desktop": DESKTOP}


class JourneyPage(NamedTuple):
    name: str
    path: str
    user: Any
    status: int = 200
    then: Callable[[Any], None] | None = None  # what the person does before the page is checked


def _book_first_time(page) -> None:
    page.locator(".slot-button").first.click()
    page.locator("#review").wait_for()


def _preview_triage(personas) -> Callable[[Any], None]:
    def fill(page) -> None:
        fill_new_dispute(
            page,
            claimant=personas.other_citizen,
            amount="5,000,000,000",
            summary="مطالبه مهریه",
            respondent_mobile="09350007788",
            respondent_code=next_national_code(),
        )
        page.locator("#preview-triage").click()
        page.locator("#triage-preview").wait_for()

    return fill


def journey_pages(personas) -> list[JourneyPage]:
    followup = Service.objects.get(code="case_followup")
    slots_generate(office=personas.office_a)
    slots = Slot.objects.filter(office=personas.office_a, start__gt=timezone.now() + timedelta(days=1))
    first = slots.order_by("start").first()
    assert first is not None
    appointment = book(personas.citizen, first, followup)
    complaint = complaint_file(
        complainant=personas.citizen,
        office=personas.office_a,
        category=ComplaintCategory.OVERCHARGING,
        description="کارمند دفتر مبلغی بیش از تعرفه گرفت و رسید نداد.",
    )
    dispute = open_dispute(personas)
    office_times = reverse("scheduling:office-times", args=[personas.office_a.code])
    return [
        JourneyPage("my appointments", reverse("scheduling:mine"), personas.citizen),
        JourneyPage("appointment", reverse("scheduling:detail", args=[appointment.pk]), personas.citizen),
        JourneyPage(
            "cancel confirmation", reverse("scheduling:cancel", args=[appointment.pk]), personas.citizen
        ),
        JourneyPage(
            "booking review",
            f"{office_times}?service={followup.code}",
            personas.other_citizen,
            then=_book_first_time,
        ),
        JourneyPage("complaint form", reverse("feedback:complaint-new"), personas.citizen),
        JourneyPage("complaint", reverse("feedback:complaint", args=[complaint.reference]), personas.citizen),
        JourneyPage("dispute (claimant)", reverse("disputes:detail", args=[dispute.pk]), personas.citizen),
        JourneyPage("dispute join", reverse("disputes:join"), None),
        JourneyPage(
            "triage preview", reverse("disputes:new"), personas.clerk_a, then=_preview_triage(personas)
        ),
        JourneyPage("not found", "/no-such-page/", personas.citizen, status=404),
        JourneyPage("forbidden", reverse("cases:worklist"), personas.citizen, status=403),
    ]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_journey_pages_have_no_critical_or_serious_accessibility_violation(
    browser, live_server, personas, viewport
):
    found: dict[str, list] = {}
    for item, page in walk(browser, live_server.url, journey_pages(personas), VIEWPORTS[viewport]):
        if item.then is not None:
            item.then(page)
        page.evaluate("document.fonts.ready")
        found[item.name] = axe_violations(page)
    for name, violations in found.items():
        print(f"[{viewport}] {name}: {by_impact(violations) or 'none'}")
    failing = {name: blocking(v) for name, v in found.items() if blocking(v)}
    assert not failing, "\n".join(f"{name}:\n{describe(v)}" for name, v in failing.items())
