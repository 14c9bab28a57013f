"""Security headers on every page (issue 13, defect 9), and every /api/ answer in the envelope (defect 10).

- Content-Security-Policy: scripts from Tanzim's own origin only (or a per-request nonce); no
  inline script and no inline event handler anywhere, so the policy needs no 'unsafe-inline'.
- Permissions-Policy: camera, microphone, payment… off; geolocation for Tanzim's origin only.
- Strict-Transport-Security with the production settings; Referrer-Policy from Django.
- Under /api/: an unknown route, a body over the limit, a CSRF refusal and a server error are
  JSON ``{"code", "message", "fields"}``, never Django's HTML pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from rest_framework.test import APIClient

from config import urls as project_urls

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def page_routes() -> list[str]:
    """Every page of the site a browser can open without an id (admin and the API aside)."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<" not in route:
                yield "/" + route

    return sorted(
        route for route in walk(get_resolver().url_patterns) if not route.startswith(("/admin/", "/api/v1/"))
    )


def assert_secure_headers(response) -> None:
    csp = directives(response)
    assert csp["default-src"] == "default-src 'self'"
    assert re.fullmatch(r"script-src 'self' 'nonce-[A-Za-z0-9_-]{20,}'", csp["script-src"])
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == "object-src 'none'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["base-uri"] == "base-uri 'self'"
    assert csp["form-action"].startswith("form-action 'self'")
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "payment=()", "usb=()", "geolocation=(self)"):
        assert feature in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- the headers, on every page ------------------------------------------------------------------------


@pytest.mark.parametrize("route", page_routes())
def test_every_page_carries_the_csp_and_permissions_policy_for_anyone(client, route):
    response = client.get(route)

    assert response.status_code in (200, 301, 302, 400, 403, 404, 405, 503), route
    assert_secure_headers(response)


@pytest.mark.parametrize("route", page_routes())
def test_no_page_a_kanoon_admin_opens_has_an_inline_script_or_event_handler(client, personas, route):
    client.force_login(personas.kanoon_admin)

    response = client.get(route)

    assert_secure_headers(response)
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        content = response.content.decode()
        assert INLINE_SCRIPT.findall(content) == [], route
        assert EVENT_HANDLER.findall(content) == [], route
        assert JAVASCRIPT_URL.findall(content) == [], route


def test_no_template_has_an_inline_script_or_event_handler():
    """The templates themselves: a page no test opens is covered too."""
    offenders = []
    for template in sorted(Path(settings.BASE_DIR, "tanzim").glob("*/templates/**/*.html")):
        text = template.read_text()
        if "/pdf/" in str(template):  # rendered to PDF by WeasyPrint, never served to a browser
            continue
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL):
            offenders += [f"{template.name}: {hit[:60]}" for hit in pattern.findall(text)]

    assert offenders == []


def test_each_response_gets_a_fresh_nonce(client):
    first, second = client.get("/"), client.get("/")

    assert directives(first)["script-src"] != directives(second)["script-src"]


def test_a_page_may_give_a_script_the_requests_nonce():
    from django.template import engines

    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">1</script>')

    def view(request):
        from django.http import HttpResponse

        return HttpResponse(template.render({}, request))

    urlconf = type("urls", (), {"urlpatterns": [path("nonce/", view)]})
    with override_settings(ROOT_URLCONF=urlconf):
        response = Client().get("/nonce/")

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    assert f'<script nonce="{nonce}">' in response.content.decode()


def test_the_api_and_its_docs_carry_the_same_headers(client, personas):
    client.force_login(personas.kanoon_admin)

    for url in (reverse("api:me"), reverse("schema"), reverse("api-docs")):
        assert_secure_headers(client.get(url))


def test_the_api_docs_load_their_start_up_script_from_a_file_not_inline(client):
    docs = client.get(reverse("api-docs"))

    content = docs.content.decode()
    assert INLINE_SCRIPT.findall(content) == []
    script = re.search(r'<script src="([^"]+\?[^"]*script[^"]*)"', content)
    assert script, content
    started = client.get(script[1].replace("&amp;", "&"))
    assert started.status_code == 200
    assert "SwaggerUIBundle" in started.content.decode()


@override_settings(
    SECURE_HSTS_SECONDS=31_536_000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
@pytest.mark.parametrize("route", ["/", "/offices/", "/api/v1/offices/"])
def test_hsts_is_sent_over_https_with_the_production_settings(client, route):
    response = client.get(route, headers={"X-Forwarded-Proto": "https"})

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert_secure_headers(response)


def test_hsts_is_never_sent_over_plain_http(client):
    with override_settings(SECURE_HSTS_SECONDS=31_536_000):
        assert "Strict-Transport-Security" not in client.get("/")


# --- every /api/ answer in the envelope ----------------------------------------------------------------


def assert_envelope(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert body["message"]


@pytest.mark.parametrize("url", ["/api/v1/no-such-thing/", "/api/v1/cases/not-a-number/", "/api/nothing"])
def test_an_unknown_api_route_is_a_404_in_the_envelope(client, url):
    assert_envelope(client.get(url), 404, "not_found")


def test_an_unknown_api_route_answers_in_the_callers_language(client):
    response = client.get("/api/v1/no-such-thing/", headers={"Accept-Language": "fa"})

    assert response.json()["message"] == "یافت نشد."


def test_an_unknown_page_is_still_an_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_json_body_over_the_limit_is_a_413_in_the_envelope(personas, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    api = APIClient()
    api.force_authenticate(personas.citizen)

    response = api.post(
        reverse("api:fee-quote"),
        {"service": "civil_petition", "channel": "remote", "padding": "x" * 4096},
        format="json",
    )

    assert_envelope(response, 413, "too_large")


def test_a_form_body_over_the_limit_is_a_413_in_the_envelope_before_any_view(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = client.post(reverse("api:auth-token"), {"username": "x" * 4096, "password": "y"})

    assert_envelope(response, 413, "too_large")


def test_a_csrf_refusal_under_the_api_is_in_the_envelope(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.citizen)

    response = client.post(
        reverse("api:case-list"), {"service": "civil_petition"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"code", "message", "fields"}


def _crash(request):
    raise RuntimeError("boom")


class _CrashingUrls:
    urlpatterns = [path("api/v1/crash/", _crash), path("crash/", _crash), *project_urls.urlpatterns]
    handler500 = project_urls.handler500
    handler404 = project_urls.handler404


def test_a_server_error_under_the_api_is_a_500_in_the_envelope():
    client = Client(raise_request_exception=False)
    with override_settings(ROOT_URLCONF=_CrashingUrls):
        api = client.get("/api/v1/crash/")
        page = client.get("/crash/")

    assert_envelope(api, 500, "server_error")
    assert "boom" not in api.content.decode()
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


def test_a_server_error_inside_an_api_view_is_a_500_in_the_envelope(personas, monkeypatch):
    from tanzim.catalog import api as catalog_api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog_api.ServiceListView, "get", broken)
    client = Client(raise_request_exception=False)

    assert_envelope(client.get(reverse("api:service-list")), 500, "server_error")
