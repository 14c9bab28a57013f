from django.contrib import admin

from tanzim.notify.models import Message, SmsRoute


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "template", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status", "template"]
    readonly_fields = [f.name for f in Message._meta.fields]
    exclude = ["body"]  # may hold an OTP

    def has_add_permission(self, request):
        return False


@admin.register(SmsRoute)
class SmsRouteAdmin(admin.ModelAdmin):
    list_display = ["calling_code", "backend", "sms_enabled", "email_fallback", "updated_at"]
    search_fields = ["calling_code", "note"]
