"""Outreach missions, their teams, the services delivered in the field, and cost rates.

A ``Mission`` extends finance's minimal ``OutreachMission`` one-to-one: finance keeps the
name, offices, dates and the Kanoon's approval (the ground of a free service); this app keeps
the place, the services offered, the team, the expected demand and the status on the engine.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.common.storage import private_storage
from tanzim.finance.choices import FreeServiceGround
from tanzim.outreach.choices import CostKind, MissionStatus, ServiceKind


class Mission(models.Model):
    finance_mission = models.OneToOneField(
        "finance.OutreachMission",
        verbose_name=_("outreach mission"),
        on_delete=models.PROTECT,
        related_name="outreach",
    )
    province = models.ForeignKey(
        "offices.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    county = models.ForeignKey(
        "offices.City", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("place"), max_length=200)
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(24), MaxValueValidator(40)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(44), MaxValueValidator(64)])
    distance_km = models.PositiveIntegerField(_("distance from the nearest office (km)"), default=0)
    services = models.JSONField(_("services offered"), default=list)
    expected_demand = models.PositiveIntegerField(_("expected demand (people)"), default=0)
    status = models.CharField(
        _("status"), max_length=12, choices=MissionStatus.choices, default=MissionStatus.PLANNED
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    reimbursed_at = models.DateTimeField(_("reimbursed"), null=True, blank=True)
    report_note = models.TextField(_("report"), blank=True)
    people_served = models.PositiveIntegerField(_("people served (reported)"), default=0)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("planned by"), on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MissionStatus.values), name="outreach_mission_status"
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=24, latitude__lte=40, longitude__gte=44, longitude__lte=64),
                name="outreach_mission_in_iran",
            ),
            models.UniqueConstraint(
                fields=["planned_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="outreach_mission_idempotency",
            ),
        ]
        indexes = [models.Index(fields=["province", "status"])]

    def __str__(self) -> str:
        return self.place

    @property
    def title(self) -> str:
        return self.finance_mission.name

    @property
    def starts_on(self):
        return self.finance_mission.starts_on

    @property
    def ends_on(self):
        return self.finance_mission.ends_on

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def service_labels(self) -> list[str]:
        labels = dict(ServiceKind.choices)
        return [str(labels.get(s, s)) for s in self.services]

    def service_choices(self) -> list[tuple[str, str]]:
        labels = dict(ServiceKind.choices)
        return [(s, str(labels.get(s, s))) for s in self.services]


class MissionEvent(TransitionEvent):
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=20, choices=MissionStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=MissionStatus.choices)

    class Meta:
        verbose_name = _("mission event")
        verbose_name_plural = _("mission events")
        ordering = ["created_at", "pk"]


class TeamMember(models.Model):
    """An office (and, optionally, one of its staff) on a mission's team; confirmed by the office."""

    mission = models.ForeignKey(
        Mission, verbose_name=_("mission"), on_delete=models.CASCADE, related_name="team"
    )
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "office", "user"],
                condition=Q(user__isnull=False),
                name="outreach_team_person",
            ),
            models.UniqueConstraint(
                fields=["mission", "office"], condition=Q(user__isnull=True), name="outreach_team_office"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(confirmed_by__isnull=False),
                name="outreach_team_confirmed_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mission_id}:{self.office_id}"


def evidence_path(instance: FieldService, filename: str) -> str:
    # Named by hash: no personal data in the path.
    ext = {"image/jpeg": ".jpg", "image/png": ".png"}.get(instance.evidence_type, "")
    return f"outreach/evidence/{instance.office_id}/{instance.evidence_sha256}{ext}"


class FieldService(models.Model):
    """A free service delivered on a mission, captured in the field (perhaps offline) and synced.

    ``client_id`` is generated by the field page when the service is recorded, so a sync sent
    again (a retry, a tablet that closed mid-sync) finds the row it already made.
    """

    mission = models.ForeignKey(
        Mission, verbose_name=_("mission"), on_delete=models.PROTECT, related_name="field_services"
    )
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    client_id = models.CharField(_("client id"), max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    kind = models.CharField(_("service"), max_length=12, choices=ServiceKind.choices)
    beneficiary_name = models.CharField(_("beneficiary"), max_length=120)
    national_code = models.CharField(_("national code"), max_length=10)
    eligibility = models.CharField(_("eligibility found"), max_length=20, blank=True)
    served_on = models.DateField(_("served on"))
    normal_price = models.PositiveBigIntegerField(_("normal price (rials)"), default=0)
    ground = models.CharField(
        _("ground"),
        max_length=20,
        choices=FreeServiceGround.choices,
        default=FreeServiceGround.OUTREACH_MISSION,
    )
    evidence = models.FileField(
        _("photo of the evidence"),
        upload_to=evidence_path,
        storage=private_storage,
        max_length=200,
        blank=True,
    )
    evidence_type = models.CharField(max_length=20, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    grant = models.OneToOneField(
        "finance.FreeServiceGrant",
        verbose_name=_("free-service grant"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))
    synced_at = models.DateTimeField(_("synced"), auto_now_add=True)

    class Meta:
        verbose_name = _("field service")
        verbose_name_plural = _("field services")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ServiceKind.values), name="outreach_service_kind"),
            models.CheckConstraint(
                condition=Q(national_code__regex=r"^[0-9]{10}$"), name="outreach_service_code"
            ),
            # In the field a service is free on the mission, or on a decision of the Kanoon.
            models.CheckConstraint(
                condition=Q(
                    ground__in=[FreeServiceGround.OUTREACH_MISSION, FreeServiceGround.KANOON_DECISION]
                ),
                name="outreach_service_ground",
            ),
        ]
        indexes = [models.Index(fields=["office", "served_on"])]

    def __str__(self) -> str:
        return self.client_id


