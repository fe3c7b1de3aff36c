"""The team call form: a period the page offers, the commit and best case amounts, a note."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from quotas.periods import Period

from .selectors import period_key, period_label

AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}


class ForecastCallForm(forms.Form):
    """One call for one team and one of ``periods`` (``initial``: the roll-up to pre-fill)."""

    period = forms.ChoiceField(
        label=_("Period"), error_messages={"invalid_choice": _("Choose one of the periods the forecast shows.")}
    )
    commit = forms.DecimalField(
        label=_("Commit"),
        help_text=_("What the team will close in the period, won so far included."),
        error_messages={"min_value": _("An amount cannot be negative.")},
        **AMOUNT,
    )
    best_case = forms.DecimalField(
        label=_("Best case"),
        help_text=_("What it could close if the best case deals come in too."),
        error_messages={"min_value": _("An amount cannot be negative.")},
        **AMOUNT,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, periods: list[Period], **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = periods
        self.fields["period"].choices = [(period_key(p), period_label(p)) for p in periods]

    def clean(self):
        cleaned = super().clean()
        commit, best_case = cleaned.get("commit"), cleaned.get("best_case")
        if commit is not None and best_case is not None and best_case < commit:
            self.add_error("best_case", _("The best case cannot be below the commit."))
        return cleaned

    @property
    def chosen_period(self) -> Period:
        return next(p for p in self.periods if period_key(p) == self.cleaned_data["period"])
