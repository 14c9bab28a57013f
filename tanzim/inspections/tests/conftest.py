"""Fixtures for inspections: the default checklist, a planned inspection, a checklist filled in."""

from __future__ import annotations

import pytest

from tanzim.inspections import services
from tanzim.inspections.choices import InspectionKind, ItemResult
from tanzim.inspections.models import Checklist
from tanzim.testing.inspections import fill


@pytest.fixture
def checklist(db) -> Checklist:
    current = services.checklist_current()
    assert current is not None
    return current


@pytest.fixture
def planned(personas, checklist):
    return services.inspection_schedule(
        actor=personas.inspector, office=personas.office_a, kind=InspectionKind.PERIODIC
    )


@pytest.fixture
def started(personas, planned):
    return services.inspection_transition(inspection=planned, actor=personas.inspector, action="start")


@pytest.fixture
def completed(personas, started):
    fill(started, personas.inspector, {2: ItemResult.NON_COMPLIANT, 7: ItemResult.PARTIAL})
    return services.inspection_transition(
        inspection=started, actor=personas.inspector, action="complete", note="دفتر مرتب بود."
    )
