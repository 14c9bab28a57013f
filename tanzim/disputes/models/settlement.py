"""The settlement: its terms, the obligations it creates, and the parties' signatures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanzim.common.crypto import EncryptedTextField
from tanzim.common.storage import private_storage
from tanzim.disputes.choices import (
    ObligationKind,
    SettlementStatus,
)
from tanzim.disputes.models.dispute import Dispute, Party, PartyOtp


class Settlement(models.Model):
    """A settlement report (گزارش اصلاحی): obligations, frozen for signing, signed by every party."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="settlements")
    number = models.PositiveSmallIntegerField(_("version"))
    # Encrypted at rest (tanzim/common/crypto.py), as is each obligation: decrypted on read, never searched.
    terms = EncryptedTextField(_("what the parties agreed"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    content_hash = models.CharField(_("content fingerprint"), max_length=64, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(_("opened for signing"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed by all"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    void_reason = models.CharField(_("why voided"), max_length=300, blank=True)
    pdf = models.FileField(
        _("signed report (PDF)"),
        upload_to="disputes/settlements/",
        storage=private_storage,
        blank=True,
        max_length=200,
    )
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("settlement report")
        verbose_name_plural = _("settlement reports")
        ordering = ["dispute", "number"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "number"], name="settlement_version"),
            # At most one live settlement per dispute: a new version needs the old one voided.
            models.UniqueConstraint(
                fields=["dispute"], condition=~Q(status=SettlementStatus.VOIDED), name="settlement_one_live"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SettlementStatus.values), name="settlement_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} v{self.number}"

    @property
    def total_amount(self) -> int:
        return sum(o.amount or 0 for o in self.obligations.all())


class Obligation(models.Model):
    """One obligation: who owes whom what, how much, by when."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="obligations")
    position = models.PositiveSmallIntegerField(_("order"))
    obligor = models.ForeignKey(Party, verbose_name=_("who"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ObligationKind.choices)
    description = EncryptedTextField(_("what"), max_length=500)
    amount = models.PositiveBigIntegerField(_("amount (rials)"), null=True, blank=True)
    due_date = models.DateField(_("due date"))

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["settlement", "position"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "position"], name="obligation_position"),
            models.CheckConstraint(
                condition=(Q(kind=ObligationKind.PAYMENT) & Q(amount__gt=0))
                | (Q(kind=ObligationKind.ACT) & (Q(amount__isnull=True) | Q(amount=0))),
                name="obligation_amount_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Signature(models.Model):
    """A party's confirmation of a settlement by a one-time code sent to their mobile."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="signatures")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="signatures")
    content_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(_("signed"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    otp = models.ForeignKey(PartyOtp, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["settlement", "signed_at"]
        constraints = [models.UniqueConstraint(fields=["settlement", "party"], name="signature_once")]

    def __str__(self) -> str:
        return f"{self.party} @ {self.signed_at:%Y-%m-%d}"
