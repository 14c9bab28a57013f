"""Legal windows and terms on the working calendar, with frozen time across Nowruz 1405 and the
other holidays of the shipped table (late evenings in Tehran are already the next UTC day's
evening: the deadline follows the Tehran date)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tanzim.common.errors import DomainError
from tanzim.common.jalali import TEHRAN
from tanzim.disputes import rules, services
from tanzim.disputes.choices import ArbitrationStatus, DisputeStatus, FailureReason
from tanzim.disputes.models import TriageRule
from tanzim.offices.selectors import working_calendar
from tanzim.testing.disputes import join_as_respondent, open_dispute, to_mediation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roles_held_since_long_ago(personas):
    """The personas are made today; these tests travel back to 1404, when they must already work."""
    from tanzim.accounts.models import RoleAssignment

    RoleAssignment.objects.update(valid_from=datetime(2020, 1, 1, tzinfo=TEHRAN))


NOWRUZ_1405 = [date(2026, 3, 21), date(2026, 3, 22), date(2026, 3, 23), date(2026, 3, 24)]


def tehran(year, month, day, hour=9, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


def to_arbitration(personas, *, on: datetime, abroad: bool = False):
    """A money claim the Kanoon routes to arbitration; the sole arbitrator accepts ``on``."""
    TriageRule.objects.filter(category="money_claim").update(path="arbitration")
    with time_machine.travel(on - timedelta(days=1), tick=False):
        dispute = open_dispute(personas, category="money_claim", claim_amount=120_000_000)
        if abroad:
            services.party_update(
                party=dispute.parties.get(role="respondent"), actor=personas.clerk_a, resident_abroad=True
            )
        dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
        services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
        respondent = join_as_respondent(dispute).user
        dispute = services.dispute_respond(dispute=dispute, actor=respondent, accept=True)
        assert dispute.status == DisputeStatus.ARBITRATION
        arbitration = services.arbitration_start(
            dispute=dispute,
            actor=personas.clerk_a,
            agreement_kind="existing_clause",
            agreement_date=date(2024, 5, 1),
            agreement_text="بند ۹ قرارداد: حل اختلاف از راه داوری.",
            panel_size=1,
        )
        seat = services.arbitrator_propose(
            arbitration=arbitration, actor=personas.clerk_a, seat="sole", user=personas.arbitrator_a
        )
        services.arbitrator_declare(
            arbitrator=seat, actor=personas.arbitrator_a, grounds=[], birth_date=date(1970, 1, 1)
        )
    with time_machine.travel(on, tick=False):
        services.arbitrator_accept(arbitrator=seat, actor=personas.arbitrator_a)
    arbitration.refresh_from_db()
    return dispute, arbitration


def test_a_mediation_window_ending_in_nowruz_moves_to_the_first_working_day_after_it(personas):
    with time_machine.travel(tehran(2025, 12, 21), tick=False):  # Sunday 30 Azar 1404
        dispute = to_mediation(personas)
    # 90 days later is 1 Farvardin 1405 (Nowruz, 21–24 March are holidays): Wednesday 5 Farvardin.
    assert date(2025, 12, 21) + timedelta(days=90) == NOWRUZ_1405[0]
    assert dispute.window_ends_on == date(2026, 3, 25)
    assert dispute.due_at.astimezone(TEHRAN).date() == date(2026, 3, 25)


def test_the_window_closes_at_midnight_in_tehran_not_in_utc(personas):
    with time_machine.travel(tehran(2025, 12, 21), tick=False):
        dispute = to_mediation(personas)
    with time_machine.travel(tehran(2026, 3, 25, 23, 30), tick=False):  # 20:00 UTC, still the last day
        assert services.deadlines_sweep() == {}
    with time_machine.travel(
        tehran(2026, 3, 26, 0, 10), tick=False
    ):  # 25 March 20:40 UTC, but 26th in Tehran
        assert services.deadlines_sweep() == {"failed": 1}
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.FAILED and dispute.failure_reason == FailureReason.WINDOW_EXPIRED


def test_no_session_is_set_on_a_holiday(personas):
    with time_machine.travel(tehran(2026, 3, 10), tick=False):
        dispute = to_mediation(personas)
        with pytest.raises(DomainError) as refused:
            services.session_schedule(
                dispute=dispute, actor=personas.mediator_a, starts_at=tehran(2026, 3, 22, 10)
            )
    assert refused.value.code == "holiday"


def test_art_484_an_arbitration_term_ending_in_nowruz_is_not_moved_past_the_holidays(personas):
    _dispute, arbitration = to_arbitration(personas, on=tehran(2025, 12, 22))
    assert arbitration.status == ArbitrationStatus.ACTIVE
    assert arbitration.all_notified_on == date(2025, 12, 22)
    # 22 Dec + 90 days = Saturday 22 March 2026, 2 Farvardin 1405: a Nowruz holiday, and it stays.
    assert arbitration.term_ends_on == date(2026, 3, 22)
    with time_machine.travel(tehran(2026, 3, 22, 18), tick=False):
        award = services.award_record(
            arbitration=arbitration, actor=personas.arbitrator_a, reasoning="دلایل", decision="رأی"
        )
    assert award.decided_on == date(2026, 3, 22)


def test_an_award_after_the_term_is_refused_and_the_term_then_expires(personas):
    dispute, arbitration = to_arbitration(personas, on=tehran(2025, 12, 22))
    with time_machine.travel(tehran(2026, 3, 23, 9), tick=False):
        with pytest.raises(DomainError) as refused:
            services.award_record(
                arbitration=arbitration, actor=personas.arbitrator_a, reasoning="دلایل", decision="رأی"
            )
        assert refused.value.code == "award_after_term"
        assert services.deadlines_sweep() == {"expired": 1}
    arbitration.refresh_from_db()
    dispute.refresh_from_db()
    assert arbitration.status == ArbitrationStatus.EXPIRED
    assert (
        dispute.status == DisputeStatus.FAILED and dispute.failure_reason == FailureReason.ARBITRATION_EXPIRED
    )
    assert not hasattr(arbitration, "award") or arbitration.award is None


def _notify_both(award, personas, day):
    for role in ("claimant", "respondent"):
        services.award_notice_record(
            award=award, party=role, actor=personas.clerk_a, notified_on=day, method="at_office"
        )
    award.refresh_from_db()
    return award


def test_compliance_with_an_award_runs_past_sizdah_bedar_and_friday(personas):
    _dispute, arbitration = to_arbitration(personas, on=tehran(2026, 2, 1))
    with time_machine.travel(tehran(2026, 3, 12, 11), tick=False):  # Thursday 21 Esfand 1404
        award = services.award_record(
            arbitration=arbitration, actor=personas.arbitrator_a, reasoning="دلایل", decision="رأی"
        )
        award = _notify_both(award, personas, date(2026, 3, 12))
    # Free period of 20 days from the notice: 2 April (13 Farvardin, a holiday), then Friday:
    # Saturday 4 April.
    assert award.compliance_due == date(2026, 4, 4)
    assert award.annulment_deadline == date(2026, 4, 4)


def test_art_446_only_the_party_abroad_gets_two_months_to_comply(personas):
    _dispute, arbitration = to_arbitration(personas, on=tehran(2026, 2, 1), abroad=True)
    with time_machine.travel(tehran(2026, 3, 12, 11), tick=False):
        award = services.award_record(
            arbitration=arbitration, actor=personas.arbitrator_a, reasoning="دلایل", decision="رأی"
        )
        award = _notify_both(award, personas, date(2026, 3, 12))
    dues = {n.party.role: n.compliance_due for n in award.notices.select_related("party")}
    assert dues == {"claimant": date(2026, 4, 4), "respondent": date(2026, 5, 12)}
    assert award.compliance_due == date(2026, 5, 12)  # the latest of the parties': what the board shows


def test_art_484_an_extension_agreed_by_both_parties_is_not_moved_past_a_holiday(personas):
    _dispute, arbitration = to_arbitration(personas, on=tehran(2025, 12, 1))
    assert arbitration.term_ends_on == date(2026, 3, 1)
    with time_machine.travel(tehran(2026, 2, 20), tick=False):
        arbitration = services.arbitration_extend(
            arbitration=arbitration, actor=personas.clerk_a, days=10, agreed_by_both=True
        )
    assert arbitration.term_ends_on == date(2026, 3, 11)  # a holiday (Shab-e Qadr), and it stays
    assert arbitration.extensions == 1


def test_invitation_reminders_count_working_days_over_a_holiday(personas):
    with time_machine.travel(tehran(2026, 12, 21, 10), tick=False):  # Monday 30 Azar 1405
        dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
        invitation = services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    # Tuesday 22 (1), Wednesday 23 is a holiday, Thursday 24 (2), Friday off, Saturday 26 (3).
    assert invitation.dispute.due_at.astimezone(TEHRAN) == tehran(2026, 12, 26, 23, 59).replace(second=59)


def test_an_invitation_code_expires_after_its_days(personas, settings):
    settings.DISPUTES_JOIN_CODE_TTL_DAYS = 2
    with time_machine.travel(tehran(2026, 12, 5), tick=False):
        dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
        invitation = services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    respondent = dispute.parties.get(role="respondent")
    with time_machine.travel(tehran(2026, 12, 7, 9, 1), tick=False), pytest.raises(DomainError) as refused:
        services.join_start(code=invitation.code, national_code=respondent.national_code, ip="10.1.1.1")
    assert refused.value.code == "join_invalid"


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=date(2025, 3, 21), max_value=date(2026, 12, 1)))
def test_a_window_always_ends_on_a_working_day_no_earlier_than_ninety_days(db, start):
    calendar = working_calendar()
    end = rules.mediation_window().rule.due(start, calendar)
    assert calendar.is_working_day(end)
    assert end >= start + timedelta(days=90)
    day = start + timedelta(days=90)
    while day < end:
        assert not calendar.is_working_day(day)
        day += timedelta(days=1)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notice=st.dates(min_value=date(2025, 3, 21), max_value=date(2026, 12, 1)))
def test_compliance_is_never_due_before_the_free_period_ends(db, notice):
    calendar = working_calendar()
    due = rules.award_compliance().due(notice, calendar)
    assert due >= notice + timedelta(days=21) and calendar.is_working_day(due)
    assert rules.award_compliance().due(notice, calendar, resident_abroad=True) >= notice + timedelta(days=61)
