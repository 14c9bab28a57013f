from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanzim.common.i18n import bilingual
from tanzim.offices.choices import HolidayKind, LicenceKind, OfficeStatus, Weekday


class BilingualName(models.Model):
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return bilingual(self)

    def __str__(self) -> str:
        return self.name


class Province(BilingualName):
    code = models.CharField(_("code"), max_length=3, unique=True)
    deprived = models.BooleanField(_("deprived"), default=False)
    border = models.BooleanField(_("border province"), default=False)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name_fa"]


class City(BilingualName):
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="cities"
    )
    code = models.CharField(_("code"), max_length=8, unique=True)
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(24), MaxValueValidator(40)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(44), MaxValueValidator(64)])
    is_capital = models.BooleanField(_("provincial capital"), default=False)
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["province__name_fa", "-is_capital", "name_fa"]


class Office(BilingualName):
    code = models.CharField(_("office code"), max_length=12, unique=True)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="offices"
    )
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="offices")
    address = models.CharField(_("address"), max_length=300)
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(24), MaxValueValidator(40)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(44), MaxValueValidator(64)])
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OfficeStatus.choices, default=OfficeStatus.ACTIVE
    )
    deprived_area = models.BooleanField(_("deprived or border area"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["code"]
        indexes = [models.Index(fields=["province", "status"]), models.Index(fields=["city", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OfficeStatus.values), name="office_status_valid"),
        ]


class Licence(models.Model):
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="licences"
    )
    kind = models.CharField(_("licence"), max_length=20, choices=LicenceKind.choices)
    number = models.CharField(_("licence number"), max_length=40, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        indexes = [models.Index(fields=["kind", "valid_from", "valid_until"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="licence_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office.code} {self.get_kind_display()}"

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class WorkingHours(models.Model):
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["office", "weekday", "opens"]
        constraints = [
            models.UniqueConstraint(fields=["office", "weekday", "opens"], name="hours_unique_start"),
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="hours_close_after_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Counter(models.Model):
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="counters"
    )
    number = models.PositiveSmallIntegerField(_("counter number"))
    label = models.CharField(_("label"), max_length=60, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["office", "number"]
        constraints = [models.UniqueConstraint(fields=["office", "number"], name="counter_unique_number")]

    def __str__(self) -> str:
        return self.label or str(self.number)


class Holiday(models.Model):
    """Official holiday (national). Lunar dates move every year: an administrator edits them."""

    date = models.DateField(_("date"), unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices, default=HolidayKind.SOLAR)
    estimated = models.BooleanField(
        _("estimated"), default=False, help_text=_("Lunar date not yet confirmed by the official calendar.")
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name_fa}"
