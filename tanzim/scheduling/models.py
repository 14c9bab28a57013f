"""Slots, appointments and the office queue.

The slot table is precomputed (``slots_generate``) so that availability is a query. A
booking takes a place with one conditional UPDATE per slot unit
(``booked = booked + 1 WHERE booked < bookable``) and the database refuses any row where
``booked > bookable``: two citizens can never hold the last place, whatever the code path.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.scheduling.choices import (
    HOLDING,
    REMOTE_CHANNELS,
    SLOT_CHANNELS,
    AppointmentStatus,
    BookingChannel,
    FlexibleRequestStatus,
    SlotStatus,
    TicketKind,
    TicketStatus,
)

PCT = [MinValueValidator(0), MaxValueValidator(100)]


class OfficeSchedulingPolicy(models.Model):
    """Per-office policy an office manager or the Kanoon may change; defaults come from settings."""

    office = models.OneToOneField(
        "offices.Office", verbose_name=_("office"), on_delete=models.CASCADE, related_name="scheduling_policy"
    )
    appointment_share_pct = models.PositiveSmallIntegerField(
        _("share of counters for appointments (%)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The rest of the counters serve walk-in clients."),
    )
    overbooking_enabled = models.BooleanField(_("overbooking"), default=False)
    overbooking_risk_pct = models.PositiveSmallIntegerField(
        _("accepted risk of more arrivals than places (%)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    show_rate_pct = models.PositiveSmallIntegerField(
        _("show rate used for overbooking (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Empty: measured from the office's own history."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("scheduling policy")
        verbose_name_plural = _("scheduling policies")

    def __str__(self) -> str:
        return str(self.office)


class OfficeQueueStats(models.Model):
    """Figures the suggestion engine and the queue screens read; refreshed by a periodic task."""

    office = models.OneToOneField(
        "offices.Office", verbose_name=_("office"), on_delete=models.CASCADE, related_name="queue_stats"
    )
    counters = models.PositiveSmallIntegerField(_("active counters"), default=0)
    arrivals_per_hour = models.FloatField(_("arrivals per hour"), default=0)
    mean_service_minutes = models.FloatField(_("mean service time (minutes)"), default=0)
    expected_wait_minutes = models.FloatField(_("expected wait (minutes)"), default=0)
    no_show_rate = models.FloatField(_("no-show rate"), default=0)
    sample_size = models.PositiveIntegerField(_("appointments measured"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("office queue figures")
        verbose_name_plural = _("office queue figures")

    def __str__(self) -> str:
        return str(self.office)


class Slot(models.Model):
    """One unit of appointment time at an office, shared by ``capacity`` counters."""

    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.CASCADE, related_name="slots"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    capacity = models.PositiveSmallIntegerField(_("counters for appointments"))
    # capacity plus any overbooking allowance; what a booking is checked against.
    bookable = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=SlotStatus.choices, default=SlotStatus.OPEN)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["office", "start"]
        constraints = [
            models.UniqueConstraint(fields=["office", "start"], name="slot_unique_start"),
            models.CheckConstraint(condition=Q(booked__lte=F("bookable")), name="slot_not_overbooked"),
            models.CheckConstraint(
                condition=Q(bookable__gte=F("capacity")), name="slot_bookable_covers_capacity"
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_end_after_start"),
            models.CheckConstraint(condition=Q(status__in=SlotStatus.values), name="slot_status_valid"),
        ]
        indexes = [
            # Only free, open slots: the availability query reads this small index.
            models.Index(
                fields=["office", "start"],
                condition=Q(status=SlotStatus.OPEN, booked__lt=F("bookable")),
                name="slot_free_idx",
            ),
            models.Index(fields=["start"], name="slot_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.start:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(0, self.bookable - self.booked)


class Appointment(models.Model):
    reference = models.CharField(_("reference"), max_length=12, unique=True)
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.PROTECT, related_name="appointments"
    )
    # Empty for a remote call (video, phone): it takes a consultant's own time, not a counter.
    slot = models.ForeignKey(
        Slot,
        verbose_name=_("first slot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    units = models.PositiveSmallIntegerField(_("slot units"), default=1)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="appointments"
    )
    channel = models.CharField(
        _("visit for"), max_length=20, choices=BookingChannel.choices, default=BookingChannel.IN_PERSON
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citizen"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("booked by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    # A link to a case, e.g. "cases.case:123", for the verification visit of a semi-in-person case.
    case_ref = models.CharField(_("case"), max_length=40, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    rescheduled_from = models.OneToOneField(
        "self",
        verbose_name=_("moved from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rescheduled_to",
    )
    late = models.BooleanField(_("arrived late"), default=False)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    no_show_marked_at = models.DateTimeField(null=True, blank=True)
    reminded_24h_at = models.DateTimeField(null=True, blank=True)
    reminded_2h_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start", "pk"]
        constraints = [
            # A double click or a retried request never gives one person the same slot twice.
            models.UniqueConstraint(
                fields=["citizen", "slot"],
                condition=Q(status__in=sorted(HOLDING)),
                name="appointment_one_per_citizen_slot",
            ),
            models.UniqueConstraint(
                fields=["booked_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="appointment_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AppointmentStatus.values), name="appointment_status_valid"
            ),
            models.CheckConstraint(condition=Q(units__gte=1), name="appointment_units_positive"),
            # A visit holds counter slots; a call (video, phone) holds none.
            models.CheckConstraint(
                condition=Q(slot__isnull=False, channel__in=sorted(SLOT_CHANNELS))
                | Q(slot__isnull=True, channel__in=sorted(REMOTE_CHANNELS)),
                name="appointment_slot_matches_channel",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "start"], name="appointment_office_start"),
            models.Index(fields=["citizen", "status", "start"], name="appointment_citizen_status"),
            models.Index(fields=["status", "start"], name="appointment_status_start"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def remote(self) -> bool:
        """A video or phone call (a consultation): no slot, no counter, no check-in at the office."""
        return self.channel in REMOTE_CHANNELS


class AppointmentEvent(TransitionEvent):
    """One row per move of an appointment (written by the engine): who, for whom, from what to what."""

    appointment = models.ForeignKey(
        Appointment, verbose_name=_("appointment"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=12, choices=AppointmentStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=AppointmentStatus.choices)

    class Meta:
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        ordering = ["appointment", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.from_status}→{self.to_status}"


class QueueDay(models.Model):
    """Ticket numbering of one office on one day; locked to hand out the next number."""

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("queue day")
        verbose_name_plural = _("queue days")
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="queue_day_unique")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day}"


class QueueTicket(models.Model):
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.CASCADE, related_name="queue_tickets"
    )
    day = models.DateField(_("day"))
    number = models.PositiveIntegerField(_("ticket number"))
    kind = models.CharField(_("kind"), max_length=12, choices=TicketKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    appointment = models.OneToOneField(
        Appointment,
        verbose_name=_("appointment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket",
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), null=True, blank=True, on_delete=models.SET_NULL
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citizen"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Appointments are ordered by their booked time, walk-ins by arrival.
    sort_at = models.DateTimeField()
    joined_at = models.DateTimeField(_("joined the queue"))
    counter = models.ForeignKey(
        "offices.Counter",
        verbose_name=_("counter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    called_at = models.DateTimeField(_("called"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    call_count = models.PositiveSmallIntegerField(default=0)
    # Last time the ticket was shown on the waiting-room screen (a recall shows it again).
    announced_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        ordering = ["office", "day", "number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "day", "number"], name="ticket_unique_number"),
            # A counter calls one person at a time.
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(status=TicketStatus.CALLED),
                name="ticket_one_called_per_counter",
            ),
            models.CheckConstraint(condition=Q(status__in=TicketStatus.values), name="ticket_status_valid"),
        ]
        indexes = [
            models.Index(fields=["office", "day", "status"], name="ticket_office_day_status"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.number:03d}"


class TicketEvent(TransitionEvent):
    """One row per move of a queue ticket: which clerk called, served or sent back whom, at which counter."""

    ticket = models.ForeignKey(
        QueueTicket, verbose_name=_("queue ticket"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=10, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=TicketStatus.choices)
    counter = models.ForeignKey(
        "offices.Counter",
        verbose_name=_("counter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("queue ticket event")
        verbose_name_plural = _("queue ticket events")
        ordering = ["ticket", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.from_status}→{self.to_status}"


class OfficeDayStats(models.Model):
    """One office's day, rolled up for the metrics pages (province and nation add these up)."""

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+")
    province = models.ForeignKey("offices.Province", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    appointments = models.PositiveIntegerField(default=0)  # whose time fell on this day
    attended = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    walk_ins = models.PositiveIntegerField(default=0)
    tickets_served = models.PositiveIntegerField(default=0)
    wait_count = models.PositiveIntegerField(default=0)
    wait_total_minutes = models.FloatField(default=0)
    # Waits in whole minutes: index i counts tickets that waited [i, i+1) minutes; the last
    # bucket holds everything longer. Summing histograms gives exact percentiles at any level.
    wait_histogram = models.JSONField(default=list)
    service_total_minutes = models.FloatField(default=0)
    slot_units = models.PositiveIntegerField(default=0)
    slot_units_booked = models.PositiveIntegerField(default=0)
    counter_minutes = models.PositiveIntegerField(default=0)
    visits_avoided = models.PositiveIntegerField(default=0)
    in_person_choices = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("office day figures")
        verbose_name_plural = _("office day figures")
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="office_day_stats_unique")]
        indexes = [models.Index(fields=["day", "province"], name="office_day_stats_day")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day}"


