from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tanzim.privacy.models import ReadAlert


def reads_url(account_id: int) -> str:
    """The admin's list of one account's confidential reads."""
    return f"{reverse('admin:audit_confidentialread_changelist')}?actor__id__exact={account_id}"


@admin.register(ReadAlert)
class ReadAlertAdmin(admin.ModelAdmin):
    """The Kanoon's list of alerts: read-only, newest day first; each links to the reads it counted."""

    list_display = ["day", "account", "reads", "median", "threshold", "created_at", "the_reads"]
    list_filter = ["day"]
    date_hierarchy = "day"

    @admin.display(description=_("reads"))
    def the_reads(self, obj: ReadAlert) -> str:
        return format_html('<a href="{}">{}</a>', reads_url(obj.account_id), _("Open the reads"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
