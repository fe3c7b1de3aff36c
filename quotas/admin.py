"""Django admin for quotas and goals. Quotas are saved and deleted through
``services`` so the admin writes the audit trail like every other path; the
audit trail itself is read-only."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import HistoryAdmin

from . import services
from .models import ActivityGoal, MetricGoal, OrgSettings, Quota, QuotaChange, ZoneChange
from .periods import Period


@admin.register(OrgSettings)
class OrgSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "fiscal_year_start_month", "time_zone", "currency")

    def has_add_permission(self, request):
        # One row for the organisation.
        return not OrgSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # While a time zone change runs, another is refused (``services.org_settings_save``).
        return ("time_zone",) if ZoneChange.objects.active().exists() else ()

    def save_model(self, request, obj, form, change):
        # Through the service, so a new time zone starts its job here too.
        services.org_settings_save(org_settings=obj, by=request.user)


class QuotaAdminForm(forms.ModelForm):
    class Meta:
        model = Quota
        fields = ("rep", "team", "period_kind", "period_start", "measure", "target", "stretch_percent")

    def clean(self):
        cleaned = super().clean()
        start, kind = cleaned.get("period_start"), cleaned.get("period_kind")
        if start and kind:
            period = _period(start, kind)
            if period.start != start:
                self.add_error(
                    "period_start",
                    _("Enter the first day of a period, e.g. %(start)s.") % {"start": period.start.isoformat()},
                )
        return cleaned


def _period(start, kind) -> Period:
    return Period.containing(start, kind, OrgSettings.load().fiscal_year_start_month)


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    form = QuotaAdminForm
    list_display = ("__str__", "measure", "target", "stretch_percent")
    list_filter = ("period_kind", "measure", "period_start", "team")
    list_select_related = ("rep", "team")
    search_fields = ("rep__username", "rep__first_name", "rep__last_name", "team__name")

    def get_readonly_fields(self, request, obj=None):
        # Who and when a quota is for never changes: that is another quota.
        return ("rep", "team", "period_kind", "period_start", "measure") if obj else ()

    def save_model(self, request, obj, form, change):
        saved = services.quota_set(
            by=request.user,
            period=_period(obj.period_start, obj.period_kind),
            target=obj.target,
            measure=obj.measure,
            rep=obj.rep,
            team=obj.team,
            stretch_percent=obj.stretch_percent,
            reason=str(_("Changed in the Django admin")),
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.quota_delete(quota=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for quota in queryset:
            services.quota_delete(quota=quota, by=request.user)


@admin.register(QuotaChange)
class QuotaChangeAdmin(HistoryAdmin):
    list_display = (
        "changed_at",
        "changed_by",
        "description",
        "old_target",
        "new_target",
        "old_stretch_percent",
        "new_stretch_percent",
        "reason",
    )
    list_select_related = ("changed_by",)
    list_filter = ("changed_at",)
    search_fields = ("description", "reason")


@admin.register(ActivityGoal)
class ActivityGoalAdmin(admin.ModelAdmin):
    list_display = ("__str__", "rep", "team", "priority", "starts_on", "is_collective", "is_stretch")
    list_filter = ("metric", "frequency", "is_collective", "is_stretch")
    list_select_related = ("rep", "team")

    def save_model(self, request, obj, form, change):
        services.goal_save(goal=obj)


@admin.register(MetricGoal)
class MetricGoalAdmin(admin.ModelAdmin):
    list_display = ("__str__", "rep", "team", "priority", "starts_on", "is_collective", "reward_description")
    list_filter = ("metric", "direction", "period_kind", "is_collective")
    list_select_related = ("rep", "team")

    def save_model(self, request, obj, form, change):
        services.metric_goal_save(goal=obj)
