"""The dashboards' tables as CSV rows, each (header, rows) reading only what its table needs.

- ``TEAM_TABLES[name](scope, trend_unit)``: the team dashboard's (the reps table does not read the
  trend, nor the trend the stage flow); cells are numbers as they are, ratios rounded, "" for "—";
- ``MY_WEEK_TABLES[name](rep, today, now)``: "My week"'s;
- ``ONE_ON_ONE_TABLES[name](page)``: the one-on-one page's, from its ``OneOnOnePage``;
  percentages and days with one decimal, money with two, "—" for a zero denominator.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salestracker.csvio import decimal_text

from .figures import RepFigures, StageFigures
from .rep import day_activity, goal_lines, my_week, open_pipeline, rep_goals, stale_deals, upcoming_meetings
from .team import (
    TeamScope,
    leaderboards,
    revenue_split,
    team_funnels_shown,
    team_quota_shares,
    team_rows,
    team_stage_rows,
    team_time_spent,
    team_total_row,
    trend,
)

Table = tuple[list[str], list[list]]


def _cell(value, digits: int = 1):
    """A figure for a spreadsheet: counts as they are, ratios and decimals rounded to ``digits``, a zero
    denominator empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, Decimal):
        return decimal_text(value, digits)
    return value


def _money(value):
    """Money in the team dashboard's CSV: two decimals (docs/metrics.md), empty for "—"."""
    return _cell(value, 2)


REP_HEADER = (
    gettext_noop("Rep"),
    gettext_noop("Team"),
    gettext_noop("Quota"),
    gettext_noop("Achieved"),
    gettext_noop("Attainment %"),
    gettext_noop("Pace %"),
    gettext_noop("Stretch attainment %"),
    gettext_noop("Won revenue"),
    gettext_noop("Won deals"),
    gettext_noop("Lost deals"),
    gettext_noop("Win rate %"),
    gettext_noop("Average deal size"),
    gettext_noop("Cycle length (days)"),
    gettext_noop("Open deals"),
    gettext_noop("Open value"),
    gettext_noop("Weighted value"),
    gettext_noop("Stale deals"),
    gettext_noop("Calls"),
    gettext_noop("Calls goal count"),
    gettext_noop("Calls goal"),
    gettext_noop("Emails"),
    gettext_noop("Emails goal count"),
    gettext_noop("Emails goal"),
    gettext_noop("Meetings"),
    gettext_noop("Meetings goal count"),
    gettext_noop("Meetings goal"),
    gettext_noop("Connect rate %"),
    gettext_noop("Reply rate %"),
    gettext_noop("Meetings booked"),
    gettext_noop("Meetings booked goal count"),
    gettext_noop("Meetings held"),
    gettext_noop("Positive rate %"),
    gettext_noop("Selling time %"),
)


def _goal_count(count: int, goal) -> int | str:
    """The count a goal's percentage is taken from (the goal's days in the range, which may be fewer
    than the range's when the goal began inside it), as the page shows it before "/ plan"; empty
    without a goal."""
    return "" if goal is None else count


def _rep_line(row: RepFigures, team_name: str) -> list:
    return [
        row.name,
        team_name,
        _money(row.quota_target),
        _money(row.quota_achieved),
        _cell(row.attainment),
        _cell(row.pace),
        _cell(row.stretch_attainment),
        _money(row.won_amount),
        row.won_deals,
        row.lost_deals,
        _cell(row.win_rate),
        _money(row.average_deal),
        _cell(row.cycle_length),
        row.open_deals,
        _money(row.open_amount),
        _money(row.weighted_amount),
        row.stale_deals,
        row.calls,
        _goal_count(row.calls_goal_count, row.calls_goal),
        _cell(row.calls_goal),
        row.emails,
        _goal_count(row.emails_goal_count, row.emails_goal),
        _cell(row.emails_goal),
        row.meetings,
        _goal_count(row.meetings_goal_count, row.meetings_goal),
        _cell(row.meetings_goal),
        _cell(row.connect_rate),
        _cell(row.reply_rate),
        row.booked,
        _goal_count(row.booked_goal_count, row.meetings_goal),  # booked is held to the meetings goal
        row.held,
        _cell(row.positive_rate),
        _cell(row.selling_share),
    ]


def reps_table(scope: TeamScope, trend_unit: str) -> Table:
    rows = team_rows(scope=scope)
    total = team_total_row(scope=scope, rows=rows)
    lines = [_rep_line(row, row.rep.team.name if row.rep.team else "") for row in rows]
    lines.append(_rep_line(total, scope.team.name if scope.team else _("All teams")))
    return [_(h) for h in REP_HEADER], lines


