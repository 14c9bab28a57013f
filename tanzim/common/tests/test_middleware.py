"""A slash-less API path is answered with 308 to its slashed form: the method and body are kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

QUOTE = {"service": "civil_petition", "channel": "remote"}


def test_a_get_without_the_slash_is_redirected_with_308_keeping_the_query(client):
    url = reverse("api:service-list")
    assert url.endswith("/")

    response = client.get(url.rstrip("/"), {"channel": "remote"})

    assert response.status_code == 308
    assert response["Location"] == f"{url}?channel=remote"


def test_a_post_without_the_slash_is_redirected_with_308_and_followed_with_its_body(client):
    url = reverse("api:fee-quote")

    redirect = client.post(url.rstrip("/"), QUOTE, content_type="application/json")
    followed = client.post(url.rstrip("/"), QUOTE, content_type="application/json", follow=True)

    assert redirect.status_code == 308
    assert redirect["Location"] == url
    assert followed.redirect_chain == [(url, 308)]
    assert followed.status_code == 200
    assert followed.json()["service"] == "civil_petition"


def test_a_path_that_resolves_neither_way_is_a_plain_404(client):
    assert client.get("/api/v1/no-such-thing").status_code == 404


def test_pages_outside_the_api_keep_djangos_own_rule(client):
    assert client.get("/offices").status_code == 301
