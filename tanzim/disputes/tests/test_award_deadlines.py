"""Issue 12 (1, 4, 6): each party's award deadlines run from their own notice (arts. 485, 488, 490;
art. 446 only for the party abroad), criminal matters are not arbitrable, panels of any size the
agreement fixes decide by a majority of the panel (art. 482), and the term does not move over
holidays (art. 484). The clock starts at Saturday 14 Azar 1405 (5 December 2026)."""

from __future__ import annotations

import importlib
from datetime import date, datetime

import pytest
import time_machine
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from tanzim.common.errors import DomainError
from tanzim.common.formatting import jalali_date
from tanzim.common.jalali import TEHRAN, parse_jalali
from tanzim.disputes import services
from tanzim.disputes.choices import ArbitrationStatus, DisputeStatus, ResolutionPath
from tanzim.disputes.models import Arbitration, Award, AwardNotice, Dispute, TriageRule
from tanzim.finance.models import ResolvedDispute
from tanzim.notify.models import Message
from tanzim.testing.disputes import at, join_as_respondent, open_dispute
from tanzim.testing.factories import next_national_code

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def failed(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    respondent = join_as_respondent(dispute).user
    return services.dispute_respond(dispute=dispute, actor=respondent, accept=False)


def start(personas, dispute, panel_size=1, **extra) -> Arbitration:
    return services.arbitration_start(
        dispute=dispute,
        actor=personas.clerk_a,
        agreement_kind="agreed_now",
        agreement_date=at(0).date(),
        agreement_text="توافق به داوری",
        panel_size=panel_size,
        **extra,
    )


def seat_and_accept(personas, arbitration, *, seat="", number=None, name="حسن داوری"):
    arbitrator = services.arbitrator_propose(
        arbitration=arbitration,
        actor=personas.clerk_a,
        seat=seat,
        number=number,
        name=name,
        national_code=next_national_code(),
        mobile="09121112233",
    )
    services.arbitrator_declare(
        arbitrator=arbitrator, actor=personas.clerk_a, grounds=[], birth_date=date(1970, 1, 1)
    )
    return services.arbitrator_accept(arbitrator=arbitrator, actor=personas.clerk_a)


def awarded(personas, failed, clock, *, on: str = "1405/09/24", claimant_abroad=False) -> Award:
    """A sole arbitrator's award in favour of the claimant, recorded on the Jalali day ``on``."""
    if claimant_abroad:  # she keeps her own details through her account: set as she would have
        failed.parties.filter(role="claimant").update(resident_abroad=True)
    arbitration = start(personas, failed)
    seat_and_accept(personas, arbitration)
    day = parse_jalali(on)
    clock.move_to(datetime(day.year, day.month, day.day, 10, tzinfo=TEHRAN))
    return services.award_record(
        arbitration=arbitration,
        actor=personas.clerk_a,
        reasoning="دلایل",
        decision="خوانده ملزم به پرداخت است.",
        amount=400_000_000,
        in_favour_of="claimant",
    )


def notify(personas, award, role, jalali_day, method="at_office") -> AwardNotice:
    return services.award_notice_record(
        award=award, party=role, actor=personas.clerk_a, notified_on=parse_jalali(jalali_day), method=method
    )


# --- defect 1: deadlines per party, from each party's notice ----------------------------------------


def test_art_488_490_respondent_in_iran_notified_1405_09_24_has_until_1405_10_15(personas, failed, clock):
    award = awarded(personas, failed, clock)
    notice = notify(personas, award, "respondent", "1405/09/24")
    # 20 days from the day after the notice (art. 445): 1405/10/14 is the 20th, so 1405/10/15 is the
    # last day of the free period, a Tuesday and a working day (art. 444 does not move it).
    assert notice.compliance_due == parse_jalali("1405/10/15") == date(2027, 1, 5)
    assert notice.annulment_due == parse_jalali("1405/10/15")
    assert not notice.resident_abroad


def test_art_446_claimant_abroad_gets_two_months_from_her_own_notice_respondent_twenty_days(
    personas, failed, clock
):
    award = awarded(personas, failed, clock, claimant_abroad=True)
    claimant = notify(personas, award, "claimant", "1405/09/24", method="electronic")
    respondent = notify(personas, award, "respondent", "1405/09/24")
    assert claimant.annulment_due == parse_jalali("1405/11/25")  # 60 days + the free day (art. 446)
    assert respondent.annulment_due == parse_jalali("1405/10/15")  # the claimant's abroad does not help him
    assert respondent.compliance_due == parse_jalali("1405/10/15")
    award.refresh_from_db()
    # The award's own dates: the respondent's compliance (he must comply), the latest annulment.
    assert award.compliance_due == parse_jalali("1405/10/15")
    assert award.annulment_deadline == parse_jalali("1405/11/25")


def test_art_485_parties_notified_on_different_days_get_different_deadlines(personas, failed, clock):
    award = awarded(personas, failed, clock)
    first = notify(personas, award, "claimant", "1405/09/24")
    clock.move_to(datetime(2026, 12, 20, 10, tzinfo=TEHRAN))  # 1405/09/29
    second = notify(personas, award, "respondent", "1405/09/29", method="court_office")
    assert first.annulment_due == parse_jalali("1405/10/15")
    assert second.annulment_due == parse_jalali("1405/10/20")
    failed.refresh_from_db()
    assert failed.due_at.astimezone(TEHRAN).date() == parse_jalali("1405/10/20")


def test_art_485_no_notice_yet_means_no_deadline_for_that_party(personas, failed, clock, client):
    award = awarded(personas, failed, clock)
    notify(personas, award, "claimant", "1405/09/24")
    award.refresh_from_db()
    assert award.compliance_due is None and award.annulment_deadline is None
    failed.refresh_from_db()
    assert failed.due_at is None
    body = api(personas.clerk_a).get(f"/api/v1/disputes/{failed.pk}/").json()
    rows = {r["party"]: r for r in body["arbitration"]["award"]["parties"]}
    assert rows["respondent"]["awaiting_notice"] is True and rows["respondent"]["annulment_due"] is None
    assert rows["claimant"]["annulment_due"] == "2027-01-05" and rows["claimant"]["must_comply"] is False
    # The respondent's own page shows him no date yet, only that it waits for his notice.
    respondent = failed.parties.get(role="respondent").user
    client.force_login(respondent)
    page = client.get(
        reverse("disputes:detail", args=[failed.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'id="my-deadlines"' in page and "Awaiting notice" in page
    assert jalali_date(date(2027, 1, 5), "long", language="en") not in page


def test_art_488_each_party_sees_their_own_deadlines_on_the_page_and_in_the_sms(
    personas, failed, clock, client
):
    award = awarded(personas, failed, clock, claimant_abroad=True)
    notify(personas, award, "claimant", "1405/09/24")
    notify(personas, award, "respondent", "1405/09/24")
    respondent = failed.parties.get(role="respondent")
    sms = Message.objects.filter(to=respondent.mobile, template="disputes.award_notified").get()
    assert "۱۵ دی ۱۴۰۵" in sms.body and "بهمن" not in sms.body  # his 20 days, not her two months
    client.force_login(respondent.user)
    page = client.get(
        reverse("disputes:detail", args=[failed.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    mine = page[page.index('id="my-deadlines"') :].split("</tr>")[0]
    assert jalali_date(date(2027, 1, 5), "long", language="en") in mine
    assert 'data-party="claimant"' not in page


def test_art_485_a_notice_is_recorded_once_and_not_before_the_award(personas, failed, clock):
    award = awarded(personas, failed, clock)
    with pytest.raises(DomainError):
        notify(personas, award, "respondent", "1405/09/20")
    notify(personas, award, "respondent", "1405/09/24")
    with pytest.raises(Exception) as again:
        notify(personas, award, "respondent", "1405/09/24")
    assert getattr(again.value, "code", "") == "notice_exists"


def test_holiday_table_a_deadline_reaching_an_unconfirmed_year_is_flagged(personas, failed, clock, client):
    # The term (art. 484) runs to 1405/12/14; the award is notified on 1405/12/09, so the 20 days end
    # on 1406/01/01 and Nowruz moves the last day to 1406/01/05 — in 1406, whose table is missing.
    award = awarded(personas, failed, clock, on="1405/12/09")
    notice = notify(personas, award, "respondent", "1405/12/09")
    assert notice.compliance_due == parse_jalali("1406/01/05")
    body = api(personas.clerk_a).get(f"/api/v1/disputes/{failed.pk}/").json()
    row = next(r for r in body["arbitration"]["award"]["parties"] if r["party"] == "respondent")
    assert row["compliance_due_uncertain"] is True and row["annulment_due_uncertain"] is True
    assert {"year": 1406, "status": "missing"} in row["holiday_table"]
    client.force_login(personas.clerk_a)
    page = client.get(
        reverse("disputes:detail", args=[failed.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    respondent_row = page[page.index('data-party="respondent"') :].split("</tr>")[0]
    assert "uncertain-date" in respondent_row


def test_old_awards_get_one_notice_per_party_from_their_delivery(personas, failed, clock):
    award = awarded(personas, failed, clock, claimant_abroad=True)
    migration = importlib.import_module("tanzim.disputes.migrations.0003_award_notices_panels")
    migration.notify_every_party(apps, None)
    notices = {n.party.role: n for n in AwardNotice.objects.filter(award=award).select_related("party")}
    assert {n.method for n in notices.values()} == {"at_office"}
    assert notices["respondent"].annulment_due == parse_jalali("1405/10/15")
    assert notices["claimant"].annulment_due == parse_jalali("1405/11/25")
    award.refresh_from_db()
    assert award.compliance_due == parse_jalali("1405/10/15")


# --- defect 4: criminal matters are not arbitrable ---------------------------------------------------


def _criminal(dispute: Dispute) -> Dispute:
    Dispute.objects.filter(pk=dispute.pk).update(category="criminal", path=ResolutionPath.CRIMINAL_MEDIATION)
    dispute.refresh_from_db()
    return dispute


def test_criminal_dispute_arbitration_is_refused_by_the_service_and_never_resolved(personas, failed):
    dispute = _criminal(failed)
    with pytest.raises(DomainError) as refused:
        start(personas, dispute)
    assert refused.value.code == "criminal_not_arbitrable"
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.FAILED and not dispute.arbitrations.exists()
    assert not ResolvedDispute.objects.filter(reference=dispute.reference).exists()


def test_criminal_dispute_an_arbitration_begun_before_the_rule_cannot_end_in_an_award(personas, failed):
    arbitration = start(personas, failed)
    seat_and_accept(personas, arbitration)
    _criminal(failed)
    with pytest.raises(DomainError) as refused:
        services.award_record(arbitration=arbitration, actor=personas.clerk_a, reasoning="د", decision="ر")
    assert refused.value.code == "criminal_not_arbitrable"
    failed.refresh_from_db()
    assert failed.status == DisputeStatus.ARBITRATION
    assert not ResolvedDispute.objects.filter(reference=failed.reference).exists()


def test_criminal_dispute_arbitration_is_refused_by_the_api_with_a_code(personas, failed):
    dispute = _criminal(failed)
    response = api(personas.clerk_a).post(
        f"/api/v1/disputes/{dispute.pk}/arbitration/",
        {"agreement_kind": "agreed_now", "agreement_date": "2026-12-05", "agreement_text": "توافق"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "criminal_not_arbitrable"
    assert "Criminal matters cannot be referred to arbitration" in response.json()["message"]


def test_criminal_dispute_the_page_disables_arbitration_and_says_why(personas, failed, client):
    client.force_login(personas.clerk_a)
    url = reverse("disputes:detail", args=[failed.pk])
    assert reverse("disputes:arbitration-new", args=[failed.pk]) in client.get(url).content.decode()
    _criminal(failed)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("disputes:arbitration-new", args=[failed.pk]) not in page
    assert 'id="no-arbitration"' in page and "Criminal matters cannot be referred to arbitration" in page


# --- defect 6: panels, majority, the term ------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 5])
def test_art_454_an_agreement_may_fix_any_number_of_arbitrators(personas, failed, size):
    arbitration = start(personas, failed, panel_size=size)
    assert arbitration.panel_size == size and arbitration.panel_size_fixed
    assert services.panel_seats(arbitration) == [("member", n) for n in range(1, size + 1)]


def test_art_464_a_number_not_fixed_means_three(personas, failed):
    arbitration = start(personas, failed, panel_size=None)
    assert arbitration.panel_size == 3 and not arbitration.panel_size_fixed
    assert [s for s, _n in services.panel_seats(arbitration)] == ["claimant", "respondent", "presiding"]


def test_art_454_panel_size_is_accepted_by_the_api_and_unset_is_three(personas, failed):
    client = api(personas.clerk_a)
    body = {"agreement_kind": "agreed_now", "agreement_date": "2026-12-05", "agreement_text": "توافق"}
    response = client.post(f"/api/v1/disputes/{failed.pk}/arbitration/", body, format="json")
    assert response.status_code == 201
    assert response.json()["panel_size"] == 3 and response.json()["panel_size_fixed"] is False
    assert response.json()["majority"] == 2


def five_member_panel(personas, failed):
    arbitration = start(personas, failed, panel_size=5)
    return arbitration, [
        seat_and_accept(personas, arbitration, number=n, name=f"داور {n}") for n in range(1, 6)
    ]


def test_art_482_a_five_member_panel_with_three_signatures_for_makes_an_award(personas, failed):
    arbitration, members = five_member_panel(personas, failed)
    arbitration.refresh_from_db()
    assert arbitration.status == ArbitrationStatus.ACTIVE
    votes = [{"arbitrator": m.pk, "vote": "for", "signed": True} for m in members[:3]] + [
        {"arbitrator": members[3].pk, "vote": "against", "signed": True, "dissent": "خواسته ثابت نیست."},
        {"arbitrator": members[4].pk, "vote": "against", "signed": False},
    ]
    award = services.award_record(
        arbitration=arbitration, actor=personas.clerk_a, reasoning="د", decision="ر", votes=votes
    )
    recorded = {v.arbitrator_id: v for v in award.votes.all()}
    assert len(recorded) == 5
    assert recorded[members[4].pk].refused_to_sign and recorded[members[3].pk].signed_at is not None
    assert recorded[members[3].pk].dissent == "خواسته ثابت نیست."


def test_art_482_two_for_and_three_against_is_no_award(personas, failed):
    arbitration, members = five_member_panel(personas, failed)
    votes = [{"arbitrator": m.pk, "vote": "for", "signed": True} for m in members[:2]] + [
        {"arbitrator": m.pk, "vote": "against", "signed": True} for m in members[2:]
    ]
    with pytest.raises(DomainError) as refused:
        services.award_record(
            arbitration=arbitration, actor=personas.clerk_a, reasoning="د", decision="ر", votes=votes
        )
    assert refused.value.code == "no_majority"
    assert "2" in str(refused.value.message) and "3" in str(refused.value.message)
    arbitration.refresh_from_db()
    assert arbitration.status == ArbitrationStatus.ACTIVE and not Award.objects.exists()


def test_art_482_every_member_votes_and_a_member_for_the_award_signs_it(personas, failed):
    arbitration, members = five_member_panel(personas, failed)
    with pytest.raises(DomainError) as missing:
        services.award_record(
            arbitration=arbitration,
            actor=personas.clerk_a,
            reasoning="د",
            decision="ر",
            votes=[{"arbitrator": m.pk, "vote": "for"} for m in members[:3]],
        )
    assert missing.value.code == "votes_missing"
    with pytest.raises(DomainError):
        services.award_record(
            arbitration=arbitration,
            actor=personas.clerk_a,
            reasoning="د",
            decision="ر",
            votes=[{"arbitrator": m.pk, "vote": "for", "signed": m.pk != members[0].pk} for m in members],
        )


def test_art_484_a_term_ending_on_a_friday_stays_that_friday_and_the_page_says_so(personas, failed, client):
    arbitration = start(personas, failed, agreed_term_days=6)
    seat_and_accept(personas, arbitration)
    arbitration.refresh_from_db()
    assert arbitration.term_ends_on == date(2026, 12, 11) and arbitration.term_ends_on.weekday() == 4
    body = api(personas.clerk_a).get(f"/api/v1/disputes/{failed.pk}/").json()["arbitration"]
    assert body["term_ends_on"] == "2026-12-11" and body["term_moves_over_holidays"] is False
    client.force_login(personas.clerk_a)
    page = client.get(
        reverse("disputes:detail", args=[failed.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "This term does not move to the next working day" in page
    with time_machine.travel(datetime(2026, 12, 12, 9, tzinfo=TEHRAN), tick=False):
        assert services.deadlines_sweep() == {"expired": 1}


def test_criminal_matters_no_triage_rule_may_send_a_criminal_complaint_to_arbitration(db):
    rule = TriageRule.objects.get(category="criminal")
    rule.path = ResolutionPath.ARBITRATION
    with pytest.raises(IntegrityError), transaction.atomic():
        rule.save()


def test_criminal_matters_a_respondent_accepting_an_arbitration_path_is_refused(personas):
    # A dispute triaged before the rule (its path frozen at triage) cannot reach arbitration
    # through the respondent's acceptance either.
    dispute = open_dispute(personas)
    dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    Dispute.objects.filter(pk=dispute.pk).update(category="criminal", path=ResolutionPath.ARBITRATION)
    joined = join_as_respondent(dispute)
    with pytest.raises(DomainError) as refused:
        services.dispute_respond(dispute=Dispute.objects.get(pk=dispute.pk), actor=joined.user, accept=True)
    assert refused.value.code == "criminal_not_arbitrable"
    assert Dispute.objects.get(pk=dispute.pk).status == DisputeStatus.INVITED
