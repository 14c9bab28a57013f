import pytest

from tanzim.outreach.choices import MissionStatus
from tanzim.outreach.coverage import coverage
from tanzim.outreach.demo import seed_outreach
from tanzim.outreach.models import FieldService, Mission, Reimbursement

pytestmark = pytest.mark.django_db


def test_the_demo_has_missions_in_every_state_and_is_idempotent(personas):
    offices = [personas.office_a, personas.office_b]
    seed_outreach(offices=offices)
    seed_outreach(offices=offices)
    assert set(Mission.objects.values_list("status", flat=True)) == set(MissionStatus.values)
    assert Mission.objects.count() == 8
    assert set(Mission.objects.values_list("province__code", flat=True)) >= {"SBL", "KRD", "SKH"}
    assert FieldService.objects.count() == 18
    assert Reimbursement.objects.count() == 1
    rows = {row.province.code: row for row in coverage()}
    assert rows["SBL"].missions >= 1 and rows["SBL"].beneficiaries >= 6
    assert rows["THR"].missions == 0
