"""Helpers for inspections tests: filling a checklist in, with evidence where it is required."""

from __future__ import annotations

from tanzim.inspections import services
from tanzim.inspections.choices import ItemResult
from tanzim.testing.files import photo


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
