"""The public tables as files: CSV (UTF-8 with a byte-order mark), XLSX and JSON.

Every format carries the same cells: a suppressed cell is blank (``null`` in JSON) and named in
the row's ``suppressed`` column; each file states the licence. The XLSX is a minimal
SpreadsheetML package written with zipfile (one sheet of the data, one of the licence and the
column notes), as ``tanzim/consult/documents.py`` writes DOCX: no library needed to write it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from tanzim.opendata.tables import Column

SUPPRESSED = "suppressed"


def header(columns: Sequence[Column]) -> list[str]:
    return [c.key for c in columns] + [SUPPRESSED]


def _flat(row: dict[str, Any], columns: Sequence[Column]) -> list[Any]:
    return [row.get(c.key) for c in columns] + [" ".join(row.get(SUPPRESSED) or [])]


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[Column], licence: dict[str, str]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet programs read Persian names as UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(columns))
    for row in rows:
        writer.writerow(["" if v is None else v for v in _flat(row, columns)])
    return buffer.getvalue()


def to_json(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column], licence: dict[str, str], *, table: str
) -> str:
    payload = {
        "table": table,
        "licence": licence,
        "suppression": "Counts under 5, amounts of fewer than 5 items and ratios of a denominator under 5 "
        "are null and named in 'suppressed'; more cells are suppressed where a total would reveal them.",
        "fields": [{"key": c.key, "label": str(c.label), "unit": c.unit, "kind": c.kind} for c in columns],
        "rows": list(rows),
    }
    return json.dumps(payload, ensure_ascii=False)


# --- XLSX ---------------------------------------------------------------------------------------

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SHEET_TYPE}"/>'
    f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{_SHEET_TYPE}"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_R}/worksheet" Target="worksheets/sheet2.xml"/>'
    "</Relationships>"
)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def _sheet(rows: Sequence[Sequence[Any]]) -> str:
    body = []
    for r, values in enumerate(rows, start=1):
        cells = "".join(_cell(f"{_column_letter(c)}{r}", v) for c, v in enumerate(values))
        body.append(f'<row r="{r}">{cells}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{_NS}"><sheetData>{"".join(body)}</sheetData></worksheet>'
    )


def to_xlsx(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column], licence: dict[str, str], *, table: str
) -> bytes:
    data = [header(columns)] + [_flat(row, columns) for row in rows]
    notes: list[list[Any]] = [
        ["licence", licence["name"], licence["url"]],
        ["attribution", licence["attribution"]],
        ["suppressed", "blank cells named in the 'suppressed' column: fewer than 5 behind them"],
        [],
        ["column", "label", "unit"],
    ] + [[c.key, str(c.label), c.unit] for c in columns]
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook xmlns="{_NS}" xmlns:r="{_R}"><sheets>'
        f'<sheet name="{escape(table[:31])}" sheetId="1" r:id="rId1"/>'
        '<sheet name="licence" sheetId="2" r:id="rId2"/>'
        "</sheets></workbook>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", workbook)
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        package.writestr("xl/worksheets/sheet1.xml", _sheet(data))
        package.writestr("xl/worksheets/sheet2.xml", _sheet(notes))
    return buffer.getvalue()
