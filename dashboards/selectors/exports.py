"""The team dashboard's tables as CSV rows: ``team_table(name, scope=..., trend_unit=...)`` gives
(header, rows) of one table, reading only what that table needs (the reps table does not read the
trend, nor the trend the stage flow). Cells: numbers as they are, ratios rounded, "" for "—"."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .figures import RepFigures, StageFigures
from .team import (
    TeamScope,
    leaderboards,
    revenue_split,
    team_funnels,
    team_quota_shares,
    team_rows,
    team_stage_rows,
    team_total_row,
    trend,
)

Table = tuple[list[str], list[list]]


def _cell(value, digits: int = 1):
    """A figure for a spreadsheet: numbers as they are, ratios rounded, a zero denominator empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, digits)
    return value


REP_HEADER = (
    gettext_noop("Rep"),
    gettext_noop("Team"),
    gettext_noop("Quota"),
    gettext_noop("Achieved"),
    gettext_noop("Attainment %"),
    gettext_noop("Pace %"),
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
    gettext_noop("Calls goal"),
    gettext_noop("Emails"),
    gettext_noop("Emails goal"),
    gettext_noop("Meetings"),
    gettext_noop("Meetings goal"),
    gettext_noop("Connect rate %"),
    gettext_noop("Reply rate %"),
    gettext_noop("Meetings booked"),
    gettext_noop("Meetings held"),
    gettext_noop("Positive rate %"),
    gettext_noop("Selling time %"),
)


def _rep_line(row: RepFigures, team_name: str) -> list:
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
    gettext_noop("Follow-ups per advance"),
)


def _stage_line(name: str, s: StageFigures) -> list:
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


def funnel_table(scope: TeamScope, trend_unit: str) -> Table:
    stage_figures = team_stage_rows(scope=scope)
    funnels = team_funnels(scope=scope, stage_figures=stage_figures)
    lines = [_stage_line(_("Team"), stage["total"]) for funnel in funnels for stage in funnel["stages"]]
    lines += [_stage_line(str(s.rep), s) for s in stage_figures]
    return [_(h) for h in FUNNEL_HEADER], lines


def split_table(attribute: str):
    """The table of one slice of the revenue split (``RevenueSplit`` attribute)."""

    def table(scope: TeamScope, trend_unit: str) -> Table:
        split = revenue_split(reps=scope.reps, start=scope.start, end=scope.end)
        return [_("Name"), _("Deals"), _("Amount")], [
            [row.label, row.deals, row.amount] for row in getattr(split, attribute)
        ]

    return table


def leaderboard_table(scope: TeamScope, trend_unit: str) -> Table:
    header = [_("Leaderboard"), _("Ranked by"), _("Rank"), _("Rep"), _("Figure"), _("% of plan")]
    lines = []
    for board in leaderboards(team_rows(scope=scope)):
        for ranked_by, entries in ((_("figure"), board["by_figure"]), (_("% of plan"), board["by_plan"])):
            for rank, (row, figure, progress) in enumerate(entries, start=1):
                lines.append([board["title"], ranked_by, rank, row.name, figure, _cell(progress)])
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
            p.won_amount,
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
}
