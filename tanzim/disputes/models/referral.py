"""Referral to a dispute-resolution council or a court, with the file packed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanzim.disputes.choices import (
    ReferralPurpose,
    ReferralReason,
    ReferralStatus,
    ReferralTarget,
)
from tanzim.disputes.models.dispute import Dispute


class Referral(models.Model):
    """A referral to a council, peace court, court or prosecutor with the file packed."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="referrals")
    purpose = models.CharField(_("purpose"), max_length=12, choices=ReferralPurpose.choices)
    target = models.CharField(_("referred to"), max_length=20, choices=ReferralTarget.choices)
    reason = models.CharField(_("reason"), max_length=30, choices=ReferralReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    bundle = models.JSONField(_("packed file"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PACKED
    )
    tracking_reference = models.CharField(_("tracking reference"), max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("packed"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["dispute", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "purpose"], name="referral_one_per_purpose"),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} → {self.target}"
