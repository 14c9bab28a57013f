"""Admin: the Kanoon edits triage rules; disputes and their parts are read-only here
(they change only through the services, which keep the event rows and the audit trail)."""

from __future__ import annotations

from django.contrib import admin

from tanzim.audit import services as audit
from tanzim.disputes.models import (
    Arbitration,
    Arbitrator,
    Award,
    Dispute,
    DisputeEvent,
    Party,
    Referral,
    Session,
    Settlement,
    TriageRule,
)


@admin.register(TriageRule)
class TriageRuleAdmin(admin.ModelAdmin):
    list_display = [
        "category",
        "eligible",
        "path",
        "use_peace_court_ceiling",
        "custom_ceiling",
        "over_ceiling_path",
        "requires_amount",
        "halves_court_fee",
        "referral_target",
        "updated_at",
    ]
    list_editable = ["eligible", "path", "requires_amount", "halves_court_fee"]
    list_filter = ["eligible", "path"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            action="disputes.triage_rule.changed",
            actor=request.user,
            obj=obj,
            data={"fields": sorted(form.changed_data)},
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PartyInline(admin.TabularInline):
    model = Party
    fields = readonly_fields = ("role", "name", "user", "joined_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = DisputeEvent
    fields = readonly_fields = (
        "created_at",
        "subject",
        "from_status",
        "to_status",
        "actor",
        "on_behalf_of",
        "reason",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["reference", "office", "category", "status", "due_at", "mediator", "created_at"]
    list_filter = ["status", "category", "path", "failure_reason"]
    search_fields = ["reference", "office__code"]
    raw_id_fields = ["office", "case", "mediator", "created_by", "triage_rule"]
    inlines = [PartyInline, EventInline]


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "kind", "number", "convener", "starts_at", "mode", "status", "result"]
    list_filter = ["kind", "status", "mode"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "number", "status", "opened_at", "signed_at"]
    list_filter = ["status"]


@admin.register(Arbitration)
class ArbitrationAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "agreement_kind", "panel_size", "status", "all_notified_on", "term_ends_on"]
    list_filter = ["status"]


@admin.register(Arbitrator)
class ArbitratorAdmin(ReadOnlyAdmin):
    list_display = ["arbitration", "seat", "name", "status", "declared_at", "notified_at"]
    list_filter = ["status", "seat"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["arbitration", "decided_on", "compliance_due", "compliance"]
    list_filter = ["compliance"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "purpose", "target", "reason", "status", "tracking_reference", "created_at"]
    list_filter = ["purpose", "target", "reason", "status"]
