"""The outbox: a message is a row written in the same transaction as the change it reports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tanzim.notify.choices import Channel, MessageStatus


class Message(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    to = models.CharField(_("to"), max_length=254)
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    dedupe_key = models.CharField(max_length=150, null=True, blank=True, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.template} #{self.pk}"


class SmsRoute(models.Model):
    """How SMS reach one country (by calling code): through which provider, or not at all.

    SMS to some countries fail or arrive late; an operator sets here the provider that works for
    a country (``backend``: a dotted path like ``SMS_BACKEND``; empty means the default) and whether
    a message that cannot go by SMS is sent to the person's e-mail instead. A country without a row
    uses the default provider.
    """

    calling_code = models.PositiveSmallIntegerField(_("country calling code"), unique=True)
    backend = models.CharField(_("SMS provider (dotted path)"), max_length=200, blank=True)
    sms_enabled = models.BooleanField(_("SMS works to this country"), default=True)
    email_fallback = models.BooleanField(_("send by e-mail when the SMS fails"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SMS route")
        verbose_name_plural = _("SMS routes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(calling_code__gte=1, calling_code__lte=999), name="sms_route_calling_code"
            ),
            # A country SMS cannot reach needs the e-mail fallback, or its people get nothing.
            models.CheckConstraint(
                condition=models.Q(sms_enabled=True) | models.Q(email_fallback=True),
                name="sms_route_reachable",
            ),
        ]

    def __str__(self) -> str:
        return f"+{self.calling_code}"
