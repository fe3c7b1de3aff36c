"""Deal forms: create, edit, move, and the filters of the deal list and the board.

Who may own a deal is enforced here, on the server: a choice field's queryset
is the set of allowed values, so a crafted POST gets "Select a valid choice"
(or, for a rep's disabled owner field, is ignored) and nothing is written.
The rules about stages and closing live in ``services``; their errors are put
next to the fields they name with ``add_service_errors``.
"""

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, Territory, User
from salestracker.dates import validate_in_window
from salestracker.forms import DateInput

from .models import (
    Company,
    Competitor,
    Contact,
    Deal,
    ForecastCategory,
    LeadSource,
    LostReason,
    Pipeline,
    Stage,
    StageKind,
)


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.pipeline} · {obj.name}"


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.company})" if obj.company_id else str(obj)


class ForecastCategoryField:
    """The forecast category on a deal's form (this app's and Django admin's). Left empty: a new
    deal takes its stage's default (``services.deal_create``), a saved one keeps its category
    (an older page or a script that does not post it). A closed deal's is shown, not editable."""

    def set_up_forecast_category(self):
        category = self.fields["forecast_category"]
        category.required = False
        if self.instance.pk is None:
            category.choices = [("", _("The stage's default")), *ForecastCategory.choices]
            category.initial = ""
        elif self.instance.stage.is_closed:
            category.disabled = True
            category.help_text = _("A closed deal is no longer forecast.")
        else:
            category.help_text = _("How sure you are it closes by the expected close date.")

    def clean_forecast_category(self):
        chosen = self.cleaned_data["forecast_category"]
        return chosen or (self.instance.forecast_category if self.instance.pk else None)


class DealForm(ForecastCategoryField, forms.ModelForm):
    """A deal's details. Its stage changes only through ``DealMoveForm``."""

    class Meta:
        model = Deal
        fields = (
            "title",
            "company",
            "contact",
            "owner",
            "amount",
            "units",
            "deal_type",
            "lead_source",
            "expected_close_date",
            "forecast_category",
        )
        field_classes = {"contact": ContactChoiceField}
        widgets = {"expected_close_date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = User.objects.assignable_by(user, keep=self.instance.owner_id)
        if self.initial.get("owner") is None:
            self.initial["owner"] = user.pk
        if not (user.is_manager or user.is_admin):
            # Disabled: the browser cannot change it and Django ignores whatever is posted.
            owner.disabled = True
            owner.help_text = _("Your manager can give the deal to someone else.")
        self.fields["company"].queryset = Company.objects.order_by("name")
        self.fields["contact"].queryset = Contact.objects.select_related("company")
        self.fields["contact"].help_text = _("Someone who works at the company above.")
        self.fields["lead_source"].queryset = LeadSource.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.lead_source_id)
        )
        amount = self.fields["amount"]
        amount.validators.append(MinValueValidator(0, message=_("The amount cannot be negative.")))
        amount.widget.attrs.update(min="0", step="0.01", inputmode="decimal")
        self.set_up_forecast_category()

    def clean(self):
        cleaned = super().clean()
        company, contact = cleaned.get("company"), cleaned.get("contact")
        if company and contact and contact.company_id != company.pk:
            self.add_error(
                "contact", _("%(contact)s does not work at %(company)s.") % {"contact": contact, "company": company}
            )
        return cleaned


# What services.deal_create takes, asked by this form and by the admin's add page alike.
DEAL_CREATE_FIELDS = (
    "title",
    "company",
    "contact",
    "owner",
    "pipeline",
    "stage",
    "amount",
    "units",
    "deal_type",
    "lead_source",
    "expected_close_date",
    "forecast_category",
    "closed_on",
    "lost_reason",
    "competitor",
)


