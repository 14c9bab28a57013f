"""A sample of each office's free services of a month is checked by the inspectors (note to art. 505 CPC)."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.common.jalali import JalaliMonth
from tanzim.inspections import services
from tanzim.inspections.choices import SampleVerdict, Severity
from tanzim.inspections.models import FreeServiceSample
from tanzim.testing.finance import free_grant

pytestmark = pytest.mark.django_db


def _grants(personas, office, clerk, count):
    for n in range(count):
        free_grant(office=office, actor=clerk, reference_type="tests.sample", reference_id=f"{office.pk}-{n}")


@pytest.mark.parametrize(("total", "expected"), [(0, 0), (1, 1), (9, 1), (10, 1), (11, 2), (25, 3)])
def test_the_sample_is_ten_percent_of_the_free_services_and_at_least_one(settings, total, expected):
    settings.INSPECTIONS_FREE_SERVICE_SAMPLE_PERCENT = 10
    settings.INSPECTIONS_FREE_SERVICE_SAMPLE_MIN = 1
    assert services.sample_size(total) == expected


def test_inspection_sample_drawn_from_each_offices_free_services_of_the_month_once(personas, started):
    _grants(personas, personas.office_a, personas.clerk_a, 11)
    _grants(personas, personas.office_b, personas.clerk_b, 3)
    month = JalaliMonth.of(timezone.now())

    drawn = services.free_service_sample_draw(month=month, rng=random.Random(7))

    assert drawn == 3
    a = FreeServiceSample.objects.filter(office=personas.office_a)
    assert a.count() == 2 and {s.inspection_id for s in a} == {started.pk}
    b = FreeServiceSample.objects.get(office=personas.office_b)
    assert b.inspection is None and b.grant.office == personas.office_b
    assert services.free_service_sample_draw(month=month) == 0  # drawing again adds nothing
    assert services.free_service_sample_draw(month=month.next()) == 0


def test_evidence_that_does_not_hold_becomes_a_finding_of_the_inspection(personas, started):
    _grants(personas, personas.office_a, personas.clerk_a, 1)
    services.free_service_sample_draw(month=JalaliMonth.of(timezone.now()))
    sample = FreeServiceSample.objects.get()
    with pytest.raises(DomainError):
        services.free_service_sample_check(sample=sample, actor=personas.inspector, holds=False)
    with pytest.raises(NotFoundError):  # the office itself is out of an inspection's scope
        services.free_service_sample_check(sample=sample, actor=personas.clerk_a, holds=True)

    checked = services.free_service_sample_check(
        sample=sample, actor=personas.inspector, holds=False, note="شماره کارت با تأییدیه نمی‌خواند."
    )

    assert checked.verdict == SampleVerdict.FAILS
    assert checked.finding is not None and checked.finding.inspection == started
    assert checked.finding.severity == Severity.MAJOR
    with pytest.raises(ConflictError):
        services.free_service_sample_check(sample=sample, actor=personas.inspector, holds=True)
