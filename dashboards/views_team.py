"""The manager's team dashboard: one page, its CSV exports, a fixed number of queries.

Managers see the teams they run (and the teams below them), admins every team
or all of them at once, reps nothing (403). A team id the viewer may not see
answers 404, never 403, so guessing ids tells nothing.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.permissions import manager_required
from quotas.models import Measure, OrgSettings
from salestracker.csvio import csv_response

from . import figure_cache
from .charts import Chart, Series
from .periods import DateRange, PeriodForm
from .selectors import figures, per_rep
from .selectors import team as team_reads

TREND_UNITS = ("week", "month")


def _teams_for(request) -> tuple[list[Team], Team | None]:
    """The teams the viewer may pick, and the picked one (None: all of them); 404 for any other id."""
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


def _with_teams_below(team: Team, teams: list[Team]) -> set[int]:
    """The team and every team below it, from the already loaded list (no query)."""
    found, frontier = {team.pk}, {team.pk}
    while frontier:
        frontier = {t.pk for t in teams if t.parent_id in frontier} - found
        found |= frontier
    return found


class TeamDashboard:
    """Everything the page shows, each part read once on first use (so an export reads only its part)."""

    def __init__(self, *, teams: list[Team], team: Team | None, date_range: DateRange, today: date, fiscal_start: int):
        self.teams, self.team, self.range, self.today = teams, team, date_range, today
        self.fiscal_start = fiscal_start
        team_ids = _with_teams_below(team, teams) if team else {t.pk for t in teams}
        self.team_ids = team_ids

    @cached_property
    def reps(self) -> list[User]:
        return list(
            User.objects.reps()
            .filter(team_id__in=self.team_ids)
            .select_related("team")
            .order_by("first_name", "last_name", "username")
        )

    @cached_property
    def pipeline(self) -> dict[int, dict]:
        return per_rep.open_pipeline_by_rep(rep_ids=[rep.pk for rep in self.reps], now=timezone.now())

    def figures_key(self, request) -> str:
        """The key the page's figures are cached under: read before any of them is."""
        return figure_cache.figures_key(
            "team",
            request=request,
            rep_ids=[rep.pk for rep in self.reps],
            live=sorted(self.pipeline.items()),
            scope=(self.team and self.team.pk, sorted(self.team_ids), self.range, self.fiscal_start),
        )

    @cached_property
    def rows(self) -> list[figures.RepFigures]:
        return per_rep.rep_rows(
            reps=self.reps,
            start=self.range.start,
            end=self.range.end,
            today=self.today,
            fiscal_start=self.fiscal_start,
            pipeline=self.pipeline,
        )

    @cached_property
    def total(self) -> figures.RepFigures:
        return per_rep.team_total(
            self.rows,
            team=self.team,
            start=self.range.start,
            end=self.range.end,
            today=self.today,
            fiscal_start=self.fiscal_start,
        )

    @cached_property
    def quota_period(self):
        return self.total.quota_period

    @cached_property
    def stage_figures(self) -> list[figures.StageFigures]:
        kind, period_start = team_reads.stage_period(self.range.start, self.range.end, self.fiscal_start)
        if kind:
            return team_reads.stage_rows(reps=self.reps, period_kind=kind, period_start=period_start)
        return team_reads.stage_rows(reps=self.reps, start=self.range.start, end=self.range.end)

    @cached_property
    def stage_is_weekly_sum(self) -> bool:
        return team_reads.stage_period(self.range.start, self.range.end, self.fiscal_start)[0] is None

    @cached_property
    def funnels(self) -> list[dict]:
        """Per pipeline: the team's stage totals, and each stage's figures per rep (for the matrices)."""
        totals = team_reads.stage_totals(self.stage_figures)
        by_stage: dict[int, dict[int, figures.StageFigures]] = {}
        for row in self.stage_figures:
            by_stage.setdefault(row.stage.pk, {})[row.rep.pk] = row
        pipelines: dict[int, dict] = {}
        for total in totals:
            funnel = pipelines.setdefault(
                total.stage.pipeline_id, {"stages": [], "pipeline_id": total.stage.pipeline_id}
            )
            cells = [by_stage.get(total.stage.pk, {}).get(rep.pk) for rep in self.reps]
            funnel["stages"].append({"total": total, "cells": cells})
        return list(pipelines.values())

    @cached_property
    def split(self) -> figures.RevenueSplit:
        return team_reads.revenue_split(reps=self.reps, start=self.range.start, end=self.range.end)

    def trend(self, unit: str) -> list[figures.TrendPoint]:
        # The 12 weeks or months up to the period's end, or up to today while the period runs.
        return team_reads.trend(reps=self.reps, unit=unit, count=12, end=min(self.range.end, self.today))

    @cached_property
    def quota_shares(self) -> list[figures.QuotaShare]:
        if self.quota_period is None:
            return []
        return team_reads.quota_share_history(
            reps=self.reps, period=self.quota_period, measure=self.total.quota_measure
        )

    def leaderboards(self) -> list[dict]:
        boards = [
            ("booked", _("Meetings booked"), "booked", "booked_progress", ""),
            ("revenue", _("Revenue won"), "won_amount", "revenue_progress", "money"),
            ("calls", _("Calls"), "calls", "calls_progress", ""),
        ]
        return [
            {
                "key": key,
                "title": title,
                "figure": figure,
                "progress": progress,
                "unit": unit,
                "by_figure": [
                    (row, getattr(row, figure), getattr(row, progress))
                    for row in team_reads.leaderboard(self.rows, by=figure)
                ],
                "by_plan": [
                    (row, getattr(row, figure), getattr(row, progress))
                    for row in team_reads.leaderboard(self.rows, by=progress)
                ],
            }
            for key, title, figure, progress, unit in boards
        ]


