"""The assignment form: accounts of one rep's list, and the rep to give them to."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from salestracker.forms import MAX_ID

from .selectors import assignable_companies, assignable_reps


class AccountsField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        # SQLite cannot even compare an id past its integer column: such a value is refused first.
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number: the parent refuses it as no id
            if not 0 < number <= MAX_ID:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super()._check_values(value)


class AssignForm(forms.Form):
    companies = AccountsField(
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
