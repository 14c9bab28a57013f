from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import DomainError
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import City, Counter, Holiday, Licence, Office, Province, WorkingHours
from tanzim.offices.services import office_set_status


class CityInline(admin.TabularInline):
    model = City
    extra = 0


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fa", "name_en", "deprived", "border"]
    inlines = [CityInline]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fa", "name_en", "province", "is_capital"]
    list_filter = ["province"]
    search_fields = ["name_fa", "name_en", "code"]


class LicenceInline(admin.TabularInline):
    model = Licence
    extra = 0


class HoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fa", "province", "city", "status", "deprived_area"]
    list_filter = ["status", "province", "deprived_area"]
    search_fields = ["code", "name_fa", "name_en"]
    list_select_related = ["province", "city"]
    autocomplete_fields = ["city"]
    inlines = [LicenceInline, HoursInline, CounterInline]
    actions = ["suspend", "reopen", "close"]

    def get_readonly_fields(self, request, obj=None):
        # An office opens active; after that its status moves only through its workflow (the actions).
        return ["status"]

    def _move(self, request, queryset, status: str) -> None:
        for office in queryset:
            try:
                office_set_status(actor=request.user, office=office, status=status, reason="admin")
            except DomainError as exc:
                self.message_user(request, f"{office.code}: {exc.message}", messages.ERROR)

    @admin.action(description=_("Suspend the selected offices"))
    def suspend(self, request, queryset):
        self._move(request, queryset, OfficeStatus.SUSPENDED)

    @admin.action(description=_("Reopen the selected offices"))
    def reopen(self, request, queryset):
        self._move(request, queryset, OfficeStatus.ACTIVE)

    @admin.action(description=_("Close the selected offices for good"))
    def close(self, request, queryset):
        self._move(request, queryset, OfficeStatus.CLOSED)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name_fa", "name_en", "kind", "estimated"]
    list_filter = ["kind", "estimated"]
    date_hierarchy = "date"
