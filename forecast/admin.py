from django.contrib import admin

from accounts.admin import HistoryAdmin

from .models import ForecastCall


@admin.register(ForecastCall)
class ForecastCallAdmin(HistoryAdmin):
    """The team calls: to read and filter, never to edit (append-only; the latest of a period counts)."""

    list_display = ("team", "period_kind", "period_start", "commit", "best_case", "submitted_by", "submitted_at")
    list_filter = ("period_kind", "period_start", "team")
    list_select_related = ("team", "submitted_by")
    search_fields = ("team__name", "note")
    date_hierarchy = "submitted_at"
