"""Demo inspections: a history of completed inspections scored item by item (with findings,
corrective actions in every state and one referral to the violations board), and planned ones
for the demo inspector to perform, office A's among them.

Idempotent: everything hangs off one demo plan, made once.
"""

from __future__ import annotations

import hashlib
import io
import random
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.inspections.choices import ActionStatus, InspectionKind, InspectionStatus, ItemResult, Severity
from tanzim.inspections.models import (
    CorrectiveAction,
    CorrectiveActionEvent,
    Inspection,
    InspectionAnswer,
    InspectionEvent,
    InspectionEvidence,
    InspectionPlan,
    ViolationReferral,
)
from tanzim.inspections.services import checklist_current, draw_up_findings, score_answers
from tanzim.offices.models import Office

DEMO_PLAN = "Demo: inspection history"
ACTION_TEXT: dict[str, str] = {
    Severity.CRITICAL: "رعایت کامل الزام و ارائه مستندات به بازرس",
    Severity.MAJOR: "رفع ایراد و گزارش اقدام انجام‌شده",
    Severity.MINOR: "بهبود روند و آموزش کارکنان",
}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 110, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def _completed(
    office: Office, checklist, inspector: User, plan: InspectionPlan, rng: random.Random, days_ago: int
) -> Inspection:
    now = timezone.now()
    done = now - timedelta(days=days_ago)
    quality = rng.random()
    inspection = Inspection.objects.create(
        plan=plan,
        office=office,
        checklist=checklist,
        kind=rng.choice([InspectionKind.PERIODIC, InspectionKind.PERIODIC, InspectionKind.RISK_BASED]),
        status=InspectionStatus.COMPLETED,
        inspector=inspector,
        created_by=inspector,
        status_changed_at=done,
        started_at=done - timedelta(hours=2),
        completed_at=done,
        summary="بازرسی دوره‌ای انجام شد." if quality > 0.3 else "چند ایراد مهم مشاهده شد.",
    )
    items = list(checklist.items.all())
    answers: dict[int, InspectionAnswer] = {}
    png = _png()
    for item in items:
        roll = rng.random()
        if roll < 0.05:
            result = ItemResult.NOT_APPLICABLE
        elif roll < 0.75 + 0.2 * quality:
            result = ItemResult.COMPLIANT
        elif roll < 0.9 + 0.05 * quality:
            result = ItemResult.PARTIAL
        else:
            result = ItemResult.NON_COMPLIANT
        answers[item.pk] = InspectionAnswer.objects.create(
            inspection=inspection,
            item=item,
            result=result,
            note="مورد مشاهده شد." if result == ItemResult.NON_COMPLIANT else "",
            answered_by=inspector,
            answered_at=done - timedelta(minutes=len(answers)),
        )
        if item.evidence_required and result != ItemResult.NOT_APPLICABLE:
            evidence = InspectionEvidence(
                inspection=inspection,
                item=item,
                name="photo.png",
                content_type="image/png",
                size=len(png),
                sha256=hashlib.sha256(png).hexdigest(),
                uploaded_by=inspector,
            )
            evidence.file.save(f"demo-{inspection.pk}-{item.pk}.png", ContentFile(png), save=False)
            evidence.save()
    score, critical = score_answers(items, {k: a.result for k, a in answers.items()})
    Inspection.objects.filter(pk=inspection.pk).update(score=score, critical_failures=critical)
    inspection.refresh_from_db()
    InspectionEvent.objects.create(
        inspection=inspection,
        created_at=done,
        from_status=InspectionStatus.IN_PROGRESS,
        to_status=InspectionStatus.COMPLETED,
        actor=inspector,
    )
    draw_up_findings(inspection, answers, items, inspector, done)
    for n, finding in enumerate(inspection.findings.all()):
        due = (done + timedelta(days=30)).date()
        status = [ActionStatus.VERIFIED, ActionStatus.SUBMITTED, ActionStatus.OPEN][(n + days_ago) % 3]
        action = CorrectiveAction.objects.create(
            finding=finding,
            office=office,
            description=ACTION_TEXT[finding.severity],
            due_date=due,
            status=status,
            response_note="" if status == ActionStatus.OPEN else "اقدام لازم انجام شد.",
            created_by=inspector,
            created_at=done,
            status_changed_at=done + timedelta(days=10),
        )
        CorrectiveActionEvent.objects.create(
            action=action, created_at=done, to_status=ActionStatus.OPEN, actor=inspector
        )
    return inspection


def _inspector() -> User | None:
    assignment = (
        RoleAssignment.objects.filter(role=Role.INSPECTOR).select_related("user").order_by("pk").first()
    )
    return assignment.user if assignment else None


def seed_inspections(
    *, offices: Sequence[Office], progress: Callable[[], None] | None = None
) -> dict[str, int]:
    """A year of completed inspections for about one office in eight, and planned ones to perform."""
    checklist = checklist_current()
    inspector = _inspector()
    if (
        checklist is None
        or inspector is None
        or not offices
        or InspectionPlan.objects.filter(name=DEMO_PLAN).exists()
    ):
        for _ in offices:
            if progress:
                progress()
        return {"completed": 0, "planned": 0}
    rng = random.Random(1405)
    plan = InspectionPlan.objects.create(name=DEMO_PLAN, kind=InspectionKind.PERIODIC, created_by=inspector)
    manager_office = RoleAssignment.objects.filter(user__username="manager.a", office__isnull=False).first()
    home = (manager_office.office if manager_office else None) or offices[0]
    chosen = {home.pk, *[o.pk for o in offices[:: max(1, len(offices) // max(3, len(offices) // 8))]]}
    completed = planned = 0
    referred = False
    for office in offices:
        if office.pk in chosen:
            with transaction.atomic():
                inspection = _completed(
                    office, checklist, inspector, plan, rng, days_ago=rng.randint(20, 330)
                )
                completed += 1
                critical = inspection.findings.filter(severity=Severity.CRITICAL).first()
                if critical is not None and not referred:
                    referral = ViolationReferral.objects.create(
                        inspection=inspection,
                        summary="اخذ وجه بیش از تعرفه بدون صدور رسید؛ برای رسیدگی به هیئت تخلفات ارجاع شد.",
                        referred_by=inspector,
                        referred_at=(inspection.completed_at or timezone.now()) + timedelta(days=2),
                    )
                    referral.findings.set([critical])
                    referred = True
        if progress:
            progress()
    # Planned inspections for the demo inspector: office A's first, then a few more in its province.
    now = timezone.now()
    targets = [home, *[o for o in offices if o.province_id == home.province_id and o.pk != home.pk][:4]]
    for n, office in enumerate(targets):
        if Inspection.objects.filter(
            office=office, status__in=[InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS]
        ).exists():
            continue
        Inspection.objects.create(
            plan=plan,
            office=office,
            checklist=checklist,
            kind=InspectionKind.RISK_BASED if n else InspectionKind.PERIODIC,
            status=InspectionStatus.PLANNED,
            priority=60 - 5 * n,
            reasons=["بازرسی نمایشی"],
            scheduled_for=(now + timedelta(days=n + 1)).date(),
            inspector=inspector,
            created_by=inspector,
            status_changed_at=now,
        )
        planned += 1
    return {"completed": completed, "planned": planned}
