"""Documents: the monthly statement as CSV and as a PDF (WeasyPrint, RTL, Vazirmatn embedded)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tanzim.common.jalali import JalaliMonth, format_jalali
from tanzim.common.pdf import font_faces, render_pdf
from tanzim.finance.selectors import OfficeStatement, statement_lines


def statement_csv_rows(statement: OfficeStatement) -> Iterator[str]:
    """The statement's lines as CSV text chunks (UTF-8 with a BOM so spreadsheets read Persian)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    yield "\ufeff"
    writer.writerow(
        [
            _("Date (Jalali)"),
            _("Time (ISO 8601)"),
            _("Kind"),
            _("Reference"),
            _("Service"),
            _("Method"),
            _("Office fee (rials)"),
            _("Court fee (rials)"),
            _("Subsidy (rials)"),
            _("Refund (rials)"),
            _("Note"),
        ]
    )
    yield flush()
    kinds = {"payment": _("Payment"), "refund": _("Refund")}
    for n, line in enumerate(statement_lines(statement=statement), start=1):
        writer.writerow(
            [
                format_jalali(line.at, with_time=True, persian_digits=False),
                line.at.isoformat(),
                kinds[line.kind],
                line.reference,
                line.service,
                line.method,
                line.office_fee,
                line.court_fee,
                line.subsidy,
                line.refund,
                _safe_cell(line.note),
            ]
        )
        if n % 500 == 0:
            yield flush()
    writer.writerow([])
    writer.writerow([_("Total office fees"), "", "", "", "", "", statement.office_fees])
    writer.writerow([_("Total court fees"), "", "", "", "", "", "", statement.court_fees])
    writer.writerow([_("Total subsidies"), "", "", "", "", "", "", "", statement.subsidies])
    writer.writerow([_("Total refunds"), "", "", "", "", "", "", "", "", statement.refunds])
    yield flush()


def _safe_cell(text: str) -> str:
    """Free text never starts a formula in a spreadsheet (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def statement_pdf(statement: OfficeStatement, *, language: str | None = None) -> bytes:
    """The statement as a PDF in the reader's language (Persian by default), with Jalali dates."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string(
            "finance/statement_pdf.html",
            {
                "s": statement,
                "font_faces": font_faces(),
                "month_name": JalaliMonth(statement.year, statement.month).label(language),
                "generated_at": timezone.now(),
                "LANG": language,
                "RTL": translation.get_language_bidi(),
            },
        )
    return render_pdf(html)
