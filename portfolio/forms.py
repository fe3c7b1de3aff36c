"""The assignment form: accounts of one rep's list, and the rep to give them to."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import assignable_companies, assignable_reps


class AssignForm(forms.Form):
    companies = forms.ModelMultipleChoiceField(
        label=_("Accounts"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one account."),
            "invalid_choice": _("You cannot assign that account."),
            "invalid_pk_value": _("You cannot assign that account."),
        },
    )
    rep = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=None,
        empty_label=_("Choose a rep"),
        error_messages={
            "required": _("Choose the rep to assign the accounts to."),
            "invalid_choice": _("You cannot assign accounts to that rep."),
        },
    )

    def __init__(self, *args, by, companies, **kwargs):
        """``companies``: the accounts the form lists (one rep's); only those ``by`` may assign count."""
        super().__init__(*args, **kwargs)
        self.fields["companies"].queryset = companies.filter(pk__in=assignable_companies(by).values("pk"))
        self.fields["rep"].queryset = assignable_reps(by)
