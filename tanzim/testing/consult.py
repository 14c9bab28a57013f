"""What the consult app's tests share: answers for the bounced-cheque interview, page by page."""

from __future__ import annotations

from typing import Any

from tanzim.testing.factories import next_national_code


def cheque_pages(
    *, complainant_code: str | None = None, accused_code: str | None = None
) -> list[dict[str, Any]]:
    """The four pages of the cheque-complaint interview, as a citizen types them (Persian digits,
    thousands separators)."""
    return [
        {
            "complainant_name": "آلیس احمدی",
            "complainant_national_code": complainant_code or next_national_code(),
            "complainant_mobile": "۰۹۱۲۱۲۳۴۵۶۷",
            "complainant_address": "تهران، خیابان آزادی، پلاک ۱۰",
            "complainant_father": "رضا",
        },
        {
            "accused_name": "بهرام صادقی",
            "accused_national_code": accused_code or next_national_code(),
            "accused_mobile": "",
            "accused_address": "کرج، میدان آزادگان",
        },
        {
            "cheque_number": "۱۲۳۴۵۶",
            "sayad_id": "",
            "cheque_bank": "بانک ملی، شعبه آزادی",
            "cheque_amount": "۲۵۰٬۰۰۰٬۰۰۰",
            "cheque_date": "1405/01/10",
            "certificate_date": "1405/02/01",
        },
        {"description": "", "originals": "yes"},
    ]
