"""Static files on a production site: hashed names, compressed (Brotli and gzip), cached a year as
immutable; the favicon answers at /favicon.ico; a second visit downloads only the page."""

from __future__ import annotations

import pytest
from django.test import Client

from tanzim.testing.static import collected_static, visit

pytestmark = pytest.mark.django_db
YEAR = 365 * 24 * 3600


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """The public pages' static files collected once, as ``collectstatic`` does on deployment."""
    root = tmp_path_factory.mktemp("static")
    with collected_static(root, only_web=True):
        pass
    return root


def test_the_favicon_answers_at_the_sites_root_and_pages_link_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page and 'href="/favicon.ico"' in page


def test_hashed_static_files_are_compressed_and_cached_a_year_as_immutable(static_root):
    with collected_static(static_root, collect=False, only_web=True):
        client = Client()
        first = visit(client, "/")
        stylesheet = next(url for url in first.assets if "/web/tanzim." in url and url.endswith(".css"))
        assert stylesheet.count(".") >= 2  # tanzim.<hash>.css

        for encoding in ("br", "gzip"):
            response = client.get(stylesheet, HTTP_ACCEPT_ENCODING=encoding)
            assert response.status_code == 200 and response["Content-Encoding"] == encoding
        response = client.get(stylesheet, HTTP_ACCEPT_ENCODING="br")
        assert response["Cache-Control"] == f"max-age={YEAR}, public, immutable"
        bootstrap = next(url for url in first.assets if "bootstrap" in url and url.endswith(".css"))
        plain = b"".join(client.get(bootstrap).streaming_content)
        compressed = b"".join(client.get(bootstrap, HTTP_ACCEPT_ENCODING="br").streaming_content)
        assert len(compressed) < len(plain) / 4


def test_a_second_visit_downloads_the_page_and_no_static_file(static_root):
    with collected_static(static_root, collect=False, only_web=True):
        client, cache = Client(), {}
        first = visit(client, "/", cache=cache)
        second = visit(client, "/", cache=cache)
    assert first.asset_bytes > 0 and len(first.assets) >= 5
    # Everything but the root favicon is immutable; the favicon is revalidated with a 304.
    assert second.asset_bytes == 0 and second.requests <= 2
