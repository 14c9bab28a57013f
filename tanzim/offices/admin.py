from django.contrib import admin

from tanzim.offices.models import City, Counter, Holiday, Licence, Office, Province, WorkingHours


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


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name_fa", "name_en", "kind", "estimated"]
    list_filter = ["kind", "estimated"]
    date_hierarchy = "date"
