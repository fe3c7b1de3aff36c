"""Forms of the one-on-one page: the private notes and the action items."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ActionItem

NOTES_MAX = 20_000


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Private: only you and admins see them, never the rep."),
    )


class ActionItemForm(forms.Form):
    text = forms.CharField(
        label=_("New action item"),
        max_length=ActionItem._meta.get_field("text").max_length,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Book two demos with the Acme team")}),
    )


class ActionItemDoneForm(forms.Form):
    done = forms.BooleanField(required=False)
