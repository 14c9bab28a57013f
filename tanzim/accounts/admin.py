from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tanzim.accounts import twofactor
from tanzim.accounts.models import ApiToken, RoleAssignment, User
from tanzim.accounts.services import api_token_revoke, api_tokens_revoke_all

# Django's admin classes are generic only in their type stubs, not at run time.
if TYPE_CHECKING:
    InlineBase = admin.TabularInline[RoleAssignment, User]
    UserAdminBase = BaseUserAdmin[User]
    TokenAdminBase = admin.ModelAdmin[ApiToken]
else:
    InlineBase, UserAdminBase, TokenAdminBase = admin.TabularInline, BaseUserAdmin, admin.ModelAdmin


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
    actions = ["reset_two_factor", "revoke_api_tokens"]

    @admin.action(description=_("Reset two-step sign-in (lost phone): set it up again at next sign-in"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        for user in queryset:
            twofactor.two_factor_reset(actor=actor, user=user)
        self.message_user(
            request, _("Two-step sign-in reset for %(count)d accounts.") % {"count": len(queryset)}
        )

    @admin.action(description=_("Revoke all API tokens"))
    def revoke_api_tokens(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = sum(api_tokens_revoke_all(user=user, reason="admin") for user in queryset)
        self.message_user(request, _("%(count)d API tokens revoked.") % {"count": count})


@admin.register(ApiToken)
class ApiTokenAdmin(TokenAdminBase):
    """Tokens are listed and revoked here, never made or edited (the key is shown only to its owner)."""

    list_display = ["prefix", "user", "label", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__username"]
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "key_hash"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        assert isinstance(request.user, User)
        for token in queryset:
            api_token_revoke(actor=request.user, token_id=token.pk)
        self.message_user(
            request, _("%(count)d API tokens revoked.") % {"count": len(queryset)}, messages.SUCCESS
        )
