"""Forms of the pipeline settings area (pipelines, stages, editable lists)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Pipeline, Stage, StageKind


class PipelineForm(forms.ModelForm):
    class Meta:
        model = Pipeline
        fields = ("name", "is_active")
        help_texts = {"is_active": _("Inactive pipelines take no new deals; their deals and history are kept.")}


class StageForm(forms.ModelForm):
    """A stage's settings. The rules that need the database (a live name used once
    per pipeline, no change of kind under existing deals) are checked here so
    they show next to their field; Django admin uses this form too."""

    class Meta:
        model = Stage
        fields = ("name", "kind", "probability", "forecast_category", "rotting_days", "is_opportunity")
        widgets = {
            "probability": forms.NumberInput(attrs={"min": 0, "max": 100}),
            "rotting_days": forms.NumberInput(attrs={"min": 0}),
        }

    def clean(self):
        cleaned = super().clean()
        # Django admin picks the pipeline on the form; the settings pages set it on the instance.
        pipeline = cleaned.get("pipeline") if "pipeline" in self.fields else self.instance.pipeline
        name = cleaned.get("name")
        if pipeline and name:
            live = Stage.objects.filter(pipeline=pipeline, is_archived=False, name__iexact=name)
            if live.exclude(pk=self.instance.pk).exists():
                self.add_error("name", _("This pipeline already has a stage with this name."))
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Not posted (an older form, a script): the stage keeps its category, a new one "pipeline".
        self.fields["forecast_category"].required = False

    def clean_forecast_category(self):
        return self.cleaned_data["forecast_category"] or self.instance.forecast_category

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if self.instance.pk and kind != self.initial.get("kind"):
            held = self.instance.deals.count()
            if held:
                # An open deal in a "won" stage (or the reverse) would count wrongly everywhere.
                raise forms.ValidationError(
                    ngettext(
                        "This stage holds %(count)d deal; move it to another stage before changing the kind.",
                        "This stage holds %(count)d deals; move them to another stage before changing the kind.",
                        held,
                    )
                    % {"count": held}
                )
        return kind


class StageOrderForm(forms.Form):
    """The pipeline's live stages in their new order, as repeated ``stage`` ids."""

    stage = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={"invalid_choice": _("%(value)s is not a live stage of this pipeline.")},
    )

    def __init__(self, *args, pipeline: Pipeline, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s.pk, s.name) for s in pipeline.stages.current()]


class StageArchiveForm(forms.Form):
    """Where the deals of a stage go before it is archived (``services.stage_archive``
    refuses a missing or unfit target)."""

    move_to = forms.ModelChoiceField(
        label=_("Move its deals to"),
        queryset=Stage.objects.none(),
        required=False,
        empty_label=_("Choose a stage"),
    )

    def __init__(self, *args, stage: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage = stage
        self.deal_count = stage.deals.count()
        # Deals can only land in an open stage: closing needs a date or a reason per deal.
        self.fields["move_to"].queryset = (
            Stage.objects.filter(pipeline_id=stage.pipeline_id, kind=StageKind.OPEN).current().exclude(pk=stage.pk)
        )

    @property
    def holds_closed_deals(self) -> bool:
        return bool(self.deal_count) and self.stage.is_closed

    def clean(self):
        cleaned = super().clean()
        if self.holds_closed_deals:
            # Moving won or lost deals to an open stage would silently reopen them.
            raise forms.ValidationError(
                _("This stage holds closed deals, and archiving it would reopen them; keep this stage.")
            )
        return cleaned


class NamedListForm(forms.ModelForm):
    """Name and active flag of a lead source, competitor or lost reason
    (``modelform_factory`` sets the model)."""

    class Meta:
        fields = ("name", "is_active")
        help_texts = {"is_active": _("Inactive entries are no longer offered; deals that use them keep them.")}
