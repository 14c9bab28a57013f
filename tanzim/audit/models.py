"""Append-only audit events, hash-chained per stream.

One chain per office (and one national chain) so that writing an event locks only the
head of its own stream: offices never wait for each other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditStream(models.Model):
    """Head of one chain: the last sequence number and hash, locked while appending."""

    key = models.CharField(_("stream"), max_length=64, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")
    # The anchor: the newest event moved to the archive (manage.py archive_old_rows). The events
    # left in the database chain on from it; the archive's files chain up to it.
    archived_seq = models.BigIntegerField(default=0)
    archived_hash = models.CharField(max_length=64, default="", blank=True)

    class Meta:
        verbose_name = _("audit stream")
        verbose_name_plural = _("audit streams")

    def __str__(self) -> str:
        return self.key


class AuditEvent(models.Model):
    stream = models.ForeignKey(AuditStream, on_delete=models.PROTECT, related_name="events")
    seq = models.BigIntegerField(_("sequence"))
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    office_id = models.BigIntegerField(_("office"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="audit_event_stream_seq")]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        ordering = ["stream_id", "seq"]

    def __str__(self) -> str:
        return f"{self.action} #{self.seq}"


class ConfidentialRead(models.Model):
    """Who read which confidential record, when and why (MISSION point 16)."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reader"), on_delete=models.PROTECT, related_name="+"
    )
    office_id = models.BigIntegerField(_("office"), null=True, blank=True, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("confidential read")
        verbose_name_plural = _("confidential reads")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id}"


class TransitionEvent(models.Model):
    """The fields every workflow's event row has: one row per move, written by the engine.

    Apps subclass it with the link to their object (``case``, ``dispute`` …) and any fields
    of their own (a deadline, an office); timeliness figures read these rows.
    """

    created_at = models.DateTimeField(_("time"), db_index=True)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class ArchivePart(models.Model):
    """One file of archived rows (manage.py archive_old_rows), recorded in the transaction that
    deleted its rows: a row is gone from the database only if a part listing it was written."""

    kind = models.CharField(_("kind"), max_length=20)
    path = models.CharField(_("file"), max_length=300, unique=True)  # under ARCHIVE_DIR
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    horizon = models.DateTimeField(_("older than"))
    model = models.CharField(max_length=100)
    rows = models.PositiveIntegerField(_("rows"))
    # Rows of other tables deleted with them (cascades), also in the file.
    related_rows = models.PositiveIntegerField(default=0)
    first_pk = models.BigIntegerField()
    last_pk = models.BigIntegerField()
    # Audit events: the stream and the stretch of its chain the file holds.
    stream_key = models.CharField(max_length=64, blank=True)
    first_seq = models.BigIntegerField(null=True, blank=True)
    last_seq = models.BigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("archive file")
        verbose_name_plural = _("archive files")
        ordering = ["kind", "pk"]
        indexes = [models.Index(fields=["kind", "stream_key", "first_seq"], name="archive_part_stream")]

    def __str__(self) -> str:
        return self.path
