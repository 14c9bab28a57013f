from django.contrib import admin

from tanzim.catalog.models import AddOn, FeeSchedule, Service, Tariff


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_fa",
        "category",
        "in_person",
        "semi_in_person",
        "remote",
        "licence_required",
    ]
    list_filter = ["category", "remote", "licence_required"]
    search_fields = ["code", "name_fa", "name_en"]


class TariffInline(admin.TabularInline):
    model = Tariff
    extra = 0


class AddOnInline(admin.TabularInline):
    model = AddOn
    extra = 0


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["year", "effective_from", "extra_party_fee", "extra_page_fee", "free_service_subsidy_pct"]
    inlines = [TariffInline, AddOnInline]
