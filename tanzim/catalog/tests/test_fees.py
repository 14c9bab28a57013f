"""The fee engine against the 1403 tariff loaded by the data migration."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.fees import channel_prices, fee_quote, schedule_for
from tanzim.catalog.models import FeeSchedule, Service, Tariff
from tanzim.catalog.services import DATA
from tanzim.common.errors import DomainError, NotFoundError

TARIFF = json.loads(DATA.read_text(encoding="utf-8"))
BY_CODE = {item["code"]: item for item in TARIFF["services"]}
ADDON_FEES = {item["code"]: item["fee"] for item in TARIFF["addons"]}
PER_PAGE = {item["code"] for item in TARIFF["addons"] if item.get("unit") == "per_page"}


def addon_total(codes, *, service_code: str, extra_pages: int = 0) -> int:
    """What the tariff file says the add-ons cost: per-page ones for every page of the document."""
    pages = max(1, BY_CODE[service_code]["included_pages"] + extra_pages)
    return sum(ADDON_FEES[c] * (pages if c in PER_PAGE else 1) for c in set(codes))


IN_PERSON_ONLY = sorted(code for code, item in BY_CODE.items() if "remote" not in item["channels"])
AMOUNT_FIELDS = [
    "service_part",
    "addons_total",
    "discount_pct",
    "discount",
    "office_fee",
    "client_office_fee",
    "subsidy",
    "court_fee",
    "client_total",
]


def service(code: str) -> Service:
    return Service.objects.get(code=code)


@pytest.fixture
def services(db) -> dict[str, Service]:
    return {s.code: s for s in Service.objects.all()}


# --- the 1403 figures -----------------------------------------------------------------


def test_a_civil_petition_in_person_costs_the_1403_base_fee(db):
    quote = fee_quote(service=service("civil_petition"), channel="in_person")

    assert quote.year == 1403
    assert quote.service_part == 770_000
    assert quote.discount == 0
    assert quote.office_fee == 770_000
    assert quote.client_total == 770_000
    assert [(line.code, line.amount) for line in quote.lines] == [("base", 770_000)]


def test_a_formal_notice_in_person_costs_630000_rials(db):
    quote = fee_quote(service=service("formal_notice"), channel="in_person")

    assert quote.office_fee == 630_000
    assert quote.client_total == 630_000


def test_each_extra_party_and_extra_page_costs_70000_rials(db):
    quote = fee_quote(service=service("civil_petition"), channel="in_person", extra_parties=1, extra_pages=2)

    lines = {line.code: line for line in quote.lines}
    assert lines["extra_party"].quantity == 1
    assert lines["extra_party"].unit_fee == 70_000
    assert lines["extra_party"].amount == 70_000
    assert lines["extra_page"].quantity == 2
    assert lines["extra_page"].unit_fee == 70_000
    assert lines["extra_page"].amount == 140_000
    assert quote.service_part == 770_000 + 70_000 + 140_000
    assert quote.office_fee == 980_000


@pytest.mark.parametrize(
    ("code", "channel", "expected"),
    [
        ("civil_petition", "remote", 385_000),
        ("civil_petition", "semi_in_person", 577_500),
        ("formal_notice", "remote", 315_000),
        ("notice_account_view", "remote", 60_000),
        ("no_criminal_record", "semi_in_person", 103_500),
        ("consultation", "remote", 500_000),
    ],
)
def test_the_channel_discount_follows_the_tariff_table(db, code, channel, expected):
    item = BY_CODE[code]
    pct = item["remote_discount_pct"] if channel == "remote" else item["semi_discount_pct"]

    quote = fee_quote(service=service(code), channel=channel)

    assert quote.discount_pct == pct
    assert quote.discount == item["base_fee"] * pct // 100
    assert quote.client_total == expected


def test_channel_prices_list_every_allowed_channel_of_a_service(db):
    assert channel_prices(service=service("civil_petition")) == {
        "remote": 385_000,
        "semi_in_person": 577_500,
        "in_person": 770_000,
    }
    assert set(channel_prices(service=service("sana_registration"))) == {"semi_in_person", "in_person"}


# --- totals versus extras -------------------------------------------------------------


def test_totals_of_parties_and_pages_are_turned_into_extras_beyond_the_base(db):
    petition = service("civil_petition")  # the base covers 2 parties and 2 pages

    by_totals = fee_quote(service=petition, channel="in_person", parties=3, pages=5)
    by_extras = fee_quote(service=petition, channel="in_person", extra_parties=1, extra_pages=3)

    assert by_totals == by_extras
    assert by_totals.office_fee == 770_000 + 70_000 + 3 * 70_000


def test_totals_within_what_the_base_covers_add_nothing(db):
    quote = fee_quote(service=service("civil_petition"), channel="in_person", parties=1, pages=0)

    assert quote.office_fee == 770_000
    assert [line.code for line in quote.lines] == ["base"]


def test_a_formal_notice_base_covers_one_page_only(db):
    quote = fee_quote(service=service("formal_notice"), channel="in_person", parties=2, pages=2)

    assert quote.office_fee == 630_000 + 70_000


# --- add-ons ----------------------------------------------------------------------------


def test_add_ons_are_charged_at_full_price_and_never_discounted(db):
    quote = fee_quote(service=service("civil_petition"), channel="remote", addons=["sms", "typing"])

    assert quote.service_part == 770_000
    assert quote.discount == 385_000
    assert quote.addons_total == addon_total(["sms", "typing"], service_code="civil_petition")
    assert quote.office_fee == 385_000 + quote.addons_total
    assert [line.code for line in quote.lines] == ["base", "addon:sms", "addon:typing"]


def test_the_same_add_on_asked_twice_is_charged_once(db):
    quote = fee_quote(service=service("civil_petition"), channel="in_person", addons=["sms", "sms"])

    assert quote.addons_total == ADDON_FEES["sms"]


def test_an_unknown_add_on_is_refused_with_a_field_error(db):
    with pytest.raises(DomainError) as info:
        fee_quote(service=service("civil_petition"), channel="in_person", addons=["sms", "gold-plating"])

    assert list(info.value.fields) == ["addons"]
    assert "gold-plating" in str(info.value.fields["addons"][0])


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"extra_pages": -1}, "extra_pages"),
        ({"extra_parties": -3}, "extra_parties"),
        ({"pages": -1}, "pages"),
        ({"parties": -1}, "parties"),
        ({"extra_pages": 501}, "extra_pages"),
        ({"extra_pages": 1.5}, "extra_pages"),
        ({"extra_parties": True}, "extra_parties"),
        ({"court_fee": -1}, "court_fee"),
    ],
)
def test_it_refuses_counts_and_amounts_that_are_not_whole_non_negative_numbers(db, kwargs, field):
    with pytest.raises(DomainError) as info:
        fee_quote(service=service("civil_petition"), channel="in_person", **kwargs)

    assert field in info.value.fields
    assert info.value.status == 400


def test_the_json_marks_the_sana_services_as_in_person_only():
    assert {"sana_registration", "sana_edit", "account_password_handover", "no_criminal_record"} <= set(
        IN_PERSON_ONLY
    )


@pytest.mark.parametrize("code", IN_PERSON_ONLY)
def test_it_refuses_the_remote_channel_for_a_service_that_needs_a_visit(db, code):
    with pytest.raises(DomainError) as info:
        fee_quote(service=service(code), channel="remote")

    assert info.value.code == "channel_not_allowed"
    assert "channel" in info.value.fields


def test_it_refuses_an_unknown_channel(db):
    with pytest.raises(DomainError) as info:
        fee_quote(service=service("civil_petition"), channel="carrier-pigeon")

    assert "channel" in info.value.fields


def test_it_refuses_to_quote_before_any_tariff_was_in_force(db):
    with pytest.raises(NotFoundError) as info:
        fee_quote(service=service("civil_petition"), channel="in_person", on=date(2020, 1, 1))

    assert info.value.code == "no_fee_schedule"


def test_the_1403_schedule_starts_on_1_farvardin_1403(db):
    assert schedule_for(date(2024, 3, 20)).year == 1403
    with pytest.raises(NotFoundError):
        schedule_for(date(2024, 3, 19))


# --- free services ----------------------------------------------------------------------


def test_a_free_service_costs_the_client_nothing_and_the_kanoon_subsidises_the_office(db):
    schedule = FeeSchedule.objects.get(year=1403)
    schedule.free_service_subsidy_pct = 80
    schedule.save()

    quote = fee_quote(
        service=service("civil_petition"),
        channel="in_person",
        extra_pages=1,
        free_service=True,
        court_fee=1_200_000,
    )

    assert quote.free_service is True
    assert quote.office_fee == 840_000
    assert quote.client_office_fee == 0
    assert quote.subsidy == 840_000 * 80 // 100
    assert quote.court_fee == 1_200_000
    assert quote.client_total == 1_200_000
    assert quote.notes


def test_a_paid_service_owes_no_subsidy_and_the_court_fee_is_added_to_the_total(db):
    quote = fee_quote(service=service("civil_petition"), channel="remote", court_fee=500_000)

    assert quote.subsidy == 0
    assert quote.client_office_fee == 385_000
    assert quote.client_total == 885_000


# --- the discount cap -------------------------------------------------------------------


def _new_service() -> Service:
    return Service.objects.create(
        code="test-service", name_fa="خدمت آزمایشی", name_en="Test service", category="filing", remote=True
    )


def test_the_database_refuses_a_remote_discount_above_fifty_percent(db):
    schedule = FeeSchedule.objects.get(year=1403)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tariff.objects.create(
            schedule=schedule, service=_new_service(), base_fee=100_000, remote_discount_pct=51
        )


def test_the_database_refuses_a_semi_in_person_discount_above_fifty_percent(db):
    schedule = FeeSchedule.objects.get(year=1403)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tariff.objects.create(
            schedule=schedule, service=_new_service(), base_fee=100_000, semi_discount_pct=75
        )


def test_model_validation_refuses_a_discount_above_fifty_percent(db):
    tariff = Tariff(
        schedule=FeeSchedule.objects.get(year=1403),
        service=_new_service(),
        base_fee=1,
        remote_discount_pct=60,
    )

    with pytest.raises(ValidationError) as info:
        tariff.full_clean()

    assert "remote_discount_pct" in info.value.error_dict


def test_a_discount_of_exactly_fifty_percent_is_allowed(db):
    tariff = Tariff(
        schedule=FeeSchedule.objects.get(year=1403),
        service=_new_service(),
        base_fee=1,
        remote_discount_pct=50,
    )
    tariff.full_clean()
    tariff.save()


# --- properties -------------------------------------------------------------------------

codes = st.sampled_from(sorted(BY_CODE))
channels = st.sampled_from(ChannelKind.values)
extras = st.integers(min_value=0, max_value=50)
addon_sets = st.lists(st.sampled_from(sorted(ADDON_FEES)), unique=True, max_size=len(ADDON_FEES))
court_fees = st.integers(min_value=0, max_value=50_000_000)
PROPERTY_SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY_SETTINGS
@given(
    code=codes,
    channel=channels,
    extra_parties=extras,
    extra_pages=extras,
    addons=addon_sets,
    free=st.booleans(),
    court_fee=court_fees,
)
def test_every_quote_adds_up(services, code, channel, extra_parties, extra_pages, addons, free, court_fee):
    svc = services[code]
    assume(channel in svc.channels)

    quote = fee_quote(
        service=svc,
        channel=channel,
        extra_parties=extra_parties,
        extra_pages=extra_pages,
        addons=addons,
        free_service=free,
        court_fee=court_fee,
    )

    for name in AMOUNT_FIELDS:
        value = getattr(quote, name)
        assert type(value) is int, name
        assert value >= 0, name
    for line in quote.lines:
        assert type(line.amount) is int
        assert line.amount == line.quantity * line.unit_fee
    assert sum(line.amount for line in quote.lines) == quote.service_part + quote.addons_total
    assert quote.addons_total == addon_total(addons, service_code=code, extra_pages=extra_pages)
    assert quote.office_fee == quote.service_part - quote.discount + quote.addons_total
    assert quote.discount * 2 <= quote.service_part
    assert quote.client_total == quote.client_office_fee + quote.court_fee
    assert quote.court_fee == court_fee
    if free:
        assert quote.client_office_fee == 0
        assert quote.subsidy <= quote.office_fee
    else:
        assert quote.client_office_fee == quote.office_fee
        assert quote.subsidy == 0


@PROPERTY_SETTINGS
@given(code=codes, extra_parties=extras, extra_pages=extras, addons=addon_sets, court_fee=court_fees)
def test_no_channel_costs_more_than_coming_in_person(
    services, code, extra_parties, extra_pages, addons, court_fee
):
    svc = services[code]
    assume(svc.in_person)
    kwargs = {
        "service": svc,
        "extra_parties": extra_parties,
        "extra_pages": extra_pages,
        "addons": addons,
        "court_fee": court_fee,
    }

    in_person = fee_quote(channel="in_person", **kwargs).client_total
    for channel in svc.channels:
        assert fee_quote(channel=channel, **kwargs).client_total <= in_person


@PROPERTY_SETTINGS
@given(
    code=codes,
    channel=channels,
    extra_parties=extras,
    extra_pages=extras,
    addons=addon_sets,
    free=st.booleans(),
)
def test_one_more_page_or_party_never_lowers_the_price(
    services, code, channel, extra_parties, extra_pages, addons, free
):
    svc = services[code]
    assume(channel in svc.channels)
    kwargs = {"service": svc, "channel": channel, "addons": addons, "free_service": free}

    before = fee_quote(extra_parties=extra_parties, extra_pages=extra_pages, **kwargs)
    more_pages = fee_quote(extra_parties=extra_parties, extra_pages=extra_pages + 1, **kwargs)
    more_parties = fee_quote(extra_parties=extra_parties + 1, extra_pages=extra_pages, **kwargs)

    for after in (more_pages, more_parties):
        assert after.office_fee >= before.office_fee
        assert after.client_total >= before.client_total
        assert after.subsidy >= before.subsidy


# --- add-ons priced per page, and the tariff in force ------------------------------------


def test_typing_and_printing_are_charged_for_every_page_of_the_document(db):
    # A five-page petition typed and printed at the office: the base covers two pages, three are
    # extra, and typing and printing are priced per page in the tariff — five times each.
    quote = fee_quote(
        service=service("civil_petition"), channel="in_person", pages=5, addons=["typing", "printing"]
    )

    assert {"typing", "printing"} == PER_PAGE
    base = BY_CODE["civil_petition"]["base_fee"] + 3 * TARIFF["extra_page_fee"]
    per_page = 5 * (ADDON_FEES["typing"] + ADDON_FEES["printing"])
    assert quote.client_total == base + per_page == 1_280_000
    lines = {line.code: (line.quantity, line.amount) for line in quote.lines}
    assert lines["addon:typing"] == (5, 250_000)
    assert lines["addon:printing"] == (5, 50_000)


def test_a_per_request_add_on_is_charged_once_whatever_the_pages(db):
    quote = fee_quote(service=service("civil_petition"), channel="in_person", pages=5, addons=["sms"])

    assert quote.addons_total == ADDON_FEES["sms"]


def test_a_year_without_its_own_tariff_is_flagged_on_the_quote(db):
    # 1405/09/12: only the 1403 schedule exists, so it applies — and the quote says so.
    quote = fee_quote(service=service("civil_petition"), channel="in_person", on=date(2026, 12, 3))

    assert quote.year == 1403
    assert quote.stale_schedule is True
    assert any("1403" in note for note in quote.notes)


def test_the_schedule_in_force_on_the_day_is_used_and_its_own_year_is_not_flagged(db):
    old = FeeSchedule.objects.get(year=1403)
    new = FeeSchedule.objects.create(
        year=1405, effective_from=date(2026, 3, 21), extra_party_fee=80_000, extra_page_fee=80_000
    )
    for tariff in Tariff.objects.filter(schedule=old):
        Tariff.objects.create(
            schedule=new,
            service=tariff.service,
            base_fee=tariff.base_fee + 100_000,
            included_parties=tariff.included_parties,
            included_pages=tariff.included_pages,
        )

    in_1405 = fee_quote(service=service("civil_petition"), channel="in_person", on=date(2026, 12, 3))
    in_1404 = fee_quote(service=service("civil_petition"), channel="in_person", on=date(2025, 12, 3))

    assert (in_1405.year, in_1405.stale_schedule, in_1405.client_total) == (1405, False, 870_000)
    assert (in_1404.year, in_1404.stale_schedule, in_1404.client_total) == (1403, True, 770_000)