def _dashboard(request) -> tuple[TeamDashboard, PeriodForm]:
    teams, team = _teams_for(request)
    org = OrgSettings.load()
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    date_range = form.date_range(today=today, fiscal_start=org.fiscal_year_start_month)
    dashboard = TeamDashboard(
        teams=teams, team=team, date_range=date_range, today=today, fiscal_start=org.fiscal_year_start_month
    )
    return dashboard, form


def _trend_unit(request) -> str:
    unit = request.GET.get("trend", "week")
    return unit if unit in TREND_UNITS else "week"


# --- charts -----------------------------------------------------------------------------------


def _period_label(period) -> str:
    if period.kind == "week":
        return period.start.strftime("%d %b")
    return period.start.strftime("%b %Y")


def _charts(dashboard: TeamDashboard, points: list[figures.TrendPoint], unit: str) -> dict[str, Chart]:
    labels = [_period_label(p.period) for p in points]
    unit_name = _("weeks") if unit == "week" else _("months")
    charts = {
        "activity": Chart(
            id="trend-activity",
            title=_("Activity, last 12 %(unit)s") % {"unit": unit_name},
            labels=labels,
            type="line",
            series=[
                Series(_("Calls"), [p.calls for p in points]),
                Series(_("Emails"), [p.emails for p in points]),
                Series(_("Meetings booked"), [p.booked for p in points]),
                Series(_("Meetings held"), [p.held for p in points]),
            ],
        ),
        "revenue": Chart(
            id="trend-revenue",
            title=_("Revenue won, last 12 %(unit)s") % {"unit": unit_name},
            labels=labels,
            unit="money",
            series=[Series(_("Revenue won"), [p.won_amount for p in points])],
        ),
        "win_rate": Chart(
            id="trend-win-rate",
            title=_("Win rate, last 12 %(unit)s") % {"unit": unit_name},
            labels=labels,
            type="line",
            unit="percent",
            series=[Series(_("Win rate"), [p.win_rate for p in points])],
        ),
    }
    if dashboard.quota_shares:
        charts["quota_share"] = Chart(
            id="quota-share",
            title=_("Reps at quota, this and the %(n)s periods before") % {"n": len(dashboard.quota_shares) - 1},
            description=_("The shaded band is 70-80%: where a realistic quota puts the team."),
            labels=[str(s.period) for s in dashboard.quota_shares],
            unit="percent",
            band=(70, 80),
            band_label=_("70-80%"),
            series=[Series(_("Reps at quota"), [s.share for s in dashboard.quota_shares])],
        )
    if dashboard.split.lead_source:
        charts["lead_source"] = Chart(
            id="revenue-lead-source",
            title=_("Revenue by lead source"),
            labels=[row.label for row in dashboard.split.lead_source],
            unit="money",
            horizontal=True,
            series=[Series(_("Revenue won"), [row.amount for row in dashboard.split.lead_source])],
        )
    for funnel in dashboard.funnels:
        stages = [s["total"] for s in funnel["stages"]]
        funnel["chart"] = Chart(
            id=f"funnel-{funnel['pipeline_id']}",
            title=_("Deals entering each stage"),
            labels=[s.stage.name for s in stages],
            horizontal=True,
            series=[
                Series(_("Entered"), [s.entered for s in stages]),
                Series(_("Advanced"), [s.advanced for s in stages]),
                Series(_("Lost"), [s.lost for s in stages]),
            ],
        )
        funnel["days_chart"] = Chart(
            id=f"days-{funnel['pipeline_id']}",
            title=_("Days in stage, team and each rep"),
            labels=[s.stage.name for s in stages],
            unit="days",
            horizontal=True,
            series=[Series(_("Team"), [s.days_in_stage for s in stages])]
            + [
                Series(str(rep), [s["cells"][i].days_in_stage if s["cells"][i] else None for s in funnel["stages"]])
                for i, rep in enumerate(dashboard.reps)
            ],
        )
    return charts


