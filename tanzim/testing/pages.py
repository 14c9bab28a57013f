"""The main pages of Tanzim, with the data each shows: checked by axe (accessibility, in Chromium)
and by the Nu Html Checker (valid HTML, rendered by the test client)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from django.urls import reverse

from tanzim.catalog.models import Service
from tanzim.scheduling.services import slots_generate
from tanzim.testing.browser import open_context
from tanzim.testing.cases import make_draft
from tanzim.testing.disputes import open_dispute
from tanzim.testing.feedback import invite


class MainPage(NamedTuple):
    name: str
    path: str
    user: Any  # who is signed in, or None


def main_pages(personas: Any) -> list[MainPage]:
    """Each main page: public ones anonymous, the citizen's and the clerk's signed in."""
    petition = Service.objects.get(code="civil_petition")
    followup = Service.objects.get(code="case_followup")
    slots_generate(office=personas.office_a)
    draft = make_draft(personas, petition)
    dispute = open_dispute(personas)
    _invitation, token = invite(personas.office_a, personas.other_citizen, followup)
    office_times = reverse("scheduling:office-times", args=[personas.office_a.code])
    return [
        MainPage("home", reverse("web:index"), None),
        MainPage("office directory", reverse("web:directory"), None),
        MainPage("office times", f"{office_times}?service={followup.code}", personas.citizen),
        MainPage("citizen sign-in", reverse("web:otp-request"), None),
        MainPage("staff sign-in", reverse("web:login"), None),
        MainPage("case draft", reverse("cases:draft", args=[draft.pk]), personas.citizen),
        MainPage("dispute", reverse("disputes:detail", args=[dispute.pk]), personas.clerk_a),
        MainPage("survey", reverse("feedback:survey", args=[token]), None),
        MainPage("public ranking", reverse("ranking:public"), None),
        MainPage("worklist", reverse("cases:worklist"), personas.clerk_a),
        MainPage("my desk", reverse("web:home"), personas.clerk_a),
        MainPage("services from abroad", reverse("web:abroad"), None),
        MainPage("my profile", reverse("web:profile"), personas.citizen),
        MainPage("diagnosis and drafting", reverse("consult:index"), None),
        MainPage("book a consultation", reverse("consult:book"), personas.citizen),
        MainPage("consultant's desk", reverse("consult:desk"), personas.consultant_a),
        MainPage("partner referrals", reverse("partners:list"), personas.clerk_a),
        MainPage("enforcement board", reverse("enforcement:board"), personas.clerk_a),
        MainPage("missions near me", reverse("outreach:near"), None),
        MainPage("outreach coverage", reverse("outreach:coverage"), personas.kanoon_admin),
        MainPage("new offices pipeline", reverse("membership:pipeline"), personas.kanoon_admin),
        MainPage("proving one's identity from abroad", reverse("web:identity"), personas.citizen),
        MainPage("identity checks to review", reverse("web:identity-queue"), personas.clerk_a),
        MainPage("the Kanoon's consultants", reverse("consult:consultants"), personas.kanoon_admin),
        MainPage("members' insurance", reverse("membership:insurance"), personas.manager_a),
        MainPage("welfare loans", reverse("membership:loans"), personas.manager_a),
        MainPage("members' dues and premiums", reverse("membership:dues"), personas.kanoon_admin),
        MainPage("open data: the network's figures", reverse("opendata:network"), None),
        MainPage("open data: the money", reverse("opendata:money"), None),
        MainPage("an office's public card", reverse("opendata:office", args=[personas.office_a.code]), None),
        MainPage("office manager's home", reverse("web:home"), personas.manager_a),
        MainPage("the nation's dashboard", reverse("dashboards:overview"), personas.kanoon_admin),
        MainPage(
            "a province's dashboard",
            reverse("dashboards:province", args=[personas.office_a.province.code]),
            personas.province_admin_a,
        ),
        MainPage(
            "an office's dashboard",
            reverse("dashboards:office", args=[personas.office_a.code]),
            personas.manager_a,
        ),
    ]


def walk(
    browser: Any, base_url: str, pages: Iterable[Any], device: dict[str, Any]
) -> Iterator[tuple[Any, Any]]:
    """Each page (anything with ``name``, ``path``, ``user`` and, if not 200, ``status``) loaded in
    turn as its user on ``device``, yielded with its Playwright tab once it answered as expected.
    One context and one tab per user, navigated from page to page: opening a tab costs ~0.3 s of
    Chromium, and a navigation starts every page afresh (its document, scripts and layout), which
    is all the checks read."""
    tabs: dict[Any, tuple[Any, Any]] = {}
    try:
        for item in pages:
            key = getattr(item.user, "pk", None)
            if key not in tabs:
                context = open_context(browser, base_url, item.user, device)
                tabs[key] = (context, context.new_page())
            page = tabs[key][1]
            response = page.goto(item.path)
            expected = getattr(item, "status", 200)
            assert response is not None and response.status == expected, (item.name, item.path)
            yield item, page
    finally:
        for context, _page in tabs.values():
            context.close()
