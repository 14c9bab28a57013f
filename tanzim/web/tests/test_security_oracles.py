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
from datetime import timedelta

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, StringConverter, UUIDConverter
from rest_framework.test import APIClient

from tanzim.catalog.models import Service
from tanzim.testing.cases import make_draft
from tanzim.testing.files import pdf_bytes, photo, png_bytes, upload
from tanzim.testing.scheduling import NOW

pytestmark = pytest.mark.django_db

# Path parameters that are values, not ids of somebody's objects.
NOT_IDS = {"year", "month", "action", "role", "service", "channel"}
MISSING_INT, MISSING_STR = 987_654_321, "ZZ9999"

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
}
# Routes addressed by a secret (a survey link, a bank session): the secret is the permission.
CAPABILITIES = {
    "api/v1/surveys/<str:token>/",
    "feedback/s/<str:token>/",
    "finance/gateway/<str:token>/",
    "files/<str:token>/<str:name>",  # a signed link to a stored file (tanzim/common/tests/test_file_links.py)
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
    from tanzim.cases import services as cases
    from tanzim.feedback.services.complaints import complaint_file
    from tanzim.inspections import services as inspections
    from tanzim.scheduling.services import slots_generate, ticket_issue_walk_in
    from tanzim.testing.disputes import open_dispute
    from tanzim.testing.scheduling import book

    petition = Service.objects.get(code="civil_petition")
    followup = Service.objects.get(code="case_followup")
    values: dict[str, object] = {"office": personas.office_a.code}

    case = make_draft(personas, petition)
    values["case"] = case.pk
    values["party"] = case.parties.first().pk
    values["document"] = cases.document_add(
        case=case, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(1))
    ).pk

    slots_generate(office=personas.office_a)
    from tanzim.scheduling.models import Slot

    slot = Slot.objects.filter(office=personas.office_a, start__gte=NOW).order_by("start").first()
    assert slot is not None
    values["appointment"] = book(personas.citizen, slot, followup).pk
    values["ticket"] = ticket_issue_walk_in(office=personas.office_a, actor=personas.clerk_a).pk

    dispute = open_dispute(personas)
    values["dispute"] = dispute.pk

    complaint = complaint_file(
        complainant=personas.citizen,
        office=personas.office_a,
        category="conduct",
        description="رفتار نامناسب کارمند دفتر",
        attachments=[upload("p.png", png_bytes(), "image/png")],
    )
    values["complaint"] = complaint.reference
    values["attachment"] = complaint.attachments.get().pk

    checklist = inspections.checklist_current()
    assert checklist is not None
    values["checklist"] = checklist.pk
    inspection = inspections.inspection_schedule(
        actor=personas.inspector, office=personas.office_a, kind="periodic"
    )
    values["inspection"] = inspection.pk
    item = checklist.items.order_by("position")[0]
    values["item"] = item.pk
    inspection = inspections.inspection_transition(
        inspection=inspection, actor=personas.inspector, action="start"
    )
    values["evidence"] = inspections.inspection_evidence_add(
        inspection=inspection, actor=personas.inspector, item_id=item.pk, upload=photo()
    ).pk
    finding = inspections.finding_add(
        inspection=inspection, actor=personas.inspector, severity="major", description="بایگانی ناقص است"
    )
    values["finding"] = finding.pk
    values["corrective_action"] = inspections.corrective_action_add(
        finding=finding, actor=personas.inspector, description="بایگانی کامل شود"
    ).pk

    from tanzim.catalog.fees import fee_quote
    from tanzim.finance.services import payment_create

    values["payment"] = str(
        payment_create(
            office=personas.office_a,
            payer=personas.citizen,
            quote=fee_quote(service=petition, channel="in_person"),
            reference_type="tests.thing",
            reference_id="oracle-1",
        ).uuid
    )

    from tanzim.scheduling.services import flexible_request_create

    values["flexible_request"] = flexible_request_create(
        citizen=personas.citizen,
        service=followup,
        latitude=35.7,
        longitude=51.4,
        earliest=NOW.date(),
        latest=NOW.date() + timedelta(days=10),
    ).pk

    from tanzim.ranking.models import RankingRun
    from tanzim.ranking.services import policy_current

    # A queued run as the Kanoon's request leaves it (a run is national, not office A's).
    values["run"] = RankingRun.objects.create(
        policy=policy_current(),
        period_kind="month",
        period_first=140508,
        period_last=140508,
        seed=1,
        requested_by=personas.kanoon_admin,
    ).pk
    # An API token of office A's clerk: someone else's token answers like a missing one.
    from tanzim.accounts.services import api_token_issue

    values["token"] = api_token_issue(user=personas.clerk_a).token.pk
    # A dispute's sessions, arbitrators and referrals need it far up its ladder: their routes are
    # walked with office A's dispute and an id that exists nowhere (the dispute's scope is checked).
    for name in ("session", "arbitrator", "referral"):
        values[name] = MISSING_INT + 1
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
