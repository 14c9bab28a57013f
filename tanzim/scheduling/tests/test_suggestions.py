"""Suggestions: fewer visits first, then (office, time) pairs ranked by a documented cost."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from tanzim.common.errors import DomainError
from tanzim.finance.models import OfficeTier
from tanzim.offices.models import City, Licence
from tanzim.scheduling import suggestions
from tanzim.scheduling.models import OfficeQueueStats, Slot
from tanzim.scheduling.services import slots_generate
from tanzim.scheduling.suggestions import CostWeights, resolve_location, suggest
from tanzim.testing.factories import CitizenFactory, OfficeFactory
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db

TEHRAN = (35.6892, 51.389)


@pytest.fixture
def tehran_offices(slotted, clock):
    """Office A in central Tehran, a second office 8 km north, a third 40 km west (Karaj side)."""
    city = City.objects.get(code="THR-01")
    north = OfficeFactory(
        city=city, code="N0001", latitude=35.76, longitude=51.39, name_fa="شمال", name_en="North"
    )
    west = OfficeFactory(
        city=city, code="W0001", latitude=35.69, longitude=50.95, name_fa="غرب", name_en="West"
    )
    slots_generate(office=north)
    slots_generate(office=west)
    return slotted, north, west


def test_a_remote_capable_service_is_offered_remotely_first_with_the_saving(tehran_offices, service):
    result = suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1])
    channels = [o.channel for o in result.offers]
    assert channels == ["remote", "semi_in_person"]
    remote = result.offers[0]
    assert remote.visits == 0
    assert remote.price < result.in_person_price
    assert remote.saving == result.in_person_price - remote.price


def test_an_in_person_only_service_gets_no_remote_offer(tehran_offices, in_person_only):
    result = suggest(service=in_person_only, latitude=TEHRAN[0], longitude=TEHRAN[1])
    assert [o.channel for o in result.offers] == ["semi_in_person"]


def test_a_remote_only_service_needs_no_office(tehran_offices, remote_only):
    result = suggest(service=remote_only, latitude=TEHRAN[0], longitude=TEHRAN[1])
    assert not result.bookable
    assert result.options == []


def test_the_nearest_office_with_an_early_time_ranks_first(tehran_offices, service):
    _slotted, _north, _west = tehran_offices
    result = suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1], limit=3)
    assert [o.office.code for o in result.options] == ["A0001", "N0001", "W0001"]
    first = result.options[0]
    assert first.start == at(0, 8)  # the first time after the 30-minute lead
    assert first.distance_km < 1
    assert [o.cost for o in result.options] == sorted(o.cost for o in result.options)


def test_a_full_day_nearby_loses_to_a_free_office_a_little_further(tehran_offices, service):
    slotted, _north, _west = tehran_offices
    Slot.objects.filter(office=slotted.office_a, start__lt=at(4, 0)).update(booked=2)
    result = suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1], limit=3)
    # 8 km north today (2 x 24 minutes of travel) beats next door on Thursday (5 days x 20 minutes).
    assert result.options[0].office.code == "N0001"
    assert result.options[1].office.code == "A0001"
    assert result.options[1].start == at(5, 8)


def test_the_expected_queue_wait_counts_in_the_cost(tehran_offices, service):
    slotted, _north, _west = tehran_offices
    OfficeQueueStats.objects.create(office=slotted.office_a, expected_wait_minutes=90)
    result = suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1], limit=3)
    assert result.options[0].office.code == "N0001"
    busy = next(o for o in result.options if o.office.code == "A0001")
    assert busy.queue_wait_minutes == 90
    assert any("90" in r or "۹۰" in r for r in busy.reasons)


def test_every_option_explains_itself(tehran_offices, service):
    result = suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1])
    for option in result.options:
        assert len(option.reasons) >= 3


def test_suspended_and_unlicensed_offices_are_not_suggested(tehran_offices, service):
    from tanzim.catalog.models import Service

    _slotted, north, west = tehran_offices
    type(north).objects.filter(pk=north.pk).update(status="suspended")
    codes = [o.office.code for o in suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1]).options]
    assert "N0001" not in codes
    licensed = Service.objects.create(
        code="consult_visit", name_fa="مشاوره حضوری", name_en="Consultation visit", category="advice",
        in_person=True, licence_required="consultation", duration_minutes=15,
    )  # fmt: skip
    Licence.objects.create(office=west, kind="consultation", valid_from=date(2024, 1, 1))
    codes = [
        o.office.code for o in suggest(service=licensed, latitude=TEHRAN[0], longitude=TEHRAN[1]).options
    ]
    assert codes == ["W0001"]


def test_a_long_service_is_only_offered_where_it_fits(tehran_offices, long_service):
    slotted, _north, _west = tehran_offices
    # At office A every other quarter hour is full: no 30-minute run is free today.
    for i, slot in enumerate(
        Slot.objects.filter(office=slotted.office_a, start__lt=at(1, 0)).order_by("start")
    ):
        if i % 2:
            Slot.objects.filter(pk=slot.pk).update(booked=2)
    result = suggest(service=long_service, latitude=TEHRAN[0], longitude=TEHRAN[1], limit=3)
    option = next(o for o in result.options if o.office.code == "A0001")
    assert option.start >= at(1, 0)
    assert option.end - option.start == at(0, 8, 30) - at(0, 8)


def test_the_date_range_is_respected(tehran_offices, service):
    result = suggest(
        service=service,
        latitude=TEHRAN[0],
        longitude=TEHRAN[1],
        date_from=date(2026, 12, 21),
        date_to=date(2026, 12, 21),
    )
    assert {o.start.date() for o in result.options} == {date(2026, 12, 21)}


def test_bad_dates_and_limits_are_refused(tehran_offices, service):
    for kwargs in (
        {"date_from": date(2026, 12, 1)},
        {"date_from": date(2026, 12, 25), "date_to": date(2026, 12, 21)},
        {"date_from": date(2027, 6, 1)},
        {"limit": 0},
        {"limit": 21},
    ):
        with pytest.raises(DomainError):
            suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1], **kwargs)


def test_a_city_gives_its_centre_and_nothing_gives_an_error(db):
    assert resolve_location(city="THR-01") == pytest.approx(TEHRAN)
    with pytest.raises(DomainError):
        resolve_location()
    with pytest.raises(DomainError):
        resolve_location(latitude=float("nan"), longitude=51)


def test_offices_never_ranked_get_no_bonus(tehran_offices, service):
    assert suggestions.ranking_tier_bonus([1, 2, 3]) == {}
    assert all(
        o.tier_bonus == 0 for o in suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1]).options
    )


def _by_office(service) -> dict:
    return {
        o.office.code: o for o in suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1]).options
    }


def test_a_better_tier_takes_a_few_minutes_off_the_cost_and_says_so(tehran_offices, service):
    _slotted, north, west = tehran_offices
    before = _by_office(service)
    # North's tier A dates from an earlier month and is still in force; West is tier C.
    OfficeTier.objects.create(office=north, year=1405, month=7, tier="A")
    OfficeTier.objects.create(office=west, year=1405, month=9, tier="C")
    with translation.override("en"):
        after = _by_office(service)
    north_after, west_after = after["N0001"], after["W0001"]
    assert (north_after.tier, north_after.tier_bonus) == ("A", 15.0)
    assert north_after.cost == pytest.approx(before["N0001"].cost - 15)
    assert "A highly ranked office (Tier A)." in north_after.reasons
    assert (west_after.tier, west_after.tier_bonus, west_after.cost) == ("C", 0, before["W0001"].cost)
    assert not any("ranked" in reason for reason in west_after.reasons)
    # A small nudge: next door still beats an office 8 km away.
    assert list(after)[:2] == ["A0001", "N0001"]
    assert suggestions.ranking_tier_bonus([north.pk, west.pk]) == {north.pk: 15.0}


def test_a_tier_bonus_when_ranking_plugs_in_moves_an_office_up(tehran_offices, service, monkeypatch):
    _slotted, north, _west = tehran_offices
    monkeypatch.setattr(suggestions, "ranking_tier_bonus", lambda ids, **kwargs: {north.pk: 500.0})
    monkeypatch.setattr(suggestions, "MAX_TIER_BONUS", 500.0)
    assert suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1]).options[0].office.code == "N0001"


def test_the_cost_weights_come_from_settings(settings):
    settings.SCHEDULING_SUGGESTION_WEIGHTS = {"delay_minutes_per_day": 60}
    weights = CostWeights.from_settings()
    assert weights.delay_minutes_per_day == 60
    assert weights.travel_minutes(10) == pytest.approx(30)
    assert weights.travel_minutes(70) == pytest.approx(90)


def test_a_taken_slot_disappears_from_the_suggestions(tehran_offices, service):
    slotted, _north, _west = tehran_offices
    slot = slot_at(slotted.office_a, at(0, 8))
    book(slotted.citizen, slot, service)
    book(CitizenFactory(), slot, service)
    first = suggest(service=service, latitude=TEHRAN[0], longitude=TEHRAN[1]).options[0]
    assert (first.office.code, first.start) == ("A0001", at(0, 8, 15))
