import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team, User
from salestracker.dates import validate_in_window
from salestracker.forms import MAX_ID, DateInput

from .models import Measure, OrgSettings, PeriodKind, Quota
from .periods import Period
from .selectors import TeamGroup, team_split_reps

# How many periods the grid shows side by side.
GRID_PERIODS = 4
DEFAULT_STRETCH = 125


def _plain(number: Decimal | int | None) -> str:
    """A number as a form input shows it: no trailing ".00", no grouping."""
    if number is None:
        return ""
    number = Decimal(number)
    return str(number.quantize(Decimal(1))) if number == number.to_integral_value() else str(number.normalize())


@functools.cache
def _time_zone_choices() -> list[tuple[str, str]]:
    # available_timezones() walks the tz database on disk: 50 ms a form, and the list never changes.
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class OrgSettingsForm(forms.ModelForm):
    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("Fiscal year starts in"), choices=sorted(MONTHS.items()), coerce=int
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_(
            "Days and periods follow it. Changing it recomputes the day of every activity and stage "
            "change already saved, then rebuilds the dashboards; this page shows the progress."
        ),
    )
    currency = forms.CharField(
        label=_("Currency"), min_length=3, max_length=3, help_text=_("ISO 4217 code in capitals, e.g. EUR.")
    )
    default_deal_size = forms.DecimalField(
        label=_("Default average deal size"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    meeting_to_win_percent = forms.DecimalField(
        label=_("Default meeting → won rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
        help_text=_("Used by the planner when a rep and their team have too little history."),
    )
    call_to_meeting_percent = forms.DecimalField(
        label=_("Default call → meeting rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
    )

    class Meta:
        model = OrgSettings
        fields = (
            "fiscal_year_start_month",
            "time_zone",
            "currency",
            "default_deal_size",
            "quiet_days",
            "activity_drop_percent",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _time_zone_choices()
        # Stored as fractions (0.25), entered as percentages (25).
        self.initial.setdefault("meeting_to_win_percent", _plain(self.instance.default_meeting_to_win_rate * 100))
        self.initial.setdefault("call_to_meeting_percent", _plain(self.instance.default_call_to_meeting_rate * 100))

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise forms.ValidationError(_("Enter a three-letter ISO 4217 code in capitals, e.g. EUR."))
        return currency

    def clean(self):
        cleaned = super().clean()
        # Set before the model's own validation runs (in _post_clean), so it checks them too.
        if cleaned.get("meeting_to_win_percent") is not None:
            self.instance.default_meeting_to_win_rate = cleaned["meeting_to_win_percent"] / 100
        if cleaned.get("call_to_meeting_percent") is not None:
            self.instance.default_call_to_meeting_rate = cleaned["call_to_meeting_percent"] / 100
        return cleaned


class GridFilterForm(forms.Form):
    """Which quotas the grid shows: period kind, measure and the first period."""

    kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    measure = forms.ChoiceField(label=_("Measured in"), choices=Measure.choices)
    start = forms.DateField(label=_("From the period containing"), widget=DateInput, validators=[validate_in_window])

    @staticmethod
    def defaults(today: date) -> dict:
        return {"kind": PeriodKind.QUARTER, "measure": Measure.REVENUE, "start": today.isoformat()}

    def selection(self, *, fiscal_start: int, today: date) -> tuple[str, str, Period]:
        """(kind, measure, first period); the defaults where the input is invalid."""
        data = self.cleaned_data if self.is_valid() else {}
        kind = data.get("kind") or PeriodKind.QUARTER
        measure = data.get("measure") or Measure.REVENUE
        return kind, measure, Period.containing(data.get("start") or today, kind, fiscal_start)


def grid_periods(first: Period) -> list[Period]:
    periods = [first]
    while len(periods) < GRID_PERIODS:
        periods.append(periods[-1].next())
    return periods


@dataclass(frozen=True)
class CellChange:
    """One changed cell of the grid: a new target (``None`` removes the quota) for a rep or a team."""

    key: str
    period: Period
    quota: Quota | None
    target: Decimal | None
    stretch_percent: int
    rep: User | None = None
    team: Team | None = None


class QuotaGridForm(forms.Form):
    """Every cell of the admin grid: a target and a stretch input per rep (and team) and period.

    An empty target leaves a cell without a quota (or removes the quota it had);
    a team cell holds the team's own quota, and left empty the team's quota is
    the sum of its members'.
    """

    reason = forms.CharField(label=_("Reason for these changes"), max_length=200, required=False)

    def __init__(self, data=None, *, groups: list[TeamGroup], **kwargs):
        super().__init__(data, **kwargs)
        self.groups = groups
        self._cells = []  # (cell, rep, team)
        for group in groups:
            for cell in group.team_cells or []:
                self._add(cell, rep=None, team=group.team)
            for row in group.rows:
                for cell in row.cells:
                    self._add(cell, rep=row.rep, team=None)

    def _add(self, cell, *, rep, team):
        quota = cell.quota
        self.fields[f"target_{cell.key}"] = forms.DecimalField(
            label=_("Target"),
            required=False,
            max_digits=14,
            decimal_places=2,
            min_value=0,
            initial=_plain(quota.target if quota else None),
            error_messages={"min_value": _("A target cannot be negative.")},
        )
        self.fields[f"stretch_{cell.key}"] = forms.IntegerField(
            label=_("Stretch (%)"),
            required=False,
            min_value=100,
            max_value=500,
            initial=quota.stretch_percent if quota else None,
        )
        self._cells.append((cell, rep, team))

    def attach_fields(self) -> None:
        """Give each grid cell its bound inputs, for the template."""
        for cell, _rep, _team in self._cells:
            cell.target_field = self[f"target_{cell.key}"]
            cell.stretch_field = self[f"stretch_{cell.key}"]

    def changes(self) -> list[CellChange]:
        """The cells whose target or stretch differs from the saved quota (call after ``is_valid``)."""
        changes = []
        for cell, rep, team in self._cells:
            if f"target_{cell.key}" not in self.data:
                # Not on the page that was sent (a rep who joined since): unchanged, not emptied.
                continue
            quota = cell.quota
            target = self.cleaned_data.get(f"target_{cell.key}")
            stretch = self.cleaned_data.get(f"stretch_{cell.key}")
            if stretch is None:
                stretch = quota.stretch_percent if quota else DEFAULT_STRETCH
            if target is None and quota is None:
                continue
            if quota is not None and target is not None and (target, stretch) == (quota.target, quota.stretch_percent):
                continue
            changes.append(CellChange(cell.key, cell.period, quota, target, stretch, rep=rep, team=team))
        return changes

    def add_cell_error(self, change: CellChange, messages) -> None:
        self.add_error(f"target_{change.key}", messages)


class SplitMethod:
    EVEN = "even"
    WEIGHTS = "weights"
    choices = [(EVEN, _("Evenly")), (WEIGHTS, _("By weights"))]


class SplitForm(forms.Form):
    """Split a team target across the team's active reps, evenly or by weights."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"))
    kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.QUARTER)
    start = forms.DateField(label=_("The period containing"), widget=DateInput, validators=[validate_in_window])
    measure = forms.ChoiceField(label=_("Measured in"), choices=Measure.choices, initial=Measure.REVENUE)
    total = forms.DecimalField(label=_("Team target"), min_value=1, max_digits=14, decimal_places=2)
    method = forms.ChoiceField(
        label=_("Split"), choices=SplitMethod.choices, initial=SplitMethod.EVEN, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_team = self._chosen_team()
        self.reps = team_split_reps(team=self.chosen_team) if self.chosen_team else []
        for rep in self.reps:
            # e.g. a bigger territory carries a bigger share.
            self.fields[f"weight_{rep.pk}"] = forms.DecimalField(
                label=str(rep),
                required=False,
                min_value=0,
                max_digits=8,
                decimal_places=2,
                initial=1,
                widget=forms.NumberInput(attrs={"step": "any", "class": "form-control form-control-sm"}),
            )

    def _chosen_team(self) -> Team | None:
        source = self.data if self.is_bound else self.initial
        # The field's own cleaning: a 100,000-digit or superscript id is no team, not an error in int().
        try:
            return self.fields["team"].clean(source.get("team"))
        except forms.ValidationError:
            return None

    def rows(self, shares=None) -> list[tuple]:
        """(rep, weight input, share or None) for each rep, for the template."""
        by_rep = {share.rep.pk: share for share in shares or []}
        return [(rep, self[f"weight_{rep.pk}"], by_rep.get(rep.pk)) for rep in self.reps]

    def period(self, *, fiscal_start: int) -> Period:
        return Period.containing(self.cleaned_data["start"], self.cleaned_data["kind"], fiscal_start)

    def weights(self) -> dict[int, Decimal] | None:
        """Weights by rep id (a blank weight counts as 1); ``None`` for an even split."""
        if self.cleaned_data["method"] != SplitMethod.WEIGHTS:
            return None
        weights = {}
        for rep in self.reps:
            weight = self.cleaned_data.get(f"weight_{rep.pk}")
            weights[rep.pk] = Decimal(1) if weight is None else weight
        return weights


class HistoryFilterForm(forms.Form):
    rep = forms.ModelChoiceField(label=_("Rep"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    # Bounded like the id column, which SQLite cannot compare with a larger number.
    quota = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)

    def __init__(self, *args, viewer: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = User.objects.visible_to(viewer).filter(role=Role.REP)
        self.fields["team"].queryset = Team.objects.visible_to(viewer)
