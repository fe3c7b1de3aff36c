"""The best-time page's picker: the range and the kind (the team and rep come from the shared
team and rep picker, which answers 404 for an id the viewer may not see)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Kind
from dashboards.forms_period import MAX_CUSTOM_DAYS
from salestracker.dates import validate_in_window

DEFAULT_DAYS = 90
KIND_CHOICES = [(Kind.CALL, _("Calls (connect rate)")), (Kind.EMAIL, _("Emails (reply rate)"))]


class BestTimeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Show"), choices=KIND_CHOICES, required=False)
    # Within the accepted window: the range is stepped from, so year 9999 would overflow.
    start = forms.DateField(
        label=_("From"),
        required=False,
        validators=[validate_in_window],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        validators=[validate_in_window],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days >= MAX_CUSTOM_DAYS:
                self.add_error("end", _("Pick a range of at most three years."))
        return data

    def picked(self, *, today: date) -> tuple[str, date, date]:
        """The kind and the range: what the form says where it is valid, else the defaults (calls,
        the last ``DEFAULT_DAYS`` days to today); a missing start or end counts from the other."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or (data["start"] + timedelta(days=DEFAULT_DAYS - 1) if data.get("start") else today)
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        return data.get("kind") or Kind.CALL, start, end
