"""Figures by service (issue 22): each by-service indicator from the rollups equals the same
indicator counted from that service's source rows (hypothesis), by nation, province and office;
the incremental refresh equals a rebuild for the service rows; the check finds a tampered one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tanzim.cases.choices import CaseStatus
from tanzim.catalog.choices import ChannelKind
from tanzim.common.errors import NotFoundError
from tanzim.dashboards import indicators as registry
from tanzim.dashboards import rollups, selectors
from tanzim.dashboards.models import OfficeServiceDay, ProvinceServiceDay, RollupState
from tanzim.dashboards.tests import data
from tanzim.offices.models import City
from tanzim.scheduling.choices import AppointmentStatus, TicketStatus
from tanzim.testing.factories import CitizenFactory, OfficeFactory

pytestmark = pytest.mark.django_db(transaction=False)

DAY = 86400
SPAN = 12 * DAY
moment = st.integers(min_value=0, max_value=SPAN)
delay = st.integers(min_value=0, max_value=5 * DAY)
office = st.integers(0, 2)
service = st.integers(0, 1)

cases = st.lists(st.tuples(
    office, service, st.sampled_from(ChannelKind.values),
    st.sampled_from([CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.CLOSED, CaseStatus.REJECTED,
                     CaseStatus.CANCELLED]),
    moment, delay, st.booleans(), st.integers(0, 500_000),
), max_size=12)  # fmt: skip
appointments = st.lists(
    st.tuples(office, service, st.sampled_from(AppointmentStatus.values), moment, delay), max_size=8
)
tickets = st.lists(st.tuples(
    office, st.one_of(st.none(), service), st.integers(0, 11),
    st.sampled_from([TicketStatus.SERVED, TicketStatus.WAITING, TicketStatus.LEFT]), st.integers(0, 7200),
), max_size=8)  # fmt: skip
visits = st.lists(st.tuples(office, service, moment, st.integers(1, 3)), max_size=6)


@pytest.fixture
def world(db):
    capitals = list(City.objects.filter(is_capital=True).order_by("code")[:2])
    offices = [
        OfficeFactory(city=capitals[0]),
        OfficeFactory(city=capitals[0]),
        OfficeFactory(city=capitals[1]),
    ]
    return offices, data.services(2), CitizenFactory()


def _fill(offices, kinds, user, spec) -> data.Made:
    made = data.Made()
    for o, s, channel, status, created, after, free, discount in spec["cases"]:
        data.make_case(made, office=offices[o], user=user, channel=channel, status=status, created=created,
                       resolve_after=after, free=free, discount=discount, service=kinds[s])  # fmt: skip
    for o, s, status, start, lead in spec["appointments"]:
        data.make_appointment(made, office=offices[o], user=user, status=status, start=start, lead=lead,
                              service=kinds[s])  # fmt: skip
    for o, s, day, status, wait in spec["tickets"]:
        data.make_ticket(made, office=offices[o], service=None if s is None else kinds[s], day=day,
                         status=status, wait=wait)  # fmt: skip
    for o, s, created, saved in spec["visits"]:
        data.make_visit_avoided(made, office=offices[o], user=user, service=kinds[s], created=created,
                                saved=saved)  # fmt: skip
    return made


def _expected(made, first, last, office_ids, service_id=None) -> dict[str, float | None]:
    counters = dict.fromkeys(registry.COUNTER_NAMES, 0) | dict.fromkeys(registry.PENDING, 0)
    counters.update(data.direct_counters(made, first, last, set(office_ids), service=service_id))
    return registry.compute_all(counters, None, registry.SERVICE_INDICATORS)


def _same(got: dict, want: dict) -> None:
    for code, value in want.items():
        if value is None:
            assert got[code] is None, code
        else:
            assert got[code] == pytest.approx(value, rel=1e-9, abs=1e-9), code


CODES = list(registry.SERVICE_INDICATORS)


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    spec=st.fixed_dictionaries(
        {"cases": cases, "appointments": appointments, "tickets": tickets, "visits": visits}
    ),
    window=st.tuples(st.integers(0, 16), st.integers(0, 16)),
)
def test_every_indicator_by_service_from_rollups_equals_that_services_sources(world, spec, window):
    offices, kinds, user = world
    with transaction.atomic():
        made = _fill(offices, kinds, user, spec)
        rollups.rebuild(data.BASE.date() - timedelta(days=1), data.BASE.date() + timedelta(days=20))
        first = data.BASE.date() + timedelta(days=min(window))
        last = data.BASE.date() + timedelta(days=max(window))
        everyone = [o.pk for o in offices]
        province = offices[0].province_id
        same_province = [o.pk for o in offices if o.province_id == province]
        # Every service together: the tickets with no service are in these figures.
        _same(
            selectors.indicator_values(CODES, first, last)[0]["values"],
            _expected(made, first, last, everyone),
        )
        for kind in kinds:
            nation = selectors.indicator_values(CODES, first, last, service=kind)
            assert len(nation) == 1 and nation[0]["unavailable"] == []
            _same(nation[0]["values"], _expected(made, first, last, everyone, kind.pk))
            one = selectors.indicator_values(CODES, first, last, province=province, service=kind.pk)[0]
            _same(one["values"], _expected(made, first, last, same_province, kind.pk))
            per_office = {
                row["key"]: row
                for row in selectors.indicator_values(CODES, first, last, by="office", service=kind)
            }
            for o in offices:
                if o.pk in per_office:
                    _same(per_office[o.pk]["values"], _expected(made, first, last, [o.pk], kind.pk))
            by_province = {
                row["key"]: row
                for row in selectors.indicator_values(CODES, first, last, by="province", service=kind)
            }
            if province in by_province:
                _same(by_province[province]["values"], _expected(made, first, last, same_province, kind.pk))
            # By day, with the pending requests of that service at each day's end.
            for row in selectors.indicator_values(
                ["request_disposition"], first, last, by="day", service=kind
            ):
                want = _expected(made, row["key"], row["key"], everyone, kind.pk)
                _same(row["values"], {"request_disposition": want["request_disposition"]})
        transaction.set_rollback(True)


def test_indicators_not_recorded_by_service_are_none_and_named(world):
    offices, kinds, user = world
    made = data.Made()
    data.make_case(made, office=offices[0], user=user, channel=ChannelKind.REMOTE,
                   status=CaseStatus.SUBMITTED, created=DAY, service=kinds[0])  # fmt: skip
    data.make_survey(made, office=offices[0], day=1, overall=5)
    rollups.rebuild()
    day = data.BASE.date() + timedelta(days=1)
    row = selectors.indicator_values(["remote_uptake", "satisfaction", "settlement_rate"], day, day,
                                     service=kinds[0])[0]  # fmt: skip
    assert row["values"] == {"remote_uptake": 1.0, "satisfaction": None, "settlement_rate": None}
    assert row["unavailable"] == ["satisfaction", "settlement_rate"]
    # Without a service the row is as it always was: no "unavailable", satisfaction has a value.
    plain = selectors.indicator_values(["remote_uptake", "satisfaction"], day, day)[0]
    assert "unavailable" not in plain and plain["values"]["satisfaction"] == 5.0
    assert selectors.indicator_values(["remote_uptake"], day, day, service=kinds[1])[0]["values"] == {
        "remote_uptake": None
    }
    # Only unavailable indicators asked: a row all None, by day too.
    only = selectors.indicator_values(["satisfaction"], day, day, service=kinds[0])
    assert [(r["values"], r["unavailable"]) for r in only] == [({"satisfaction": None}, ["satisfaction"])]
    assert selectors.indicator_values(["satisfaction"], day, day, by="office", service=kinds[0])[0][
        "values"
    ] == {"satisfaction": None}
    with pytest.raises(ValueError, match="not recorded by service"):
        selectors.counter_totals(day, day, counters=["disputes_in"], service=kinds[0])
    assert set(selectors.counter_totals(day, day, service=kinds[0])[0]["counters"]) == set(
        registry.SERVICE_COUNTERS
    ) | {"requests_pending"}
    with pytest.raises(NotFoundError):
        selectors.indicator_values(None, day, day, service=10**9)


def test_every_service_counter_is_counted_by_a_query_grouped_by_service():
    grouped = {name for q in rollups._queries() if q.service for name in q.counters}
    assert set(registry.SERVICE_COUNTERS) == grouped
    # ... and an indicator is available by service exactly when all it reads is.
    for indicator in registry.INDICATORS:
        reads = set(registry.counters_read(indicator.code))
        assert (indicator.code in registry.SERVICE_INDICATORS) == (reads <= set(registry.SERVICE_COUNTERS))
    assert "request_disposition" in registry.SERVICE_INDICATORS
    assert "free_services" not in registry.SERVICE_INDICATORS  # outreach has no catalogue service


def test_a_service_read_makes_a_constant_number_of_queries(world):
    offices, kinds, user = world
    first, last = data.BASE.date(), data.BASE.date() + timedelta(days=12)
    counts = []
    for n in (1, 5):
        made = data.Made()
        for i in range(n):
            for o in offices:
                data.make_case(made, office=o, user=user, channel=ChannelKind.REMOTE,
                               status=CaseStatus.CLOSED, created=i * DAY, resolve_after=DAY,
                               service=kinds[i % 2])  # fmt: skip
        rollups.rebuild()
        with CaptureQueriesContext(connection) as queries:
            selectors.indicator_values(None, first, last, service=kinds[0])
            selectors.indicator_values(["request_days"], first, last, by="office", service=kinds[0].pk)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _service_tables() -> tuple[dict, dict]:
    offices = {
        (r["office_id"], r["service_id"], r["day"]): r
        for r in OfficeServiceDay.objects.values(
            "office_id", "province_id", "service_id", "day", *registry.SERVICE_COUNTERS
        )
    }
    provinces = {
        (r["province_id"], r["service_id"], r["day"]): r
        for r in ProvinceServiceDay.objects.values(
            "province_id", "service_id", "day", *registry.SERVICE_COUNTERS
        )
    }
    return offices, provinces


def test_the_incremental_refresh_equals_a_rebuild_for_the_service_rows(world):
    offices, kinds, user = world
    made = data.Made()
    for i in range(6):
        data.make_case(made, office=offices[i % 3], user=user, channel=ChannelKind.REMOTE,
                       status=CaseStatus.SUBMITTED, created=i * DAY // 2, service=kinds[i % 2])  # fmt: skip
    data.make_ticket(made, office=offices[0], service=kinds[0], day=1, status=TicketStatus.SERVED, wait=600)
    rollups.rebuild()
    assert OfficeServiceDay.objects.exists()
    RollupState.objects.filter(name=rollups.STATE).update(
        ran_at=timezone.now() + timedelta(minutes=rollups.LOOKBACK.seconds // 60)
    )
    later = timezone.now() + timedelta(hours=1)
    from tanzim.cases.models import Case
    from tanzim.scheduling.models import Appointment, QueueTicket

    # A request moves to the other service and closes; another closes; a ticket is served later.
    case = made.cases[0]
    Case.objects.filter(pk=case.pk).update(
        service=kinds[1], status=CaseStatus.CLOSED, status_changed_at=data.at(3 * DAY), updated_at=later
    )
    Case.objects.filter(pk=made.cases[3].pk).update(
        status=CaseStatus.CANCELLED, status_changed_at=data.at(4 * DAY), updated_at=later
    )
    ticket = data.make_ticket(made, office=offices[2], service=kinds[1], day=2, status=TicketStatus.SERVED,
                              wait=900)  # fmt: skip
    QueueTicket.objects.filter(pk=ticket.pk).update(finished_at=later)
    appointment = data.make_appointment(made, office=offices[1], user=user, status=AppointmentStatus.BOOKED,
                                        start=6 * DAY, lead=DAY, service=kinds[1])  # fmt: skip
    Appointment.objects.filter(pk=appointment.pk).update(updated_at=later)
    data.make_visit_avoided(made, office=offices[1], user=user, service=kinds[0], created=DAY, saved=2)
    from tanzim.scheduling.models import VisitAvoided

    VisitAvoided.objects.filter(pk=made.visits[0].pk).update(created_at=timezone.now())
    assert rollups.refresh(now=later) >= 4
    incremental = _service_tables()
    assert rollups.check() == []
    rollups.rebuild()
    assert _service_tables() == incremental
    assert any(key[1] == kinds[1].pk for key in incremental[0])  # the moved request's new service


def test_check_rollups_finds_a_tampered_service_row(world, capsys):
    offices, kinds, user = world
    made = data.Made()
    data.make_case(made, office=offices[0], user=user, channel=ChannelKind.IN_PERSON,
                   status=CaseStatus.SUBMITTED, created=DAY, service=kinds[1])  # fmt: skip
    call_command("rebuild_rollups")
    call_command("check_rollups")
    assert "agree" in capsys.readouterr().out
    OfficeServiceDay.objects.filter(office=offices[0], service=kinds[1]).update(requests_in=7)
    found = rollups.check()
    assert [
        (d.office_id, d.service_id, d.counter, d.stored, d.source) for d in found if not d.province_id
    ] == [(offices[0].pk, kinds[1].pk, "requests_in", 7, 1)]
    assert [(d.province_id, d.service_id, d.counter) for d in found if d.province_id] == [
        (offices[0].province_id, kinds[1].pk, "requests_in")
    ]
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_rollups")
    assert exit_info.value.code == 1
    assert f"office {offices[0].pk} service {kinds[1].pk}" in capsys.readouterr().out
    # A service row with no source row behind it is found too.
    OfficeServiceDay.objects.create(
        office=offices[2], province_id=offices[2].province_id, service=kinds[0], day=data.BASE.date(),
        tickets_served=2,
    )  # fmt: skip
    assert any(
        d.office_id == offices[2].pk and d.service_id == kinds[0].pk and d.counter == "tickets_served"
        for d in rollups.check()
    )


def test_the_guide_says_which_indicators_and_counters_are_recorded_by_service():
    from pathlib import Path

    from django.conf import settings as django_settings

    lines = (
        (Path(django_settings.BASE_DIR) / "docs" / "indicators.md").read_text(encoding="utf-8").splitlines()
    )
    for indicator in registry.INDICATORS:
        row = next(line for line in lines if line.startswith(f"| `{indicator.code}` |"))
        want = "yes" if indicator.code in registry.SERVICE_INDICATORS else "no"
        assert row.endswith(f"| {want} |"), indicator.code
    for counter in registry.COUNTERS:
        row = next(line for line in lines if line.startswith(f"| `{counter.name}` | `{counter.source}` |"))
        assert row.endswith(f"| {'yes' if counter.by_service else 'no'} |"), counter.name