class VisitAvoided(models.Model):
    """A citizen chose the remote or semi-in-person channel offered by the suggestions."""

    created_at = models.DateTimeField(auto_now_add=True)
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20)
    visits_saved = models.PositiveSmallIntegerField(default=1)
    # The office the citizen would otherwise have visited: the top suggestion.
    office = models.ForeignKey(
        "offices.Office", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    province = models.ForeignKey(
        "offices.Province", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("visit avoided")
        verbose_name_plural = _("visits avoided")
        indexes = [models.Index(fields=["created_at"], name="visit_avoided_created")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.channel}"


class FlexibleRequest(models.Model):
    """A citizen who can go to any nearby office on any day in a range; the batch rebalancer assigns."""

    created_at = models.DateTimeField(auto_now_add=True)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("citizen"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(24), MaxValueValidator(40)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(44), MaxValueValidator(64)])
    earliest = models.DateField(_("from"))
    latest = models.DateField(_("until"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=FlexibleRequestStatus.choices,
        default=FlexibleRequestStatus.PENDING,
    )
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="flexible_request"
    )
    # Placed at an office outside the request's usual neighbourhood (its 10 nearest offices that
    # may serve it) because the nearer ones had no free place left: the citizen is told why and
    # may wait for a nearer time instead.
    placed_farther = models.BooleanField(_("placed farther than the nearby offices"), default=False)
    # Asked again after declining a farther office: the rebalancer keeps it to its neighbourhood.
    nearby_only = models.BooleanField(_("only the nearby offices"), default=False)

    class Meta:
        verbose_name = _("flexible request")
        verbose_name_plural = _("flexible requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(latest__gte=F("earliest")), name="flexible_request_dates_ordered"
            ),
            models.UniqueConstraint(
                fields=["citizen", "service"],
                condition=Q(status=FlexibleRequestStatus.PENDING),
                name="flexible_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.service_id}"
