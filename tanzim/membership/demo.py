"""Demo data for membership (idempotent): called by ``seed_demo`` after the apps it builds on.

Places opened in a few counties (one with a single place left), one exam import of applicants
with someone at every step — sent back, late, handed in, waiting — and one office opened through
the real licence service; two loan programmes, a queue, a loan being repaid; dues.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tanzim.accounts.models import RoleAssignment, User
from tanzim.audit.workflow import bulk_transition
from tanzim.common.identifiers import make_national_code
from tanzim.common.jalali import JalaliMonth, tehran_date
from tanzim.membership.choices import STEP_DAYS, Step
from tanzim.membership.models import (
    Application,
    ExamImport,
    LoanApplication,
    LoanProgramme,
    Place,
)
from tanzim.membership.services.dues import dues_charge
from tanzim.membership.services.loans import instalment_pay, loan_decide, loan_disburse
from tanzim.membership.services.steps import licence_issue
from tanzim.membership.workflows import APPLICATION
from tanzim.offices.models import City

DEMO_FILE = "demo-exam-1404.csv"
FIRST = ["سارا", "رضا", "نرگس", "حمید", "لیلا", "امیر", "فاطمه", "مهدی", "زهرا", "کاوه"]
LAST = ["کاظمی", "موسوی", "رستمی", "نوری", "صالحی", "جعفری", "قاسمی", "یزدانی", "عطایی", "فراهانی"]

# (step, how many, days at that step, handed in?, sent back with)
PLAN: list[tuple[str, int, int, bool, str]] = [
    (Step.DOCUMENTS, 4, 3, False, ""),
    (Step.DOCUMENTS, 2, 30, False, "تصویر گواهی عدم سوءپیشینه ناخواناست"),
    (Step.DOCUMENTS, 2, 5, True, ""),
    (Step.PLACE, 3, 12, False, ""),
    (Step.PREMISES, 2, 20, True, ""),
    (Step.PREMISES, 1, 50, False, "نقشه محل با نشانی هم‌خوانی ندارد"),
    (Step.EQUIPMENT, 2, 8, True, ""),
    (Step.TRAINING, 2, 16, False, ""),
    (Step.GUARANTEE, 2, 4, True, ""),
    (Step.LICENCE, 2, 2, False, ""),
    (Step.WITHDRAWN, 1, 40, False, ""),
]
ORDER: list[str] = [
    Step.DOCUMENTS,
    Step.PLACE,
    Step.PREMISES,
    Step.EQUIPMENT,
    Step.TRAINING,
    Step.GUARANTEE,
    Step.LICENCE,
]


def _code(n: int) -> str:
    return make_national_code(f"{777_000_000 + n * 13:09d}")


def _places(province_id: int) -> list[Place]:
    cities = list(City.objects.filter(province_id=province_id).order_by("-is_capital", "code")[:3])
    places = []
    for city, seats in zip(cities, (12, 6, 1), strict=False):
        places.append(
            Place.objects.get_or_create(city=city, defaults={"province_id": province_id, "seats": seats})[0]
        )
    return places


def seed_membership(*, offices: list[Any], progress: Callable[..., Any] | None = None) -> None:
    """Seed this app's demo data for ``offices``."""
    if ExamImport.objects.filter(file_name=DEMO_FILE).exists() or not offices:
        _advance(progress, offices)
        return
    kanoon = User.objects.filter(username="kanoon").first() or User.objects.filter(is_superuser=True).first()
    if kanoon is None:
        _advance(progress, offices)
        return
    rng = random.Random(1404)
    now = timezone.now()
    tehran = next((o.province for o in offices if o.province.code == "THR"), offices[0].province)
    places = _places(tehran.pk)
    total = sum(n for _s, n, *_r in PLAN) + 1
    batch = ExamImport.objects.create(exam_year=1404, file_name=DEMO_FILE, rows=total, imported_by=kanoon)
    serial = 0
    for step, count, days, handed_in, reason in PLAN:
        for _ in range(count):
            serial += 1
            application = _applicant(batch, serial, tehran, now - timedelta(days=days + 30))
            _walk(application, step, places, now - timedelta(days=days), rng)
            if handed_in or reason:
                Application.objects.filter(pk=application.pk).update(
                    submitted_at=(now - timedelta(days=1)) if handed_in else None, returned_reason=reason
                )
    # One opened through the real service: an office in the directory with its slots.
    serial += 1
    opened = _applicant(batch, serial, tehran, now - timedelta(days=90))
    _walk(opened, Step.LICENCE, places, now - timedelta(days=3), rng)
    Application.objects.filter(pk=opened.pk).update(premises_address="تهران، خیابان ولیعصر، پلاک ۱۴۰۴")
    licence_issue(application=Application.objects.get(pk=opened.pk), actor=kanoon, slot_days=14)
    _loans(offices, kanoon, now)
    _advance(progress, offices)


