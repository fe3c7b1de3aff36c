"""The dashboard's period picker (a form; the periods themselves are ``quotas/periods.py``): this or last
week, month, fiscal quarter, fiscal year, or a custom range.

``PeriodForm(request.GET).date_range(today=..., fiscal_start=...)`` always
answers a ``DateRange``: the chosen one when the form is valid, this month
otherwise (the form then carries its errors for the page to show).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from quotas.periods import Period

PRESETS = {
    "this_week": ("week", 0),
    "last_week": ("week", -1),
    "this_month": ("month", 0),
    "last_month": ("month", -1),
    "this_quarter": ("quarter", 0),
    "last_quarter": ("quarter", -1),
    "this_year": ("year", 0),
    "last_year": ("year", -1),
}
CHOICES = [
    ("this_week", _("This week")),
    ("last_week", _("Last week")),
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
    ("this_quarter", _("This quarter")),
    ("last_quarter", _("Last quarter")),
    ("this_year", _("This year")),
    ("last_year", _("Last year")),
    ("custom", _("Custom range")),
]
DEFAULT = "this_month"
MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class DateRange:
    """Days ``start``..``end`` (inclusive); ``period`` is the whole week/month/quarter/year of a preset."""

    start: date
    end: date
    choice: str
    period: Period | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        span = f"{date_format(self.start, 'SHORT_DATE_FORMAT')} \u2013 {date_format(self.end, 'SHORT_DATE_FORMAT')}"
        if self.period is None:
            return span
        return f"{dict(CHOICES)[self.choice]} ({self.period}: {span})"


def resolve(choice: str, *, today: date, fiscal_start: int = 1, start=None, end=None) -> DateRange:
    """The range a picker choice means on ``today`` (quarters and years are fiscal)."""
    if choice == "custom":
        return DateRange(start, end, choice)
    kind, step = PRESETS.get(choice, PRESETS[DEFAULT])
    period = Period.containing(today, kind, fiscal_start)
    if step < 0:
        period = period.previous()
    return DateRange(period.start, period.end, choice if choice in PRESETS else DEFAULT, period)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=CHOICES, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start or end) and not data.get("period"):
            # Dates alone mean a custom range (the picker without JavaScript).
            data["period"] = "custom"
        if data.get("period") == "custom":
            if not start or not end:
                raise forms.ValidationError(_("A custom range needs both a start and an end date."))
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days >= MAX_CUSTOM_DAYS:
                self.add_error("end", _("Pick a range of at most three years."))
        return data

    def date_range(self, *, today: date, fiscal_start: int = 1) -> DateRange:
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            return resolve(
                data.get("period") or DEFAULT,
                today=today,
                fiscal_start=fiscal_start,
                start=data.get("start"),
                end=data.get("end"),
            )
        return resolve(DEFAULT, today=today, fiscal_start=fiscal_start)
