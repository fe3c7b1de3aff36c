"""The manager's team dashboard: one page, its CSV exports, a fixed number of queries.

Managers see the teams they run (and the teams below them), admins every team
or all of them at once, reps nothing (403). A team id the viewer may not see
answers 404, never 403, so guessing ids tells nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from accounts.permissions import manager_required
from forecast.accuracy import accuracy_summaries
from quotas.models import Measure, OrgSettings
from salestracker.csvio import csv_response

from . import figure_cache
from .charts import team_charts
from .forms_period import DateRange, PeriodForm
from .selectors.exports import TEAM_TABLES
from .selectors.per_rep import open_pipeline_by_rep
from .selectors.team import TeamScope, sort_rows, team_figures
from .views import cache_figures, cached_figures

TREND_UNITS = ("week", "month")


@dataclass(frozen=True)
class RepGroup:
    key: str
    label: str
    columns: tuple[tuple[str, str], ...]


# The rep table's 17 figures in three groups, one shown at a time (``?view=``), so a group fits a
# 1280 px screen beside the rep column and a phone shows a short card per rep.
REP_GROUPS = (
    RepGroup(
        "results",
        _("Results"),
        (
            ("attainment", _("Attainment")),
            ("pace", _("Pace")),
            ("won_amount", _("Won revenue")),
            ("win_rate", _("Win rate")),
            ("average_deal", _("Avg deal")),
        ),
    ),
    RepGroup(
        "activity",
        _("Activity"),
        (
            ("calls", _("Calls")),
            ("emails", _("Emails")),
            ("meetings", _("Meetings")),
            ("connect_rate", _("Connect")),
            ("reply_rate", _("Reply")),
            ("booked", _("Booked")),
            ("held", _("Held")),
            ("positive_rate", _("Positive")),
            ("selling_share", _("Selling time")),
        ),
    ),
    RepGroup(
        "pipeline",
        _("Pipeline"),
        (
            ("open_amount", _("Open pipeline")),
            ("stale_deals", _("Stale")),
            ("cycle_length", _("Cycle (days)")),
        ),
    ),
)
REP_VIEWS = {group.key for group in REP_GROUPS}


def teams_for(request) -> tuple[list[Team], Team | None]:
    """The teams the viewer may pick, and the picked one (None: all of them); 404 for any other id.
    Shared by every page with a team picker (the team dashboard, the forecast and its history)."""
    teams = list(Team.objects.visible_to(request.user).order_by("name"))
    raw = request.GET.get("team", "")
    if not raw:
        # A manager of one team sees that team (with its own quota); of several, all of them.
        return teams, teams[0] if len(teams) == 1 and not request.user.is_admin else None
    try:
        team_id = int(raw)
    except ValueError:
        raise Http404 from None
    for team in teams:
        if team.pk == team_id:
            return teams, team
    raise Http404


def with_teams_below(team: Team, teams: list[Team]) -> set[int]:
    """The team and every team below it, from the already loaded list (no query)."""
    found, frontier = {team.pk}, {team.pk}
    while frontier:
        frontier = {t.pk for t in teams if t.parent_id in frontier} - found
        found |= frontier
    return found


@dataclass(frozen=True)
class TeamPick:
    """What the request picked: the teams the viewer may pick, the picked one (None: all of them),
    the range, and so the reps and the figures' scope."""

    teams: list[Team]
    team: Team | None
    team_ids: set[int]
    range: DateRange
    reps: list[User]
    scope: TeamScope


def team_pick(request) -> tuple[TeamPick, PeriodForm]:
    teams, team = teams_for(request)
    org = OrgSettings.load()
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    date_range = form.date_range(today=today, fiscal_start=org.fiscal_year_start_month)
    team_ids = with_teams_below(team, teams) if team else {t.pk for t in teams}
    reps = list(
        User.objects.reps()
        .filter(team_id__in=team_ids)
        .select_related("team")
        .order_by("first_name", "last_name", "username")
    )
    scope = TeamScope(
        reps=reps,
        team=team,
        start=date_range.start,
        end=date_range.end,
        today=today,
        fiscal_start=org.fiscal_year_start_month,
    )
    return TeamPick(teams=teams, team=team, team_ids=team_ids, range=date_range, reps=reps, scope=scope), form


