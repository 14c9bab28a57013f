from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.models import RoleAssignment, User

# Django's admin classes are generic only in their type stubs, not at run time.
if TYPE_CHECKING:
    InlineBase = admin.TabularInline[RoleAssignment, User]
    UserAdminBase = BaseUserAdmin[User]
else:
    InlineBase, UserAdminBase = admin.TabularInline, BaseUserAdmin


class RoleInline(InlineBase):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["office"]


@admin.register(User)
class UserAdmin(UserAdminBase):
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "national_code"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("Tanzim"),
            {"fields": ["national_code", "mobile", "birth_date", "preferred_language", "resident_abroad"]},
        ),
    )
    inlines = [RoleInline]
