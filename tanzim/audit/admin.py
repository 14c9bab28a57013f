from django.contrib import admin

from tanzim.audit.models import AuditEvent, ConfidentialRead


class ReadOnlyAdmin(admin.ModelAdmin):
    """The trail is append-only: the admin may look, never change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "on_behalf_of", "office_id", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["action", "object_id"]


@admin.register(ConfidentialRead)
class ConfidentialReadAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "object_type", "object_id", "purpose"]
