"""The forecast page and the team calls.

Reps see their own deals, managers the teams they run (with the teams below them), admins every
team or all of them. A team id the viewer may not see answers 404, never 403, so guessing ids tells
nothing; a rep asking for a team's calls gets 403. Reads go through ``selectors``, the one write
through ``services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import submissions
from accounts.models import Team, User
from accounts.permissions import manager_required
from dashboards.views_team import teams_for, with_teams_below
from quotas.models import OrgSettings
from quotas.periods import Period
from salestracker.forms import add_service_errors

from . import selectors, services
from .forms import ForecastCallForm


def _team_for(request, team_id) -> Team:
    """The team, if this user may see it (managers: the teams they run and those below); 404 otherwise."""
    return get_object_or_404(Team.objects.visible_to(request.user), pk=team_id)


# A director's page may have hundreds of commit deals at risk: the soonest first, the rest on request.
RISKS_SHOWN = 25


@dataclass
class ForecastView:
    """What the page shows: whose deals (``reps``), the teams to pick from and the picked one (None:
    all of them, or a rep's own page), the periods and their figures, each period's team call."""

    teams: list[Team]
    team: Team | None
    reps: list[User]
    periods: list[Period]
    forecast: selectors.Forecast
    calls: dict[str, selectors.TeamCall]
    at_risk: list[selectors.AtRisk]
    quiet_days: int
    today: date
    all_risks: bool = False  # every deal at risk, not only the first RISKS_SHOWN

    @property
    def risks_shown(self) -> list[selectors.AtRisk]:
        return self.at_risk if self.all_risks else self.at_risk[:RISKS_SHOWN]

    @property
    def period_calls(self) -> list[tuple[selectors.PeriodForecast, selectors.TeamCall | None]]:
        """Each period's figures beside the picked team's call (None without a team)."""
        return [(line, self.calls.get(line.key)) for line in self.forecast.periods]


def _forecast_view(request, *, team: Team | None = None) -> ForecastView:
    user = request.user
    today = timezone.localdate()
    org = OrgSettings.load()
    fiscal_start = org.fiscal_year_start_month
    if user.is_manager or user.is_admin:
        if team is None:
            teams, team = teams_for(request)
            if team is None and not request.GET.get("team") and user.is_manager:
                # A director runs one department and every team below it: their page is the
                # department's, with its call, rather than "All my teams" without one.
                runs = [t for t in teams if t.manager_id == user.pk]
                team = runs[0] if len(runs) == 1 else None
        else:
            teams = list(Team.objects.visible_to(user).order_by("name"))
        reps = User.objects.reps()
        if team is not None:
            reps = reps.filter(team_id__in=with_teams_below(team, teams))
        elif not user.is_admin:
            reps = reps.filter(team_id__in=[t.pk for t in teams])
        reps = list(reps)
    else:
        teams, team, reps = [], None, [user]
    periods = selectors.forecast_periods(today=today, fiscal_start=fiscal_start)
    forecast = selectors.forecast_figures(reps=reps, team=team, periods=periods, today=today, fiscal_start=fiscal_start)
    calls = selectors.team_calls(team=team, teams=teams, forecast=forecast) if team else {}
    return ForecastView(
        teams=teams,
        team=team,
        reps=reps,
        periods=periods,
        forecast=forecast,
        calls=calls,
        at_risk=selectors.deals_at_risk(reps=reps, today=today, quiet_days=org.quiet_days),
        quiet_days=org.quiet_days,
        today=today,
        all_risks=request.GET.get("risks") == "all",
    )


def _call_form(view: ForecastView, key: str | None) -> ForecastCallForm:
    """A call form for the period ``key`` names (else the first), pre-filled with its roll-up."""
    period = selectors.period_from_key(key or "", view.periods) or view.periods[0]
    call = view.calls[selectors.period_key(period)]
    initial = {
        "period": selectors.period_key(period),
        "commit": call.rolled_up_commit,
        "best_case": call.rolled_up_best_case,
    }
    return ForecastCallForm(periods=view.periods, initial=initial)


def _render_page(request, view: ForecastView, form: ForecastCallForm | None, *, status: int = 200):
    context = {"view": view, "form": form}
    return render(request, "forecast/page.html", context, status=status)


@login_required
@require_GET
def page(request):
    view = _forecast_view(request)
    form = _call_form(view, request.GET.get("period")) if view.team else None
    if request.htmx and request.GET.get("part") == "call-form" and form is not None:
        return render(request, "forecast/page.html#call-form", {"view": view, "form": form})

    return _render_page(request, view, form)


@manager_required
@require_POST
@submissions.once()
def call_submit(request, team_id):
    """Keep a new call for the team; it counts from now on. The roll-up kept beside it is the one the
    server computes now, not one the browser sends."""
    team = _team_for(request, team_id)
    view = _forecast_view(request, team=team)
    form = ForecastCallForm(request.POST, periods=view.periods)
    if form.is_valid():
        period = form.chosen_period
        rolled_up = view.calls[selectors.period_key(period)]
        try:
            call = services.forecast_call_submit(
                team=team,
                period=period,
                commit=form.cleaned_data["commit"],
                best_case=form.cleaned_data["best_case"],
                note=form.cleaned_data["note"],
                rolled_up_commit=rolled_up.rolled_up_commit,
                rolled_up_best_case=rolled_up.rolled_up_best_case,
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Saved the call for %(team)s, %(period)s.")
                % {"team": team, "period": selectors.period_label(period)},
            )
            query = f"?team={team.pk}&period={selectors.period_key(period)}"
            response = redirect(reverse("forecast:page") + query + "#calls")
            return submissions.record(request, response, object_id=call.pk)
    return _render_page(request, view, form)


@manager_required
@require_GET
def call_history(request, team_id):
    """Every call submitted for the team, newest first; ``?period=`` narrows it to one period."""
    team = _team_for(request, team_id)
    fiscal_start = OrgSettings.load().fiscal_year_start_month
    period = selectors.period_from_text(request.GET.get("period", ""), fiscal_start)
    context = {
        "team": team,
        "calls": selectors.call_history(team=team, fiscal_start=fiscal_start, period=period),
        "period": period,
        "period_label": selectors.period_label(period) if period else "",
    }
    return render(request, "forecast/page_calls.html", context)
