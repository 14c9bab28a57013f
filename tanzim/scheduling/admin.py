"""Admin for operators: read mostly. Bookings, tickets and slot counts change only through services."""

from __future__ import annotations

from django.contrib import admin

from tanzim.scheduling.models import (
    Appointment,
    AppointmentEvent,
    FlexibleRequest,
    OfficeDayStats,
    OfficeQueueStats,
    OfficeSchedulingPolicy,
    QueueTicket,
    Slot,
    TicketEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OfficeSchedulingPolicy)
class OfficeSchedulingPolicyAdmin(admin.ModelAdmin):
    """Saved through the service: audited, and re-applied to the office's open slots at once."""

    list_display = [
        "office",
        "appointment_share_pct",
        "overbooking_enabled",
        "overbooking_risk_pct",
        "show_rate_pct",
    ]
    list_filter = ["overbooking_enabled"]
    search_fields = ["office__code", "office__name_fa", "office__name_en"]
    raw_id_fields = ["office"]

    def save_model(self, request, obj, form, change):
        from tanzim.scheduling.services import scheduling_policy_set

        scheduling_policy_set(
            actor=request.user,
            office=obj.office,
            appointment_share_pct=obj.appointment_share_pct,
            overbooking_enabled=obj.overbooking_enabled,
            overbooking_risk_pct=obj.overbooking_risk_pct,
            show_rate_pct=obj.show_rate_pct,
            clear_show_rate=obj.show_rate_pct is None,
        )
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Slot)
class SlotAdmin(ReadOnlyAdmin):
    list_display = ["office", "start", "end", "capacity", "bookable", "booked", "status"]
    list_filter = ["status"]
    search_fields = ["office__code"]
    date_hierarchy = "start"
    list_select_related = ["office"]


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "office", "service", "start", "status", "late", "created_at"]
    list_filter = ["status", "channel", "late"]
    search_fields = ["reference", "office__code"]
    date_hierarchy = "start"
    list_select_related = ["office", "service"]
    raw_id_fields = ["citizen", "booked_by", "slot", "office", "rescheduled_from"]


@admin.register(QueueTicket)
class QueueTicketAdmin(ReadOnlyAdmin):
    list_display = [
        "office",
        "day",
        "number",
        "kind",
        "status",
        "counter",
        "joined_at",
        "called_at",
        "finished_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["office__code"]
    date_hierarchy = "joined_at"
    list_select_related = ["office", "counter"]


@admin.register(OfficeQueueStats)
class OfficeQueueStatsAdmin(ReadOnlyAdmin):
    list_display = [
        "office",
        "counters",
        "arrivals_per_hour",
        "mean_service_minutes",
        "expected_wait_minutes",
        "no_show_rate",
        "updated_at",
    ]
    search_fields = ["office__code"]


@admin.register(OfficeDayStats)
class OfficeDayStatsAdmin(ReadOnlyAdmin):
    list_display = [
        "office",
        "day",
        "appointments",
        "attended",
        "no_shows",
        "walk_ins",
        "tickets_served",
        "visits_avoided",
    ]
    search_fields = ["office__code"]
    date_hierarchy = "day"


@admin.register(FlexibleRequest)
class FlexibleRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "service", "earliest", "latest", "status", "created_at"]
    list_filter = ["status"]


@admin.register(AppointmentEvent)
class AppointmentEventAdmin(ReadOnlyAdmin):
    """Every move of an appointment, written by the transition engine."""

    list_display = ["appointment", "from_status", "to_status", "actor", "on_behalf_of", "created_at"]
    list_filter = ["to_status"]
    search_fields = ["appointment__reference"]


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    """Every move of a queue ticket: who called, served or sent back whom, at which counter."""

    list_display = ["ticket", "from_status", "to_status", "counter", "actor", "created_at"]
    list_filter = ["to_status"]
