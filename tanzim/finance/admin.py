"""Admin: the ledger and payments are read-only here (they change only through services)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import DomainError
from tanzim.common.jalali import JalaliMonth
from tanzim.finance import services
from tanzim.finance.models import (
    Account,
    Entry,
    FreeServiceCap,
    FreeServiceGrant,
    OfficeTier,
    OutreachMission,
    Payment,
    PaymentEvent,
    Refund,
    ResolvedDispute,
    SettlementRun,
    SharePolicy,
    SimulatedGatewayTransaction,
    Transaction,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "purpose", "kind", "owner", "office"]
    list_filter = ["owner", "purpose", "kind"]
    search_fields = ["code", "office__code"]
    raw_id_fields = ["office"]


class EntryInline(admin.TabularInline):
    model = Entry
    fields = readonly_fields = ("account", "debit", "credit")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "posted_at", "kind", "office", "reference_type", "reference_id", "memo"]
    list_filter = ["kind"]
    search_fields = ["reference_id", "dedupe_key", "memo"]
    date_hierarchy = "posted_at"
    inlines = [EntryInline]
    raw_id_fields = ["office", "reverses", "actor"]


class RefundInline(admin.TabularInline):
    model = Refund
    fields = readonly_fields = ("created_at", "part", "amount", "status", "reason")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    fields = readonly_fields = ("created_at", "from_status", "to_status", "actor", "on_behalf_of", "reason")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["short_reference", "created_at", "office", "service_code", "amount", "status", "method"]
    list_filter = ["status", "method", "channel"]
    search_fields = ["uuid", "office__code", "reference_id", "gateway_ref"]
    date_hierarchy = "created_at"
    raw_id_fields = ["office", "payer", "created_by", "transaction", "subsidy_transaction"]
    inlines = [PaymentEventInline, RefundInline]


@admin.register(SimulatedGatewayTransaction)
class SimulatedGatewayTransactionAdmin(ReadOnlyAdmin):
    list_display = ["token", "merchant_code", "amount", "status", "created_at", "decided_at"]
    list_filter = ["status"]


@admin.register(SharePolicy)
class SharePolicyAdmin(admin.ModelAdmin):
    """Edits go through ``share_policy_set``: audited, and refused for an already settled month."""

    list_display = [
        "valid_from_year",
        "valid_from_month",
        "base_rate_bp",
        "tier_adjustments_bp",
        "dispute_credit_bp",
        "dispute_credit_cap_bp",
    ]

    def save_model(self, request, obj, form, change):
        try:
            saved = services.share_policy_set(
                valid_from_year=obj.valid_from_year,
                valid_from_month=obj.valid_from_month,
                base_rate_bp=obj.base_rate_bp,
                tier_adjustments_bp=obj.tier_adjustments_bp,
                dispute_credit_bp=obj.dispute_credit_bp,
                dispute_credit_cap_bp=obj.dispute_credit_cap_bp,
                note=obj.note,
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
            raise ValidationError(str(exc.message)) from exc
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OfficeTier)
class OfficeTierAdmin(ReadOnlyAdmin):
    list_display = ["office", "year", "month", "tier"]
    list_filter = ["tier", "year"]
    raw_id_fields = ["office"]


@admin.register(ResolvedDispute)
class ResolvedDisputeAdmin(ReadOnlyAdmin):
    list_display = ["reference", "office", "resolved_at"]


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyAdmin):
    list_display = [
        "year",
        "month",
        "status",
        "offices",
        "revenue",
        "share",
        "subsidies",
        "net",
        "finished_at",
    ]


@admin.register(OutreachMission)
class OutreachMissionAdmin(admin.ModelAdmin):
    """Missions are entered here or by the Kanoon's services; approval is an action, audited."""

    list_display = ["name", "starts_on", "ends_on", "approved_at", "approved_by"]
    list_filter = ["approved_at"]
    search_fields = ["name"]
    filter_horizontal = ["offices"]
    readonly_fields = ["approved_by", "approved_at", "created_by"]
    actions = ["approve"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Approve the selected missions"))
    def approve(self, request, queryset):
        try:
            for mission in queryset:
                services.outreach_mission_approve(mission=mission, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc.message))


@admin.register(FreeServiceCap)
class FreeServiceCapAdmin(admin.ModelAdmin):
    """Caps are set through ``free_service_cap_set`` (the Kanoon only, audited)."""

    list_display = ["office", "month", "max_count", "max_rials", "set_by", "updated_at"]
    search_fields = ["office__code"]
    readonly_fields = ["set_by"]
    raw_id_fields = ["office"]

    def save_model(self, request, obj, form, change):
        try:
            saved = services.free_service_cap_set(
                office=obj.office,
                month=JalaliMonth.from_key(obj.month) if obj.month else None,
                max_count=obj.max_count,
                max_rials=obj.max_rials,
                actor=request.user,
            )
        except (DomainError, ValueError) as exc:
            text = str(getattr(exc, "message", exc))
            messages.error(request, text)
            raise ValidationError(text) from exc
        obj.pk = saved.pk


@admin.register(FreeServiceGrant)
class FreeServiceGrantAdmin(ReadOnlyAdmin):
    list_display = ["office", "ground", "month", "reference_type", "reference_id", "payment", "granted_at"]
    list_filter = ["ground", "month"]
    search_fields = ["office__code", "reference_id", "evidence_number"]