class BeneficiaryDay(models.Model):
    """One office serves a beneficiary free on a day: a second office the same day is refused.

    The unique constraint is the guard, so two offices syncing at once cannot both pass.
    """

    national_code = models.CharField(max_length=10)
    served_on = models.DateField()
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["national_code", "served_on"], name="outreach_one_office_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.served_on} {self.office_id}"


class Rate(models.Model):
    """Per-diem, travel and the normal price of each service: data, changed by the Kanoon."""

    key = models.CharField(_("rate"), max_length=12, choices=[*CostKind.choices, *ServiceKind.choices])
    amount = models.PositiveBigIntegerField(_("amount (rials)"))
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        ordering = ["key", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "valid_from"], name="outreach_rate_once_a_day"),
            models.CheckConstraint(
                condition=Q(key__in=[*CostKind.values, *ServiceKind.values]), name="outreach_rate_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.amount}"


class Reimbursement(models.Model):
    """What the Kanoon paid one office for one mission: a posted ledger transaction, once."""

    mission = models.ForeignKey(
        Mission, verbose_name=_("mission"), on_delete=models.PROTECT, related_name="reimbursements"
    )
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.PositiveIntegerField(_("Jalali month (YYYYMM)"))
    services = models.PositiveIntegerField(_("free services"), default=0)
    services_rials = models.PositiveBigIntegerField(_("free services (rials)"), default=0)
    excluded = models.PositiveIntegerField(_("services excluded by the checks"), default=0)
    per_diem_rials = models.PositiveBigIntegerField(_("per-diem (rials)"), default=0)
    travel_rials = models.PositiveBigIntegerField(_("travel (rials)"), default=0)
    total = models.PositiveBigIntegerField(_("total (rials)"))
    transaction = models.OneToOneField(
        "finance.Transaction", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reimbursement")
        verbose_name_plural = _("reimbursements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "office"], name="outreach_reimbursed_once"),
            models.CheckConstraint(
                condition=Q(
                    total=models.F("services_rials") + models.F("per_diem_rials") + models.F("travel_rials")
                ),
                name="outreach_reimbursement_sum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mission_id}:{self.office_id} {self.total}"


class AreaSubscription(models.Model):
    """A citizen who asked for an SMS when a free service day is announced in their area.

    Double opt-in: the first SMS carries a link to confirm; only confirmed numbers hear of
    missions, and every message carries the same link to stop. ``consent_text`` is the sentence
    the citizen agreed to, kept as shown (in their language) with the moments of consent and stop.
    """

    phone = models.CharField(_("mobile"), max_length=20)
    province = models.ForeignKey(
        "offices.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    county = models.ForeignKey(
        "offices.City",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    token = models.CharField(max_length=43, unique=True)
    language = models.CharField(max_length=8, default="fa")
    consent_text = models.TextField(_("consent given"))
    requested_at = models.DateTimeField(_("asked"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)

    class Meta:
        verbose_name = _("mission SMS subscription")
        verbose_name_plural = _("mission SMS subscriptions")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone", "province", "county"],
                condition=Q(county__isnull=False),
                name="outreach_subscription_county_once",
            ),
            models.UniqueConstraint(
                fields=["phone", "province"],
                condition=Q(county__isnull=True),
                name="outreach_subscription_province_once",
            ),
        ]
        indexes = [models.Index(fields=["province", "confirmed_at"])]

    def __str__(self) -> str:
        return f"subscription {self.pk}"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.stopped_at is None