FUNNEL_HEADER = (
    gettext_noop("Rep"),
    gettext_noop("Stage"),
    gettext_noop("Entered"),
    gettext_noop("Advanced"),
    gettext_noop("Conversion %"),
    gettext_noop("Lost"),
    gettext_noop("Leakage %"),
    gettext_noop("Won"),
    gettext_noop("Still open"),
    gettext_noop("Completed stays"),
    gettext_noop("Average days in stage"),
    gettext_noop("Median days in stage"),
    gettext_noop("Follow-ups per advance"),
    gettext_noop("Opportunity-to-win %"),
)


def _stage_line(name: str, s: StageFigures, median: float | None = None, opportunity_to_win: float | None = None):
    """A funnel row; the median and the opportunity-to-win rate (the stage's pipeline's) are the team's
    only, as the page shows them, so a rep's row leaves them empty."""
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
        _cell(median),
        _cell(s.followups_per_advance),
        _cell(opportunity_to_win),
    ]


def funnel_table(scope: TeamScope, trend_unit: str) -> Table:
    stage_figures = team_stage_rows(scope=scope)
    funnels = team_funnels_shown(scope=scope, stage_figures=stage_figures)
    lines = [
        _stage_line(_("Team"), stage["total"], stage["median"], funnel["opportunity_to_win"])
        for funnel in funnels
        for stage in funnel["stages"]
    ]
    lines += [_stage_line(str(s.rep), s) for s in stage_figures]
    return [_(h) for h in FUNNEL_HEADER], lines


def split_table(attribute: str):
    """The table of one slice of the revenue split (``RevenueSplit`` attribute)."""

    def table(scope: TeamScope, trend_unit: str) -> Table:
        split = revenue_split(reps=scope.reps, start=scope.start, end=scope.end)
        return [_("Name"), _("Deals"), _("Amount")], [
            [row.label, row.deals, _money(row.amount)] for row in getattr(split, attribute)
        ]

    return table


def leaderboard_table(scope: TeamScope, trend_unit: str) -> Table:
    # The team page's message, whose "%%" (one percent sign once formatted) translators see as such.
    of_plan = _("%% of plan") % ()
    header = [_("Leaderboard"), _("Ranked by"), _("Rank"), _("Rep"), _("Figure"), of_plan]
    lines = []
    for board in leaderboards(team_rows(scope=scope)):
        for ranked_by, entries in ((_("figure"), board["by_figure"]), (of_plan, board["by_plan"])):
            for rank, (row, figure, progress) in enumerate(entries, start=1):
                lines.append([board["title"], ranked_by, rank, row.name, _cell(figure, 2), _cell(progress)])
    return header, lines


TREND_HEADER = (
    gettext_noop("Period"),
    gettext_noop("Starts"),
    gettext_noop("Calls"),
    gettext_noop("Emails"),
    gettext_noop("Meetings"),
    gettext_noop("Meetings booked"),
    gettext_noop("Meetings held"),
    gettext_noop("Won deals"),
    gettext_noop("Revenue won"),
    gettext_noop("Lost deals"),
    gettext_noop("Win rate %"),
)


def trend_table(scope: TeamScope, trend_unit: str) -> Table:
    points = trend(reps=scope.reps, unit=trend_unit, count=12, end=scope.trend_end)
    lines = [
        [
            str(p.period),
            p.period.start.isoformat(),
            p.calls,
            p.emails,
            p.meetings,
            p.booked,
            p.held,
            p.won_deals,
            _money(p.won_amount),
            p.lost_deals,
            _cell(p.win_rate),
        ]
        for p in points
    ]
    return [_(h) for h in TREND_HEADER], lines


def quota_share_table(scope: TeamScope, trend_unit: str) -> Table:
    total = team_total_row(scope=scope, rows=team_rows(scope=scope))
    header = [_("Period"), _("Reps at quota"), _("Reps with a quota"), _("Share %")]
    shares = team_quota_shares(scope=scope, total=total)
    return header, [[str(s.period), s.at_quota, s.with_quota, _cell(s.share)] for s in shares]


def _percent_cell(value: float | None) -> str:
    """A percentage (already x 100) with one decimal, rounded half up; empty for "—"."""
    return "" if value is None else decimal_text(Decimal(str(value)), 1)


