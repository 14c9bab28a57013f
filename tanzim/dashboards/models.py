"""Daily rollups: one row per office and day, one integer column per additive counter.

Province and national figures add rows up (``province_id`` is on the row, so no join), and every
indicator divides sums of these columns (tanzim/dashboards/indicators.py). The rows are kept up to
date by ``tasks.refresh_rollups`` (every few minutes, only the office-days touched since its last
run), rebuilt by ``manage.py rebuild_rollups`` and checked against the sources by
``manage.py check_rollups``.

The counters whose source rows name a catalogue service (``indicators.SERVICE_COUNTERS``) are
also kept per service: ``OfficeServiceDay`` (office × service × day) and ``ProvinceServiceDay``
(its sums per province), counted by the same queries, refreshed, rebuilt and checked with them.
A source row with no service (a queue ticket taken without one) is in ``OfficeDay`` only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tanzim.dashboards.indicators import COUNTERS, SERVICE_COUNTERS


class OfficeDay(models.Model):
    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+", db_index=False)
    province = models.ForeignKey(
        "offices.Province", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("office day rollup")
        verbose_name_plural = _("office day rollups")
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="dashboards_office_day_unique")]
        indexes = [
            models.Index(fields=["day"], name="dashboards_officeday_day"),
            models.Index(fields=["province", "day"], name="dashboards_officeday_prov"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day}"


class ProvinceDay(models.Model):
    """The same counters added up per province and day (from ``OfficeDay``): what the nation's and
    a province's figures read, about 31 rows a day instead of thousands."""

    province = models.ForeignKey(
        "offices.Province", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("province day rollup")
        verbose_name_plural = _("province day rollups")
        constraints = [
            models.UniqueConstraint(fields=["province", "day"], name="dashboards_province_day_unique")
        ]
        indexes = [models.Index(fields=["day"], name="dashboards_provinceday_day")]

    def __str__(self) -> str:
        return f"{self.province_id} {self.day}"


for _counter in COUNTERS:
    OfficeDay.add_to_class(_counter.name, models.BigIntegerField(default=0))
    ProvinceDay.add_to_class(_counter.name, models.BigIntegerField(default=0))


class OfficeServiceDay(models.Model):
    """One office's by-service counters for one catalogue service and Tehran day."""

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+", db_index=False)
    province = models.ForeignKey(
        "offices.Province", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("office service day rollup")
        verbose_name_plural = _("office service day rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "service", "day"], name="dashboards_office_service_day_unique"
            )
        ]
        indexes = [
            models.Index(fields=["service", "day"], name="dashboards_officesvc_svc_day"),
            models.Index(fields=["province", "service", "day"], name="dashboards_officesvc_prov"),
            models.Index(fields=["day"], name="dashboards_officesvc_day"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.service_id} {self.day}"


class ProvinceServiceDay(models.Model):
    """``OfficeServiceDay`` added up per province, service and day: the nation's and a province's
    reads with a service filter."""

    province = models.ForeignKey(
        "offices.Province", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("province service day rollup")
        verbose_name_plural = _("province service day rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "service", "day"], name="dashboards_province_service_day_unique"
            )
        ]
        indexes = [
            models.Index(fields=["service", "day"], name="dashboards_provsvc_svc_day"),
            models.Index(fields=["day"], name="dashboards_provsvc_day"),
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.service_id} {self.day}"


for _name in SERVICE_COUNTERS:
    OfficeServiceDay.add_to_class(_name, models.BigIntegerField(default=0))
    ProvinceServiceDay.add_to_class(_name, models.BigIntegerField(default=0))


class RollupState(models.Model):
    """The incremental refresh's bookmark: when it last ran, and the last id of append-only sources."""

    name = models.CharField(max_length=40, unique=True)
    ran_at = models.DateTimeField(null=True, blank=True)
    marks = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("rollup bookmark")
        verbose_name_plural = _("rollup bookmarks")

    def __str__(self) -> str:
        return self.name
