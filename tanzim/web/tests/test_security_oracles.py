"""No existence oracle (issue 13, defect 8): "not yours" and "does not exist" get one answer.

The test walks the URL resolver: every route, API or page, whose path carries an id (an ``int``,
``str`` or ``uuid`` converter that names an object, not a year or an action slug). Each is
called, with every method it answers, by a clerk of office B on an object of office A and on an
id that exists nowhere; the two answers must have the same status (and, under /api/, the same
error code and message). A new route with an id fails the test until it is given an object here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, StringConverter, UUIDConverter
from rest_framework.test import APIClient

from tanzim.testing.scheduling import NOW
from tanzim.testing.world import (
    MISSING_INT,
    objects_of_every_kind,
    objects_of_the_newer_apps,
    queued_ranking_run,
)

pytestmark = pytest.mark.django_db

# Path parameters that are values, not ids of somebody's objects.
NOT_IDS = {"year", "month", "action", "role", "service", "channel", "what", "table", "fmt"}
MISSING_STR = "ZZ9999"

# Routes anyone may read whatever the office: public by design, so "exists" is no secret.
PUBLIC = {
    "api/v1/queues/<str:code>/display/": "the waiting room's display of numbers",
    "appointments/display/<str:code>/": "the waiting room's display of numbers",
    "api/v1/feedback/offices/<str:code>/results/": "an office's published survey results",
    "api/v1/feedback/offices/<str:code>/comments/": "an office's published comments",
    "feedback/results/<str:code>/": "an office's published survey results",
    "ranking/offices/<str:code>/": "an office's published ranking",
    "appointments/office/<str:code>/": "an office's free times, for booking",
    "api/v1/ranking/public/runs/<int:pk>/results/": "a published ranking",
    "api/v1/consult/trees/<slug:slug>/": "a published diagnosis tree, for anyone",
    "consult/diagnosis/<slug:slug>/": "a published diagnosis tree, for anyone",
    "consult/diagnosis/<slug:slug>/start/": "a published diagnosis tree, for anyone",
    "consult/interviews/<slug:slug>/": "a published drafting interview, for anyone",
    "open/offices/<str:code>/": "an office's public card (open data)",
}
# Routes addressed by a secret (a survey link, a bank session): the secret is the permission.
CAPABILITIES = {
    "api/v1/surveys/<str:token>/",
    "feedback/s/<str:token>/",
    "finance/gateway/<str:token>/",
    "finance/shared/<str:token>/",  # a shared payment link (tanzim/finance/tests/test_shared_link.py)
    "files/<str:token>/<str:name>",  # a signed link to a stored file (tanzim/common/tests/test_file_links.py)
    # A drafting interview's own link (save and resume before signing in).
    "consult/drafts/<str:token>/pages/<int:page>/",
    "consult/drafts/<str:token>/review/",
    "consult/drafts/<str:token>/saved/",
    "consult/drafts/<str:token>/finish/",
    "consult/drafts/<str:token>/done/",
    "consult/drafts/<str:token>/document.pdf",
    "consult/drafts/<str:token>/document.docx",
}


def id_routes() -> list[tuple[str, list[str]]]:
    def walk(patterns, prefix="", converters=None):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            found = {**(converters or {}), **getattr(pattern.pattern, "converters", {})}
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route, found)
            elif isinstance(pattern, URLPattern):
                ids = [
                    name
                    for name, converter in found.items()
                    if name not in NOT_IDS
                    and isinstance(converter, IntConverter | StringConverter | UUIDConverter)
                ]
                if ids:
                    yield route, ids

    return sorted(
        (route, ids)
        for route, ids in walk(get_resolver().url_patterns)
        if not route.startswith("admin/") and route not in PUBLIC and route not in CAPABILITIES
    )


ROUTES = id_routes()


@dataclass
class World:
    """One object of office A of every kind a route names."""

    values: dict[str, object] = field(default_factory=dict)

    def kwargs_for(self, route: str, ids: list[str]) -> dict[str, object]:
        kwargs = {}
        for name in ids:
            key = _key(route, name)
            if key not in self.values:
                raise LookupError(f"{route}: no object of office A for {name!r} ({key})")
            kwargs[name] = self.values[key]
        return kwargs


def _key(route: str, name: str) -> str:
    """Which kind of object a route's parameter names, read from the route's words."""
    if name in ("code",):
        return "office"
    if name == "ref":
        return "payment"
    if name == "reference":
        return "complaint"
    if name == "case_id":
        return "case"
    if name != "pk":
        return name.removesuffix("_id")
    for prefix, kind in (
        ("api/v1/appointments/flexible-requests/", "flexible_request"),
        ("api/v1/appointments/", "appointment"),
        ("desk/identity/", "identity_check"),
        ("appointments/ticket/", "ticket"),
        ("appointments/", "appointment"),
        ("api/v1/queue-tickets/", "ticket"),
        ("api/v1/cases/", "case"),
        ("cases/", "case"),
        ("api/v1/disputes/", "dispute"),
        ("disputes/", "dispute"),
        ("api/v1/checklists/", "checklist"),
        ("api/v1/findings/", "finding"),
        ("api/v1/corrective-actions/", "corrective_action"),
        ("inspections/actions/", "corrective_action"),
        ("inspections/evidence/", "evidence"),
        ("api/v1/inspections/", "inspection"),
        ("inspections/", "inspection"),
        ("api/v1/ranking/runs/", "run"),
        ("ranking/runs/", "run"),
        ("api/v1/enforcement/auctions/", "auction"),
        ("enforcement/auctions/", "auction"),
        ("api/v1/enforcement/files/", "enforcement_file"),
        ("enforcement/files/", "enforcement_file"),
        ("api/v1/membership/applications/", "application"),
        ("membership/applicants/", "application"),
        ("membership/documents/", "membership_document"),
        ("membership/loans/documents/", "loan_document"),
        ("membership/insurance/documents/", "claim_document"),
        ("api/v1/outreach/missions/", "mission"),
        ("outreach/missions/", "mission"),
        ("api/v1/partners/dead-letters/", "delivery"),
        ("partners/dead-letters/", "delivery"),
        ("api/v1/partners/referrals/", "partner_referral"),
        ("partners/", "partner_referral"),
    ):
        if route.startswith(prefix):
            return kind
    raise LookupError(f"{route}: which object does pk name?")


def _path(route: str, kwargs: dict[str, object], fixed: dict[str, object]) -> str:
    path = "/" + route
    for name, value in {**fixed, **kwargs}.items():
        for converter in ("int", "str", "uuid", "slug"):
            path = path.replace(f"<{converter}:{name}>", str(value))
    return path


def _fixed_values(route: str) -> dict[str, object]:
    """Values for the parameters that are not ids: a period, an action the route knows."""
    return {
        "year": 1405,
        "month": 9,
        "action": "serve" if "ticket" in route else "start",
        "role": "respondent",
        "what": "deposit",
    }


def _missing(route: str, ids: list[str], present: dict[str, object]) -> dict[str, object]:
    missing: dict[str, object] = {}
    for name in ids:
        value = present[name]
        if isinstance(value, uuid.UUID) or (
            isinstance(value, str) and len(value) == 36 and value.count("-") == 4
        ):
            missing[name] = uuid.UUID(int=7)
        elif isinstance(value, int):
            missing[name] = MISSING_INT
        else:
            missing[name] = MISSING_STR
    return missing


@pytest.fixture
def world(personas) -> World:
    values, _markers = objects_of_every_kind(personas, now=NOW)
    # A queued run as the Kanoon's request leaves it (a run is national, not office A's).
    values["run"] = queued_ranking_run(personas.kanoon_admin)
    values.update(objects_of_the_newer_apps(personas))
    return World(values)


def _answer(response) -> tuple:
    if response["Content-Type"].startswith("application/json") and response.status_code >= 400:
        body = response.json()
        return response.status_code, body.get("code"), body.get("message")
    return (response.status_code,)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_walk_covers_every_route_with_an_id():
    routes = [route for route, _ids in ROUTES]

    assert len(routes) > 100
    assert "api/v1/documents/<int:document_id>/" in routes
    assert "appointments/office/<str:code>/day/" in routes
    assert "appointments/office/<str:code>/queue/" in routes


@pytest.mark.parametrize("outsider", ["clerk_b", "other_citizen"])
def test_an_outsider_cannot_tell_office_as_objects_from_missing_ones(personas, world, clock, outsider):
    """Office B's clerk, and a citizen whose cases these are not, on every route with an id."""
    client = APIClient(raise_request_exception=False)
    client.force_login(getattr(personas, outsider))
    unknown, leaks, walked = [], [], 0
    for route, ids in ROUTES:
        try:
            present = world.kwargs_for(route, ids)
        except LookupError as exc:
            unknown.append(str(exc))
            continue
        missing = _missing(route, ids, present)
        fixed = _fixed_values(route)
        for method in ("get", "post"):
            theirs = _answer(getattr(client, method)(_path(route, present, fixed), {}, format="json"))
            nobodys = _answer(getattr(client, method)(_path(route, missing, fixed), {}, format="json"))
            walked += 1
            if theirs != nobodys:
                leaks.append(f"{method.upper()} /{route}: office A's {theirs} ≠ missing {nobodys}")

    assert leaks == []
    assert unknown == []
    assert walked >= 200


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_someone_elses_document_answers_exactly_like_a_missing_one(personas, world):
    api = _api(personas.other_citizen)

    theirs = api.get(f"/api/v1/documents/{world.values['document']}/")
    nobodys = api.get(f"/api/v1/documents/{MISSING_INT}/")

    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.json() == nobodys.json() == {"code": "not_found", "message": "یافت نشد.", "fields": {}}


def test_another_offices_finding_answers_exactly_like_a_missing_one(personas, world):
    api = _api(personas.clerk_b)

    body = {"description": "بایگانی کامل شود"}
    theirs = api.post(f"/api/v1/findings/{world.values['finding']}/actions/", body, format="json")
    nobodys = api.post(f"/api/v1/findings/{MISSING_INT}/actions/", body, format="json")

    assert (theirs.status_code, theirs.json()) == (nobodys.status_code, nobodys.json())
    assert theirs.status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/api/v1/queues/{code}/", "/appointments/office/{code}/day/", "/appointments/office/{code}/queue/"],
)
def test_another_offices_queue_and_day_are_a_404_like_an_unknown_office(personas, world, url):
    client = APIClient()
    client.force_login(personas.clerk_b)

    theirs = client.get(url.format(code=personas.office_a.code))
    nobodys = client.get(url.format(code=MISSING_STR))

    assert theirs.status_code == nobodys.status_code == 404