def _trend_unit(request) -> str:
    unit = request.GET.get("trend", "week")
    return unit if unit in TREND_UNITS else "week"


def _query_without(request, *keys: str) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


@manager_required
def team(request):
    dashboard, form = team_pick(request)
    unit = _trend_unit(request)
    sort = request.GET.get("sort", "name")
    descending = request.GET.get("dir", "desc" if sort != "name" else "asc") == "desc"
    trend_query = _query_without(request, "trend")
    view_query = _query_without(request, "view")
    rep_view = request.GET.get("view", "results")
    context = {
        "dashboard": dashboard,
        "form": form,
        "sort": sort,
        "descending": descending,
        "sort_query": _query_without(request, "sort", "dir"),
        "query": request.GET.urlencode(),
        "unit": unit,
        "trend_query": f"{trend_query}&" if trend_query else "",
        "rep_groups": REP_GROUPS,
        "rep_view": rep_view if rep_view in REP_VIEWS else "results",
        "view_query": f"{view_query}&" if view_query else "",
    }
    # The open pipeline is read live and is part of the key; the other figures are read only
    # when that key is not cached yet (figure_cache).
    pipeline = open_pipeline_by_rep(rep_ids=[rep.pk for rep in dashboard.reps], now=timezone.now())
    figures_key = figure_cache.figures_key(
        "team",
        request=request,
        rep_ids=[rep.pk for rep in dashboard.reps],
        live=sorted(pipeline.items()),
        scope=(
            dashboard.team and dashboard.team.pk,
            sorted(dashboard.team_ids),
            dashboard.range,
            dashboard.scope.fiscal_start,
        ),
    )
    figures_html = cached_figures("team-figures", figures_key)
    if figures_html is None:
        figures = team_figures(scope=dashboard.scope, pipeline=pipeline, trend_unit=unit)
        figures_context = {
            **context,
            "figures": figures,
            "rows": sort_rows(figures.rows, by=sort, descending=descending),
            "total": figures.total,
            "charts": team_charts(figures, reps=dashboard.reps, unit=unit),
            "leaderboards": figures.leaderboards,
            "measure_label": dict(Measure.choices).get(figures.total.quota_measure, ""),
            "last_refreshed": figures.refreshed_at,
            # How well the reps shown forecast the last closed month and quarter (forecast/accuracy.py).
            "forecast_accuracy": accuracy_summaries(
                rep_ids=[rep.pk for rep in dashboard.reps],
                today=dashboard.scope.today,
                fiscal_start=dashboard.scope.fiscal_start,
            ),
        }
        html = render_to_string("dashboards/team.html#team-figures", figures_context, request)
        figures_html = cache_figures("team-figures", figures_key, html)
    context["figures_html"] = figures_html
    template = "dashboards/team.html"
    if request.htmx and request.htmx.target == "dashboard":
        # The picker, the sort headings and the trend switch swap the dashboard below the heading.
        template += "#dashboard"
    return render(request, template, context)


@manager_required
def team_export(request, table: str):
    """One table of the page as CSV, for the same team and period (cells made safe by ``csv_response``)."""
    build = TEAM_TABLES.get(table)
    if build is None:
        raise Http404
    dashboard, _form = team_pick(request)
    header, rows = build(dashboard.scope, _trend_unit(request))
    name = dashboard.team.name if dashboard.team else "all-teams"
    filename = f"team-{table}-{slugify(name)}-{dashboard.range.start:%Y%m%d}-{dashboard.range.end:%Y%m%d}.csv"
    return csv_response(filename=filename, header=[str(h) for h in header], rows=rows)
