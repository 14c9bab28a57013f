"""Static files as a production site serves them: collected with hashed names and compressed
(whitenoise's CompressedManifestStaticFilesStorage), then fetched through the whole middleware
stack. The tests of the static files and ``bench/page_bytes.py`` share it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management import call_command
from django.test import Client, override_settings

PRODUCTION_STATIC = "whitenoise.storage.CompressedManifestStaticFilesStorage"
PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"
ASSET = re.compile(r'<(?:link|script)\b[^>]*?(?:href|src)="(/static/[^"]+|/favicon\.ico)"')


WEB_STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


@contextmanager
def collected_static(
    root: Path, *, backend: str = PRODUCTION_STATIC, collect: bool = True, only_web: bool = False
) -> Iterator[None]:
    """Settings of a site whose static files were collected into ``root`` with ``backend``.

    ``collect=False`` reuses an earlier collection into the same root; ``only_web`` collects the
    public pages' own files (tanzim/web/static) and not the admin's or the API docs', which
    keeps a test's collection (Brotli is slow) to seconds.
    """
    finders = {}
    if only_web:
        finders = {
            "STATICFILES_FINDERS": ["django.contrib.staticfiles.finders.FileSystemFinder"],
            "STATICFILES_DIRS": [WEB_STATIC],
        }
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": backend},
    }
    production = backend == PRODUCTION_STATIC
    with override_settings(
        STORAGES=storages,
        STATIC_ROOT=root,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
        WHITENOISE_MAX_AGE=3600 if production else 60,
        **finders,
    ):
        if collect:
            call_command("collectstatic", interactive=False, verbosity=0, clear=True)
        yield


@dataclass
class Visit:
    """What one page view moved: bytes of bodies received, requests, and 304s among them."""

    html_bytes: int = 0
    asset_bytes: int = 0
    requests: int = 0
    not_modified: int = 0
    assets: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.html_bytes + self.asset_bytes


ENCODINGS = "br, gzip"


def visit(client: Client, path: str, *, cache: dict[str, dict[str, str]] | None = None) -> Visit:
    """Load a page and its stylesheets, scripts and icon as a browser with ``cache`` would.

    ``cache`` maps an asset URL to the validators and Cache-Control of its last response; an
    ``immutable`` entry is not asked for again, any other is revalidated (If-None-Match, which a
    304 answers without a body). Bodies are counted as sent, compressed when the server compressed.
    """
    cache = {} if cache is None else cache
    page = client.get(path, headers={"Accept-Encoding": ENCODINGS})
    result = Visit(html_bytes=len(page.content), requests=1)
    for url in dict.fromkeys(ASSET.findall(page.content.decode())):
        result.assets.append(url)
        stored = cache.get(url)
        if stored and "immutable" in stored.get("cache-control", ""):
            continue
        headers = {"Accept-Encoding": ENCODINGS}
        if stored and stored.get("etag"):
            headers["If-None-Match"] = stored["etag"]
        response = client.get(url, headers=headers)
        result.requests += 1
        body = (
            b"".join(getattr(response, "streaming_content", [])) if response.streaming else response.content
        )
        result.asset_bytes += len(body)
        if response.status_code == 304:
            result.not_modified += 1
            continue
        cache[url] = {"etag": response.get("ETag", ""), "cache-control": response.get("Cache-Control", "")}
    return result
