"""Indicators from the rollups equal the same indicators counted from the source rows (hypothesis);
the incremental refresh equals a full rebuild; the check finds a tampered rollup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tanzim.cases.choices import CaseStatus
from tanzim.catalog.choices import ChannelKind
from tanzim.dashboards import indicators as registry
from tanzim.dashboards import rollups, selectors
from tanzim.dashboards.models import OfficeDay, ProvinceDay, RollupState
from tanzim.dashboards.tests import data
from tanzim.disputes.choices import DisputeStatus
from tanzim.finance.choices import PaymentStatus
from tanzim.offices.models import City
from tanzim.scheduling.choices import AppointmentStatus
from tanzim.testing.factories import CitizenFactory, OfficeFactory

pytestmark = pytest.mark.django_db(transaction=False)

DAY = 86400
SPAN = 12 * DAY  # the data falls on 12 days (and their Tehran midnights)
moment = st.integers(min_value=0, max_value=SPAN)
delay = st.integers(min_value=0, max_value=5 * DAY)

cases = st.lists(st.tuples(
    st.integers(0, 2), st.sampled_from(ChannelKind.values),
    st.sampled_from([CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.CLOSED, CaseStatus.REJECTED,
                     CaseStatus.CANCELLED]),
    moment, delay, st.booleans(), st.integers(0, 500_000),
), max_size=12)  # fmt: skip
disputes = st.lists(st.tuples(
    st.integers(0, 2),
    st.sampled_from([DisputeStatus.SETTLED, DisputeStatus.AWARDED, DisputeStatus.FAILED,
                     DisputeStatus.REFERRED, DisputeStatus.MEDIATION]),
    moment, st.one_of(st.none(), delay), st.sampled_from([True, False, None]),
), max_size=10)  # fmt: skip
appointments = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(AppointmentStatus.values), moment, delay), max_size=10
)
surveys = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 11), st.integers(1, 5)), max_size=12)
payments = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from([PaymentStatus.CAPTURED, PaymentStatus.PENDING]), moment,
              st.integers(1, 9_000_000), st.booleans()),
    max_size=10,
)  # fmt: skip


@pytest.fixture
def world(db):
    capitals = list(City.objects.filter(is_capital=True).order_by("code")[:2])
    offices = [
        OfficeFactory(city=capitals[0]),
        OfficeFactory(city=capitals[0]),
        OfficeFactory(city=capitals[1]),
    ]
    return offices, CitizenFactory()


def _fill(offices, user, spec) -> data.Made:
    made = data.Made()
    for o, channel, status, created, after, free, discount in spec["cases"]:
        data.make_case(made, office=offices[o], user=user, channel=channel, status=status, created=created,
                       resolve_after=after, free=free, discount=discount)  # fmt: skip
    for o, status, created, after, eligible in spec["disputes"]:
        data.make_dispute(made, office=offices[o], user=user, status=status, created=created,
                          conclude_after=after, eligible=eligible)  # fmt: skip
    for o, status, start, lead in spec["appointments"]:
        data.make_appointment(made, office=offices[o], user=user, status=status, start=start, lead=lead)
    for o, day, overall in spec["surveys"]:
        data.make_survey(made, office=offices[o], day=day, overall=overall)
    for o, status, captured, amount, dispute_fee in spec["payments"]:
        data.make_payment(made, office=offices[o], status=status, captured=captured, amount=amount,
                          dispute_fee=dispute_fee)  # fmt: skip
    return made


def _expected(made, first, last, office_ids) -> dict[str, float | None]:
    counters = dict.fromkeys(registry.COUNTER_NAMES, 0) | dict.fromkeys(registry.PENDING, 0)
    counters.update(data.direct_counters(made, first, last, set(office_ids)))
    return registry.compute_all(counters, data.network_counters(made, first, last))


def _same(got: dict, want: dict) -> None:
    for code, value in want.items():
        if value is None:
            assert got[code] is None, code
        else:
            assert got[code] == pytest.approx(value, rel=1e-9, abs=1e-9), code


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    spec=st.fixed_dictionaries(
        {
            "cases": cases,
            "disputes": disputes,
            "appointments": appointments,
            "surveys": surveys,
            "payments": payments,
        }
    ),
    window=st.tuples(st.integers(0, 16), st.integers(0, 16)),
)
def test_every_indicator_from_rollups_equals_the_sources(world, spec, window):
    offices, user = world
    with transaction.atomic():
        made = _fill(offices, user, spec)
        rollups.rebuild(data.BASE.date() - timedelta(days=1), data.BASE.date() + timedelta(days=20))
        first = data.BASE.date() + timedelta(days=min(window))
        last = data.BASE.date() + timedelta(days=max(window))
        nation = selectors.indicator_values(None, first, last)
        assert len(nation) == 1
        _same(nation[0]["values"], _expected(made, first, last, [o.pk for o in offices]))
        per_office = {row["key"]: row for row in selectors.indicator_values(None, first, last, by="office")}
        for office in offices:
            if office.pk in per_office:
                _same(per_office[office.pk]["values"], _expected(made, first, last, [office.pk]))
        province = offices[0].province_id
        same_province = [o.pk for o in offices if o.province_id == province]
        one = selectors.indicator_values(None, first, last, province=province)[0]
        _same(one["values"], _expected(made, first, last, same_province))
        # By day: each day's row is that day's figures, with the pending stocks at its end.
        for row in selectors.indicator_values(
            ["request_disposition", "settlement_rate"], first, last, by="day"
        ):
            want = _expected(made, row["key"], row["key"], [o.pk for o in offices])
            _same(row["values"], {k: want[k] for k in ("request_disposition", "settlement_rate")})
        transaction.set_rollback(True)


def test_the_incremental_refresh_equals_a_full_rebuild(world):
    offices, user = world
    made = data.Made()
    for i in range(6):
        data.make_case(made, office=offices[i % 3], user=user, channel=ChannelKind.REMOTE,
                       status=CaseStatus.SUBMITTED, created=i * DAY // 2, discount=1000 * i)  # fmt: skip
        data.make_dispute(made, office=offices[i % 2], user=user, status=DisputeStatus.MEDIATION,
                          created=i * DAY, conclude_after=None, eligible=True)  # fmt: skip
    rollups.rebuild()
    state = RollupState.objects.get(name=rollups.STATE)
    # Later work: a request closes, a dispute settles, a new appointment and survey answer arrive.
    RollupState.objects.filter(pk=state.pk).update(
        ran_at=timezone.now() + timedelta(minutes=rollups.LOOKBACK.seconds // 60)
    )
    from tanzim.cases.models import Case
    from tanzim.disputes.models import Dispute

    case = made.cases[0]
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED,
        status_changed_at=data.at(3 * DAY),
        updated_at=timezone.now() + timedelta(hours=1),
    )
    dispute = made.disputes[1]
    Dispute.objects.filter(pk=dispute.pk).update(
        status=DisputeStatus.SETTLED,
        concluded_at=data.at(4 * DAY),
        updated_at=timezone.now() + timedelta(hours=1),
    )
    data.make_survey(made, office=offices[2], day=5, overall=4)
    appointment = data.make_appointment(made, office=offices[1], user=user, status=AppointmentStatus.BOOKED,
                                        start=6 * DAY, lead=DAY)  # fmt: skip
    from tanzim.scheduling.models import Appointment

    Appointment.objects.filter(pk=appointment.pk).update(updated_at=timezone.now() + timedelta(hours=1))
    written = rollups.refresh(now=timezone.now() + timedelta(hours=1))
    assert written >= 4
    incremental, provinces = _table(), _provinces()
    assert rollups.check() == []
    rollups.rebuild()
    assert _table() == incremental
    assert _provinces() == provinces
    assert incremental  # something was counted


def _provinces() -> dict:
    return {
        (row["province_id"], row["day"]): row
        for row in ProvinceDay.objects.values("province_id", "day", *registry.COUNTER_NAMES)
    }


def _table() -> dict:
    return {
        (row["office_id"], row["day"]): row
        for row in OfficeDay.objects.values("office_id", "province_id", "day", *registry.COUNTER_NAMES)
    }


def test_check_rollups_finds_a_tampered_rollup(world, capsys):
    offices, user = world
    made = data.Made()
    data.make_case(made, office=offices[0], user=user, channel=ChannelKind.IN_PERSON,
                   status=CaseStatus.SUBMITTED, created=DAY)  # fmt: skip
    data.make_survey(made, office=offices[1], day=2, overall=5)
    call_command("rebuild_rollups")
    call_command("check_rollups")
    assert "agree" in capsys.readouterr().out
    OfficeDay.objects.filter(office=offices[0]).update(requests_in=7)
    found = rollups.check()
    assert [(d.office_id, d.counter, d.stored, d.source) for d in found if d.province_id is None] == [
        (offices[0].pk, "requests_in", 7, 1)
    ]
    # ... and the province's row no longer adds up its offices' rows.
    assert [(d.province_id, d.counter) for d in found if d.province_id] == [
        (offices[0].province_id, "requests_in")
    ]
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_rollups")
    assert exit_info.value.code == 1
    assert "requests_in" in capsys.readouterr().out
    # A rollup row with no source behind it is found too.
    OfficeDay.objects.create(
        office=offices[2], province_id=offices[2].province_id, day=data.BASE.date(), services=3
    )
    assert any(d.office_id == offices[2].pk and d.counter == "services" for d in rollups.check())
