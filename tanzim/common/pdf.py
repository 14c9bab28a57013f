"""Documents as PDF (WeasyPrint): one renderer and one embedded font for every app.

Receipts, settlement reports, awards and statements render in the reader's language
(Persian by default: RTL, Persian digits, Jalali dates) with the Vazirmatn font embedded,
so they read the same on any machine that opens them.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

# WeasyPrint subsets fonts with fontTools, which logs every step at INFO: one receipt, dozens of lines.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = "vendor/vazirmatn/Vazirmatn-Variable.woff2"
# A system font with Persian glyphs, should the vendored one be missing from a deployment.
FALLBACK_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


@cache
def font_url() -> str:
    """A file:// URL of the font to embed: the vendored Vazirmatn, else a system font."""
    found = finders.find(FONT)
    candidates = [found] if isinstance(found, str) else []
    candidates.append(str(Path(settings.STATIC_ROOT) / FONT))
    candidates.extend(FALLBACK_FONTS)
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path.resolve().as_uri()
    return ""


def render_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document (its stylesheet and font URLs resolved from the project)."""
    from weasyprint import HTML  # heavy import, only when a document is made

    document: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return document