TIME_SPENT_HEADER = (
    gettext_noop("Kind"),
    gettext_noop("Selling"),
    gettext_noop("Activities"),
    gettext_noop("Minutes"),
    gettext_noop("Share of time %"),
)


def time_spent_table(scope: TeamScope, trend_unit: str) -> Table:
    """The time spent panel: a row per kind, then the selling time and the total, as the panel shows."""
    spent = team_time_spent(scope=scope)
    lines = [
        [k.label, _("yes") if k.is_selling else _("no"), k.count, k.minutes, _percent_cell(k.share)]
        for k in spent.kinds
    ]
    lines.append([_("Selling time"), "", "", spent.selling_minutes, _percent_cell(spent.selling_share)])
    lines.append([_("Total"), "", spent.count, spent.minutes, ""])
    return [_(h) for h in TIME_SPENT_HEADER], lines


TEAM_TABLES = {
    "reps": reps_table,
    "funnel": funnel_table,
    "lead-sources": split_table("lead_source"),
    "territories": split_table("territory"),
    "segments": split_table("segment"),
    "deal-types": split_table("deal_type"),
    "competitors": split_table("competitors"),
    "leaderboards": leaderboard_table,
    "trend": trend_table,
    "quota-share": quota_share_table,
    "time-spent": time_spent_table,
}


NO_RATIO = "—"


def _csv_percent(value) -> str:
    """A fraction (1 = 100%) as a CSV percentage with one decimal; "—" for a zero denominator."""
    if value is None:
        return NO_RATIO
    return decimal_text(Decimal(value) * 100, 1)


def _csv_money(value) -> str:
    return "" if value is None else decimal_text(Decimal(value), 2)


# --- My week -------------------------------------------------------------------------------


def goal_rows(lines):
    header = [
        _("Priority"),
        _("Goal"),
        _("For"),
        _("Period"),
        _("Count"),
        _("Target"),
        _("Progress (%)"),
        _("Pace (%)"),
        _("Left"),
        _("Left per remaining day"),
    ]
    rows = [
        [
            line.goal.priority,
            f"{line.goal.get_metric_display()} {line.goal.get_frequency_display()}",
            str(line.goal.team) if line.is_team else _("me"),
            str(line.progress.period),
            line.progress.count,
            line.progress.target,
            _csv_percent(line.progress.ratio),
            _csv_percent(line.progress.pace),
            line.left,
            line.per_day,
        ]
        for line in lines
    ]
    return header, rows


def quota_rows(lines):
    header = [
        _("Period"),
        _("Measured in"),
        _("Target"),
        _("Achieved"),
        _("Attainment (%)"),
        _("Pace (%)"),
        _("Stretch attainment (%)"),
        _("Deals needed"),
        _("Meetings needed"),
        _("Calls needed"),
    ]
    rows = []
    for line in lines:
        funnel = line.funnel
        rows.append(
            [
                str(line.period),
                line.quota.get_measure_display(),
                _csv_money(line.quota.target),
                _csv_money(line.achieved),
                _csv_percent(line.attainment),
                _csv_percent(line.pace),
                _csv_percent(line.stretch_attainment),
                funnel.deals if funnel else "",
                funnel.meetings if funnel else "",
                funnel.calls if funnel else "",
            ]
        )
    return header, rows


def pipeline_rows(pipeline):
    header = [_("Pipeline"), _("Stage"), _("Deals"), _("Value"), _("Weighted value")]
    rows = [[s.pipeline, s.stage, s.deals, _csv_money(s.value), _csv_money(s.weighted)] for s in pipeline.stages]
    rows.append([_("Total"), "", pipeline.deals, _csv_money(pipeline.value), _csv_money(pipeline.weighted)])
    return header, rows


def stale_rows(deals):
    header = [_("Deal"), _("Owner"), _("Company"), _("Stage"), _("Days in stage"), _("Stale after (days)"), _("Amount")]
    rows = [
        [
            deal.title,
            str(deal.owner),
            str(deal.company),
            str(deal.stage),
            f"{deal.age_days:.1f}",
            f"{deal.limit_days:.1f}",
            _csv_money(deal.amount),
        ]
        for deal in deals
    ]
    return header, rows


def upcoming_rows(meetings):
    header = [_("When"), _("Kind"), _("Company"), _("Deal")]
    rows = [
        [
            formats.date_format(timezone.localtime(m.occurred_at), "SHORT_DATETIME_FORMAT"),
            m.get_kind_display(),
            str(m.company or ""),
            str(m.deal or ""),
        ]
        for m in meetings
    ]
    return header, rows


