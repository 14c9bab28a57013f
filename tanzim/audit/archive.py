"""The archive of the tables that grow without bound: audit events, survey responses, messages, slots.

``archive_old_rows`` (the management command and a nightly task) moves the rows older than each
kind's horizon (``ARCHIVE_*_DAYS``) out of the database, a batch at a time. Each batch is one
transaction that locks the rows, writes them and every row deleted with them (cascades) to
``ARCHIVE_DIR/<kind>/<date>/<kind>-<first pk>-<last pk>.jsonl.gz`` (the JSON-lines form
``manage.py loaddata`` reads, full precision), flushes the file to disk, records an
:class:`~tanzim.audit.models.ArchivePart` with its SHA-256, and deletes the rows. A row leaves the
database only together with the record of the file that holds it; a batch that fails removes its
file. ``ARCHIVE_DIR/<kind>/MANIFEST.json`` lists every part of the kind (rewritten after each run).

Audit events keep their chains verifiable: a stream is archived as a prefix of its chain, and the
stream row keeps the anchor (the last archived event's sequence number and hash). ``audit_verify``
starts the database's part of each chain from its anchor, and ``audit_verify --archive`` also
recomputes the archived part from the files up to the anchor. A chain that does not verify is
not archived.

This is about volume. Personal data is removed earlier by tanzim.privacy's retention rules (a
message's text, one-time codes): the horizons here are longer than those.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import Max, Q
from django.db.models.deletion import Collector
from django.utils import timezone

from tanzim.audit.models import ArchivePart, AuditEvent, AuditStream
from tanzim.audit.services import event_hash, stored_event_hash


class ArchiveError(Exception):
    """The archive refuses to go on (a chain that does not verify, a file that cannot be written)."""


@dataclass(frozen=True)
class ArchiveKind:
    kind: str
    model: str
    setting: str  # the horizon in days (0: never archived)
    date_field: str
    what: str
    keep: Callable[[], Q] | None = None  # rows kept whatever their age


def _messages_in_flight() -> Q:
    # A message still to be sent (or being sent) stays with the outbox.
    return Q(status__in=["pending", "sending"])


def _slots_in_use() -> Q:
    # A slot an appointment points at, or that still counts a booking (a later unit of a longer
    # appointment), stays: only unused past slots go.
    return Q(appointments__isnull=False) | Q(booked__gt=0)


KINDS: dict[str, ArchiveKind] = {
    kind.kind: kind
    for kind in (
        ArchiveKind("audit", "audit.AuditEvent", "ARCHIVE_AUDIT_DAYS", "created_at", "audit events"),
        ArchiveKind(
            "surveys", "feedback.SurveyResponse", "ARCHIVE_SURVEY_DAYS", "answered_on", "survey answers"
        ),
        ArchiveKind(
            "messages",
            "notify.Message",
            "ARCHIVE_MESSAGE_DAYS",
            "created_at",
            "messages sent or failed",
            keep=_messages_in_flight,
        ),
        ArchiveKind(
            "slots", "scheduling.Slot", "ARCHIVE_SLOT_DAYS", "end", "past unused slots", keep=_slots_in_use
        ),
    )
}


@dataclass
class ArchiveReport:
    counts: dict[str, int] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# --- writing a part ------------------------------------------------------------------------------


class _FullPrecisionEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; an audit event's hash needs the microseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | date):
            return o.isoformat()
        return super().default(o)


def _lines(objects: Iterable[models.Model]) -> Iterator[str]:
    for row in serializers.serialize("python", objects):
        yield json.dumps(row, cls=_FullPrecisionEncoder, ensure_ascii=False, sort_keys=True) + "\n"


def _write_part(relative: str, objects: list[models.Model]) -> str:
    """Write the objects to ARCHIVE_DIR/relative (gzip JSON lines), durably; return its SHA-256."""
    target = Path(settings.ARCHIVE_DIR) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise ArchiveError(f"{relative} exists already")
    temporary = target.with_name(target.name + ".tmp")
    digest = hashlib.sha256()
    with open(temporary, "wb") as raw:
        with (
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as compressed,
            io.TextIOWrapper(compressed, encoding="utf-8") as text,
        ):
            text.writelines(_lines(objects))
        raw.flush()
        os.fsync(raw.fileno())
    with open(temporary, "rb") as written:
        for block in iter(lambda: written.read(1 << 20), b""):
            digest.update(block)
    os.replace(temporary, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return digest.hexdigest()


def read_part(part: ArchivePart) -> list[dict[str, Any]]:
    """The rows of an archived file, as written."""
    with gzip.open(Path(settings.ARCHIVE_DIR) / part.path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _relative(kind: str, now: datetime, first_pk: int, last_pk: int, stream_key: str = "") -> str:
    stem = f"{kind}-{stream_key.replace(':', '-')}-" if stream_key else f"{kind}-"
    return f"{kind}/{now:%Y-%m-%d}/{stem}{first_pk}-{last_pk}.jsonl.gz"


def write_manifest(kind: str) -> Path:
    """ARCHIVE_DIR/<kind>/MANIFEST.json: every part of the kind, with its SHA-256 (from the database)."""
    fields: tuple[str, ...] = (
        "path",
        "sha256",
        "created_at",
        "horizon",
        "model",
        "rows",
        "related_rows",
        "first_pk",
    )
    fields += ("last_pk", "stream_key", "first_seq", "last_seq", "prev_hash", "last_hash")
    parts = [{name: getattr(part, name) for name in fields} for part in ArchivePart.objects.filter(kind=kind)]
    target = Path(settings.ARCHIVE_DIR) / kind / "MANIFEST.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name("MANIFEST.json.tmp")
    temporary.write_text(
        json.dumps({"kind": kind, "parts": parts}, cls=_FullPrecisionEncoder, indent=1, ensure_ascii=False),
        encoding="utf-8",
    )
    os.replace(temporary, target)
    return target


# --- choosing and moving rows ---------------------------------------------------------------------


def horizon(kind: ArchiveKind, *, now: datetime) -> datetime | None:
    days = int(getattr(settings, kind.setting))
    return None if days <= 0 else now - timedelta(days=days)


def candidates(kind: ArchiveKind, *, cutoff: datetime) -> models.QuerySet:
    """The rows of a (non-audit) kind older than the cutoff and not kept."""
    model = apps.get_model(kind.model)
    limit: datetime | date = cutoff
    if isinstance(model._meta.get_field(kind.date_field), models.DateField) and not isinstance(
        model._meta.get_field(kind.date_field), models.DateTimeField
    ):
        limit = timezone.localdate(cutoff)
    rows = model._default_manager.filter(**{f"{kind.date_field}__lt": limit})
    if kind.keep is not None:
        rows = rows.exclude(kind.keep())
    return rows


def _archive_rows(
    kind: ArchiveKind, *, cutoff: datetime, now: datetime, batch_size: int, report: ArchiveReport
) -> None:
    rows = candidates(kind, cutoff=cutoff)
    model = rows.model
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            pks = list(rows.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not pks:
                break
            # Lock the rows and check them again: what is written is exactly what is deleted.
            locked = list(rows.filter(pk__in=pks).order_by("pk").select_for_update(of=("self",)))
            last_pk = pks[-1]
            if not locked:
                continue
            collector = Collector(using=DEFAULT_DB_ALIAS)
            collector.collect(locked)
            related: list[models.Model] = []
            for other, instances in collector.data.items():
                if other is not model:
                    related.extend(sorted(instances, key=lambda obj: obj.pk))
            for queryset in collector.fast_deletes:
                related.extend(queryset)
            relative = _relative(kind.kind, now, locked[0].pk, locked[-1].pk)
            sha256 = _write_part(relative, [*locked, *related])
            try:
                ArchivePart.objects.create(
                    kind=kind.kind,
                    path=relative,
                    sha256=sha256,
                    horizon=cutoff,
                    model=model._meta.label_lower,
                    rows=len(locked),
                    related_rows=len(related),
                    first_pk=locked[0].pk,
                    last_pk=locked[-1].pk,
                )
                collector.delete()
            except BaseException:
                (Path(settings.ARCHIVE_DIR) / relative).unlink(missing_ok=True)
                raise
            done += len(locked)
            report.parts.append(relative)
    report.counts[kind.kind] = done


def _check_chain(stream: AuditStream, events: list[AuditEvent]) -> None:
    expected_seq, prev_hash = stream.archived_seq + 1, stream.archived_hash
    for event in events:
        digest = stored_event_hash(event, stream.key)
        if event.seq != expected_seq or event.prev_hash != prev_hash or digest != event.hash:
            raise ArchiveError(
                f"{stream.key}#{event.seq}: the chain does not verify; nothing of it is archived "
                "(manage.py audit_verify)"
            )
        expected_seq, prev_hash = event.seq + 1, event.hash


def _archive_audit(*, cutoff: datetime, now: datetime, batch_size: int, report: ArchiveReport) -> None:
    """Each stream's prefix of events older than the cutoff, in order, the anchor moving with it."""
    done = 0
    for stream_pk, key in AuditStream.objects.order_by("pk").values_list("pk", "key"):
        top = AuditEvent.objects.filter(stream_id=stream_pk, created_at__lt=cutoff).aggregate(top=Max("seq"))[
            "top"
        ]
        if not top:
            continue
        while True:
            with transaction.atomic():
                stream = AuditStream.objects.select_for_update().get(pk=stream_pk)
                if stream.archived_seq >= top:
                    break
                events = list(
                    AuditEvent.objects.filter(
                        stream=stream, seq__gt=stream.archived_seq, seq__lte=top
                    ).order_by("seq")[:batch_size]
                )
                if not events:
                    break
                _check_chain(stream, events)
                relative = _relative("audit", now, events[0].seq, events[-1].seq, stream_key=key)
                sha256 = _write_part(relative, list(events))
                try:
                    ArchivePart.objects.create(
                        kind="audit",
                        path=relative,
                        sha256=sha256,
                        horizon=cutoff,
                        model=AuditEvent._meta.label_lower,
                        rows=len(events),
                        first_pk=min(event.pk for event in events),
                        last_pk=max(event.pk for event in events),
                        stream_key=key,
                        first_seq=events[0].seq,
                        last_seq=events[-1].seq,
                        prev_hash=events[0].prev_hash,
                        last_hash=events[-1].hash,
                    )
                    AuditEvent.objects.filter(pk__in=[event.pk for event in events]).delete()
                    stream.archived_seq, stream.archived_hash = events[-1].seq, events[-1].hash
                    stream.save(update_fields=["archived_seq", "archived_hash"])
                except BaseException:
                    (Path(settings.ARCHIVE_DIR) / relative).unlink(missing_ok=True)
                    raise
                done += len(events)
                report.parts.append(relative)
    report.counts["audit"] = done