def _advance(progress: Callable[..., Any] | None, offices: list[Any]) -> None:
    if progress:
        for _ in offices:
            progress()


def _applicant(batch: ExamImport, serial: int, province: Any, since: Any) -> Application:
    code = _code(serial)
    first, last = FIRST[serial % len(FIRST)], LAST[(serial * 3) % len(LAST)]
    user, created = User.objects.get_or_create(
        username=code,
        defaults={
            "national_code": code,
            "first_name": first,
            "last_name": last,
            "mobile": f"+98915{700000 + serial:07d}"[:13],
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        RoleAssignment.objects.create(user=user, role="citizen", valid_from=since)
    return Application.objects.create(
        exam_import=batch,
        user=user,
        national_code=code,
        full_name=f"{first} {last}",
        exam_rank=serial,
        province=province,
        status_changed_at=since,
        step_due=since + timedelta(days=STEP_DAYS[Step.DOCUMENTS]),
    )


def _walk(application: Application, to: str, places: list[Place], when: Any, rng: random.Random) -> None:
    """Move a demo applicant along through the engine, up to ``to``."""
    rows = Application.objects.filter(pk=application.pk)
    if to == Step.WITHDRAWN:
        bulk_transition(APPLICATION, rows, Step.WITHDRAWN, reason="انصراف", now=when)
        return
    for step in ORDER[1 : ORDER.index(to) + 1]:
        changes: dict[str, Any] = {"step_due": when + timedelta(days=STEP_DAYS.get(step, 0))}
        if step == Step.PREMISES:
            place = next((p for p in places if p.taken < p.seats - (1 if p.seats == 1 else 0)), places[0])
            Place.objects.filter(pk=place.pk).update(taken=place.taken + 1)
            place.taken += 1
            changes["place"] = place
        if step == Step.EQUIPMENT:
            changes["premises_address"] = "تهران، خیابان انقلاب، پلاک " + str(rng.randrange(1, 300))
        if step == Step.TRAINING:
            changes["equipment"] = {"computers": 3, "internet_mbps": 50, "scanner": True, "card_reader": True}
        if step == Step.GUARANTEE:
            changes.update(training_hours=42, test_score=rng.randrange(65, 95))
        if step == Step.LICENCE:
            changes.update(
                guarantee_reference="ض-" + str(rng.randrange(10000, 99999)), guarantee_amount=500_000_000
            )
        bulk_transition(APPLICATION, rows, step, changes=changes, now=when)


def _loans(offices: list[Any], kanoon: User, now: Any) -> None:
    welfare, _ = LoanProgramme.objects.get_or_create(
        code="welfare-1404",
        defaults={
            "name_fa": "وام قرض‌الحسنه رفاهی مدیران",
            "name_en": "Managers' welfare loan (interest-free)",
            "min_amount": 50_000_000,
            "max_amount": 300_000_000,
            "annual_rate_bp": 0,
            "term_months": 12,
            "min_membership_years": 1,
            "tiers": [],
        },
    )
    LoanProgramme.objects.get_or_create(
        code="equipment-1404",
        defaults={
            "name_fa": "وام تجهیز دفاتر",
            "name_en": "Office equipment loan",
            "min_amount": 100_000_000,
            "max_amount": 1_000_000_000,
            "annual_rate_bp": 400,
            "term_months": 24,
            "min_membership_years": 2,
            "tiers": ["A", "B", "C"],
        },
    )
    managers = list(
        RoleAssignment.objects.filter(role="office_manager", office__in=offices[:6], valid_until__isnull=True)
        .select_related("user", "office")
        .order_by("office__code")
    )
    for n, assignment in enumerate(managers[:4]):
        loan, created = LoanApplication.objects.get_or_create(
            programme=welfare,
            member=assignment.user,
            office=assignment.office,
            defaults={"amount": 100_000_000 + n * 50_000_000, "submitted_at": now - timedelta(days=20 - n)},
        )
        if not created:
            continue
        if n == 0:
            loan_decide(loan=loan, actor=kanoon, approve=True)
            loan_disburse(loan=loan, actor=kanoon, now=now - timedelta(days=70))
            first = loan.instalments.order_by("number").first()
            if first is not None:
                instalment_pay(instalment=first, actor=kanoon)
        elif n == 1:
            loan_decide(loan=loan, actor=kanoon, approve=True)
    month = JalaliMonth.of(tehran_date(now))
    for office in offices[6:8]:
        # charged through the ledger: the office's statement shows its dues line
        dues_charge(
            office=office,
            month=month.shift(-1),
            amount=3_000_000,
            actor=kanoon,
            due_date=tehran_date(now) - timedelta(days=10),
        )
