"""The demo's requests are left in the stages it names, even when the judiciary refuses filings."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction

from tanzim.cases.adapters import FilingError, SimulatedJudiciary
from tanzim.cases.demo import DEMO_CITIZEN, REQUESTS, seed_cases
from tanzim.cases.models import Case
from tanzim.testing.factories import CitizenFactory

REFUSALS: Counter = Counter()


class RefusesTwiceJudiciary(SimulatedJudiciary):
    """The simulated judiciary, refusing each case's first two filings (an outage)."""

    def __init__(self) -> None:
        super().__init__(failure_rate=0)

    def file(self, *, tracking_code: str, payload: dict) -> str:
        REFUSALS[tracking_code] += 1
        if REFUSALS[tracking_code] <= 2:
            raise FilingError("simulated outage")
        return super().file(tracking_code=tracking_code, payload=payload)


@pytest.fixture
def refusing_judiciary(settings):
    REFUSALS.clear()
    settings.CASES_FILING_ADAPTER = f"{__name__}.RefusesTwiceJudiciary"
    yield
    REFUSALS.clear()


# Committed as the seeding command commits, the stage in one transaction (seed_demo): a payment
# moves its case on at commit (on_commit), so the demo can only file it after.
@pytest.mark.django_db(transaction=True)
def test_the_demo_files_its_filed_requests_though_the_judiciary_refuses_them_at_first(
    personas, refusing_judiciary
):
    citizen = CitizenFactory.create(national_code=DEMO_CITIZEN)

    with transaction.atomic():
        assert seed_cases(offices=[personas.office_a]) == len(REQUESTS)

    stages = Counter(Case.objects.filter(applicant=citizen).values_list("status", flat=True))
    assert stages == Counter(stage for *_rest, stage in REQUESTS)
    filed = Case.objects.filter(applicant=citizen, status="filed")
    assert all(case.external_ref for case in filed)
    assert sorted(REFUSALS.values()) == [3, 3]  # each refused twice, then filed
