"""Admin for the consult app's reference data: who may advise (consultants and their windows).
Trees and interviews are edited on the Kanoon's own pages (versions, validation, preview)."""

from django.contrib import admin

from tanzim.consult.models import Availability, Consultant


class AvailabilityInline(admin.TabularInline):
    model = Availability
    extra = 1


@admin.register(Consultant)
class ConsultantAdmin(admin.ModelAdmin):
    list_display = ("user", "office", "basis", "licence_number", "active")
    list_filter = ("basis", "active")
    search_fields = ("user__username", "licence_number", "office__code")
    raw_id_fields = ("user", "office", "approved_by")
    inlines = [AvailabilityInline]
