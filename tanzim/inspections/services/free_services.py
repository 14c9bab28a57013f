"""A random sample of each office's free services of a month, checked by the inspector.

Free services are reimbursed by the Kanoon on a recorded ground and its evidence (note to
art. 505 of the Civil Procedure Code); the inspectors check a sample: the larger of a share
(``INSPECTIONS_FREE_SERVICE_SAMPLE_PERCENT``) and a minimum (``..._SAMPLE_MIN``) of each office's
free services of the month, never more than it had. Drawing again adds nothing for an office
already sampled that month. Evidence that does not hold becomes a finding of the inspection.
"""

from __future__ import annotations

import math
import random
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import JalaliMonth
from tanzim.common.normalize import normalize_text
from tanzim.finance.models import FreeServiceGrant
from tanzim.inspections.access import require_oversight
from tanzim.inspections.choices import OPEN_INSPECTION, InspectionStatus, SampleVerdict, Severity
from tanzim.inspections.models import FreeServiceSample, Inspection
from tanzim.inspections.services.inspections import finding_add


def sample_size(total: int) -> int:
    """How many of an office's ``total`` free services of a month are checked."""
    if total <= 0:
        return 0
    share = math.ceil(total * settings.INSPECTIONS_FREE_SERVICE_SAMPLE_PERCENT / 100)
    return min(total, max(settings.INSPECTIONS_FREE_SERVICE_SAMPLE_MIN, share))


def free_service_sample_draw(*, month: JalaliMonth, rng: random.Random | None = None) -> int:
    """Draw the month's sample for every office with free services; returns how many were drawn."""
    draw = rng or random.SystemRandom()
    now = timezone.now()
    grants = FreeServiceGrant.objects.filter(month=month.key)
    sampled = set(
        FreeServiceSample.objects.filter(month=month.key).values_list("office_id", flat=True).distinct()
    )
    created = 0
    for row in grants.values("office_id").annotate(n=Count("pk")).order_by("office_id"):
        office_id = row["office_id"]
        if office_id in sampled:
            continue
        ids = sorted(grants.filter(office_id=office_id).values_list("pk", flat=True))
        chosen = sorted(draw.sample(ids, sample_size(len(ids))))
        inspection = (
            Inspection.objects.filter(office_id=office_id, status__in=OPEN_INSPECTION).order_by("-pk").first()
        )
        try:
            with transaction.atomic():
                FreeServiceSample.objects.bulk_create(
                    [
                        FreeServiceSample(
                            grant_id=pk,
                            office_id=office_id,
                            month=month.key,
                            inspection=inspection,
                            drawn_at=now,
                        )
                        for pk in chosen
                    ]
                )
                audit.record(
                    actor=None,
                    action="inspections.free_service_sample.drawn",
                    office=office_id,
                    data={"month": month.key, "of": len(ids), "grants": chosen},
                )
        except IntegrityError:  # a concurrent draw took this office first
            continue
        created += len(chosen)
    return created


@transaction.atomic
def free_service_sample_check(
    *, sample: FreeServiceSample, actor: Any, holds: bool, note: str = ""
) -> FreeServiceSample:
    """The inspector's verdict on one sampled free service; a ground that fails is a finding."""
    current = (
        FreeServiceSample.objects.select_for_update().select_related("office", "grant").get(pk=sample.pk)
    )
    require_oversight(actor, current.office)
    if current.verdict != SampleVerdict.PENDING:
        raise ConflictError(_("This free service has already been checked."), code="sample_checked")
    text = normalize_text(note or "")
    if not holds and len(text) < 5:
        raise DomainError(fields={"note": [_("Say what does not hold.")]}, code="note_required")
    if not holds and (
        current.inspection is None or current.inspection.status != InspectionStatus.IN_PROGRESS
    ):
        # Drawn before the office's inspection started (or with none open): the one in progress now.
        current.inspection = (
            Inspection.objects.filter(office_id=current.office_id, status=InspectionStatus.IN_PROGRESS)
            .order_by("-pk")
            .first()
        ) or current.inspection
    if (
        not holds
        and current.inspection is not None
        and current.inspection.status == InspectionStatus.IN_PROGRESS
    ):
        current.finding = finding_add(
            inspection=current.inspection,
            actor=actor,
            severity=Severity.MAJOR,
            description=str(
                _("Free service without valid evidence (%(ground)s, %(reference)s): %(note)s")
                % {
                    "ground": current.grant.get_ground_display(),
                    "reference": f"{current.grant.reference_type}:{current.grant.reference_id}",
                    "note": text,
                }
            ),
        )
    current.verdict = SampleVerdict.HOLDS if holds else SampleVerdict.FAILS
    current.note, current.checked_by, current.checked_at = text, actor, timezone.now()
    current.save(update_fields=["verdict", "note", "finding", "inspection", "checked_by", "checked_at"])
    audit.record(
        actor=actor,
        action="inspections.free_service_sample.checked",
        obj=current,
        office=current.office_id,
        data={"verdict": current.verdict, "grant": current.grant_id},
    )
    return current
