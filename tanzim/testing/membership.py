"""Helpers the membership tests share: exam CSVs, applicants at a given step, places, loans."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment
from tanzim.common.identifiers import make_national_code
from tanzim.inspections.choices import ItemResult
from tanzim.inspections.services.plans import checklist_current
from tanzim.membership.choices import APPLICANT_DOCUMENTS, PREMISES_DOCUMENTS, STEP_DAYS, Step
from tanzim.membership.models import Application, ExamImport, LoanProgramme, Place
from tanzim.membership.services import (
    document_add,
    licence_issue,
    place_choose,
    premises_inspect,
    step_approve,
    step_submit,
    training_record,
)
from tanzim.offices.models import City
from tanzim.testing.factories import ROLES_SINCE, CitizenFactory
from tanzim.testing.files import pdf_bytes, png_bytes, upload

HEADER = "national_code,first_name,last_name,mobile,province,rank"
_serial = itertools.count(300_000_001)


def national_code() -> str:
    while True:
        code = make_national_code(f"{next(_serial) % 1_000_000_000:09d}")
        if len(set(code)) > 1:
            return code


def exam_csv(n: int = 3, *, province: str = "THR", start_rank: int = 1, header: str = HEADER) -> bytes:
    lines = [header]
    for i in range(n):
        lines.append(
            f"{national_code()},نام{i},خانوادگی{i},0912{1000000 + i * 7:07d},{province},{start_rank + i}"
        )
    return ("\n".join(lines) + "\n").encode()


def place(city_code: str = "THR-02", seats: int = 1) -> Place:
    city = City.objects.get(code=city_code)
    return Place.objects.update_or_create(city=city, defaults={"province": city.province, "seats": seats})[0]


def applicant(*, province_code: str = "THR", actor: Any = None) -> Application:
    """A freshly imported applicant at the documents step (no CSV: a bare row)."""
    user = CitizenFactory.create()
    now = timezone.now()
    batch = ExamImport.objects.create(exam_year=1404, file_name="t.csv", rows=1, imported_by=actor or user)
    city = City.objects.filter(province__code=province_code).first()
    assert city is not None
    return Application.objects.create(
        exam_import=batch,
        user=user,
        national_code=user.national_code or "",
        full_name=f"{user.first_name} {user.last_name}",
        exam_rank=1,
        province=city.province,
        status_changed_at=now,
        step_due=now + timedelta(days=STEP_DAYS[Step.DOCUMENTS]),
    )


def passing_results() -> dict[int, str]:
    checklist = checklist_current()
    assert checklist is not None
    return {item.pk: ItemResult.COMPLIANT for item in checklist.items.all()}


def give_documents(application: Application, kinds: tuple[str, ...] = APPLICANT_DOCUMENTS) -> None:
    for kind in kinds:
        content = png_bytes() if kind == "premises_photo" else pdf_bytes()
        name, ctype = ("p.png", "image/png") if kind == "premises_photo" else ("d.pdf", "application/pdf")
        document_add(
            application=application, actor=application.user, kind=kind, upload=upload(name, content, ctype)
        )


def advance(
    application: Application, to: str, *, kanoon: Any, inspector: Any, at_place: Place | None = None
) -> Application:
    """Walk an applicant through the steps with the right people until ``to``."""
    user = application.user
    order: list[str] = [
        Step.DOCUMENTS,
        Step.PLACE,
        Step.PREMISES,
        Step.EQUIPMENT,
        Step.TRAINING,
        Step.GUARANTEE,
        Step.LICENCE,
        Step.OPENED,
    ]
    while application.status != to and order.index(application.status) < order.index(to):
        step = application.status
        if step == Step.DOCUMENTS:
            give_documents(application)
            step_submit(application=application, actor=user)
            application = step_approve(application=application, actor=kanoon)
        elif step == Step.PLACE:
            application = place_choose(application=application, actor=user, place=at_place or place(seats=50))
        elif step == Step.PREMISES:
            give_documents(application, PREMISES_DOCUMENTS)
            step_submit(
                application=application, actor=user, data={"premises_address": "خیابان آزادی، پلاک ۱۲"}
            )
            premises_inspect(application=application, actor=inspector, results=passing_results())
        elif step == Step.EQUIPMENT:
            step_submit(application=application, actor=user, data={"computers": 2, "internet_mbps": 20})
            application = step_approve(application=application, actor=kanoon)
        elif step == Step.TRAINING:
            application = training_record(application=application, actor=kanoon, hours=45, score=80)
        elif step == Step.GUARANTEE:
            step_submit(
                application=application,
                actor=user,
                data={"guarantee_reference": "BG-1", "guarantee_amount": 500_000_000},
            )
            application = step_approve(application=application, actor=kanoon)
        elif step == Step.LICENCE:
            application = licence_issue(application=application, actor=kanoon, slot_days=7)
        application.refresh_from_db()
    return application


def programme(**overrides: Any) -> LoanProgramme:
    values = {
        "code": "welfare",
        "name_fa": "وام رفاهی",
        "name_en": "Welfare loan",
        "min_amount": 10_000_000,
        "max_amount": 500_000_000,
        "annual_rate_bp": 400,
        "term_months": 12,
        "min_membership_years": 2,
        "tiers": ["A", "B", "C"],
        "no_dues_outstanding": True,
    }
    values.update(overrides)
    return LoanProgramme.objects.create(**values)


def manager_of(office: Any) -> Any:
    user = CitizenFactory.create()
    RoleAssignment.objects.create(user=user, role=Role.OFFICE_MANAGER, office=office, valid_from=ROLES_SINCE)
    return user


def member_documents(manager: Any, office: Any) -> dict[str, int]:
    """A loan document and an insurance claim document of ``office``'s manager (route walks)."""
    from tanzim.membership.models import ClaimDocument
    from tanzim.membership.services import loan_apply
    from tanzim.membership.services.claims import claim_submit
    from tanzim.membership.services.insurance import insurance_enrol
    from tanzim.membership.services.loan_documents import loan_document_add

    loan = loan_apply(
        programme=programme(tiers=[], min_membership_years=0), actor=manager, office=office, amount=30_000_000
    )
    pdf = upload("form.pdf", pdf_bytes(), "application/pdf")
    loan_document = loan_document_add(loan=loan, actor=manager, kind="application", upload=pdf)
    enrolment = insurance_enrol(actor=manager, office=office, policy=basic_policy(), dependants=[])
    claim = claim_submit(
        enrolment=enrolment,
        actor=manager,
        amount=8_000_000,
        description="بستری",
        uploads=[upload("invoice.pdf", pdf_bytes(), "application/pdf")],
    )
    return {
        "loan_document": loan_document.pk,
        "claim_document": ClaimDocument.objects.filter(claim=claim).values_list("pk", flat=True).get(),
    }


def basic_policy(code: str = "basic-1404") -> Any:
    """A basic policy: 1,500,000 rials a person a month, half paid by the Kanoon, 3 dependants."""
    from tanzim.membership.models import InsurancePolicy

    return InsurancePolicy.objects.create(
        code=code,
        name_fa="بیمه پایه",
        name_en="Basic",
        kind="basic",
        insurer="بیمه ایران",
        monthly_premium=1_500_000,
        kanoon_share_pct=50,
        max_dependants=3,
    )