class DealCreateForm(DealForm):
    """A new deal: details plus the pipeline and stage it starts in, and how it
    closed when it is recorded already won or lost."""

    class Meta(DealForm.Meta):
        fields = DEAL_CREATE_FIELDS
        field_classes = {**DealForm.Meta.field_classes, "stage": StageChoiceField}
        widgets = {**DealForm.Meta.widgets, "closed_on": DateInput()}
        help_texts = {
            "closed_on": _("Only for a deal recorded already won or lost."),
            "lost_reason": _("Only for a deal recorded already lost."),
            "competitor": _("Only for a deal recorded already lost."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].queryset = Pipeline.objects.filter(is_active=True)
        self.fields["stage"].queryset = (
            Stage.objects.filter(is_archived=False, pipeline__is_active=True)
            .select_related("pipeline")
            .order_by("pipeline__name", "order", "pk")
        )
        self.fields["lost_reason"].queryset = LostReason.objects.active()
        self.fields["competitor"].queryset = Competitor.objects.active()


class DealMoveForm(forms.Form):
    """Move a deal to another live stage of its pipeline; closing it says when (and why, when lost)."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), label=_("Move to"), empty_label=None)
    closed_on = forms.DateField(
        label=_("Close date"),
        required=False,
        widget=DateInput(),
        validators=[validate_in_window],
        help_text=_("Needed when the deal is won."),
    )
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.none(),
        label=_("Lost reason"),
        required=False,
        help_text=_("Needed when the deal is lost."),
    )
    competitor = forms.ModelChoiceField(
        queryset=Competitor.objects.none(), label=_("Lost to competitor"), required=False
    )

    DETAILS = ("closed_on", "lost_reason", "competitor")

    def __init__(self, *args, deal: Deal, **kwargs):
        super().__init__(*args, **kwargs)
        self.deal = deal
        self.fields["stage"].queryset = Stage.objects.filter(pipeline_id=deal.pipeline_id).current()
        self.fields["stage"].initial = deal.stage_id
        self.fields["closed_on"].initial = timezone.localdate
        self.fields["lost_reason"].queryset = LostReason.objects.active()
        self.fields["competitor"].queryset = Competitor.objects.active()

    @property
    def target(self) -> Stage | None:
        """The stage the deal is being moved to, once known."""
        if self.is_bound:
            return getattr(self, "cleaned_data", {}).get("stage")
        stage = self.initial.get("stage")
        return stage if isinstance(stage, Stage) else None

    def lacks_details(self) -> bool:
        """A move into a won or lost stage that came without any closing details
        (a card dropped on the board): ask for them rather than report errors."""
        target = self.target
        return bool(target and target.is_closed and not any(name in self.data for name in self.DETAILS))

    def move_arguments(self) -> dict:
        """Keyword arguments for ``services.deal_move``; details that do not apply to the target are dropped."""
        stage = self.cleaned_data["stage"]
        lost = stage.kind == StageKind.LOST
        return {
            "to_stage": stage,
            "closed_on": self.cleaned_data["closed_on"] if stage.is_closed else None,
            "lost_reason": self.cleaned_data["lost_reason"] if lost else None,
            "competitor": self.cleaned_data["competitor"] if lost else None,
        }


class DealCategoryForm(forms.Form):
    """An open deal's forecast category, set from its card on the board (the deal's form sets it too)."""

    forecast_category = forms.ChoiceField(
        label=_("Forecast category"),
        choices=ForecastCategory.choices,
        error_messages={"invalid_choice": _("Choose pipeline, best case, commit or omitted.")},
    )


class _OwnerFilters(forms.Form):
    """Owner, team and territory filters; the choices are what the user may see.
    A rep sees only their own deals anyway, so they get the territory filter only."""

    FILTERS = ("owner", "team", "territory")

    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Owner"), required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("Team"), required=False)
    territory = forms.ModelChoiceField(queryset=Territory.objects.none(), label=_("Territory"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_manager or user.is_admin:
            self.fields["owner"].queryset = User.objects.visible_to(user)
            self.fields["owner"].empty_label = _("All owners")
            self.fields["team"].queryset = Team.objects.visible_to(user)
            self.fields["team"].empty_label = _("All teams")
        else:
            del self.fields["owner"], self.fields["team"]
        self.fields["territory"].queryset = Territory.objects.all()
        self.fields["territory"].empty_label = _("All territories")
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"

    def selected(self) -> dict:
        """The filters that were given and are allowed; an invalid one is dropped (and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class BoardFilterForm(_OwnerFilters):
    pass


class DealFilterForm(_OwnerFilters):
    STATUSES = [("", _("Open, won and lost")), ("open", _("Open")), ("won", _("Won")), ("lost", _("Lost"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    pipeline = forms.ModelChoiceField(
        queryset=Pipeline.objects.all(), label=_("Pipeline"), required=False, empty_label=_("All pipelines")
    )
    stage = StageChoiceField(
        queryset=Stage.objects.filter(is_archived=False).select_related("pipeline").order_by("pipeline__name", "order"),
        label=_("Stage"),
        required=False,
        empty_label=_("All stages"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUSES)

    field_order = ("q", "pipeline", "stage", "status", "owner", "team", "territory")
