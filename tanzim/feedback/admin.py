"""Admin for the questionnaire (versioned) and read-only views of invitations and responses."""

from django.contrib import admin

from tanzim.feedback.models import (
    Complaint,
    ComplaintEvent,
    Questionnaire,
    QuestionnaireItem,
    SurveyInvitation,
    SurveyResponse,
)


class QuestionnaireItemInline(admin.TabularInline):
    model = QuestionnaireItem
    extra = 0

    def _in_use(self, obj) -> bool:
        return bool(obj and obj.pk and obj.invitations.exists())

    def has_add_permission(self, request, obj=None):
        return not self._in_use(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._in_use(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._in_use(obj) and super().has_delete_permission(request, obj)


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["version", "title_fa", "title_en", "active", "created_at"]
    inlines = [QuestionnaireItemInline]

    def get_readonly_fields(self, request, obj=None):
        # A version that links were sent with is frozen; changes go into a new version.
        if obj and obj.pk and obj.invitations.exists():
            return ["version", "title_fa", "title_en", "intro_fa", "intro_en", "active"]
        return ["active"]

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.pk and obj.invitations.exists()) and super().has_delete_permission(
            request, obj
        )


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    list_display = ["pk", "office", "period", "source", "created_at", "expires_at", "used_at"]
    list_filter = ["source", "period"]
    fields = readonly_fields = (
        "office",
        "period",
        "source",
        "source_id",
        "questionnaire",
        "created_at",
        "expires_at",
        "used_at",
    )

    def has_add_permission(self, request):
        return False  # invitations are made by the system only

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["pk", "office", "period", "overall", "answered_on"]
    list_filter = ["period", "source"]
    readonly_fields = [f.name for f in SurveyResponse._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "from_status", "to_status", "actor", "note", "due_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only: the workflow moves through its transition service, never by editing rows."""

    list_display = ["reference", "office", "category", "status", "created_at", "due_at"]
    list_filter = ["status", "category"]
    search_fields = ["reference"]
    inlines = [ComplaintEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Complaint._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
