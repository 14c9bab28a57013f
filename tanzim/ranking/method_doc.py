"""The method page: docs/ranking.md (and its Persian twin, docs/ranking.fa.md) rendered as HTML.

The documents in ``docs/`` are the one source of the method's description; the public page links
here rather than to a copy that could fall behind. Raw HTML in the Markdown is not passed through.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

DOCS = Path(settings.BASE_DIR) / "docs"
ENGLISH = "ranking.md"
PERSIAN = "ranking.fa.md"


def source_name(*, persian: bool) -> str:
    return f"docs/{PERSIAN if persian else ENGLISH}"


@lru_cache(maxsize=4)
def _render(path: Path, mtime: float) -> str:
    parser = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    return parser.render(path.read_text(encoding="utf-8"))


def render(*, persian: bool) -> SafeString:
    """The document as HTML (cached until the file changes)."""
    path = DOCS / (PERSIAN if persian else ENGLISH)
    if persian and not path.exists():
        path = DOCS / ENGLISH
    return mark_safe(_render(path, path.stat().st_mtime))
