"""Partners as reference data the Kanoon edits: organisations, branches, what each accepts."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from tanzim.partners.models import (
    ApiKey,
    Branch,
    Delivery,
    Partner,
    PartnerMember,
    ReferralKind,
    RequiredDocument,
)


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 0


class ReferralKindInline(admin.TabularInline):
    model = ReferralKind
    extra = 0
    show_change_link = True


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fa", "name_en", "kind", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name_fa", "name_en")
    inlines = [BranchInline, ReferralKindInline]


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


@admin.register(ReferralKind)
class ReferralKindAdmin(admin.ModelAdmin):
    list_display = ("partner", "code", "name_fa", "ack_days", "outcome_days", "active")
    list_filter = ("partner__kind",)
    inlines = [RequiredDocumentInline]


@admin.register(PartnerMember)
class PartnerMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "partner", "branch", "active")
    list_filter = ("partner",)
    raw_id_fields = ("user",)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are issued, rotated and revoked through the services (the secret is shown once)."""

    list_display = ("partner", "prefix", "label", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = (
        "partner",
        "prefix",
        "hashed",
        "label",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "event_id",
        "partner",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    )
    list_filter = ("status", "partner")
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False
