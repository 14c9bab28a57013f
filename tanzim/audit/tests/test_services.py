"""The audit trail: one hash chain per office stream, and a verifier that finds any edit or deletion."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tanzim.audit.models import AuditEvent, AuditStream, ConfidentialRead
from tanzim.audit.services import NATIONAL_STREAM, audit_verify, event_hash, record, record_read
from tanzim.testing.factories import CitizenFactory, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return UserFactory(username="auditor.subject")


@pytest.fixture
def trail(actor):
    """Three events in one office stream: the middle one can be tampered with and still have a successor."""
    office = OfficeFactory()
    events = [
        record(action="case.opened", actor=actor, office=office, obj=actor, data={"n": 1}),
        record(action="case.updated", actor=actor, office=office, obj=actor, data={"n": 2, "note": "ثبت شد"}),
        record(action="case.closed", actor=actor, office=office, obj=actor, data={"n": 3}),
    ]
    assert audit_verify().ok
    return events


def problems() -> list[str]:
    return audit_verify().problems


# --- record --------------------------------------------------------------------------------


def test_each_office_gets_its_own_chain_and_national_events_their_own(actor):
    office_a, office_b = OfficeFactory(), OfficeFactory()

    a1 = record(action="x.created", actor=actor, office=office_a)
    b1 = record(action="x.created", actor=actor, office=office_b.pk)
    a2 = record(action="x.updated", actor=actor, office=office_a)
    n1 = record(action="kanoon.rule_changed", actor=actor)

    assert set(AuditStream.objects.values_list("key", flat=True)) == {
        f"office:{office_a.pk}",
        f"office:{office_b.pk}",
        NATIONAL_STREAM,
    }
    assert [(e.stream.key, e.seq) for e in (a1, a2)] == [
        (f"office:{office_a.pk}", 1),
        (f"office:{office_a.pk}", 2),
    ]
    assert (b1.stream.key, b1.seq, b1.office_id) == (f"office:{office_b.pk}", 1, office_b.pk)
    assert (n1.stream.key, n1.seq, n1.office_id) == (NATIONAL_STREAM, 1, None)


def test_each_event_links_to_the_one_before_it_in_its_stream(actor):
    office = OfficeFactory()

    first = record(action="x.one", actor=actor, office=office)
    record(action="x.elsewhere", actor=actor)
    second = record(action="x.two", actor=actor, office=office)

    assert first.prev_hash == ""
    assert second.prev_hash == first.hash
    assert len(second.hash) == 64 and second.hash != first.hash
    stream = AuditStream.objects.get(key=f"office:{office.pk}")
    assert (stream.last_seq, stream.last_hash) == (2, second.hash)


def test_it_records_who_did_what_to_which_object(actor):
    citizen = CitizenFactory()
    clerk = UserFactory()

    event = record(
        action="case.filed", actor=clerk, on_behalf_of=citizen, obj=citizen, data={"when": timedelta(hours=1)}
    )

    event.refresh_from_db()
    assert (event.actor, event.on_behalf_of) == (clerk, citizen)
    assert (event.object_type, event.object_id) == ("accounts.user", str(citizen.pk))
    assert event.data == {"when": "1:00:00"}  # not JSON-native values are stored as text


def test_an_untouched_trail_verifies(trail):
    report = audit_verify()

    assert report.ok
    assert (report.streams, report.events) == (1, 3)


def test_an_empty_trail_verifies():
    report = audit_verify()

    assert report.ok
    assert (report.streams, report.events) == (0, 0)


# --- tampering -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"data": {"n": 20, "note": "ثبت شد"}},
        {"action": "case.deleted"},
        {"object_id": "999999"},
        {"office_id": 424242},
    ],
    ids=["data", "action", "object", "office"],
)
def test_editing_a_row_is_detected(trail, change):
    AuditEvent.objects.filter(pk=trail[1].pk).update(**change)

    found = problems()

    assert found
    assert any("#2" in p and "edited" in p for p in found), found


def test_changing_who_acted_is_detected(trail):
    AuditEvent.objects.filter(pk=trail[0].pk).update(actor=UserFactory())

    assert any("#1" in p and "edited" in p for p in problems())


def test_changing_when_it_happened_is_detected(trail):
    AuditEvent.objects.filter(pk=trail[0].pk).update(created_at=trail[0].created_at - timedelta(days=1))

    assert any("#1" in p for p in problems())


def test_rewriting_a_row_with_a_fresh_hash_breaks_the_next_link(trail):
    middle = trail[1]
    forged = event_hash(
        stream_key=middle.stream.key,
        seq=middle.seq,
        created_at=middle.created_at,
        actor_id=middle.actor_id,
        on_behalf_of_id=None,
        office_id=middle.office_id,
        action=middle.action,
        object_type=middle.object_type,
        object_id=middle.object_id,
        data={"n": 2, "note": "جعل شد"},
        prev_hash=middle.prev_hash,
    )
    AuditEvent.objects.filter(pk=middle.pk).update(data={"n": 2, "note": "جعل شد"}, hash=forged)

    found = problems()

    assert any("#3" in p and "link" in p for p in found), found


def test_deleting_a_middle_row_is_detected(trail):
    AuditEvent.objects.filter(pk=trail[1].pk).delete()

    found = problems()

    assert any("missing event(s) 2..2" in p for p in found), found


def test_deleting_the_newest_row_is_detected(trail):
    AuditEvent.objects.filter(pk=trail[2].pk).delete()

    found = problems()

    assert any("newest" in p for p in found), found


def test_deleting_the_first_row_is_detected(trail):
    AuditEvent.objects.filter(pk=trail[0].pk).delete()

    found = problems()

    assert any("missing event(s) 1..1" in p for p in found), found


def test_tampering_in_one_stream_does_not_taint_the_others(trail, actor):
    record(action="x.other", actor=actor)
    AuditEvent.objects.filter(pk=trail[1].pk).update(action="case.forged")

    found = problems()

    assert found and all(p.startswith(trail[1].stream.key) for p in found)


# --- the audit_verify command --------------------------------------------------------------


def test_the_command_prints_ok_for_an_intact_trail(trail):
    out = StringIO()

    call_command("audit_verify", stdout=out)

    assert out.getvalue().startswith("OK: 1 streams, 3 events checked")


def test_the_command_fails_on_tampering(trail):
    AuditEvent.objects.filter(pk=trail[1].pk).update(data={"n": 99})
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=out, stderr=err)

    assert "edited" in err.getvalue()
    assert "OK" not in out.getvalue()


# --- atomicity and reads -------------------------------------------------------------------


def test_an_event_recorded_in_a_rolled_back_transaction_disappears_with_it(actor):
    office = OfficeFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        record(action="case.opened", actor=actor, office=office)
        raise RuntimeError("the change being audited failed")

    assert not AuditEvent.objects.exists()
    after = record(action="case.opened", actor=actor, office=office)
    assert (after.seq, after.prev_hash) == (1, "")
    assert audit_verify().ok


def test_reading_a_confidential_record_is_logged(actor):
    office = OfficeFactory()
    subject = CitizenFactory()

    read = record_read(actor=actor, obj=subject, office=office, purpose="بررسی پرونده " * 30)

    read.refresh_from_db()
    assert ConfidentialRead.objects.count() == 1
    assert (read.actor, read.office_id) == (actor, office.pk)
    assert (read.object_type, read.object_id) == ("accounts.user", str(subject.pk))
    assert len(read.purpose) == 200


@pytest.mark.parametrize("number", [1e16, -0.0, 2.0, 0.1, 1.5e300, 5e-324, 10**20], ids=repr)
def test_numbers_that_the_database_rewrites_still_verify(actor, number):
    # PostgreSQL's jsonb hands 1e16 back as 10000000000000000 and -0.0 as 0.0.
    record(action="fee.quoted", actor=actor, data={"amount": number, "items": [number]})

    assert audit_verify().ok


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]), max_size=8),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.dictionaries(
        st.text(min_size=1, max_size=10).filter(lambda k: "\x00" not in k), json_values, max_size=5
    )
)
def test_any_json_data_verifies_after_the_round_trip_through_the_database(actor, data):
    event = record(action="x.data", actor=actor, data=data)

    # PostgreSQL may hand numbers back in another form (1e16 as an int), never other keys.
    assert AuditEvent.objects.get(pk=event.pk).data.keys() == data.keys()
    report = audit_verify()
    assert report.ok, report.problems
