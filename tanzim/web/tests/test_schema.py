"""The OpenAPI schema is valid, and no endpoint answers generated input with a server error.

schemathesis generates valid and invalid requests from the schema and sends them to the
WSGI application in-process. In-process requests close the database connection at the end
of each request (Django's ``request_finished``), so that test runs outside a wrapping
transaction and the project's conftest restores the reference data afterwards.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.urls import URLResolver, get_resolver, reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

PUBLIC_OPERATIONS = {
    "POST /api/v1/auth/token/",
    "POST /api/v1/auth/otp/request/",
    "POST /api/v1/auth/otp/verify/",
    "POST /api/v1/citizens/",
    "GET /api/v1/offices/",
    "GET /api/v1/services/",
    "POST /api/v1/fees/quote/",
}
MAX_EXAMPLES = 20
SIGNED_IN_EXAMPLES = 6  # per operation, mode and persona: about 1,000 signed-in requests in all


def test_the_schema_is_valid_openapi(client, db):
    response = client.get(reverse("schema"), {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["info"]["title"] == "Tanzim API"


def test_the_schema_documents_every_public_endpoint(client, db):
    schema = client.get(reverse("schema"), {"format": "json"}).json()

    documented = {f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item}

    assert documented >= PUBLIC_OPERATIONS | {"GET /api/v1/me/"}


def _api_routes(patterns, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _api_routes(pattern.url_patterns, route)
        else:
            routes.append(route)
    return routes


def test_every_api_route_ends_with_a_slash():
    """One rule (docs/api.md): a client never guesses; a slash-less call gets a 308 to the slashed one."""
    resolver = get_resolver()
    api = next(p for p in resolver.url_patterns if str(p.pattern) == "api/v1/")

    routes = _api_routes(api.url_patterns, "api/v1/")

    assert len(routes) > 10
    assert [route for route in routes if not route.endswith("/")] == []


def test_no_two_serializers_share_a_schema_component_name():
    """drf-spectacular keeps only one of two components with the same name: the other is mis-documented."""
    GENERATOR_STATS.reset()

    SchemaGenerator().get_schema(request=None, public=True)

    assert not GENERATOR_STATS._error_cache, sorted(GENERATOR_STATS._error_cache)
    collisions = sorted(w for w in GENERATOR_STATS._warn_cache if "identical names" in w)
    assert collisions == []


def _is_public(operation) -> bool:
    """Anonymous callers may use it: no security requirement, or an empty one among the choices."""
    security = operation.definition.raw.get("security")
    return security is None or {} in security


def _takes_input(operation) -> bool:
    # Security schemes show up as header and cookie parameters; they are not input to negate.
    return any(p.location.value in ("path", "query") for p in operation.iter_parameters()) or bool(
        operation.get_request_payload_content_types()
    )


def _exercise(
    operation, mode: GenerationMode, max_examples: int, headers: dict[str, str] | None = None
) -> None:
    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(headers={"Accept-Language": "en", **(headers or {})})
        case.validate_response(
            response, checks=[not_a_server_error, response_schema_conformance, status_code_conformance]
        )

    run()


def _operations():
    # Django's own WSGI handler: config.wsgi also runs the deployment checks, which a test site
    # (simulated adapters, no HTTPS) fails by design.
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.django_db(transaction=True)
def test_no_public_endpoint_answers_generated_input_with_a_server_error():
    public = [op for op in _operations() if _is_public(op)]
    assert {op.label for op in public} >= PUBLIC_OPERATIONS

    for operation in public:
        modes = [GenerationMode.POSITIVE]
        if _takes_input(operation):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            try:
                _exercise(operation, mode, MAX_EXAMPLES)
            except Unsatisfiable:
                if mode is not GenerationMode.NEGATIVE:
                    raise
                # Nothing here can be made invalid (e.g. a free-text path segment).
            except Exception as exc:
                raise AssertionError(f"{operation.label} ({mode.value}): {exc}"[:4000]) from exc


def test_every_other_endpoint_refuses_an_anonymous_caller(client, db):
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    private = [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method, definition in item.items()
        if definition.get("security") is not None and {} not in definition["security"]
    ]
    assert ("GET", "/api/v1/me/") in private

    answers = {}
    for method, path in private:
        response = client.generic(method, re.sub(r"\{[^}]+\}", "1", path), content_type="application/json")
        answers[f"{method} {path}"] = response.status_code

    assert {label: status for label, status in answers.items() if status not in (401, 403)} == {}


def _session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", ["clerk_a", "citizen"])  # two tests: parallel workers share them
def test_no_signed_in_read_answers_generated_filters_with_a_server_error(personas, persona):
    """Every private GET (lists with their filters, one object by id) with valid and invalid input,
    signed in as an office clerk and as a citizen: never a 5xx, always the documented shape."""
    reads = [op for op in _operations() if not _is_public(op) and op.method.upper() == "GET"]
    assert len(reads) > 20

    user = getattr(personas, persona)
    cookie = _session_cookie(user)
    for operation in reads:
        modes = [GenerationMode.POSITIVE]
        if _takes_input(operation):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            try:
                _exercise(operation, mode, SIGNED_IN_EXAMPLES, headers={"Cookie": cookie})
            except Unsatisfiable:
                if mode is not GenerationMode.NEGATIVE:
                    raise
            except Exception as exc:
                raise AssertionError(
                    f"{user.username} {operation.label} ({mode.value}): {exc}"[:4000]
                ) from exc
