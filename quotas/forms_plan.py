"""Forms of the activity goals and the top-down planner.

Who may set a goal for whom is enforced here: a manager's rep and team choices
are the teams they run and those teams' reps, so a posted id outside them is
refused like any invalid choice.
"""

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from salestracker.dates import validate_in_window
from salestracker.forms import DateInput

from .models import ActivityGoal, MetricGoal, OrgSettings, PeriodKind
from .periods import Period


def goal_reps(user: User, *, keep: int | None = None):
    """Reps ``user`` may set a goal for: an admin any active rep, a manager the reps of the teams they run."""
    allowed = Q() if user.is_admin else Q(team_id__in=Team.managed_team_ids(user))
    if keep:
        return User.objects.filter((Q(role="rep", is_active=True) & allowed) | Q(pk=keep))
    return User.objects.reps().filter(allowed)


def goal_teams(user: User):
    """Teams ``user`` may set a goal for: an admin all, a manager the teams they run (and those below)."""
    return Team.objects.visible_to(user) if (user.is_admin or user.is_manager) else Team.objects.none()


class GoalForm(forms.ModelForm):
    class Meta:
        model = ActivityGoal
        fields = [
            "rep",
            "team",
            "metric",
            "frequency",
            "target",
            "ramp_start",
            "ramp_step",
            "starts_on",
            "priority",
            "is_collective",
            "is_stretch",
        ]
        widgets = {"starts_on": DateInput}
        help_texts = {
            "rep": _("Choose a rep or a team, not both."),
            "ramp_start": _("Optional: a goal that starts lower and rises each period (50 → 60 → 70 …)."),
            "ramp_step": _("How much the ramped goal rises each period, until it reaches the target."),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = goal_reps(user, keep=self.instance.rep_id).order_by("first_name", "last_name")
        self.fields["team"].queryset = goal_teams(user)
        self.fields["rep"].required = self.fields["team"].required = False
        self.fields["starts_on"].initial = timezone.localdate

    def clean(self):
        data = super().clean()
        rep, team = data.get("rep"), data.get("team")
        # A field left out of ``data`` was refused already; judge only what was chosen.
        if "rep" in data and "team" in data and (rep is None) == (team is None):
            self.add_error("rep", _("Choose a rep or a team, not both."))
            self.add_error("team", _("Choose a rep or a team, not both."))
        start, step = data.get("ramp_start"), data.get("ramp_step")
        if (start is None) != (step is None):
            self.add_error("ramp_step" if step is None else "ramp_start", _("A ramp needs a start and a step."))
        elif step is not None and step <= 0:
            self.add_error("ramp_step", _("The ramp must rise by at least 1."))
        elif start is not None and data.get("target") and start >= data["target"]:
            self.add_error("ramp_start", _("A ramp starts below the target."))
        if data.get("is_collective") and rep is not None:
            self.add_error("is_collective", _("Only a team goal can be collective."))
        return data


class MetricGoalForm(forms.ModelForm):
    """A goal on any dashboard figure. Percentages are entered as such (35 for 35%), money in the
    organisation's currency, a reward's amount in its own currency (the organisation's when left empty)."""

    class Meta:
        model = MetricGoal
        fields = [
            "rep",
            "team",
            "metric",
            "coverage_scope",
            "direction",
            "target",
            "period_kind",
            "ramp_start",
            "ramp_step",
            "starts_on",
            "priority",
            "is_collective",
            "reward_description",
            "reward_amount",
            "reward_currency",
        ]
        widgets = {"starts_on": DateInput}
        help_texts = {
            "rep": _("Choose a rep or a team, not both."),
            "target": _(
                "Rates and coverage in percent (35 for 35%), money in the organisation's currency, "
                "cycle length in days."
            ),
            "coverage_scope": _("Coverage goals only: which of the rep's assigned accounts count."),
            "ramp_start": _("Optional: a goal that starts easier and moves towards the target each period."),
            "ramp_step": _("How much the ramped goal moves each period (up for at least, down for at most)."),
            "reward_description": _("Optional incentive (a SPIF), earned when a closed period meets the goal."),
            "reward_currency": _("ISO 4217 code, e.g. EUR; the organisation's when left empty."),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = goal_reps(user, keep=self.instance.rep_id).order_by("first_name", "last_name")
        self.fields["team"].queryset = goal_teams(user)
        self.fields["rep"].required = self.fields["team"].required = False
        self.fields["starts_on"].initial = timezone.localdate
        # The model's callable default would add a hidden "initial-" copy, which nothing here reads.
        self.fields["starts_on"].show_hidden_initial = False

    def clean(self):
        data = super().clean()
        rep, team = data.get("rep"), data.get("team")
        if "rep" in data and "team" in data and (rep is None) == (team is None):
            self.add_error("rep", _("Choose a rep or a team, not both."))
            self.add_error("team", _("Choose a rep or a team, not both."))
        if data.get("reward_amount") is not None and "reward_currency" in data and not data["reward_currency"]:
            data["reward_currency"] = OrgSettings.load().currency
        # The rules on the target, the ramp and the reward are the model's (MetricGoal.clean), for every path.
        return data


class RewardFilterForm(forms.Form):
    """Which earned rewards the admin list shows: periods that ended in a range (the last 90 days
    by default, at most a year, so the figures of every period stay one read), a team, a rep."""

    DEFAULT_DAYS = 90
    MAX_DAYS = 366

    first_day = forms.DateField(
        label=_("Periods ended from"), required=False, widget=DateInput, validators=[validate_in_window]
    )
    last_day = forms.DateField(label=_("to"), required=False, widget=DateInput, validators=[validate_in_window])
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False, empty_label=_("All teams")
    )
    rep = forms.ModelChoiceField(
        label=_("Rep"), queryset=User.objects.none(), required=False, empty_label=_("All reps")
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["rep"].queryset = User.objects.filter(role="rep").order_by("first_name", "last_name")
        # The filter bar's own small Bootstrap controls (the template lays the fields out itself).
        for name, field in self.fields.items():
            kind = "form-select" if isinstance(field, forms.ModelChoiceField) else "form-control"
            invalid = " is-invalid" if self.is_bound and name in self.errors else ""
            field.widget.attrs["class"] = f"{kind} {kind}-sm{invalid}"

    def clean(self):
        data = super().clean()
        last = data.get("last_day") or self.today
        first = data.get("first_day") or last - timedelta(days=self.DEFAULT_DAYS - 1)
        if "first_day" in data and "last_day" in data:
            if first > last:
                self.add_error("last_day", _("The range ends before it starts."))
            elif (last - first).days >= self.MAX_DAYS:
                self.add_error("last_day", _("Choose a range of at most a year."))
        data["range"] = (first, last)
        return data

    def selection(self) -> dict:
        """The chosen range (call after ``is_valid``), team and rep."""
        first, last = self.cleaned_data["range"]
        return {
            "first_day": first,
            "last_day": last,
            "team": self.cleaned_data.get("team"),
            "rep": self.cleaned_data.get("rep"),
        }


class PlannerForm(forms.Form):
    """The planner's inputs; read from the query string, so a plan has an address."""

    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.QUARTER)
    day = forms.DateField(
        label=_("Containing"),
        widget=DateInput,
        validators=[validate_in_window],
        help_text=_("Any date in the period."),
    )
    team = forms.ModelChoiceField(label=_("Scope"), queryset=Team.objects.none(), required=False)
    target = forms.DecimalField(label=_("Revenue target"), required=False, min_value=0, max_digits=14, decimal_places=0)
    growth = forms.DecimalField(
        label=_("or growth over last year (%)"),
        required=False,
        min_value=-100,
        max_digits=7,
        decimal_places=2,
        help_text=_("Over the won revenue of the same period last year."),
    )

    def __init__(self, *args, user: User, fiscal_start: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fiscal_start = fiscal_start
        self.fields["day"].initial = timezone.localdate
        self.fields["team"].queryset = Team.objects.visible_to(user)
        if user.is_admin:
            self.fields["team"].empty_label = _("Whole organisation")
        else:
            self.fields["team"].required = True
            self.fields["team"].empty_label = None

    def clean(self):
        data = super().clean()
        if "target" in data and "growth" in data and (data["target"] is None) == (data["growth"] is None):
            raise forms.ValidationError(_("Enter a revenue target or a growth percentage, not both."))
        if data.get("day") and data.get("period_kind"):
            data["period"] = Period.containing(data["day"], data["period_kind"], self.fiscal_start)
        return data
