"""Mediation: the documents the parties provide, the sessions and the times proposed for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tanzim.common.storage import private_storage
from tanzim.disputes.choices import (
    SessionKind,
    SessionMode,
    SessionResult,
    SessionStatus,
)
from tanzim.disputes.models.dispute import Dispute, Party


def document_path(instance: DisputeDocument, filename: str) -> str:
    # Named by hash: no personal data in paths.
    return f"disputes/{instance.dispute_id}/{instance.sha256}{instance.extension}"


class DisputeDocument(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_path, storage=private_storage, max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    pages = models.PositiveSmallIntegerField(_("pages"), default=1)
    sha256 = models.CharField(max_length=64)
    provided_by = models.ForeignKey(
        Party,
        verbose_name=_("provided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shared = models.BooleanField(
        _("shared with both parties"),
        default=True,
        help_text=_("Otherwise only the office and its author see it."),
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispute document")
        verbose_name_plural = _("dispute documents")
        ordering = ["dispute", "uploaded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["dispute", "sha256"], name="dispute_document_unique")]

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )


class Session(models.Model):
    """A mediation or arbitration session: in person at the office or by video link."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=12, choices=SessionKind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mediator / arbitrator"),
        on_delete=models.PROTECT,
        related_name="convened_sessions",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    mode = models.CharField(_("where"), max_length=10, choices=SessionMode.choices)
    location = models.CharField(_("address or video link"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    result = models.CharField(_("result"), max_length=15, choices=SessionResult.choices, blank=True)
    claimant_attended = models.BooleanField(_("claimant attended"), null=True, blank=True)
    respondent_attended = models.BooleanField(_("respondent attended"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["dispute", "starts_at", "pk"]
        indexes = [models.Index(fields=["convener", "starts_at"], name="dispute_session_convener")]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "kind", "number"], name="dispute_session_number"),
            models.UniqueConstraint(
                fields=["convener", "starts_at"],
                condition=Q(status=SessionStatus.SCHEDULED),
                name="dispute_session_convener_free",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="dispute_session_ordered"),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="dispute_session_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} #{self.number}"

    @property
    def failed(self) -> bool:
        """A failed session counts toward closing a mediation attempt (two within the window)."""
        return self.status == SessionStatus.NO_SHOW or (
            self.status == SessionStatus.HELD and self.result == SessionResult.NO_AGREEMENT
        )


class SessionProposal(models.Model):
    """Times a party proposes for a session; the mediator sees them when scheduling."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="proposals")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="proposals")
    times = models.JSONField(_("proposed times"), default=list)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("proposed times")
        verbose_name_plural = _("proposed times")
        ordering = ["dispute", "-created_at"]

    def __str__(self) -> str:
        return f"{self.party} {len(self.times)}"