def archive_old_rows(
    *,
    kinds: Iterable[str] | None = None,
    now: datetime | None = None,
    batch_size: int | None = None,
    dry_run: bool = False,
) -> ArchiveReport:
    """Archive every kind (or those named) past its horizon. Idempotent: a second run finds nothing."""
    now = now or timezone.now()
    batch_size = batch_size or settings.ARCHIVE_BATCH_SIZE
    report = ArchiveReport(dry_run=dry_run)
    for name in kinds or KINDS:
        kind = KINDS[name]
        cutoff = horizon(kind, now=now)
        if cutoff is None:
            continue
        if dry_run:
            if kind.kind == "audit":
                report.counts["audit"] = AuditEvent.objects.filter(created_at__lt=cutoff).count()
            else:
                report.counts[kind.kind] = candidates(kind, cutoff=cutoff).count()
            continue
        if kind.kind == "audit":
            _archive_audit(cutoff=cutoff, now=now, batch_size=batch_size, report=report)
        else:
            _archive_rows(kind, cutoff=cutoff, now=now, batch_size=batch_size, report=report)
        write_manifest(kind.kind)
    return report


# --- verifying the archive -------------------------------------------------------------------------


def archive_verify() -> list[str]:
    """Every part's file is there with its SHA-256 and row count; the archived audit chains recompute
    from the first event of each stream up to the anchor its stream row keeps."""
    problems: list[str] = []
    chains: dict[str, tuple[int, str]] = {}
    for part in ArchivePart.objects.order_by("kind", "stream_key", "first_seq", "pk"):
        path = Path(settings.ARCHIVE_DIR) / part.path
        if not path.exists():
            problems.append(f"{part.path}: the file is missing")
            continue
        if _file_sha256(path) != part.sha256:
            problems.append(f"{part.path}: the file does not match its SHA-256 (changed)")
            continue
        rows = read_part(part)
        if len(rows) != part.rows + part.related_rows:
            problems.append(f"{part.path}: {len(rows)} rows, the record says {part.rows + part.related_rows}")
            continue
        if part.kind != "audit":
            continue
        expected_seq, prev_hash = chains.get(part.stream_key, (1, ""))
        for row in rows:
            data = row["fields"]
            digest = event_hash(
                stream_key=part.stream_key,
                seq=data["seq"],
                created_at=datetime.fromisoformat(data["created_at"]),
                actor_id=data["actor"],
                on_behalf_of_id=data["on_behalf_of"],
                office_id=data["office_id"],
                action=data["action"],
                object_type=data["object_type"],
                object_id=data["object_id"],
                data=data["data"],
                prev_hash=data["prev_hash"],
            )
            if data["seq"] != expected_seq or data["prev_hash"] != prev_hash:
                problems.append(
                    f"{part.stream_key}#{data['seq']}: the archived chain is broken ({part.path})"
                )
            if digest != data["hash"]:
                problems.append(f"{part.stream_key}#{data['seq']}: archived content does not match its hash")
            expected_seq, prev_hash = data["seq"] + 1, data["hash"]
        chains[part.stream_key] = (expected_seq, prev_hash)
    for stream in AuditStream.objects.filter(archived_seq__gt=0).order_by("key"):
        expected_seq, prev_hash = chains.get(stream.key, (1, ""))
        if (expected_seq - 1, prev_hash) != (stream.archived_seq, stream.archived_hash):
            problems.append(
                f"{stream.key}: the archive ends at #{expected_seq - 1}, its anchor at #{stream.archived_seq}"
            )
    return problems
