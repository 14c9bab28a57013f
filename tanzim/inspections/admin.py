"""Admin for checklists (drafts editable, published versions frozen) and read-only records."""

from django.contrib import admin

from tanzim.inspections.choices import ChecklistStatus
from tanzim.inspections.models import (
    Checklist,
    ChecklistItem,
    CorrectiveAction,
    Inspection,
    InspectionPlan,
    ViolationReferral,
)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0

    def _frozen(self, obj) -> bool:
        return bool(obj and obj.pk and obj.status != ChecklistStatus.DRAFT)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    """Publish a draft from the inspections pages or the API (checklist_publish): it retires the old one."""

    list_display = ["code", "version", "title_fa", "status", "published_at"]
    list_filter = ["status"]
    inlines = [ChecklistItemInline]

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.pk and obj.status != ChecklistStatus.DRAFT:
            return ["code", "version", "title_fa", "title_en", "status", "published_at"]
        return ["status", "published_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "office", "kind", "status", "priority", "scheduled_for", "score", "completed_at"]
    list_filter = ["status", "kind"]
    search_fields = ["office__code", "office__name_fa"]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "province", "created_at"]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "office", "status", "due_date"]
    list_filter = ["status"]


@admin.register(ViolationReferral)
class ViolationReferralAdmin(ReadOnlyAdmin):
    list_display = ["inspection", "status", "referred_at", "board_reference"]
