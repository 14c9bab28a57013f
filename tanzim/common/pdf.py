"""Documents as PDF (WeasyPrint): one renderer and one embedded font for every app.

Receipts, settlement reports, awards and statements render in the reader's language
(Persian by default: RTL, Persian digits, Jalali dates) with the Vazirmatn font embedded,
so they read the same on any machine that opens them.

Every document is a tagged PDF/UA-1 file: a structure tree for screen readers, the language of
the page's ``<html lang>``, the ``<title>`` shown as the window title, and a creation date. Its
text layer keeps the zero-width non-joiner (see ``_keep_joiners_in_text_layer``), so a search
for «ثبت‌شده» finds it and a copied name is the name as written.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.safestring import mark_safe

# WeasyPrint subsets fonts with fontTools, which logs every step at INFO: one receipt, dozens of lines.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = "vendor/vazirmatn/Vazirmatn-Variable.woff2"
# The weights the documents' stylesheets use (regular, table headings, bold). The vendored font is
# variable; WeasyPrint would decompress it and make a fixed instance of each weight it meets for
# every document (a one-page document: 0.22 s with the variable font, 0.06 s with fixed ones), so
# each weight is made once a process instead and handed to WeasyPrint as plain TrueType under
# FONT_URL (``_fetcher_class``).
FONT_WEIGHTS = (400, 600, 700)
FONT_URL = "tanzim-font:vazirmatn-"
# A system font with Persian glyphs, should the vendored one be missing from a deployment.
FALLBACK_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
# Tagged, with the language and title in the catalogue: what PDF/UA-1 (ISO 14289-1) asks for.
PDF_VARIANT = "pdf/ua-1"
# Invisible characters that change the meaning of Persian text: the non-joiner writes «می‌شود»
# (not «میشود») and the joiner is its opposite. They must survive into the text layer.
JOINER_CONTROLS = frozenset({"\u200c", "\u200d"})


def _vendored_font() -> Path | None:
    found = finders.find(FONT)
    candidates = [found] if isinstance(found, str) else []
    candidates.append(str(Path(settings.STATIC_ROOT) / FONT))
    return next((Path(path) for path in candidates if Path(path).is_file()), None)


@cache
def font_instances() -> dict[int, bytes]:
    """The vendored Vazirmatn as one fixed TrueType font a weight (FONT_WEIGHTS); empty without it."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
    from fontTools.varLib.instancer import instantiateVariableFont  # type: ignore[import-untyped]

    source = _vendored_font()
    if source is None:
        return {}
    instances = {}
    for weight in FONT_WEIGHTS:
        font = instantiateVariableFont(TTFont(source), {"wght": weight})
        font.flavor = None  # plain TrueType: nothing to decompress at each document
        buffer = io.BytesIO()
        font.save(buffer)
        instances[weight] = buffer.getvalue()
    return instances


@cache
def font_faces() -> str:
    """The ``@font-face`` rules of a document's stylesheet: Vazirmatn at each weight, else a system font."""
    face = '@font-face {{ font-family: "Vazirmatn"; src: url("{}"){}; }}'
    if font_instances():
        rules = [face.format(f"{FONT_URL}{weight}", f"; font-weight: {weight}") for weight in FONT_WEIGHTS]
    else:
        fallback = next((Path(path) for path in FALLBACK_FONTS if Path(path).is_file()), None)
        rules = [face.format(fallback.as_uri(), "")] if fallback else []
    return mark_safe("\n".join(rules))  # made here from constants and file paths


@cache
def _fetcher_class() -> Any:
    """WeasyPrint's fetcher, answering FONT_URL from ``font_instances`` (imported when first needed)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Fetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(FONT_URL):
                weight = int(url.removeprefix(FONT_URL))
                return URLFetcherResponse(url, font_instances()[weight], {"Content-Type": "font/ttf"})
            return super().fetch(url, headers)

    return Fetcher


_glyph_ids: dict[tuple[str, str], int | None] = {}


def _glyph_id(stream: Any, pango_font: Any, char: str) -> int | None:
    """The font's own glyph for ``char`` (its cmap entry), or None when the font has none."""
    from fontTools.ttLib import TTFont

    font, _size = stream.add_font(pango_font)
    key = (font.hash, char)
    if key not in _glyph_ids:
        ttfont = TTFont(io.BytesIO(font.file_content), fontNumber=font.index, lazy=True)
        name = ttfont.getBestCmap().get(ord(char))
        _glyph_ids[key] = ttfont.getGlyphID(name) if name else None
    return _glyph_ids[key]


@cache
def _keep_joiners_in_text_layer() -> None:
    """Make WeasyPrint write the non-joiner into the PDF as a glyph, so text extraction keeps it.

    Pango shapes «ثبت‌شده» correctly, but hands every default-ignorable character to WeasyPrint
    as an "empty glyph", which WeasyPrint writes as a bare advance with no character behind it:
    the page looks right and the text layer reads «ثبتشده». Vazirmatn has a zero-width glyph
    for U+200C and U+200D; before a line is drawn, this swaps the empty glyph of those two
    characters for the font's own glyph. WeasyPrint then maps it to its character in the
    font's ToUnicode table like any other glyph. Layout does not change (both are zero width).
    Upstream has no option for this; ``test_pdf_text`` fails if an upgrade undoes it.
    """
    from weasyprint.draw import text as draw_text_module
    from weasyprint.text.ffi import ffi, pango

    original: Callable[..., Any] = draw_text_module.draw_first_line

    def draw_first_line(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
        layout = textbox.pango_layout
        # WeasyPrint sets this before drawing; setting it first keeps Pango from laying the line
        # out again (which would rebuild the glyphs swapped below).
        pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
        line, _index = layout.get_first_line()
        text = layout.text.encode()
        run = line.runs[0] if line.runs != ffi.NULL else ffi.NULL
        while run != ffi.NULL:
            glyph_item, run = run.data, run.next
            glyphs = glyph_item.glyphs
            for i in range(glyphs.num_glyphs):
                info = glyphs.glyphs[i]
                if info.glyph != pango.PANGO_GLYPH_EMPTY:
                    continue
                start = glyph_item.item.offset + glyphs.log_clusters[i]
                char = text[start : start + 3].decode("utf-8", "ignore")[:1]
                if char in JOINER_CONTROLS:
                    glyph = _glyph_id(stream, glyph_item.item.analysis.font, char)
                    if glyph:
                        info.glyph = glyph
        return original(stream, textbox, *args, **kwargs)

    draw_text_module.draw_first_line = draw_first_line


def render_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document (its stylesheet and font URLs resolved from the project).

    The document's ``<html lang>`` and ``<title>`` become the PDF's language and title; a
    ``<meta name="dcterms.created">`` in it wins over the creation date set here (now).
    """
    from weasyprint import HTML  # heavy import, only when a document is made

    _keep_joiners_in_text_layer()
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_fetcher_class()()).render(
        pdf_variant=PDF_VARIANT
    )
    now = timezone.now().replace(microsecond=0).isoformat()
    document.metadata.created = document.metadata.created or now
    document.metadata.modified = document.metadata.modified or document.metadata.created
    content: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return content
