from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import IdentityMethod, IdentityStatus, Language, OtpPurpose, Role
from tanzim.common.storage import private_storage
from tanzim.common.timezones import valid_zone_name


def validate_time_zone(value: str) -> None:
    if not valid_zone_name(value):
        raise ValidationError(_("Choose a time zone such as Europe/Berlin."), code="invalid_time_zone")


class User(AbstractUser):
    """A person: citizen or staff. Citizens sign in by OTP and have no usable password."""

    national_code = models.CharField(_("national code"), max_length=10, null=True, blank=True)
    mobile = models.CharField(
        _("mobile"), max_length=20, blank=True, help_text=_("E.164, e.g. +989121234567")
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.FA
    )
    resident_abroad = models.BooleanField(_("resident abroad"), default=False)
    # The IANA zone the person lives in: every time they read is shown there and in Tehran time,
    # and times they type are read there (tanzim/common/timezones.py).
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Tehran", validators=[validate_time_zone]
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=~Q(time_zone=""), name="user_time_zone_set"),
            models.UniqueConstraint(
                fields=["national_code"],
                condition=Q(national_code__isnull=False),
                name="user_national_code_unique",
            ),
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RoleAssignment(models.Model):
    """A role held for a time, scoped to one office, one province, or the whole country."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    office = models.ForeignKey(
        "offices.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff_roles",
    )
    province = models.ForeignKey(
        "offices.Province",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff_roles",
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        indexes = [models.Index(fields=["user", "role"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(office__isnull=True) | Q(province__isnull=True), name="role_single_scope"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="role_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        scope = self.office or self.province or _("nationwide")
        return f"{self.get_role_display()} — {scope}"


class OtpChallenge(models.Model):
    """One code sent by SMS. Only its keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="otp_challenges")
    purpose = models.CharField(max_length=10, choices=OtpPurpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"OTP #{self.pk}"


class TotpDevice(models.Model):
    """A staff member's authenticator app (RFC 6238). The shared secret is stored encrypted."""

    user = models.OneToOneField(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="totp")
    secret = models.TextField(_("encrypted secret"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("enrolled"), null=True, blank=True)
    # The newest time step accepted: a code of that step or an earlier one is refused (no replay).
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return f"TOTP #{self.pk}"


class RecoveryCode(models.Model):
    """A single-use code for the day the authenticator app is lost. Only its keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique")]

    def __str__(self) -> str:
        return f"Recovery code #{self.pk}"


class ApiToken(models.Model):
    """An API token: expires, revocable, one per sign-in. Only the SHA-256 of its key is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    # The key's first characters, to find the row; the rest is checked against ``key_hash``.
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expires_later"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}…"


def identity_document_path(instance: IdentityCheck, filename: str) -> str:
    # Named by the content's hash: no name or national code in the path.
    return f"identity/{instance.user_id}/{instance.sha256}{instance.extension}"


class IdentityCheck(models.Model):
    """A person abroad proving who they are before a legally binding act (signing, filing).

    Either a passport or ID card upload, or the reference of a consulate's verification; an office's
    clerk or manager checks it and approves, or refuses with a reason. Only an approved check counts.
    """

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="identity_checks"
    )
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="identity_checks"
    )
    method = models.CharField(_("method"), max_length=10, choices=IdentityMethod.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=IdentityStatus.choices, default=IdentityStatus.PENDING
    )
    document = models.FileField(
        _("document"), upload_to=identity_document_path, storage=private_storage, max_length=200, blank=True
    )
    content_type = models.CharField(_("type"), max_length=40, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    consular_reference = models.CharField(_("consular reference"), max_length=40, blank=True)
    refusal_reason = models.CharField(_("reason"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("checked"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, verbose_name=_("checked by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("identity check")
        verbose_name_plural = _("identity checks")
        indexes = [models.Index(fields=["office", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="identity_check_one_pending"
            ),
            models.CheckConstraint(
                condition=(Q(method="document") & ~Q(sha256=""))
                | (Q(method="consular") & ~Q(consular_reference="")),
                name="identity_check_has_evidence",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="identity_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Identity check #{self.pk}"

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )


__all__ = [
    "ApiToken",
    "IdentityCheck",
    "OtpChallenge",
    "RecoveryCode",
    "Role",
    "RoleAssignment",
    "TotpDevice",
    "User",
]
