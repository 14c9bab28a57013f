"""Read-only admin views of policies and runs: policies are versioned through the ranking pages."""

from django.contrib import admin

from tanzim.ranking.models import RankingPolicy, RankingRun


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RankingPolicy)
class RankingPolicyAdmin(ReadOnly):
    list_display = ("version", "normalisation", "mc_draws", "created_at", "note")


@admin.register(RankingRun)
class RankingRunAdmin(ReadOnly):
    list_display = ("pk", "period_kind", "period_first", "status", "policy", "ranked_count", "created_at")
    list_filter = ("status", "period_kind")
