"""Django admin for the pipeline. Saves go through ``services`` like every other
path, so the rules hold here too; the stage history is read-only."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.admin import ActiveNamesAdmin, HistoryAdmin

from . import services
from .forms import DEAL_CREATE_FIELDS, ForecastCategoryField
from .forms_config import StageForm
from .models import (
    Company,
    Competitor,
    Contact,
    Deal,
    DealChange,
    LeadSource,
    LostReason,
    Pipeline,
    Stage,
    StageChange,
)


@admin.register(LeadSource, Competitor, LostReason)
class NamedListAdmin(ActiveNamesAdmin):
    def save_model(self, request, obj, form, change):
        services.named_list_save(item=obj)


@admin.register(Pipeline)
class PipelineAdmin(ActiveNamesAdmin):
    def save_model(self, request, obj, form, change):
        services.pipeline_save(pipeline=obj)


class StageAdminForm(StageForm):
    class Meta(StageForm.Meta):
        fields = ("pipeline", *StageForm.Meta.fields, "order")

    def _get_validation_exclusions(self):
        # stage_save takes the "opportunity" flag from the pipeline's other stage;
        # the one-per-pipeline constraint is checked there, after that move.
        return super()._get_validation_exclusions() | {"is_opportunity"}


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    form = StageAdminForm
    list_display = ("name", "pipeline", "order", "kind", "probability", "rotting_days", "is_opportunity", "is_archived")
    list_filter = ("pipeline", "kind", "is_archived")
    list_select_related = ("pipeline",)
    search_fields = ("name",)

    def get_readonly_fields(self, request, obj=None):
        # Archiving moves the stage's deals first (the settings page does it), and a
        # stage holding deals cannot change pipeline under them.
        return ("pipeline", "is_archived") if obj else ("is_archived",)

    def has_delete_permission(self, request, obj=None):
        # Stages are archived, never deleted: the stage history points at them.
        return False

    def save_model(self, request, obj, form, change):
        services.stage_save(stage=obj)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "segment", "territory", "is_customer", "owner", "created_at")
    list_filter = ("segment", "is_customer", "territory")
    list_select_related = ("territory", "owner")
    search_fields = ("name", "website")
    autocomplete_fields = ("owner",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        services.company_save(company=obj)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "company", "title", "email", "is_decision_maker", "owner")
    list_filter = ("is_decision_maker", "lead_source")
    list_select_related = ("company", "owner")
    search_fields = ("first_name", "last_name", "email", "company__name")
    autocomplete_fields = ("company", "owner")

    def save_model(self, request, obj, form, change):
        services.contact_save(contact=obj)


DEAL_CHANGE_READONLY = ("pipeline", "stage", "stage_entered_at", "created_at", "updated_at")


class DealAdminForm(ForecastCategoryField, forms.ModelForm):
    class Meta:
        model = Deal
        fields = DEAL_CREATE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "stage" in self.fields:
            self.fields["stage"].queryset = Stage.objects.filter(is_archived=False).select_related("pipeline")
        self.set_up_forecast_category()

    def clean(self):
        cleaned = super().clean()
        pipeline, stage = cleaned.get("pipeline"), cleaned.get("stage")
        if self.instance.pk is None and pipeline and stage:
            # The same checks deal_create makes, run first so they show on the form
            # instead of failing in save_model.
            try:
                services.check_stage(pipeline=pipeline, stage=stage)
                services.check_closing(
                    stage=stage, closed_on=cleaned.get("closed_on"), lost_reason=cleaned.get("lost_reason")
                )
            except ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    self.add_error(field, errors)
        return cleaned


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    form = DealAdminForm
    list_display = ("title", "company", "owner", "pipeline", "stage", "amount", "deal_type", "closed_on")
    list_filter = ("pipeline", "stage__kind", "deal_type", "owner__team")
    list_select_related = ("company", "owner", "pipeline", "stage")
    search_fields = ("title", "company__name")
    autocomplete_fields = ("company", "contact", "owner")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": DEAL_CREATE_FIELDS})]
        note = _(
            "To move the deal to another stage, use its page or the board: every move is "
            "recorded in the stage history, which conversion and days-in-stage are computed from."
        )
        fields = (*DEAL_CREATE_FIELDS, "stage_entered_at", "created_at", "updated_at")
        return [(None, {"fields": fields, "description": note})]

    def get_readonly_fields(self, request, obj=None):
        return DEAL_CHANGE_READONLY if obj else ()

    def has_delete_permission(self, request, obj=None):
        # Every deal has stage history, which is append-only.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            services.deal_update(deal=obj, by=request.user, **changed)
            return
        deal = services.deal_create(by=request.user, **{name: form.cleaned_data[name] for name in DEAL_CREATE_FIELDS})
        # The admin goes on with its own instance (log entry, redirect): make it the saved deal.
        obj.pk = deal.pk
        obj.refresh_from_db()
        obj._state.adding = False


@admin.register(StageChange)
class StageChangeAdmin(HistoryAdmin):
    """The stage history: to read and filter, never to edit (it is append-only)."""

    list_display = ("deal", "from_stage", "to_stage", "changed_at", "changed_by", "owner")
    list_filter = ("to_stage__pipeline", "to_stage__kind", "day")
    list_select_related = ("deal", "from_stage", "to_stage", "changed_by", "owner")
    search_fields = ("deal__title",)
    date_hierarchy = "changed_at"


@admin.register(DealChange)
class DealChangeAdmin(HistoryAdmin):
    """The forecast history: to read and filter, never to edit (it is append-only)."""

    list_display = ("deal", "changed_at", "stage", "amount", "expected_close_date", "forecast_category", "owner")
    list_filter = ("forecast_category", "stage__pipeline", "day")
    list_select_related = ("deal", "stage", "owner")
    search_fields = ("deal__title",)
    date_hierarchy = "changed_at"