# --- the page ---------------------------------------------------------------------------------


def _last_refreshed(dashboard: TeamDashboard, points: list[figures.TrendPoint]):
    return figures.last_refreshed(
        dashboard.total.computed_at,
        dashboard.split.computed_at,
        points[0].computed_at if points else None,
        *(s["total"].computed_at for f in dashboard.funnels for s in f["stages"]),
    )


@manager_required
def team(request):
    dashboard, form = _dashboard(request)
    unit = _trend_unit(request)
    sort = request.GET.get("sort", "name")
    descending = request.GET.get("dir", "desc" if sort != "name" else "asc") == "desc"
    # The figures are computed on first use, inside the template's cached fragment: a
    # cache hit reads none of them (figure_cache).
    figures_key = dashboard.figures_key(request)
    points = SimpleLazyObject(lambda: dashboard.trend(unit))
    query = request.GET.copy()
    for key in ("sort", "dir"):
        query.pop(key, None)
    trend_query = request.GET.copy()
    trend_query.pop("trend", None)
    trend_query = trend_query.urlencode()
    context = {
        "dashboard": dashboard,
        "form": form,
        "figures_key": figures_key,
        "figures_timeout": figure_cache.TIMEOUT,
        "rows": SimpleLazyObject(lambda: team_reads.sort_rows(dashboard.rows, by=sort, descending=descending)),
        "total": SimpleLazyObject(lambda: dashboard.total),
        "sort": sort,
        "descending": descending,
        "sort_query": query.urlencode(),
        "query": request.GET.urlencode(),
        "unit": unit,
        "charts": SimpleLazyObject(lambda: _charts(dashboard, points, unit)),
        "leaderboards": SimpleLazyObject(dashboard.leaderboards),
        "trend_query": f"{trend_query}&" if trend_query else "",
        "measure_label": SimpleLazyObject(lambda: dict(Measure.choices).get(dashboard.total.quota_measure, "")),
        "last_refreshed": SimpleLazyObject(lambda: _last_refreshed(dashboard, points)),
    }
    template = "dashboards/team.html"
    if request.htmx and request.htmx.target == "dashboard":
        # The picker, the sort headings and the trend switch swap the dashboard below the heading.
        template += "#dashboard"
    return render(request, template, context)


# --- CSV exports ------------------------------------------------------------------------------


