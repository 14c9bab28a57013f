"""The drafted document as a PDF (WeasyPrint through tanzim/common/pdf.py: RTL, Vazirmatn) and as
a DOCX the office can edit — a minimal WordprocessingML package written with zipfile, with the
paragraphs right-to-left (``w:bidi``, ``w:rtl``) when the document is Persian."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from django.template.loader import render_to_string
from django.utils import timezone, translation

from tanzim.common.pdf import font_faces, render_pdf
from tanzim.consult import interviews
from tanzim.consult.trees import _text


def document_context(definition: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    return {
        "title": _text(definition, "document_title") or _text(definition, "title"),
        "paragraphs": interviews.body(definition, answers),
        "today": timezone.localdate(),
        "font_faces": font_faces(),
    }


def document_pdf(definition: dict[str, Any], answers: dict[str, str], language: str = "fa") -> bytes:
    with translation.override(language):
        html = render_to_string("consult/document_pdf.html", document_context(definition, answers))
    return render_pdf(html)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _paragraph(text: str, *, rtl: bool, bold: bool = False, size: int = 24) -> str:
    ppr = "<w:pPr>" + ("<w:bidi/>" if rtl else "") + "</w:pPr>"
    rpr = (
        "<w:rPr>"
        '<w:rFonts w:ascii="Vazirmatn" w:hAnsi="Vazirmatn" w:cs="Vazirmatn"/>'
        + ("<w:b/><w:bCs/>" if bold else "")
        + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
        + ("<w:rtl/>" if rtl else "")
        + "</w:rPr>"
    )
    return f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def document_docx(definition: dict[str, Any], answers: dict[str, str], language: str = "fa") -> bytes:
    with translation.override(language):
        context = document_context(definition, answers)
    rtl = language == "fa"
    body = _paragraph(context["title"], rtl=rtl, bold=True, size=32) + "".join(
        _paragraph(p, rtl=rtl) for p in context["paragraphs"]
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}"><w:body>{body}'
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134"/>'
        + ("<w:bidi/>" if rtl else "")
        + "</w:sectPr></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _RELS)
        package.writestr("word/document.xml", document)
    return buffer.getvalue()
