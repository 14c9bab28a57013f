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


def licensed_consultant(personas: Any, *, windows: bool = True) -> Any:
    """consultant_a recorded at office A, whose consultation licence is valid; Saturday to
    Wednesday 09:00-12:00 (Tehran) if ``windows``."""
    from datetime import date, time

    from tanzim.consult.models import Availability, Consultant
    from tanzim.offices.models import Licence

    Licence.objects.get_or_create(
        office=personas.office_a, kind="consultation", defaults={"valid_from": date(2024, 1, 1)}
    )
    consultant, _created = Consultant.objects.get_or_create(
        user=personas.consultant_a, defaults={"office": personas.office_a, "basis": "office_licence"}
    )
    if windows:
        for weekday in (5, 6, 0, 1, 2):
            Availability.objects.get_or_create(
                consultant=consultant, weekday=weekday, start_time=time(9), end_time=time(12)
            )
    return consultant


def pay(consultation: Any, citizen: Any) -> Any:
    """Open the consultation's payment and pay it at the simulated bank, running the after-commit
    signal that confirms the booking."""
    from django.test import TestCase

    from tanzim.consult.services.consultations import consultation_payment_open
    from tanzim.testing.finance import pay_online

    with TestCase.captureOnCommitCallbacks(execute=True):
        payment = pay_online(consultation_payment_open(consultation=consultation, actor=citizen))
    consultation.refresh_from_db()
    return payment
