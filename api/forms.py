from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestracker.dates import validate_in_window
from salestracker.forms import DateInput


class TokenCreateForm(forms.Form):
    ACCESS = [("read", _("Read only")), ("write", _("Read and write (log activities, move deals)"))]

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What uses it, e.g. “Office dialer”."))
    access = forms.ChoiceField(label=_("Access"), choices=ACCESS, initial="read", widget=forms.RadioSelect)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput,
        validators=[validate_in_window],
        help_text=_("Empty: until you revoke it. It stops working at the start of that day."),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError(_("Choose a day after today."))
        return day

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        return timezone.make_aware(datetime.combine(day, time.min)) if day else None