def _cell(value, digits: int = 1):
    """A figure for a spreadsheet: numbers as they are, ratios rounded, a zero denominator empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, digits)
    return value


def _reps_table(dashboard: TeamDashboard, request):
    header = [
        _("Rep"),
        _("Team"),
        _("Quota"),
        _("Achieved"),
        _("Attainment %"),
        _("Pace %"),
        _("Won revenue"),
        _("Won deals"),
        _("Lost deals"),
        _("Win rate %"),
        _("Average deal size"),
        _("Cycle length (days)"),
        _("Open deals"),
        _("Open value"),
        _("Weighted value"),
        _("Stale deals"),
        _("Calls"),
        _("Calls goal"),
        _("Emails"),
        _("Emails goal"),
        _("Meetings"),
        _("Meetings goal"),
        _("Connect rate %"),
        _("Reply rate %"),
        _("Meetings booked"),
        _("Meetings held"),
        _("Positive rate %"),
        _("Selling time %"),
    ]

    def line(row, team_name):
        return [
            row.name,
            team_name,
            _cell(row.quota_target),
            _cell(row.quota_achieved),
            _cell(row.attainment),
            _cell(row.pace),
            row.won_amount,
            row.won_deals,
            row.lost_deals,
            _cell(row.win_rate),
            _cell(row.average_deal and round(row.average_deal, 2)),
            _cell(row.cycle_length),
            row.open_deals,
            row.open_amount,
            _cell(round(row.weighted_amount, 2)),
            row.stale_deals,
            row.calls,
            _cell(row.calls_goal and round(row.calls_goal, 1)),
            row.emails,
            _cell(row.emails_goal and round(row.emails_goal, 1)),
            row.meetings,
            _cell(row.meetings_goal and round(row.meetings_goal, 1)),
            _cell(row.connect_rate),
            _cell(row.reply_rate),
            row.booked,
            row.held,
            _cell(row.positive_rate),
            _cell(row.selling_share),
        ]

    rows = [line(row, row.rep.team.name if row.rep.team else "") for row in dashboard.rows]
    rows.append(line(dashboard.total, dashboard.team.name if dashboard.team else _("All teams")))
    return header, rows


def _funnel_table(dashboard: TeamDashboard, request):
    header = [
        _("Rep"),
        _("Stage"),
        _("Entered"),
        _("Advanced"),
        _("Conversion %"),
        _("Lost"),
        _("Leakage %"),
        _("Won"),
        _("Still open"),
        _("Completed stays"),
        _("Average days in stage"),
        _("Follow-ups per advance"),
    ]

    def line(name, s):
        return [
            name,
            s.stage.name,
            s.entered,
            s.advanced,
            _cell(s.conversion),
            s.lost,
            _cell(s.leakage),
            s.won,
            s.still_open,
            s.stays,
            _cell(s.days_in_stage),
            _cell(s.followups_per_advance),
        ]

    rows = [line(_("Team"), stage["total"]) for funnel in dashboard.funnels for stage in funnel["stages"]]
    rows += [line(str(s.rep), s) for s in dashboard.stage_figures]
    return header, rows


def _split_table(attribute):
    def table(dashboard: TeamDashboard, request):
        header = [_("Name"), _("Deals"), _("Amount")]
        return header, [[row.label, row.deals, row.amount] for row in getattr(dashboard.split, attribute)]

    return table


def _leaderboard_table(dashboard: TeamDashboard, request):
    header = [_("Leaderboard"), _("Ranked by"), _("Rank"), _("Rep"), _("Figure"), _("% of plan")]
    rows = []
    for board in dashboard.leaderboards():
        for ranked_by, entries in ((_("figure"), board["by_figure"]), (_("% of plan"), board["by_plan"])):
            for rank, (row, figure, progress) in enumerate(entries, start=1):
                rows.append([board["title"], ranked_by, rank, row.name, figure, _cell(progress)])
    return header, rows


def _trend_table(dashboard: TeamDashboard, request):
    header = [
        _("Period"),
        _("Starts"),
        _("Calls"),
        _("Emails"),
        _("Meetings"),
        _("Meetings booked"),
        _("Meetings held"),
        _("Won deals"),
        _("Revenue won"),
        _("Lost deals"),
        _("Win rate %"),
    ]
    rows = [
        [
            str(p.period),
            p.period.start.isoformat(),
            p.calls,
            p.emails,
            p.meetings,
            p.booked,
            p.held,
            p.won_deals,
            p.won_amount,
            p.lost_deals,
            _cell(p.win_rate),
        ]
        for p in dashboard.trend(_trend_unit(request))
    ]
    return header, rows


def _quota_share_table(dashboard: TeamDashboard, request):
    header = [_("Period"), _("Reps at quota"), _("Reps with a quota"), _("Share %")]
    return header, [[str(s.period), s.at_quota, s.with_quota, _cell(s.share)] for s in dashboard.quota_shares]


EXPORTS = {
    "reps": _reps_table,
    "funnel": _funnel_table,
    "lead-sources": _split_table("lead_source"),
    "territories": _split_table("territory"),
    "segments": _split_table("segment"),
    "deal-types": _split_table("deal_type"),
    "competitors": _split_table("competitors"),
    "leaderboards": _leaderboard_table,
    "trend": _trend_table,
    "quota-share": _quota_share_table,
}


@manager_required
def team_export(request, table: str):
    """One table of the page as CSV, for the same team and period (cells made safe by ``csv_response``)."""
    build = EXPORTS.get(table)
    if build is None:
        raise Http404
    dashboard, _form = _dashboard(request)
    header, rows = build(dashboard, request)
    name = dashboard.team.name if dashboard.team else "all-teams"
    filename = f"team-{table}-{slugify(name)}-{dashboard.range.start:%Y%m%d}-{dashboard.range.end:%Y%m%d}.csv"
    return csv_response(filename=filename, header=[str(h) for h in header], rows=rows)
