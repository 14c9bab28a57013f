"""Alerts on unusual reading of confidential records (the log is audit.ConfidentialRead)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReadAlert(models.Model):
    """One account read far more confidential records on one day than its own daily pattern.

    At most one per account and day (the constraint): a scan repeated every 15 minutes raises it once.
    """

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    reads = models.PositiveIntegerField(_("records read that day"))
    median = models.DecimalField(_("usual records a day (median)"), max_digits=9, decimal_places=1)
    threshold = models.PositiveIntegerField(_("alert above"))
    created_at = models.DateTimeField(_("raised"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("confidential-read alert")
        verbose_name_plural = _("confidential-read alerts")
        ordering = ["-day", "-reads"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="read_alert_once_a_day"),
            models.CheckConstraint(condition=Q(reads__gt=models.F("threshold")), name="read_alert_above"),
        ]

    def __str__(self) -> str:
        return f"#{self.account_id} {self.day}: {self.reads}"
