"""A party who moves abroad mid-case (art. 446): saying so in the profile extends their own running
periods to two months from their notice, with the reason on the timeline; moving back shortens
nothing; a period that had already ended stays ended."""

from __future__ import annotations

from datetime import datetime

import pytest

from tanzim.accounts import services as account_services
from tanzim.audit.models import AuditEvent
from tanzim.common.jalali import TEHRAN, parse_jalali
from tanzim.disputes.models import DisputeEvent
from tanzim.disputes.services.residence import MOVED_ABROAD, MOVED_BACK
from tanzim.disputes.tests.test_award_deadlines import awarded, failed, notify  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _move(user, abroad: bool):
    return account_services.profile_update(
        user=user, time_zone="Europe/Berlin" if abroad else "Asia/Tehran", resident_abroad=abroad
    )


def test_moving_abroad_extends_a_running_period_and_moving_back_keeps_it(personas, failed, clock):  # noqa: F811
    award = awarded(personas, failed, clock)
    notice = notify(personas, award, "respondent", "1405/09/24")
    assert notice.annulment_due == parse_jalali("1405/10/15")
    respondent = failed.parties.get(role="respondent")
    clock.move_to(datetime(2026, 12, 20, 10, tzinfo=TEHRAN))  # 1405/09/29: still running

    _move(respondent.user, True)
    notice.refresh_from_db()
    respondent.refresh_from_db()
    assert respondent.resident_abroad and notice.resident_abroad
    assert notice.annulment_due == parse_jalali("1405/11/25")  # two months from the same notice
    assert notice.compliance_due == parse_jalali("1405/11/25")
    award.refresh_from_db()
    assert award.annulment_deadline is None  # the claimant has no notice yet: no award-wide date
    event = DisputeEvent.objects.filter(dispute=failed, to_status="abroad_respondent").get()
    assert event.reason == str(MOVED_ABROAD)
    audit = AuditEvent.objects.get(action="disputes.award.party_moved_abroad")
    assert audit.data["after"][1] == parse_jalali("1405/11/25").isoformat()

    _move(respondent.user, False)  # back in Iran: nothing already running is shortened
    notice.refresh_from_db()
    respondent.refresh_from_db()
    assert not respondent.resident_abroad
    assert notice.annulment_due == parse_jalali("1405/11/25")
    assert DisputeEvent.objects.get(dispute=failed, to_status="in_iran_respondent").reason == str(MOVED_BACK)


def test_a_period_that_ended_before_the_move_stays_ended(personas, failed, clock):  # noqa: F811
    award = awarded(personas, failed, clock)
    notice = notify(personas, award, "respondent", "1405/09/24")
    clock.move_to(datetime(2027, 1, 10, 10, tzinfo=TEHRAN))  # after 1405/10/15
    _move(failed.parties.get(role="respondent").user, True)
    notice.refresh_from_db()
    assert notice.annulment_due == parse_jalali("1405/10/15") and not notice.resident_abroad
    assert failed.parties.get(role="respondent").resident_abroad  # future notices count two months


def test_the_other_party_is_not_affected(personas, failed, clock):  # noqa: F811
    award = awarded(personas, failed, clock)
    notice = notify(personas, award, "respondent", "1405/09/24")
    _move(personas.citizen, True)  # the claimant moves
    notice.refresh_from_db()
    assert notice.annulment_due == parse_jalali("1405/10/15")
    assert failed.parties.get(role="claimant").resident_abroad
