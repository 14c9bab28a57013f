"""Error pages (issue 15, 6): 400, 403, 404, 405, 429 and 500 in Persian in the site's layout, with
what happened, what to do next and a way home; under /api/ the JSON envelope with the same status."""

from __future__ import annotations

import json
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from tanzim.common import error_views
from tanzim.common.errors import RateLimitedError
from tanzim.testing.browser import DESKTOP, PHONE, expect_persian_page, no_sideways_scroll


def _page(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def _is_site_error_page(html: str, status: int) -> None:
    assert '<html lang="fa" dir="rtl">' in html
    assert f'id="error-page" data-status="{status}"' in html
    assert 'href="/" id="error-home"' in html
    assert "What you can do" not in html  # translated
    assert "راه‌های پیش رو" in html


@pytest.mark.django_db
def test_an_unknown_page_is_a_persian_404_with_a_way_home(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = _page(response)
    _is_site_error_page(html, 404)
    assert "این صفحه پیدا نشد" in html


@pytest.mark.django_db
def test_a_page_out_of_scope_is_a_persian_404_and_a_forbidden_one_a_persian_403(client, personas):
    from tanzim.catalog.models import Service
    from tanzim.testing.cases import make_draft

    draft = make_draft(personas, Service.objects.get(code="civil_petition"))
    client.force_login(personas.other_citizen)
    response = client.get(reverse("cases:draft", args=[draft.pk]))
    assert response.status_code == 404
    _is_site_error_page(_page(response), 404)

    rf = RequestFactory().get("/x/")
    rf.user = personas.other_citizen
    forbidden = error_views.permission_denied(rf, Exception())
    assert forbidden.status_code == 403
    _is_site_error_page(forbidden.content.decode(), 403)


@pytest.mark.django_db
def test_a_get_to_a_post_only_page_is_a_persian_405_keeping_allow(client, personas):
    client.force_login(personas.citizen)
    response = client.get(reverse("web:logout"))
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    _is_site_error_page(_page(response), 405)


@pytest.mark.django_db
def test_a_rate_limit_escaping_a_page_is_a_persian_429_with_retry_after():
    request = RequestFactory().get("/login/otp/")
    middleware = error_views.ErrorPageMiddleware(lambda r: None)
    response = middleware.process_exception(request, RateLimitedError("slow down", retry_after=60))
    assert response is not None and response.status_code == 429
    assert response["Retry-After"] == "60"
    _is_site_error_page(response.content.decode(), 429)


@pytest.mark.django_db
def test_400_and_500_pages_are_persian_too():
    request = RequestFactory().get("/x/")
    _is_site_error_page(error_views.bad_request(request, Exception()).content.decode(), 400)
    server = error_views.server_error(request)
    assert server.status_code == 500
    _is_site_error_page(server.content.decode(), 500)


@pytest.mark.django_db
def test_the_api_keeps_its_envelope(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    from django.http import HttpResponseNotAllowed

    bare = error_views.ErrorPageMiddleware(lambda r: HttpResponseNotAllowed(["POST"]))
    answer = bare(RequestFactory().get("/api/v1/anything/"))
    assert answer.status_code == 405 and json.loads(answer.content)["code"] == "method_not_allowed"
    assert answer["Allow"] == "POST"


@pytest.mark.django_db
def test_a_page_that_explains_itself_is_not_replaced():
    from django.http import HttpResponse

    own = error_views.ErrorPageMiddleware(lambda r: HttpResponse("own words", status=429))
    assert own(RequestFactory().get("/x/")).content == b"own words"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_404_page_in_a_browser_is_persian_and_leads_home(new_page, device):
    page = new_page(None, device)
    response = page.goto("/cases/999999/no-such/")
    assert response is not None and response.status == 404
    expect_persian_page(page)
    expect(page.locator("h1")).to_have_text("این صفحه پیدا نشد")
    no_sideways_scroll(page)
    page.locator("#error-home").click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
