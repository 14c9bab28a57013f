"""The archive of the tables that grow without bound: files, manifest, batches, chains, what is kept."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from tanzim.audit import services as audit
from tanzim.audit.archive import ArchiveError, archive_old_rows, archive_verify, read_part
from tanzim.audit.models import ArchivePart, AuditEvent, AuditStream
from tanzim.audit.services import audit_verify
from tanzim.catalog.models import Service
from tanzim.common.jalali import TEHRAN
from tanzim.feedback.models import Questionnaire, SurveyResponse
from tanzim.notify.models import Message
from tanzim.scheduling.models import Slot
from tanzim.scheduling.services import slots_generate
from tanzim.testing.scheduling import book

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 19, 7, 0, tzinfo=TEHRAN)
LONG_AGO = NOW - timedelta(days=4 * 365)  # past every default horizon
RECENTLY = NOW - timedelta(days=10)


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path) -> Path:
    settings.ARCHIVE_DIR = tmp_path / "archive"
    return settings.ARCHIVE_DIR


def _events(office, count: int, when: datetime, action: str = "test.event") -> list[AuditEvent]:
    events = []
    for n in range(count):
        with time_machine.travel(when + timedelta(seconds=n, microseconds=123457), tick=False):
            events.append(audit.record(action=action, office=office, data={"n": n, "x": 0.5}))
    return events


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- audit events: the chains stay verifiable ------------------------------------------------------


def test_old_audit_events_go_to_the_archive_and_every_chain_still_verifies(personas, archive_dir):
    office = personas.office_a
    old = _events(office, 5, LONG_AGO)
    recent = _events(office, 3, RECENTLY)
    national_old = _events(None, 2, LONG_AGO)
    stream = AuditStream.objects.get(key=f"office:{office.pk}")
    assert audit_verify().ok

    report = archive_old_rows(kinds=["audit"], now=NOW, batch_size=2)

    assert report.counts["audit"] >= 7  # 5 of the office, 2 national (and any older fixture events)
    remaining = set(AuditEvent.objects.filter(stream=stream).values_list("pk", flat=True))
    assert remaining == {event.pk for event in recent}
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in national_old]).exists()
    stream.refresh_from_db()
    assert (stream.archived_seq, stream.archived_hash) == (old[-1].seq, old[-1].hash)  # the anchor
    # The database's part of the chain starts from the anchor; the archive's part ends at it.
    assert audit_verify().ok, audit_verify().problems
    assert archive_verify() == []
    # Batches of two: the office's five events are three files, in chain order.
    parts = ArchivePart.objects.filter(kind="audit", stream_key=stream.key).order_by("first_seq")
    assert [(p.first_seq, p.last_seq) for p in parts] == [(1, 2), (3, 4), (5, 5)]
    assert parts[1].prev_hash == old[1].hash and parts[2].last_hash == old[4].hash


def test_the_archived_file_holds_each_event_to_the_microsecond(personas, archive_dir):
    old = _events(personas.office_a, 1, LONG_AGO)
    archive_old_rows(kinds=["audit"], now=NOW)
    part = ArchivePart.objects.get(stream_key=f"office:{personas.office_a.pk}")
    (row,) = read_part(part)
    assert row["model"] == "audit.auditevent" and row["pk"] == old[0].pk
    assert datetime.fromisoformat(row["fields"]["created_at"]) == old[0].created_at
    assert row["fields"]["hash"] == old[0].hash
    assert part.sha256 == _sha256(archive_dir / part.path)


def test_a_second_run_archives_nothing_more_and_recent_events_stay(personas):
    _events(personas.office_a, 3, LONG_AGO)
    _events(personas.office_a, 2, RECENTLY)
    first = archive_old_rows(kinds=["audit"], now=NOW)
    second = archive_old_rows(kinds=["audit"], now=NOW)
    assert first.counts["audit"] >= 3
    assert second.counts["audit"] == 0 and second.parts == []
    # New events chain on from the head as before; everything verifies.
    audit.record(action="test.after", office=personas.office_a)
    assert audit_verify().ok
    assert archive_verify() == []


def test_a_chain_that_does_not_verify_is_not_archived(personas):
    old = _events(personas.office_a, 3, LONG_AGO)
    AuditEvent.objects.filter(pk=old[1].pk).update(action="test.edited")

    with pytest.raises(ArchiveError, match="does not verify"):
        archive_old_rows(kinds=["audit"], now=NOW)

    assert AuditEvent.objects.filter(pk__in=[e.pk for e in old]).count() == 3
    assert not ArchivePart.objects.filter(stream_key=f"office:{personas.office_a.pk}").exists()


def test_an_event_deleted_or_edited_after_the_anchor_is_still_found(personas):
    _events(personas.office_a, 2, LONG_AGO)
    recent = _events(personas.office_a, 3, RECENTLY)
    archive_old_rows(kinds=["audit"], now=NOW)

    AuditEvent.objects.filter(pk=recent[0].pk).delete()  # the first event after the anchor

    problems = audit_verify().problems
    assert any("missing event" in p for p in problems), problems


def test_a_changed_or_missing_archive_file_is_reported(personas, archive_dir):
    _events(personas.office_a, 4, LONG_AGO)
    archive_old_rows(kinds=["audit"], now=NOW, batch_size=2)
    first, second = ArchivePart.objects.filter(stream_key=f"office:{personas.office_a.pk}").order_by(
        "first_seq"
    )

    path = archive_dir / first.path
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream]
    rows[0]["fields"]["action"] = "test.rewritten"
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.writelines(json.dumps(row) + "\n" for row in rows)
    (archive_dir / second.path).unlink()

    problems = archive_verify()
    assert any(first.path in p and "SHA-256" in p for p in problems)
    assert any(second.path in p and "missing" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("audit_verify", "--archive")


def test_the_manifest_lists_every_file_with_its_sha256(personas, archive_dir):
    _events(personas.office_a, 3, LONG_AGO)
    archive_old_rows(kinds=["audit"], now=NOW, batch_size=2)
    manifest = json.loads((archive_dir / "audit" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "audit"
    listed = {part["path"]: part["sha256"] for part in manifest["parts"]}
    assert listed == dict(ArchivePart.objects.filter(kind="audit").values_list("path", "sha256"))
    for path, sha256 in listed.items():
        assert _sha256(archive_dir / path) == sha256


# --- the other kinds --------------------------------------------------------------------------------


def _message(when: datetime, status: str, n: int) -> Message:
    with time_machine.travel(when, tick=False):
        return Message.objects.create(
            channel="sms",
            to="+989120000000",
            template="test.message",
            language="fa",
            body="",
            status=status,
            next_attempt_at=when,
            dedupe_key=f"test-archive-{n}",
        )


def test_old_messages_sent_or_failed_are_archived_and_the_ones_in_flight_kept():
    old_sent = _message(LONG_AGO, "sent", 1)
    old_failed = _message(LONG_AGO, "failed", 2)
    old_pending = _message(LONG_AGO, "pending", 3)
    recent_sent = _message(RECENTLY, "sent", 4)

    report = archive_old_rows(kinds=["messages"], now=NOW)

    assert report.counts == {"messages": 2}
    assert set(Message.objects.values_list("pk", flat=True)) >= {old_pending.pk, recent_sent.pk}
    assert not Message.objects.filter(pk__in=[old_sent.pk, old_failed.pk]).exists()
    (part,) = ArchivePart.objects.filter(kind="messages")
    assert sorted(row["pk"] for row in read_part(part)) == sorted([old_sent.pk, old_failed.pk])
    assert archive_verify() == []


def test_old_survey_answers_are_archived(personas):
    questionnaire = Questionnaire.objects.order_by("pk").first()
    assert questionnaire is not None

    def answer(on) -> SurveyResponse:
        return SurveyResponse.objects.create(
            office=personas.office_a,
            period=int(f"{on:%Y%m}"),
            questionnaire=questionnaire,
            source="visit",
            language="fa",
            answered_on=on,
            overall=4,
        )

    old, recent = answer(LONG_AGO.date()), answer(RECENTLY.date())
    report = archive_old_rows(kinds=["surveys"], now=NOW)
    assert report.counts == {"surveys": 1}
    assert list(SurveyResponse.objects.filter(pk__in=[old.pk, recent.pk]).values_list("pk", flat=True)) == [
        recent.pk
    ]


def test_past_slots_go_unless_an_appointment_points_at_them_and_loaddata_brings_them_back(
    personas, archive_dir
):
    service = Service.objects.get(code="case_followup")
    with time_machine.travel(NOW, tick=False):
        slots_generate(office=personas.office_a)
        first_free = Slot.objects.filter(office=personas.office_a).order_by("start")[5]
        appointment = book(personas.citizen, first_free, service)
    generated = Slot.objects.filter(office=personas.office_a).count()
    future = Slot.objects.create(
        office=personas.office_a,
        start=NOW + timedelta(days=400),
        end=NOW + timedelta(days=400, minutes=15),
        capacity=1,
        bookable=1,
    )
    later = NOW + timedelta(days=200)  # every generated slot ended more than 90 days before

    report = archive_old_rows(kinds=["slots"], now=later, batch_size=500)

    kept = set(Slot.objects.filter(office=personas.office_a).values_list("pk", flat=True))
    assert kept == {appointment.slot_id, future.pk}
    assert report.counts == {"slots": generated - 1}
    assert ArchivePart.objects.filter(kind="slots").count() == -(-(generated - 1) // 500)
    assert archive_verify() == []

    # The files are fixtures loaddata reads: an archived slot comes back as it was.
    part = ArchivePart.objects.filter(kind="slots").order_by("pk").first()
    assert part is not None
    call_command("loaddata", str(archive_dir / part.path), verbosity=0)
    assert Slot.objects.filter(pk=part.first_pk).exists()


def test_a_horizon_of_zero_keeps_the_kind(settings):
    settings.ARCHIVE_MESSAGE_DAYS = 0
    _message(LONG_AGO, "sent", 9)
    report = archive_old_rows(kinds=["messages"], now=NOW)
    assert report.counts == {}
    assert Message.objects.filter(dedupe_key="test-archive-9").exists()


def test_the_command_reports_counts_and_a_dry_run_moves_nothing(capsys):
    _message(LONG_AGO, "sent", 7)
    with time_machine.travel(NOW, tick=False):
        call_command("archive_old_rows", "--kind", "messages", "--dry-run")
        assert "messages: would archive 1" in capsys.readouterr().out
        assert Message.objects.filter(dedupe_key="test-archive-7").exists()
        call_command("archive_old_rows", "--kind", "messages")
    assert "messages: archived 1" in capsys.readouterr().out
    assert not Message.objects.filter(dedupe_key="test-archive-7").exists()
