"""Bytes per page on a first and a second visit, before and after compressed, hashed, immutable
static files (issue 24, 7). Figures only; nothing here asserts.

"Before" serves the static files as they were: plain names, uncompressed, cached 60 seconds, so
a second visit asks again for each (a 304 without a body). "After" serves them as production
does now: whitenoise's CompressedManifestStaticFilesStorage (Brotli or gzip, hashed names) and
a year's immutable caching, so a second visit asks for none. The pages render from a scratch
SQLite database (migrated, with the reference data) in a temporary directory.

    TANZIM_EMBEDDED=1 .venv/bin/python bench/page_bytes.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TANZIM_EMBEDDED", "1")
SCRATCH = tempfile.mkdtemp(prefix="tanzim-bytes-")
os.environ["TANZIM_VAR_DIR"] = SCRATCH
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tanzim.testing.static import (  # noqa: E402
    PLAIN_STATIC,
    PRODUCTION_STATIC,
    Visit,
    collected_static,
    visit,
)

PAGES = ["/", "/offices/", "/ranking/", "/login/otp/", "/login/"]


def measure(backend: str) -> list[tuple[str, Visit, Visit]]:
    rows: list[tuple[str, Visit, Visit]] = []
    with tempfile.TemporaryDirectory() as root, collected_static(Path(root), backend=backend):
        for path in PAGES:
            client, cache = Client(), dict[str, dict[str, str]]()
            first = visit(client, path, cache=cache)
            second = visit(client, path, cache=cache)
            rows.append((path, first, second))
    return rows


def main() -> None:
    setup_test_environment()  # the test client's host, no real e-mail
    call_command("migrate", verbosity=0)
    print(
        f"{'page':<14}{'':>8}{'1st visit B':>14}{'requests':>10}{'2nd visit B':>14}{'requests':>10}{'304s':>6}"
    )
    for label, backend in (("before", PLAIN_STATIC), ("after", PRODUCTION_STATIC)):
        for path, first, second in measure(backend):
            print(
                f"{path:<14}{label:>8}{first.total:>14,}{first.requests:>10}"
                f"{second.total:>14,}{second.requests:>10}{second.not_modified:>6}"
            )


if __name__ == "__main__":
    main()