def day_rows(day):
    header = [_("Kind"), _("Count"), _("Minutes"), _("Connected"), _("Replied"), _("Held"), _("Booked")]
    rows = [[k.label, k.count, k.minutes, k.connected, k.replied, k.held, k.booked] for k in day.kinds]
    return header, rows


# Each reads only what its table needs.
MY_WEEK_TABLES = {
    "goals": lambda rep, today, now: goal_rows(goal_lines(rep=rep, goals=rep_goals(rep=rep), today=today)),
    "quotas": lambda rep, today, now: quota_rows(my_week(rep=rep, today=today, now=now).quotas),
    "pipeline": lambda rep, today, now: pipeline_rows(open_pipeline(owner_ids=[rep.pk])),
    "stale": lambda rep, today, now: stale_rows(stale_deals(owner_ids=[rep.pk], now=now)),
    "upcoming": lambda rep, today, now: upcoming_rows(upcoming_meetings(rep=rep, now=now)),
    "today": lambda rep, today, now: day_rows(day_activity(rep=rep, day=today)),
}


# --- the one-on-one page ------------------------------------------------------------------------


def _fmt(value, unit: str) -> str:
    """A figure for CSV: percentages and days with one decimal, money with two, counts whole; "—" for None."""
    if value is None or value == "":
        return NO_RATIO
    number = Decimal(str(value))
    if unit in ("percent", "days"):
        return decimal_text(number, 1)
    if unit == "money":
        return decimal_text(number, 2)
    return decimal_text(number, 0) if number == number.to_integral_value() else decimal_text(number, 2)


def figure_rows(page):
    keeper = page.keeping is not None
    header = [_("Figure"), str(page.rep), _("Team average")]
    if keeper:
        header.append(_("At the last one-on-one"))
    rows = []
    for line in page.figures:
        row = [str(line.label), _fmt(line.rep, line.unit), _fmt(line.team, line.unit)]
        if keeper:
            row.append(_fmt(line.previous, line.unit))
        rows.append(row)
    return header, rows


def stage_compare_rows(page):
    header = [
        _("Stage"),
        _("Entered"),
        _("Conversion (%)"),
        _("Team conversion (%)"),
        _("Leakage (%)"),
        _("Team leakage (%)"),
        _("Days in stage"),
        _("Team days in stage"),
    ]
    rows = []
    for line in page.stages:
        rep, team = line.rep, line.team
        rows.append(
            [
                str(line.stage),
                rep.entered if rep else 0,
                _fmt(rep.conversion if rep else None, "percent"),
                _fmt(team.conversion if team else None, "percent"),
                _fmt(rep.leakage if rep else None, "percent"),
                _fmt(team.leakage if team else None, "percent"),
                _fmt(rep.days_in_stage if rep else None, "days"),
                _fmt(team.days_in_stage if team else None, "days"),
            ]
        )
    return header, rows


def goal_history_rows(page):
    header = [_("Goal"), _("Period"), _("Count"), _("Target"), _("Progress (%)")]
    rows = [
        [
            f"{history.goal.get_metric_display()} {history.goal.get_frequency_display()}",
            str(progress.period),
            progress.count,
            progress.target,
            _csv_percent(progress.ratio),
        ]
        for history in page.goals
        for progress in history.periods
    ]
    return header, rows


def trend_rows(page):
    header = [_("Week of"), _("Calls"), _("Team average calls"), _("Meetings held"), _("Team average meetings held")]
    header += [_("Won revenue"), _("Team average won revenue")]
    n = page.team_size
    rows = []
    for i, point in enumerate(page.rep_trend):
        team = page.team_trend[i] if page.team_trend and n else None
        rows.append(
            [
                point.period.start.isoformat(),
                point.calls,
                _fmt(Decimal(team.calls) / n if team else None, "days"),
                point.held,
                _fmt(Decimal(team.held) / n if team else None, "days"),
                _csv_money(point.won_amount),
                _csv_money(Decimal(team.won_amount) / n if team else None),
            ]
        )
    return header, rows


ONE_ON_ONE_TABLES = {
    "figures": figure_rows,
    "stages": stage_compare_rows,
    "stale": lambda page: stale_rows(page.stale),
    "goals": goal_history_rows,
    "quotas": lambda page: quota_rows(page.quotas),
    "trend": trend_rows,
}
