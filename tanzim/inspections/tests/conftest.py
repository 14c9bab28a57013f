"""Fixtures for inspections: the default checklist, a planned inspection, a checklist filled in."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tanzim.inspections import services
from tanzim.inspections.choices import InspectionKind, InspectionStatus, ItemResult
from tanzim.inspections.models import Checklist


def photo(colour=(10, 160, 90)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def checklist(db) -> Checklist:
    return services.checklist_current()


@pytest.fixture
def planned(personas, checklist):
    return services.inspection_schedule(
        actor=personas.inspector, office=personas.office_a, kind=InspectionKind.PERIODIC
    )


@pytest.fixture
def started(personas, planned):
    return services.inspection_transition(
        inspection=planned, actor=personas.inspector, to=InspectionStatus.IN_PROGRESS
    )


def fill(
    inspection,
    actor,
    results: dict[int, str] | None = None,
    *,
    evidence: bool = True,
    default=ItemResult.COMPLIANT,
):
    """Answer every item (``results`` by position override the default), with evidence where required."""
    results = results or {}
    for item in inspection.checklist.items.all():
        result = results.get(item.position, default)
        note = "دیده شد" if result == ItemResult.NON_COMPLIANT else ""
        services.inspection_answer(
            inspection=inspection, actor=actor, item_id=item.pk, result=result, note=note
        )
        if evidence and item.evidence_required and result != ItemResult.NOT_APPLICABLE:
            services.inspection_evidence_add(
                inspection=inspection, actor=actor, item_id=item.pk, upload=photo()
            )
    return inspection


@pytest.fixture
def completed(personas, started):
    fill(started, personas.inspector, {2: ItemResult.NON_COMPLIANT, 7: ItemResult.PARTIAL})
    return services.inspection_transition(
        inspection=started, actor=personas.inspector, to=InspectionStatus.COMPLETED, note="دفتر مرتب بود."
    )
