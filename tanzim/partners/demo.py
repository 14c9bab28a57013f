"""Demo data for partners (idempotent): partner bodies of every kind with branches, checklists and
expected times; the partner persona (``partner``) as a member of the Tehran council; referrals of
office A's files in every state; one delivered event and one dead letter for the operator."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import time
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tanzim.accounts.models import RoleAssignment, User
from tanzim.audit.workflow import transition
from tanzim.partners.choices import DeliveryStatus, EventType, OutcomeCode, PartnerKind, ReferralStatus
from tanzim.partners.models import (
    Branch,
    Delivery,
    Partner,
    PartnerMember,
    Referral,
    ReferralKind,
    RequiredDocument,
)
from tanzim.partners.workflows import DELIVERY

DEMO_NOTE = "[demo]"

# kind, code, fa, en, referral kind (code, fa, en, ack days, outcome days, basis), checklist
# (code, fa, en, required, citizen task fa, citizen task en)
PARTNERS: list[tuple[Any, ...]] = [
    (
        PartnerKind.TAZIRAT,
        "tazirat",
        "سازمان تعزیرات حکومتی",
        "Government Tazirat Organisation",
        (
            "guild-complaint",
            "شکایت صنفی (گران‌فروشی، کم‌فروشی)",
            "Guild complaint (overcharging, short weight)",
            2,
            14,
            "قانون نظام صنفی، ماده ۷۲ / Guild Law art. 72",
        ),
        [
            ("invoice", "فاکتور یا رسید خرید", "The invoice or receipt", True, "", ""),
            (
                "licence",
                "شماره پروانه کسب فروشگاه",
                "The shop's business licence number",
                True,
                "شماره پروانه کسب را از تابلوی فروشگاه یادداشت کنید",
                "Note the licence number shown in the shop",
            ),
        ],
    ),
    (
        PartnerKind.FORENSIC,
        "forensic",
        "سازمان پزشکی قانونی",
        "Legal Medicine Organisation (Forensic Medicine)",
        ("examination", "معاینه و نظر کارشناسی", "Examination and expert opinion", 3, 20, ""),
        [
            (
                "referral-letter",
                "نامه ارجاع دادگاه یا کلانتری",
                "The referral letter of a court or the police",
                True,
                "از دادگاه یا کلانتری نامه ارجاع به پزشکی قانونی بگیرید",
                "Ask the court or the police for the referral letter",
            ),
            ("id-copy", "تصویر کارت ملی", "A copy of the national card", True, "", ""),
        ],
    ),
    (
        PartnerKind.COUNCIL,
        "council-tehran",
        "شورای حل اختلاف تهران",
        "Tehran dispute-resolution council",
        ("civil-claim", "دعوای حقوقی در صلاحیت شورا", "Civil claim within the council's remit", 3, 30, ""),
        [
            ("claim", "دادخواست یا شرح ادعا", "The statement of claim", True, "", ""),
            ("evidence", "مدارک و مستندات", "Evidence", False, "", ""),
        ],
    ),
    (
        PartnerKind.PEACE_COURT,
        "peace-court-tehran",
        "دادگاه صلح تهران",
        "Tehran peace court",
        ("peace-claim", "دعوای در صلاحیت دادگاه صلح", "Claim within the peace court's remit", 5, 45, ""),
        [("claim", "دادخواست", "The petition", True, "", "")],
    ),
    (
        PartnerKind.COURT,
        "court-tehran",
        "دادگستری تهران",
        "Tehran courts",
        ("lawsuit", "دعوای حقوقی", "Lawsuit", 7, 90, ""),
        [("petition", "دادخواست ثبت‌شده", "The filed petition", True, "", "")],
    ),
    (
        PartnerKind.PROSECUTOR,
        "prosecutor-tehran",
        "دادسرای عمومی و انقلاب تهران",
        "Tehran public prosecutor's office",
        ("criminal-complaint", "شکایت کیفری", "Criminal complaint", 5, 60, ""),
        [("complaint", "شکواییه", "The complaint", True, "", "")],
    ),
    (
        PartnerKind.POLICE,
        "police",
        "فراجا — کلانتری",
        "Police station",
        ("police-report", "گزارش و صورت‌جلسه", "Report and record", 1, 7, ""),
        [("statement", "اظهارنامه", "The statement", True, "", "")],
    ),
]


def _pdf() -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile("demo.pdf", buffer.getvalue(), content_type="application/pdf")


def _seed_partners(offices: list[Any]) -> dict[str, ReferralKind]:
    cities: list[Any] = []
    for office in offices:
        if office.city_id not in [c.pk for c in cities]:
            cities.append(office.city)
        if len(cities) == 2:
            break
    kinds: dict[str, ReferralKind] = {}
    for kind, code, fa, en, (kcode, kfa, ken, ack, out, basis), lines in PARTNERS:
        partner, _ = Partner.objects.get_or_create(
            code=code, defaults={"kind": kind, "name_fa": fa, "name_en": en}
        )
        for i, city in enumerate(cities):
            Branch.objects.get_or_create(
                partner=partner,
                name_en=f"{en}, {city.name_en}",
                defaults={
                    "name_fa": f"{fa}، {city.name_fa}",
                    "city": city,
                    "address": f"{city.name_fa}، خیابان اصلی، پلاک {10 + i}",
                    "phone": "021-8800000" if i == 0 else "",
                    "opens": time(7, 30),
                    "closes": time(14, 0) if kind != PartnerKind.POLICE else time(22, 0),
                },
            )
        referral_kind, _ = ReferralKind.objects.get_or_create(
            partner=partner,
            code=kcode,
            defaults={
                "name_fa": kfa,
                "name_en": ken,
                "ack_days": ack,
                "outcome_days": out,
                "legal_basis": basis,
            },
        )
        for position, (lcode, lfa, len_, required, task_fa, task_en) in enumerate(lines):
            RequiredDocument.objects.get_or_create(
                kind=referral_kind,
                code=lcode,
                defaults={
                    "name_fa": lfa,
                    "name_en": len_,
                    "required": required,
                    "citizen_task_fa": task_fa,
                    "citizen_task_en": task_en,
                    "position": position,
                },
            )
        kinds[kind] = referral_kind
    return kinds


def _walk(referral: Referral, state: str, *, clerk: Any, member: Any) -> None:
    from tanzim.partners import services

    if state == ReferralStatus.PREPARED:
        return
    if state == ReferralStatus.CANCELLED:
        services.referral_cancel(referral=referral, actor=clerk, reason="ثبت اشتباه")
        return
    for line in services.missing_documents(referral):
        services.referral_document_add(referral=referral, actor=clerk, requirement=line, upload=_pdf())
    services.referral_send(referral=referral, actor=clerk)
    if state == ReferralStatus.SENT:
        return
    partner_actor = member if member is not None and referral.partner_id == _member_partner(member) else clerk
    if state == ReferralStatus.RETURNED:
        services.referral_return(referral=referral, actor=partner_actor, reason="خارج از صلاحیت این مرجع")
        return
    services.referral_acknowledge(
        referral=referral,
        actor=partner_actor,
        partner_reference=f"{referral.partner.code[:6].upper()}-{referral.pk:04d}",
    )
    if state == ReferralStatus.RECEIVED:
        return
    services.referral_start(referral=referral, actor=partner_actor)
    if state == ReferralStatus.IN_PROGRESS:
        return
    outcomes: dict[str, str] = {
        PartnerKind.FORENSIC: OutcomeCode.EXAMINED,
        PartnerKind.TAZIRAT: OutcomeCode.VIOLATION_FOUND,
    }
    code = outcomes.get(referral.partner.kind, OutcomeCode.SETTLED)
    services.referral_record_outcome(
        referral=referral, actor=partner_actor, outcome_code=code, note="نتیجه نمایشی", upload=_pdf()
    )
    if state == ReferralStatus.CLOSED:
        services.referral_close(referral=referral, actor=clerk)


def _member_partner(member: Any) -> int | None:
    row = PartnerMember.objects.filter(user=member).first()
    return row.partner_id if row else None


def seed_partners(*, offices: list[Any], progress: Callable[..., Any] | None = None) -> None:
    """Seed this app's demo data for ``offices``."""
    from tanzim.cases.models import Case
    from tanzim.disputes.choices import DisputeStatus
    from tanzim.disputes.models import Dispute
    from tanzim.partners import services

    if not offices:
        return
    kinds = _seed_partners(list(offices))
    member = User.objects.filter(username="partner").first()
    council = kinds[PartnerKind.COUNCIL]
    if member is not None:
        PartnerMember.objects.get_or_create(user=member, partner=council.partner)
    clerk = User.objects.filter(username="clerk.a").first()
    if clerk is None or Referral.objects.filter(note__startswith=DEMO_NOTE).exists():
        if progress:
            progress()
        return
    assignment = (
        RoleAssignment.objects.filter(user=clerk, office__isnull=False).select_related("office").first()
    )
    if assignment is None or assignment.office is None:
        return
    office = assignment.office
    # Every state, spread over the kinds; the council's outcome comes from a dispute, so its page shows it.
    plan = [
        (PartnerKind.COUNCIL, ReferralStatus.OUTCOME),
        (PartnerKind.COUNCIL, ReferralStatus.SENT),
        (PartnerKind.COUNCIL, ReferralStatus.IN_PROGRESS),
        (PartnerKind.FORENSIC, ReferralStatus.RECEIVED),
        (PartnerKind.FORENSIC, ReferralStatus.PREPARED),
        (PartnerKind.TAZIRAT, ReferralStatus.CLOSED),
        (PartnerKind.TAZIRAT, ReferralStatus.RETURNED),
        (PartnerKind.PEACE_COURT, ReferralStatus.SENT),
        (PartnerKind.COURT, ReferralStatus.CANCELLED),
        (PartnerKind.PROSECUTOR, ReferralStatus.IN_PROGRESS),
        (PartnerKind.POLICE, ReferralStatus.OUTCOME),
    ]
    disputes = list(
        Dispute.objects.filter(
            office=office, status__in=(DisputeStatus.INTAKE, DisputeStatus.TRIAGED, DisputeStatus.FAILED)
        ).order_by("pk")[:3]
    )
    cases = list(Case.objects.filter(office=office).order_by("pk")[:20])
    for kind_key, state in plan:
        kind = kinds[kind_key]
        source: dict[str, Any] = {}
        if kind_key == PartnerKind.COUNCIL and disputes:
            source = {"dispute": disputes.pop(0)}
        elif cases:
            source = {"case": cases.pop(0)}
        if not source:
            break
        referral = services.referral_prepare(actor=clerk, kind=kind, note=f"{DEMO_NOTE} {state}", **source)
        _walk(referral, state, clerk=clerk, member=member)
    # The dead-letter list and the delivery log: one event delivered, one given up.
    tazirat = kinds[PartnerKind.TAZIRAT].partner
    now = timezone.now()
    if not tazirat.webhook_url:
        Partner.objects.filter(pk=tazirat.pk).update(webhook_url="https://tazirat.example/tanzim/hooks")
    for status, code in ((DeliveryStatus.DELIVERED, 200), (DeliveryStatus.DEAD, 503)):
        event_id = uuid.uuid4().hex
        delivery = Delivery.objects.create(
            partner=tazirat,
            referral=Referral.objects.filter(partner=tazirat).first(),
            event_id=event_id,
            event_type=EventType.REFERRAL_SENT,
            payload={"id": event_id, "type": EventType.REFERRAL_SENT, "data": {}},
            next_attempt_at=now,
        )
        transition(DELIVERY, delivery, DeliveryStatus.SENDING, now=now)
        transition(
            DELIVERY,
            delivery,
            status,
            changes={"attempts": 1 if status == DeliveryStatus.DELIVERED else 6, "last_status_code": code},
            now=now,
        )
    for _office in offices if progress else ():
        progress()  # type: ignore[misc]
