from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanzim.catalog.choices import MAX_CHANNEL_DISCOUNT_PCT, AddOnUnit, ChannelKind, ServiceCategory
from tanzim.common.i18n import bilingual
from tanzim.offices.choices import LicenceKind

PCT = [MinValueValidator(0), MaxValueValidator(100)]
DISCOUNT = [MinValueValidator(0), MaxValueValidator(MAX_CHANNEL_DISCOUNT_PCT)]


class Service(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=ServiceCategory.choices)
    in_person = models.BooleanField(_("in person"), default=True)
    semi_in_person = models.BooleanField(_("semi-in-person"), default=False)
    remote = models.BooleanField(_("remote"), default=False)
    licence_required = models.CharField(
        _("licence required"), max_length=20, choices=LicenceKind.choices, blank=True
    )
    duration_minutes = models.PositiveSmallIntegerField(_("typical duration (minutes)"), default=15)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["category", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_person=True) | Q(semi_in_person=True) | Q(remote=True),
                name="service_has_channel",
            )
        ]

    @property
    def name(self) -> str:
        return bilingual(self)

    def __str__(self) -> str:
        return self.name

    @property
    def channels(self) -> list[str]:
        """Allowed channels, cheapest-to-serve first (remote is what Tanzim offers first)."""
        flags = [
            (ChannelKind.REMOTE, self.remote),
            (ChannelKind.SEMI_IN_PERSON, self.semi_in_person),
            (ChannelKind.IN_PERSON, self.in_person),
        ]
        return [kind.value for kind, allowed in flags if allowed]


class FeeSchedule(models.Model):
    """One year's tariff (Jalali year), with the unit prices shared by every service."""

    year = models.PositiveSmallIntegerField(_("Jalali year"), unique=True)
    effective_from = models.DateField(_("effective from"))
    extra_party_fee = models.PositiveBigIntegerField(_("each extra party (rials)"))
    extra_page_fee = models.PositiveBigIntegerField(_("each extra page (rials)"))
    free_service_subsidy_pct = models.PositiveSmallIntegerField(
        # The "%" is a literal percent sign, not a format: keep msgfmt's format check off.
        # xgettext:no-python-format
        _("subsidy for free services (% of the price)"),
        default=100,
        validators=PCT,
    )

    class Meta:
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return str(self.year)


class Tariff(models.Model):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="tariffs")
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="tariffs"
    )
    base_fee = models.PositiveBigIntegerField(_("base fee (rials)"))
    included_parties = models.PositiveSmallIntegerField(_("parties included"), default=2)
    included_pages = models.PositiveSmallIntegerField(_("pages included"), default=2)
    remote_discount_pct = models.PositiveSmallIntegerField(
        _("remote discount %"), default=0, validators=DISCOUNT
    )
    semi_discount_pct = models.PositiveSmallIntegerField(
        _("semi-in-person discount %"), default=0, validators=DISCOUNT
    )

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "service"], name="tariff_unique_service"),
            models.CheckConstraint(
                condition=Q(remote_discount_pct__lte=MAX_CHANNEL_DISCOUNT_PCT)
                & Q(semi_discount_pct__lte=MAX_CHANNEL_DISCOUNT_PCT),
                name="tariff_discount_capped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule.year} {self.service.code}"


class AddOn(models.Model):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="addons")
    code = models.SlugField(_("code"), max_length=30)
    name_fa = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    fee = models.PositiveBigIntegerField(_("fee (rials)"))
    unit = models.CharField(
        _("counted"), max_length=12, choices=AddOnUnit.choices, default=AddOnUnit.PER_REQUEST
    )

    class Meta:
        verbose_name = _("add-on")
        verbose_name_plural = _("add-ons")
        constraints = [models.UniqueConstraint(fields=["schedule", "code"], name="addon_unique_code")]

    @property
    def name(self) -> str:
        return bilingual(self)

    def __str__(self) -> str:
        return self.code
